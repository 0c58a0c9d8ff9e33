"""A generated corpus of goal sentences with known answers (issue 9).

Sentences are composed from metric phrases × target forms × number forms × period forms ×
word orders, in zh-TW and English; each carries the answer it must parse to (metric, target
kind and value, period, cadence, baseline), computed here from its parts, never by the parser.
The plan starts on :data:`START` (a Q2 start: year-less Q1 is next year's, Q3 this year's).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

START = date(2026, 4, 1)
_ZH_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Case:
    text: str
    lang: str
    metric: str
    kind: str
    value: float
    period: tuple[str, str] | None
    cadence: str | None = None
    baseline: float | None = None


def to_zh(n: int) -> str:
    """An integer below 10^8 in Chinese numerals as written in Taiwan (十二萬, 一百零五萬)."""
    def below_wan(v: int, leading: bool) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = v // unit % 10
            if d == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            if unit == 10 and d == 1 and not out and leading:
                out += "十"
            else:
                out += _ZH_DIGITS[d] + name
        return out
    wan, rest = divmod(n, 10_000)
    if not wan:
        return below_wan(rest, True)
    text = below_wan(wan, True) + "萬"
    if rest:
        text += ("零" if rest < 1000 else "") + below_wan(rest, False)
    return text


def _fullwidth(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


def _fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,}"


def zh_amounts(v: int, currency: bool) -> list[str]:
    """The ways a zh-TW writer writes ``v``."""
    zh = to_zh(v)
    forms = [_fmt(v), zh]
    if zh.startswith(("二千", "二萬", "二百")):
        forms.append("兩" + zh[1:])  # 兩千, as most people write it
    if v % 10_000 and v > 10_000 and v % 1_000 == 0 and (v % 10_000) // 1_000 and not v % 1_000:
        forms.append(f"{v // 10_000}萬{(v % 10_000) // 1_000}千")  # 1萬5千
    if v >= 10_000 and v % 10_000 and v % 1_000 == 0 and v < 100_000:
        forms.append(to_zh(v).replace("千", ""))  # 三萬五 = 35,000
    if v % 10_000 == 0:
        forms += [f"{v // 10_000} 萬", _fullwidth(f"{v // 10_000}") + "萬"]
    elif v % 1_000 == 0 and v >= 10_000:
        forms += [f"{v / 10_000:g} 萬"]
    if v % 1_000 == 0 and v < 10_000:
        forms += [f"{v // 1000} 千"]
    if currency:
        forms += [f"NT${_fmt(v)}", f"{_fmt(v)} 元"] + ([f"{v // 10_000} 萬元"] if v % 10_000 == 0 else [])
    return forms


def en_amounts(v: int, currency: bool) -> list[str]:
    forms = [_fmt(v)]
    if v % 1000 == 0:
        forms.append(f"{v // 1000}k")
    if v % 100_000 == 0 and v >= 1_000_000:
        forms.append(f"{v / 1e6:g} million")
    if currency:
        forms.append(f"NT${_fmt(v)}")
    return forms


# metric key -> (zh phrases, en phrases, unit, lower is better)
METRICS: dict[str, tuple[list[str], list[str], str, bool]] = {
    "revenue": (["營收", "營業額", "銷售額"], ["revenue", "sales"], "currency", False),
    "orders": (["訂單數"], ["orders"], "count", False),
    "organic_sessions": (["自然流量", "網站自然流量"], ["organic traffic"], "count", False),
    "sessions": (["官網流量", "網站流量"], ["website traffic"], "count", False),
    "followers": (["IG 追蹤數", "粉絲數", "粉專按讚數"], ["followers", "Instagram followers"], "count", False),
    "paid_members": (["付費會員數"], ["paid members"], "count", False),
    "leads": (["潛在客戶數", "詢問單"], ["leads"], "count", False),
    "line_friends": (["LINE 好友數"], ["LINE friends"], "count", False),
    "mrr": (["MRR"], ["MRR"], "currency", False),
    "aov": (["客單價"], ["average order value"], "currency", False),
    "roas": (["ROAS", "投報率"], ["ROAS"], "ratio", False),
    "conversion_rate": (["轉換率", "網站轉換率"], ["conversion rate"], "percent", False),
    "open_rate": (["開信率"], ["open rate"], "percent", False),
    "trial_conversion_rate": (["試用轉付費率"], ["trial conversion rate"], "percent", False),
    "churn_rate": (["流失率"], ["churn", "churn rate"], "percent", True),
    "cpa": (["CPA"], ["CPA"], "currency", True),
    "cac": (["CAC"], ["CAC"], "currency", True),
}

# A target form: (zh words, en verb, en words, kind, value in metric units, baseline or None).
Target = tuple[str, str, str, str, float, float | None]


def targets(unit: str, lower: bool) -> Iterator[Target]:
    money = unit == "currency"
    if unit in ("count", "currency") and not lower:
        for p in (10, 25, 12.5, 50):
            yield f"成長 {p:g}%", "grow", f"{p:g}%", "change_pct", p, None
            yield f"提升 {p:g}%", "increase", f"by {p:g}%", "change_pct", p, None
        for p in (30, 20):
            yield f"成長 {p // 10} 成", "increase", f"by {p}%", "change_pct", p, None
            yield f"成長百分之{to_zh(p)}", "grow", f"{p} percent", "change_pct", p, None
        for v in (15_000, 50_000, 120_000, 1_205_000, 1_500_000, 35_000):
            for zh, en in zip(zh_amounts(v, money), en_amounts(v, money) * 5, strict=False):
                yield f"達到 {zh}", "grow", f"to {en}", "level", v, None
            yield f"要做到 {zh_amounts(v, money)[-1]}", "get", f"to {en_amounts(v, money)[-1]}", "level", v, None
        yield "從 80 萬提升到 100 萬", "grow", "from 800,000 to 1,000,000", "level", 1_000_000, 800_000
    if unit in ("count", "currency") and lower:
        for v in (500, 1_200, 350):
            for zh, en in zip(zh_amounts(v, money), en_amounts(v, money) * 5, strict=False):
                yield f"控制在 {zh} 以下", "keep", f"under {en}", "ceiling", v, None
        for p in (10, 20):
            yield f"降低 {p}%", "reduce", f"by {p}%", "change_pct", -p, None
    if unit == "percent":
        for x in (3, 2.5, 20, 35):
            word = "降到" if lower else "提升到"
            verb = "reduce" if lower else "raise"
            yield f"{word} {x:g}%", verb, f"to {x:g}%", "level", x / 100, None
        for k in (2, 5):
            if not lower:
                yield f"提升 {k} 個百分點", "raise", f"by {k} percentage points", "change_pp", k, None
                yield f"增加 {to_zh(k)}個百分點", "raise", f"by {k} pp", "change_pp", k, None
        if lower:
            yield "由 5% 降到 3%", "reduce", "from 5% to 3%", "level", 0.03, 0.05
            yield "控制在 2% 以下", "keep", "under 2%", "ceiling", 0.02, None
        else:
            yield "從 2% 提升到 2.5%", "raise", "from 2% to 2.5%", "level", 0.025, 0.02
    if unit == "ratio":
        for r in (4, 5.5, 3):
            yield f"提升到 {r:g}", "raise", f"to {r:g}", "level", r, None


def _q(y: int, q: int) -> tuple[str, str]:
    first = 3 * (q - 1) + 1
    end = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}[q]
    return f"{y}-{first:02d}-01", f"{y}-{end}"


S = START.isoformat()
# (zh form, en form or None, expected period)
PERIODS: list[tuple[str | None, str | None, tuple[str, str]]] = [
    ("年底前", "by year-end", (S, "2026-12-31")),
    ("2026 年底以前", "by the end of the year", (S, "2026-12-31")),
    ("民國 115 年第 4 季", "in the fourth quarter of 2026", _q(2026, 4)),
    ("115 年第三季", "in Q3 of 2026", _q(2026, 3)),
    (None, "in the first half of 2027", ("2027-01-01", "2027-06-30")),
    (None, "in the second half", ("2026-07-01", "2026-12-31")),
    (None, "in FY2027", ("2027-01-01", "2027-12-31")),
    (None, "by 12/31/2026", (S, "2026-12-31")),
    ("H2", "during H2", ("2026-07-01", "2026-12-31")),
    ("2026/Q3", "3Q26", _q(2026, 3)),
    ("26Q4", "in 2026-Q4", _q(2026, 4)),
    ("6/30 前", "by June 30", (S, "2026-06-30")),
    ("6 月 30 日前", "before Jun 30", (S, "2026-06-30")),
    ("7 月", "in July", ("2026-07-01", "2026-07-31")),
    ("7、8 月", None, ("2026-07-01", "2026-08-31")),
    (None, "in Sep 2026", ("2026-09-01", "2026-09-30")),
    (None, "in FY27", ("2027-01-01", "2027-12-31")),
    ("2026 年", "in 2026", ("2026-01-01", "2026-12-31")),
    ("2027 年全年", "for full-year 2027", ("2027-01-01", "2027-12-31")),
    ("115 年", None, ("2026-01-01", "2026-12-31")),
    ("民國 116 年", None, ("2027-01-01", "2027-12-31")),
    ("115 年度", None, ("2026-01-01", "2026-12-31")),
    ("114 年", "in 2025", ("2025-01-01", "2025-12-31")),
    ("2026 年底前", "by end of 2026", (S, "2026-12-31")),
    ("115 年底前", "by the end of 2026", (S, "2026-12-31")),
    ("今年", "this year", ("2026-01-01", "2026-12-31")),
    ("明年", "next year", ("2027-01-01", "2027-12-31")),
    ("明年底前", "by the end of next year", (S, "2027-12-31")),
    ("第三季", "in Q3", _q(2026, 3)),
    ("Q3", "Q3", _q(2026, 3)),
    ("第 3 季", "during Q3", _q(2026, 3)),
    ("第一季", "in Q1", _q(2027, 1)),
    ("第二季", "in Q2", _q(2026, 2)),
    ("2026 年第四季", "in Q4 2026", _q(2026, 4)),
    ("2027 年 Q2", "in Q2 2027", _q(2027, 2)),
    ("2026 年第三季底前", "by Q3 2026", (S, "2026-09-30")),
    ("第三季底前", "by end of Q3", (S, "2026-09-30")),
    ("上半年", "in H1", ("2026-01-01", "2026-06-30")),
    ("下半年", "in H2", ("2026-07-01", "2026-12-31")),
    ("2027 年上半年", "in H1 2027", ("2027-01-01", "2027-06-30")),
    ("一年內", "within a year", (S, "2027-03-31")),
    ("6 個月內", "within 6 months", (S, "2026-09-30")),
    ("半年內", "within the next 6 months", (S, "2026-09-30")),
    ("下一季", "next quarter", _q(2026, 3)),
    ("2026 年 9 月底前", "by Sep 2026", (S, "2026-09-30")),
    ("2026 年 6 月 30 日前", "by June 30, 2026", (S, "2026-06-30")),
    ("115 年 6 月 30 日前", "by 2026-06-30", (S, "2026-06-30")),
]


def _zh_sentences(metric: str, phrase: str, target: Target, period: str, order: int) -> str:
    words = target[0]
    if order == 0:
        return f"{period}{phrase}{words}"
    if order == 1:
        return f"{phrase}在{period}{words}"
    if order == 2:
        return f"{phrase}{words}（{period}）"
    return f"{period}{phrase}{words}".replace(" ", "")  # written without spaces


def _en_sentence(phrase: str, target: Target, period: str, order: int) -> str:
    _, verb, words = target[0], target[1], target[2]
    if order == 0:
        return f"{verb.capitalize()} {phrase} {words} {period}"
    if order == 1:
        return f"{period[0].upper()}{period[1:]}, {verb} {phrase} {words}"
    return f"{phrase[0].upper()}{phrase[1:]}: {verb} {words} {period}"


def target_cases() -> Iterator[Case]:
    for metric, (zh_phrases, en_phrases, unit, lower) in METRICS.items():
        for target in targets(unit, lower):
            kind, value, baseline = target[3], target[4], target[5]
            for zh_p, en_p, period in PERIODS:
                for order in range(4):
                    phrase = zh_phrases[order % len(zh_phrases)]
                    if zh_p is not None:
                        yield Case(_zh_sentences(metric, phrase, target, zh_p, order), "zh-TW", metric,
                                   kind, value, period, None, baseline)
                    if order == 3:
                        continue
                    if en_p is not None:
                        phrase = en_phrases[order % len(en_phrases)]
                        yield Case(_en_sentence(phrase, target, en_p, order), "en", metric, kind,
                                   value, period, None, baseline)


# Recurring KPIs: (zh, en, metric, cadence, value); {n} / {N} are filled per number form.
CADENCE_FORMS: list[tuple[str, str, str, str]] = [
    ("每月新增 {N} 名追蹤者", "Gain {N} new followers a month", "new_followers", "month"),
    ("追蹤數每月成長 {N} 人", "{N} new followers per month", "new_followers", "month"),
    ("每週新增 {N} 位粉絲", "Add {N} new followers every week", "new_followers", "week"),
    ("每月產出 {N} 篇文章", "Publish {N} blog posts a month", "articles_published", "month"),
    ("每週發布 {N} 篇部落格文章", "{N} articles per week", "articles_published", "week"),
    ("每月 {N} 筆詢問單", "{N} leads a month", "leads", "month"),
    ("LINE 好友數每月新增 {N} 人", "Add {N} LINE friends monthly", "line_friends", "month"),
]
CADENCE_PERIODS = [("", "", None), ("2026 年", " in 2026", ("2026-01-01", "2026-12-31")),
                   ("下半年", " in H2", ("2026-07-01", "2026-12-31")),
                   ("一年內", " within a year", (S, "2027-03-31"))]


def cadence_cases() -> Iterator[Case]:
    for zh, en, metric, cadence in CADENCE_FORMS:
        for v in (10, 3, 5_000, 10_000, 2_500, 120):
            zh_forms = [f for f in zh_amounts(v, False) if not f.startswith(("NT", "１", "２"))]
            for zh_n in zh_forms:
                for zh_p, _en_p, period in CADENCE_PERIODS:
                    yield Case(zh_p + zh.format(N=zh_n), "zh-TW", metric, "count_per_cadence", v, period, cadence)
            for en_n in en_amounts(v, False):
                for _zh_p, en_p, period in CADENCE_PERIODS:
                    yield Case(en.format(N=en_n) + en_p, "en", metric, "count_per_cadence", v, period, cadence)


def corpus(size: int = 6000, seed: int = 9) -> list[Case]:
    """A deterministic sample of every composition (all cadence cases, sampled target cases)."""
    every = list(target_cases())
    rng = random.Random(seed)
    sample = rng.sample(every, min(size, len(every)))
    return sample + list(cadence_cases())


def no_number_cases() -> Iterator[Case]:
    """Sentences whose only numbers belong to the period: there is no target (kind ``""``)."""
    for metric, (zh_phrases, en_phrases, _unit, lower) in METRICS.items():
        zh_verb, en_verb = ("降低", "Reduce") if lower else ("成長", "Grow")
        for zh_p, en_p, period in PERIODS:
            if zh_p is not None:
                yield Case(f"{zh_p}{zh_phrases[0]}要{zh_verb}", "zh-TW", metric, "", 0, period)
            if en_p is not None:
                yield Case(f"{en_verb} {en_phrases[0]} {en_p}", "en", metric, "", 0, period)
