"""The goal parser and the SMART verdicts (SPEC §6): a table of sentences in both languages."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core.catalog import metric as catalog_metric
from core.errors import KgiError
from core.goals import Period, Target
from core.smart import (
    check_smart,
    describe_target,
    detect_language,
    history_growth,
    parse_goal,
    required_change,
    zh_to_number,
)

START = date(2025, 1, 1)
_ = None  # "nothing parsed" in the table

# text, metric, direction, kind, value, period start, period end, S, M, T
CASES: list[tuple] = [
    # --- the article's own sentences (zh-TW) ---
    ("2024 年全年營收成長 30%", "revenue", "increase", "change_pct", 30, "2024-01-01", "2024-12-31", "pass", "pass", "fail"),
    ("一年內付費會員數達到 50,000 人", "paid_members", "reach", "level", 50000, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("新客戶開發數量增加 40%", "new_customers", "increase", "change_pct", 40, _, _, "pass", "pass", "fail"),
    ("2024 年提升網站銷售額 50%", "revenue", "increase", "change_pct", 50, "2024-01-01", "2024-12-31", "pass", "pass", "fail"),
    ("希望業績成長", "revenue", "increase", _, _, _, _, "fail", "fail", "fail"),
    ("營收提升 50%", "revenue", "increase", "change_pct", 50, _, _, "pass", "pass", "fail"),
    ("網站轉換率提升 10%", "conversion_rate", "increase", "change_pct", 10, _, _, "pass", "unknown", "fail"),
    ("訂單平均客單價提升 15%", "aov", "increase", "change_pct", 15, _, _, "pass", "pass", "fail"),
    ("廣告 ROAS 提高到 5.0", "roas", "increase", "level", 5, _, _, "pass", "pass", "fail"),
    ("付費用戶數提升 30%", "paid_members", "increase", "change_pct", 30, _, _, "pass", "pass", "fail"),
    ("免費試用轉換率提升至 20%", "trial_conversion_rate", "increase", "level", 0.2, _, _, "pass", "pass", "fail"),
    ("廣告 CTR 達 3%", "ctr", "reach", "level", 0.03, _, _, "pass", "pass", "fail"),
    ("Email 開信率提升至 25%", "open_rate", "increase", "level", 0.25, _, _, "pass", "pass", "fail"),
    ("IG 追蹤數突破 10 萬", "followers", "increase", "level", 100000, _, _, "pass", "pass", "fail"),
    ("每月新增 1 萬追蹤", "new_followers", "increase", "count_per_cadence", 10000, _, _, "pass", "pass", "pass"),
    ("互動率穩定在 5%", "engagement_rate", "reach", "level", 0.05, _, _, "pass", "pass", "fail"),
    ("每週至少 3 篇高互動內容", "high_engagement_posts", "reach", "count_per_cadence", 3, _, _, "pass", "pass", "pass"),
    ("自然流量提升 50%", "organic_sessions", "increase", "change_pct", 50, _, _, "pass", "pass", "fail"),
    ("目標關鍵字進入 Google 前 3", "keyword_position", "reach", "rank", 3, _, _, "pass", "pass", "fail"),
    ("內容文章每月產出 10 篇", "articles_published", "increase", "count_per_cadence", 10, _, _, "pass", "pass", "pass"),
    ("內部連結優化至 100 條以上", "internal_links", "increase", "threshold", 100, _, _, "pass", "pass", "fail"),
    ("品牌社群粉絲數成長至 50 萬", "followers", "increase", "level", 500000, _, _, "pass", "pass", "fail"),
    ("透過 KOL 合作,增加品牌曝光 30%", "impressions", "increase", "change_pct", 30, _, _, "pass", "pass", "fail"),
    ("廣告投資報酬率(ROAS)提升至 5.0", "roas", "increase", "level", 5, _, _, "pass", "pass", "fail"),
    ("每次獲客成本(CPA)低於 $10", "cpa", "decrease", "ceiling", 10, _, _, "pass", "pass", "fail"),
    ("每次獲客成本(CPA)低於 $5", "cpa", "decrease", "ceiling", 5, _, _, "pass", "pass", "fail"),
    ("Email 營收占比提升 30%", "email_revenue_share", "increase", "change_pct", 30, _, _, "pass", "unknown", "fail"),
    ("Instagram 追蹤數成長 10,000 人", "new_followers", "increase", "count_per_cadence", 10000, _, _, "pass", "pass", "fail"),
    ("關鍵字排名進入前 3 名", "keyword_position", "reach", "rank", 3, _, _, "pass", "pass", "fail"),
    # --- more zh-TW: amounts, periods, edge cases ---
    ("2025 年全年營收成長 30%", "revenue", "increase", "change_pct", 30, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("半年內新客戶數增加 40%", "new_customers", "increase", "change_pct", 40, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("6 個月內自然流量提升 20%", "organic_sessions", "increase", "change_pct", 20, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("三個月內轉換率從 2% 提升到 3%", "conversion_rate", "increase", "level", 0.03, "2025-01-01", "2025-03-31", "pass", "pass", "pass"),
    ("2025 年第三季前營收成長 20%", "revenue", "increase", "change_pct", 20, "2025-01-01", "2025-09-30", "pass", "pass", "pass"),
    ("2025 年第 2 季訂單數成長 15%", "orders", "increase", "change_pct", 15, "2025-04-01", "2025-06-30", "pass", "pass", "pass"),
    ("2025 年上半年營收突破 500 萬元", "revenue", "increase", "level", 5_000_000, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("年底前 IG 粉絲達 5 萬", "followers", "reach", "level", 50000, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("明年營收成長三成", "revenue", "increase", "change_pct", 30, "2026-01-01", "2026-12-31", "pass", "pass", "pass"),
    ("營收翻倍", "revenue", "increase", "change_pct", 100, _, _, "pass", "pass", "fail"),
    ("客單價提升到 NT$1,500", "aov", "increase", "level", 1500, _, _, "pass", "pass", "fail"),
    ("2025 年底前 CPA 降低 20%", "cpa", "decrease", "change_pct", -20, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("下一季廣告花費控制在 30 萬以下", "ad_spend", "decrease", "ceiling", 300000, "2025-04-01", "2025-06-30", "pass", "pass", "pass"),
    ("開信率增加 3 個百分點", "open_rate", "increase", "change_pp", 3, _, _, "pass", "pass", "fail"),
    ("營收減少 200%", "revenue", "decrease", "change_pct", -200, _, _, "warn", "fail", "fail"),
    ("CTR 達到 300%", _, "reach", "level", 3, _, _, "unknown", "fail", "fail"),
    ("營收和訂單數成長 20%", "revenue", "increase", "change_pct", 20, _, _, "warn", "pass", "fail"),
    ("提升成效", _, "increase", _, _, _, _, "fail", "fail", "fail"),
    ("2025 年", _, _, _, _, "2025-01-01", "2025-12-31", "fail", "fail", "pass"),
    ("今年內每月新增 2,000 名潛在客戶", "leads", "increase", "count_per_cadence", 2000, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    # --- English ---
    ("Grow organic traffic 50% by Dec 2025", "organic_sessions", "increase", "change_pct", 50, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("Increase revenue by 30% in 2024", "revenue", "increase", "change_pct", 30, "2024-01-01", "2024-12-31", "pass", "pass", "fail"),
    ("Reach 50,000 paid members within a year", "paid_members", "reach", "level", 50000, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("Gain 10,000 new followers a month", "new_followers", "increase", "count_per_cadence", 10000, _, _, "pass", "pass", "pass"),
    ("Publish 10 blog posts a month", "articles_published", "increase", "count_per_cadence", 10, _, _, "pass", "pass", "pass"),
    ("Keep CPA under $10", "cpa", "decrease", "ceiling", 10, _, _, "pass", "pass", "fail"),
    ("Raise ad CTR to 3% by Q3 2025", "ctr", "increase", "level", 0.03, "2025-01-01", "2025-09-30", "pass", "pass", "pass"),
    ("Grow email revenue share 30% this year", "email_revenue_share", "increase", "change_pct", 30, "2025-01-01", "2025-12-31", "pass", "unknown", "pass"),
    ("Get target keywords into Google's top 3 within 6 months", "keyword_position", "reach", "rank", 3, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("At least 100 internal links by end of 2025", "internal_links", "reach", "threshold", 100, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("Reduce CPA 20% next quarter", "cpa", "decrease", "change_pct", -20, "2025-04-01", "2025-06-30", "pass", "pass", "pass"),
    ("Reach ROAS 5.0 in 2025", "roas", "reach", "level", 5, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("Open rate +3 pp by June 2025", "open_rate", "increase", "change_pp", 3, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Boost conversion rate to 3.5% in H1 2025", "conversion_rate", "increase", "level", 0.035, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Reduce cost per click to under US$1.50 by Dec 2025", "cpc", "decrease", "ceiling", 1.5, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("Double revenue by end of 2026", "revenue", "increase", "change_pct", 100, "2025-01-01", "2026-12-31", "pass", "pass", "pass"),
    ("Revenue of $1.2M by end of 2025", "revenue", "reach", "level", 1_200_000, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("Grow IG followers past 100k in 2025", "followers", "increase", "level", 100000, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("Increase sales 25% next year", "revenue", "increase", "change_pct", 25, "2026-01-01", "2026-12-31", "pass", "pass", "pass"),
    ("Lift the trial conversion rate to 20% within 3 months", "trial_conversion_rate", "increase", "level", 0.2, "2025-01-01", "2025-03-31", "pass", "pass", "pass"),
    ("Grow new customers 40% in Q3 2025", "new_customers", "increase", "change_pct", 40, "2025-07-01", "2025-09-30", "pass", "pass", "pass"),
    ("Improve the average position to top 5 by Q4 2025", "keyword_position", "reach", "rank", 5, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("We want better results", _, "increase", _, _, _, _, "fail", "fail", "fail"),
    ("Grow revenue", "revenue", "increase", _, _, _, _, "pass", "fail", "fail"),
    ("Revenue 30% in 2025", "revenue", _, "change_pct", 30, "2025-01-01", "2025-12-31", "fail", "pass", "pass"),
    ("Cut revenue 10% in 2025", "revenue", "decrease", "change_pct", -10, "2025-01-01", "2025-12-31", "warn", "pass", "pass"),
    ("Email click rate at least 2.5% every month", "email_ctr", "reach", "threshold", 0.025, _, _, "pass", "pass", "pass"),
    ("CTR of 300% by 2025", _, "reach", "level", 3, "2025-01-01", "2025-12-31", "unknown", "fail", "pass"),
    ("Raise conversion rate by 30% relative in 2025", "conversion_rate", "increase", "change_pct", 30, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    # --- deadlines that name a day: the period runs from START to that day ---
    ("2025 年 6 月 30 日前營收成長 20%", "revenue", "increase", "change_pct", 20, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("2025/6/30 前自然流量提升 50%", "organic_sessions", "increase", "change_pct", 50, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("2025-06-30 前訂單數成長 15%", "orders", "increase", "change_pct", 15, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("在 2025 年 6 月 30 日之前付費會員數達到 50,000 人", "paid_members", "reach", "level", 50000, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("114 年 6 月 30 日前營收成長 20%", "revenue", "increase", "change_pct", 20, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("2025 年 6 月 30 日前營收增加 30 萬", "revenue", "increase", "count_per_cadence", 300000, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("營收在 114 年 12 月 31 日前達到 NT$300 萬", "revenue", "reach", "level", 3_000_000, "2025-01-01", "2025-12-31", "pass", "pass", "pass"),
    ("2025 年 2 月 30 日前營收成長 20%", "revenue", "increase", "change_pct", 20, _, _, "pass", "pass", "fail"),
    ("Grow revenue 20% by June 30, 2025", "revenue", "increase", "change_pct", 20, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Grow organic traffic 50% by 30 June 2025", "organic_sessions", "increase", "change_pct", 50, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Increase orders 15% by Jun 30 2025", "orders", "increase", "change_pct", 15, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Reduce CPA 20% before 2025-06-30", "cpa", "decrease", "change_pct", -20, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Reach 50,000 paid members by 2025-06-30", "paid_members", "reach", "level", 50000, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Keep CPA under $30 by 6/30/2025", "cpa", "decrease", "ceiling", 30, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Grow revenue by $30,000 by June 30, 2025", "revenue", "increase", "count_per_cadence", 30000, "2025-01-01", "2025-06-30", "pass", "pass", "pass"),
    ("Grow revenue 20% by 2025-02-30", "revenue", "increase", "change_pct", 20, _, _, "pass", "pass", "fail"),
]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


@pytest.mark.parametrize(("text", "metric", "direction", "kind", "value", "start", "end", "s", "m", "t"), CASES,
                         ids=[c[0] for c in CASES])
def test_parse_and_verdicts(text, metric, direction, kind, value, start, end, s, m, t) -> None:
    goal = parse_goal(text, start=START)
    assert goal.metric == metric
    assert goal.direction == direction
    if kind is None:
        assert goal.target is None
    else:
        assert goal.target is not None
        assert goal.target.kind == kind
        assert goal.target.value == pytest.approx(value)
    assert _iso(goal.period.start if goal.period else None) == start
    assert _iso(goal.period.end if goal.period else None) == end
    result = check_smart(goal)
    verdicts = {k: c.verdict for k, c in result.criteria.items()}
    assert (verdicts["specific"], verdicts["measurable"], verdicts["time_bound"]) == (s, m, t)
    for c in result.criteria.values():
        assert c.reason  # every letter says why
        if c.verdict in ("fail", "warn"):
            assert c.fix  # and how to fix it


def test_table_has_sixty_sentences_in_both_languages() -> None:
    zh = [c for c in CASES if detect_language(c[0]) == "zh-TW"]
    en = [c for c in CASES if detect_language(c[0]) == "en"]
    assert len(CASES) >= 60 and len(zh) >= 30 and len(en) >= 25


# --- done-when checks ------------------------------------------------------------------


def test_reference_sentence_json_shape() -> None:
    result = check_smart(parse_goal("2024 年全年營收成長 30%", start=START))
    assert result.to_dict()["parsed"] == {
        "metric": "revenue", "direction": "increase",
        "target": {"kind": "change_pct", "value": 30},
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "baseline": None, "cadence": None,
    }
    assert set(result.to_dict()["criteria"]) == {"specific", "measurable", "achievable", "relevant", "time_bound"}
    assert set(result.to_dict()["criteria"]["specific"]) == {"verdict", "reason", "fix"}


def test_vague_goal_fails_in_zh() -> None:
    result = check_smart(parse_goal("希望業績成長"))
    assert result.lang == "zh-TW"
    assert result.criteria["specific"].reason == "「業績」太籠統：可能是營收、訂單數，也可能是利潤。"
    assert "2025 年全年營收成長 30%" in result.criteria["specific"].fix
    assert result.criteria["measurable"].reason == "沒有數字，就無法判斷目標有沒有達成。"
    assert result.criteria["time_bound"].reason == "沒有期限，目標就可以無限延後。"


def test_ambiguous_rate_names_both_readings() -> None:
    goal = parse_goal("Email 營收占比提升 30%")
    assert goal.ambiguous_rate
    m = check_smart(goal).criteria["measurable"]
    assert m.verdict == "unknown"
    assert "兩種讀法" in m.reason and "30 個百分點" in m.reason
    assert "13%" in m.fix and "40%" in m.fix  # example base 10%: relative 13%, +30 pp 40%
    with_base = check_smart(goal, baseline=0.2).criteria["measurable"]
    assert "26%" in with_base.fix and "50%" in with_base.fix
    en = check_smart(goal, lang="en").criteria["measurable"]
    assert "ambiguous" in en.reason and "percentage points" in en.reason


def test_relative_period_counts_from_start() -> None:
    goal = parse_goal("一年內付費會員數達到 50,000 人", start=date(2024, 3, 1))
    assert goal.period == Period(date(2024, 3, 1), date(2025, 2, 28))
    assert goal.period_relative


def test_default_start_is_this_months_first_day() -> None:
    goal = parse_goal("一年內付費會員數達到 50,000 人")
    first = date.today().replace(day=1)
    assert goal.period is not None and goal.period.start == first


def test_deadline_before_start_fails_time_bound() -> None:
    goal = parse_goal("Grow revenue 20% by Dec 2024", start=START)
    assert goal.period is None and goal.deadline == date(2024, 12, 31)
    assert check_smart(goal).criteria["time_bound"].verdict == "fail"


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_sentence_raises(text: str) -> None:
    with pytest.raises(KgiError) as info:
        parse_goal(text)
    assert info.value.key == "smart.empty"


@pytest.mark.parametrize(("text", "lang"), [
    ("売上を30%伸ばす", "zh-TW"),  # Japanese (kana)
    ("매출 30% 증가", "en"),  # Korean
    ("Увеличить выручку на 30%", "en"),  # Russian
    ("asdf qwer zxcv", "en"),  # no recognisable word
])
def test_other_languages_are_not_understood(text: str, lang: str) -> None:
    goal = parse_goal(text)
    assert not goal.understood
    result = check_smart(goal)
    assert result.lang == lang
    verdicts = {k: c.verdict for k, c in result.criteria.items()}
    assert verdicts == {"specific": "fail", "measurable": "fail", "achievable": "unknown",
                        "relevant": "unknown", "time_bound": "fail"}
    zh = check_smart(goal, lang="zh-TW").criteria["specific"].reason
    assert zh.startswith("無法理解這句話")


def test_absurd_values_fail_with_reason() -> None:
    revenue = check_smart(parse_goal("營收減少 200%"), lang="en")
    assert revenue.criteria["measurable"].reason == "A change of -200% would take Revenue below zero, which is impossible."
    assert revenue.criteria["achievable"].verdict == "fail"
    ctr = check_smart(parse_goal("CTR 達到 300%", business_type="ads"), lang="en")
    assert ctr.criteria["measurable"].reason == "Click-through rate (CTR) cannot exceed 100%, but the target is 300%."
    pp = check_smart(parse_goal("開信率增加 90 個百分點"), baseline=0.3)
    assert pp.criteria["measurable"].verdict == "fail"


# --- Relevant --------------------------------------------------------------------------


def test_relevant_for_kgi_and_kpi() -> None:
    revenue = parse_goal("2025 年全年營收成長 30%")
    assert check_smart(revenue).criteria["relevant"].verdict == "unknown"
    assert check_smart(revenue, business_type="ecommerce").criteria["relevant"].verdict == "pass"
    assert check_smart(revenue, business_type="social").criteria["relevant"].verdict == "warn"
    cvr = parse_goal("網站轉換率提升 10%")
    r = check_smart(cvr, business_type="ecommerce").criteria["relevant"]
    assert r.verdict == "warn" and "KGI" in r.fix
    assert check_smart(cvr, role="kpi", kgi_metric="revenue").criteria["relevant"].verdict == "pass"
    assert check_smart(cvr, role="kpi").criteria["relevant"].verdict == "unknown"
    followers = parse_goal("IG 追蹤數突破 10 萬")
    unrelated = check_smart(followers, role="kpi", kgi_metric="roas", lang="en").criteria["relevant"]
    assert unrelated.verdict == "fail" and unrelated.reason == "Followers does not drive the KGI, Return on ad spend (ROAS)."
    same = check_smart(parse_goal("營收成長 10%"), role="kpi", kgi_metric="revenue").criteria["relevant"]
    assert same.verdict == "warn"


def test_cadence_is_time_bound_for_a_kpi() -> None:
    goal = parse_goal("每月新增 1 萬追蹤")
    assert check_smart(goal, role="kpi", kgi_metric="followers").criteria["time_bound"].verdict == "pass"
    kgi = check_smart(goal, lang="en").criteria["time_bound"]
    assert kgi.verdict == "pass" and "monthly" in kgi.reason and "plan period" in kgi.reason


# --- Achievable ------------------------------------------------------------------------


def _monthly(values: list[float], start: str = "2023-01") -> pd.Series:
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


def test_achievable_unknown_without_history_or_benchmark() -> None:
    a = check_smart(parse_goal("2025 年全年營收成長 30%")).criteria["achievable"]
    assert a.verdict == "unknown" and "營收" in a.reason


def test_history_growth_of_a_sum_uses_twelve_month_totals() -> None:
    # Year 1 totals 1,200; year 2 totals 1,500: +25% — the best 12-month over 12-month growth.
    series = _monthly([100.0] * 12 + [125.0] * 12)
    growth = history_growth(series, catalog_metric("revenue"))
    assert growth is not None and growth.method == "yoy12"
    assert growth.best == pytest.approx(0.25)


def test_history_growth_trend_for_short_series() -> None:
    series = _monthly([100 * 1.02**i for i in range(8)])
    growth = history_growth(series, catalog_metric("followers"))
    assert growth is not None and growth.method == "trend"
    assert growth.best == pytest.approx(1.02**12 - 1)
    assert history_growth(_monthly([1.0] * 5), catalog_metric("revenue")) is None


def test_history_growth_lower_is_better() -> None:
    # CPA falls 20% a year on 3-month averages: an improvement of 0.20.
    series = _monthly([10.0] * 12 + [8.0] * 6)
    growth = history_growth(series, catalog_metric("cpa"))
    assert growth is not None and growth.method == "yoy"
    assert growth.best == pytest.approx(0.20)


@pytest.mark.parametrize(("pct", "verdict"), [(20, "pass"), (25, "pass"), (35, "warn"), (60, "fail")])
def test_achievable_against_history(pct: int, verdict: str) -> None:
    series = _monthly([100.0] * 12 + [125.0] * 12)
    goal = parse_goal(f"2025 年全年營收成長 {pct}%")
    a = check_smart(goal, history=series, lang="en").criteria["achievable"]
    assert a.verdict == verdict
    assert f"+{pct}%" in a.reason and "+25%" in a.reason


def test_achievable_history_too_short_is_unknown() -> None:
    goal = parse_goal("2025 年全年營收成長 30%")
    a = check_smart(goal, history=_monthly([100.0, 110.0, 120.0])).criteria["achievable"]
    assert a.verdict == "unknown" and "6 個月" in a.reason


def test_achievable_level_needs_a_baseline() -> None:
    goal = parse_goal("一年內付費會員數達到 50,000 人", start=START)
    members = _monthly([20000 * 1.05**i for i in range(12)], start="2024-01")
    # Trend +79.6% a year; 50,000 from ~34,200 is +46%: achievable.
    assert check_smart(goal, history=members).criteria["achievable"].verdict == "pass"
    assert required_change(goal, catalog_metric("paid_members"), 25000.0) == pytest.approx(1.0)


def test_achievable_against_benchmark() -> None:
    ctr = check_smart(parse_goal("廣告 CTR 達 3%"), lang="en").criteria["achievable"]
    assert ctr.verdict == "pass" and "WordStream/LocaliQ" in ctr.reason and "6.66%" in ctr.reason
    cvr = check_smart(parse_goal("Conversion rate to 6% in 2025"), business_type="ecommerce", lang="en")
    assert cvr.criteria["achievable"].verdict == "warn"
    assert "Littledata" in cvr.criteria["achievable"].reason
    assert cvr.benchmark is not None and cvr.benchmark.band == "ambitious"
    engagement = check_smart(parse_goal("互動率穩定在 5%"), business_type="social").criteria["achievable"]
    assert engagement.verdict == "unknown" and "每位粉絲" in engagement.reason


# --- helpers ---------------------------------------------------------------------------


def test_detect_language() -> None:
    assert detect_language("營收成長 30%") == "zh-TW"
    assert detect_language("Grow revenue 30%") == "en"
    assert detect_language("") == "en"


@pytest.mark.parametrize(("token", "number"), [("三", 3), ("十二", 12), ("五十", 50), ("兩千", 2000), ("半", 0.5), ("一百", 100)])
def test_zh_numerals(token: str, number: float) -> None:
    assert zh_to_number(token) == number


def test_describe_target() -> None:
    assert describe_target(Target("change_pct", 30), None, "zh-TW") == "+30%"
    assert describe_target(Target("level", 0.25), catalog_metric("open_rate"), "en") == "reach 25%"
    assert describe_target(Target("ceiling", 10), catalog_metric("cpa"), "zh-TW") == "低於 10"
    assert describe_target(Target("rank", 3), None, "zh-TW") == "前 3 名"
    assert describe_target(Target("count_per_cadence", 10, "month"), None, "zh-TW") == "每月 10"
    assert describe_target(Target("change_pp", -3), None, "en") == "−3 percentage points"


def test_email_context_reads_ctr_as_email_click_rate() -> None:
    assert parse_goal("點擊率(CTR)達 5%", business_type="ads").metric == "ctr"
    assert parse_goal("點擊率(CTR)達 5%").metric_readings == ("ctr", "email_ctr")
    assert parse_goal("點擊率(CTR)達 5%", business_type="email").metric == "email_ctr"


def test_increment_is_measured_against_the_stock() -> None:
    goal = parse_goal("Get 5,000 more paid members this year", start=START)
    assert goal.increment and goal.target == Target("count_per_cadence", 5000, "period")
    assert required_change(goal, catalog_metric("paid_members"), 20000.0) == pytest.approx(0.25)
    members = _monthly([10000 * 1.03**i for i in range(12)], start="2024-01")
    # +5,000 on the last value (~13,842) is +36%; the trend shows +42.6% a year: pass.
    assert check_smart(goal, history=members).criteria["achievable"].verdict == "pass"


# --- day-level deadlines ---------------------------------------------------------------


def test_us_order_for_slashes_after_the_month() -> None:
    # 3/6/2025 is March 6 (US order), never 3 June.
    goal = parse_goal("Grow revenue 20% by 3/6/2025", start=START)
    assert goal.period == Period(START, date(2025, 3, 6)) and goal.deadline == date(2025, 3, 6)


def test_roc_year_only_before_nian() -> None:
    assert parse_goal("99 年 12 月 31 日前營收成長 20%", start=date(2010, 1, 1)).deadline == date(2010, 12, 31)
    assert parse_goal("2025 年 6 月 30 日前營收成長 20%", start=START).deadline == date(2025, 6, 30)


def test_date_and_amount_together() -> None:
    goal = parse_goal("Get 30 new customers by June 30, 2025", start=START)
    assert goal.metric == "new_customers" and goal.target is not None and goal.target.value == 30
    assert goal.period == Period(START, date(2025, 6, 30))
    zh = parse_goal("2025/6/30 前客單價提升到 $30", start=START)
    assert zh.target == Target("level", 30.0) and zh.period == Period(START, date(2025, 6, 30))


def test_on_before_a_date_keeps_the_metric_word() -> None:
    # "on" ends "conversion": the date rule must not swallow it.
    goal = parse_goal("Raise conversion rate to 3% on 2025-06-30", start=START)
    assert goal.metric == "conversion_rate" and goal.period == Period(START, date(2025, 6, 30))


def test_day_deadline_before_start_fails_time_bound() -> None:
    goal = parse_goal("Grow revenue 20% by June 30, 2024", start=START)
    assert goal.period is None and goal.deadline == date(2024, 6, 30)
    assert check_smart(goal).criteria["time_bound"].verdict == "fail"


@pytest.mark.parametrize(("text", "written"), [
    ("2025 年 2 月 30 日前營收成長 20%", "2025-02-30"),
    ("Grow revenue 30% by June 31, 2025", "2025-06-31"),
    ("Grow revenue 20% by 13/30/2025", "2025-13-30"),
])
def test_impossible_day_fails_time_bound_in_both_languages(text: str, written: str) -> None:
    goal = parse_goal(text, start=START)
    assert goal.period is None and goal.deadline is None
    zh = check_smart(goal, lang="zh-TW").criteria["time_bound"]
    assert zh.verdict == "fail"
    assert zh.reason == f"期限 {written} 不是有效的日期：那個月沒有這一天。"
    assert "2025 年 6 月 30 日前" in zh.fix
    en = check_smart(goal, lang="en").criteria["time_bound"]
    assert en.reason == f"The deadline {written} is not a real date: that month has no such day."


def test_impossible_day_alone_is_still_understood() -> None:
    goal = parse_goal("by 2025-02-30", start=START)
    assert goal.understood
    assert check_smart(goal, lang="en").criteria["time_bound"].reason.startswith("The deadline 2025-02-30")
