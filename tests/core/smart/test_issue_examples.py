"""Issue 9's kinds of failure, the article's KGI/KPI examples and SPEC §4/§6, as tables."""

from __future__ import annotations

from datetime import date

import pytest

from core.smart import check_smart, parse_goal, understood_items

S25 = date(2025, 1, 1)
J25 = date(2025, 7, 1)
_ = None

# text, start, type, metric, kind, value, period start, period end, cadence, baseline
PARSES: list[tuple] = [
    # A number that belongs to a period is never the target.
    ("Q3 官網流量成長 25%", J25, _, "sessions", "change_pct", 25, "2025-07-01", "2025-09-30", _, _),
    ("114 年營業額要做到 1,500 萬", S25, _, "revenue", "level", 15_000_000, "2025-01-01", "2025-12-31", _, _),
    ("民國 114 年營收成長 20%", S25, _, "revenue", "change_pct", 20, "2025-01-01", "2025-12-31", _, _),
    ("114 年度營收成長 20%", S25, _, "revenue", "change_pct", 20, "2025-01-01", "2025-12-31", _, _),
    ("114 年底前營收達 1,500 萬", J25, _, "revenue", "level", 15_000_000, "2025-07-01", "2025-12-31", _, _),
    ("2025 年第 2 季訂單數成長 15%", S25, _, "orders", "change_pct", 15, "2025-04-01", "2025-06-30", _, _),
    ("今年 Q4 營收衝到 2,000 萬", J25, _, "revenue", "level", 20_000_000, "2025-10-01", "2025-12-31", _, _),
    ("2025 下半年 IG 粉絲數要破 3 萬", J25, _, "followers", "level", 30_000, "2025-07-01", "2025-12-31", _, _),
    ("明年第一季新客數成長兩成", J25, _, "new_customers", "change_pct", 20, "2026-01-01", "2026-03-31", _, _),
    ("114年Q3官網流量成長25%", S25, _, "sessions", "change_pct", 25, "2025-07-01", "2025-09-30", _, _),
    ("營收比去年成長 15%", J25, _, "revenue", "change_pct", 15, _, _, _, _),
    ("2025/Q3 營收成長 20%", S25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-09-30", _, _),
    ("25Q3 營收成長 20%", S25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-09-30", _, _),
    ("3Q25 revenue +20%", S25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-09-30", _, _),
    ("Grow revenue 20% in FY25", S25, _, "revenue", "change_pct", 20, "2025-01-01", "2025-12-31", _, _),
    ("6/30 前營收成長 20%", S25, _, "revenue", "change_pct", 20, "2025-01-01", "2025-06-30", _, _),
    ("6月30日前營收成長 20%", J25, _, "revenue", "change_pct", 20, "2025-07-01", "2026-06-30", _, _),
    ("營收 7 月成長 10%", S25, _, "revenue", "change_pct", 10, "2025-07-01", "2025-07-31", _, _),
    ("7、8 月營收成長 10%", S25, _, "revenue", "change_pct", 10, "2025-07-01", "2025-08-31", _, _),
    ("Grow revenue 20% in June", S25, _, "revenue", "change_pct", 20, "2025-06-01", "2025-06-30", _, _),
    ("Sept 2025 revenue 1M", S25, _, "revenue", "level", 1_000_000, "2025-09-01", "2025-09-30", _, _),
    # Quarters and halves without a year: the next such one from the plan's start.
    ("第三季營收成長 20%", J25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-09-30", _, _),
    ("第一季營收成長 20%", J25, _, "revenue", "change_pct", 20, "2026-01-01", "2026-03-31", _, _),
    ("上半年營收成長 20%", J25, _, "revenue", "change_pct", 20, "2026-01-01", "2026-06-30", _, _),
    ("下半年營收成長 20%", J25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-12-31", _, _),
    ("H1 營收成長 20%", S25, _, "revenue", "change_pct", 20, "2025-01-01", "2025-06-30", _, _),
    ("Grow revenue 20% in Q2", J25, _, "revenue", "change_pct", 20, "2026-04-01", "2026-06-30", _, _),
    ("Grow revenue 20% in the third quarter of 2025", S25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-09-30", _, _),
    # Deadlines.
    ("2025 年底前營收成長 20%", J25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-12-31", _, _),
    ("2025 年第三季底前營收成長 20%", J25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-09-30", _, _),
    ("Grow revenue 20% by end of 2025", J25, _, "revenue", "change_pct", 20, "2025-07-01", "2025-12-31", _, _),
    ("明年底前營收成長 20%", J25, _, "revenue", "change_pct", 20, "2025-07-01", "2026-12-31", _, _),
    ("明年營收成長 20%", J25, _, "revenue", "change_pct", 20, "2026-01-01", "2026-12-31", _, _),
    # Chinese numerals and measure words.
    ("每月新增 5 千名追蹤者", S25, _, "new_followers", "count_per_cadence", 5_000, _, _, "month", _),
    ("營收達到一百二十萬五千元", S25, _, "revenue", "level", 1_205_000, _, _, _, _),
    ("營收達到兩千萬", S25, _, "revenue", "level", 20_000_000, _, _, _, _),
    ("營收達到 1.5 萬", S25, _, "revenue", "level", 15_000, _, _, _, _),
    ("營收達到三萬五", S25, _, "revenue", "level", 35_000, _, _, _, _),
    ("ＩＧ追蹤數達到１０萬", S25, _, "followers", "level", 100_000, _, _, _, _),
    ("營收成長 3 成", S25, _, "revenue", "change_pct", 30, _, _, _, _),
    ("營收成長百分之二十", S25, _, "revenue", "change_pct", 20, _, _, _, _),
    ("半年內新客戶數增加 40%", S25, _, "new_customers", "change_pct", 40, "2025-01-01", "2025-06-30", _, _),
    ("ROAS 提升到 5 倍", S25, _, "roas", "level", 5, _, _, _, _),
    ("營收 3 年內成長一倍", S25, _, "revenue", "change_pct", 100, "2025-01-01", "2027-12-31", _, _),
    # Recurring KPIs.
    ("每月新增 10,000 名追蹤者", S25, _, "new_followers", "count_per_cadence", 10_000, _, _, "month", _),
    ("每週至少 3 篇高互動內容", S25, _, "high_engagement_posts", "count_per_cadence", 3, _, _, "week", _),
    ("10 articles a month", S25, _, "articles_published", "count_per_cadence", 10, _, _, "month", _),
    # Everyday metric names (catalog aliases).
    ("投報率提升到 4", S25, _, "roas", "level", 4, _, _, _, _),
    ("粉專按讚數達 5 萬", S25, _, "followers", "level", 50_000, _, _, _, _),
    ("粉絲數達 5 萬", S25, _, "followers", "level", 50_000, _, _, _, _),
    ("每月詢問單 100 筆", S25, _, "leads", "count_per_cadence", 100, _, _, "month", _),
    ("詢價增加 20%", S25, _, "leads", "change_pct", 20, _, _, _, _),
    ("CAC 降到 500 元", S25, _, "cac", "level", 500, _, _, _, _),
    ("MRR 成長 20%", S25, _, "mrr", "change_pct", 20, _, _, _, _),
    ("churn 降到 3%", S25, _, "churn_rate", "level", 0.03, _, _, _, _),
    ("流失率降到 3%", S25, _, "churn_rate", "level", 0.03, _, _, _, _),
    ("試用轉付費率提升到 20%", S25, _, "trial_conversion_rate", "level", 0.2, _, _, _, _),
    ("LINE 好友數達 1 萬", S25, _, "line_friends", "level", 10_000, _, _, _, _),
    ("訂閱數成長 20%", S25, "saas", "paid_members", "change_pct", 20, _, _, _, _),
    ("訂閱數成長 20%", S25, "social", "followers", "change_pct", 20, _, _, _, _),
    ("點擊率達 5%", S25, "email", "email_ctr", "level", 0.05, _, _, _, _),
    ("點擊率達 5%", S25, "ads", "ctr", "level", 0.05, _, _, _, _),
    # Direction, kind and the sentence's own baseline.
    ("reduce churn to 3%", S25, _, "churn_rate", "level", 0.03, _, _, _, _),
    ("營收從 80 萬提升到 100 萬", S25, _, "revenue", "level", 1_000_000, _, _, _, 800_000),
    ("Raise conversion rate from 2% to 2.5%", S25, _, "conversion_rate", "level", 0.025, _, _, _, 0.02),
    ("轉換率由 3% 降到 2%", S25, _, "conversion_rate", "level", 0.02, _, _, _, 0.03),
]


@pytest.mark.parametrize(("text", "start", "btype", "metric", "kind", "value", "p0", "p1", "cadence", "baseline"),
                         PARSES, ids=[f"{c[0]}|{c[2]}" for c in PARSES])
def test_parses(text, start, btype, metric, kind, value, p0, p1, cadence, baseline) -> None:
    goal = parse_goal(text, start=start, business_type=btype)
    assert goal.metric == metric
    assert goal.target is not None and goal.target.kind == kind
    assert goal.target.value == pytest.approx(value)
    assert (goal.period.start.isoformat() if goal.period else None) == p0
    assert (goal.period.end.isoformat() if goal.period else None) == p1
    assert goal.cadence == cadence
    assert goal.baseline == (pytest.approx(baseline) if baseline is not None else None)
    parsed = check_smart(goal).to_dict()["parsed"]
    assert parsed["baseline"] == (pytest.approx(baseline) if baseline is not None else None)


def test_direction_of_a_level_follows_the_baseline() -> None:
    assert parse_goal("reduce churn to 3%").direction == "decrease"
    assert parse_goal("轉換率由 3% 降到 2%").direction == "decrease"
    assert parse_goal("Raise conversion rate from 2% to 2.5%").direction == "increase"


def test_better_than_last_year_has_a_direction_but_no_number() -> None:
    goal = parse_goal("今年營收要比去年好", start=S25)
    assert (goal.metric, goal.direction, goal.target, goal.reference) == ("revenue", "increase", None, "last_year")
    zh = check_smart(goal)
    assert zh.criteria["specific"].verdict == "pass" and "比去年" in zh.criteria["specific"].reason
    assert zh.criteria["measurable"].verdict == "fail" and "比去年好" in zh.criteria["measurable"].reason
    en = check_smart(goal, lang="en").criteria["measurable"]
    assert "last year" in en.reason and "+20%" in en.fix


# --- never a silent guess ----------------------------------------------------------------


@pytest.mark.parametrize(("lang", "words"), [("zh-TW", ("付費會員數", "追蹤數", "訂閱數")),
                                             ("en", ("Paid members", "Followers", "訂閱數"))])
def test_a_word_the_type_does_not_resolve_keeps_both_readings(lang: str, words: tuple[str, ...]) -> None:
    goal = parse_goal("訂閱數成長 20%", start=S25)
    assert goal.metric is None and goal.metric_readings == ("followers", "paid_members")
    result = check_smart(goal, lang=lang)
    s = result.criteria["specific"]
    assert s.verdict == "unknown" and all(w in s.reason for w in words) and s.fix
    assert result.criteria["measurable"].verdict == "unknown"
    items = dict(understood_items(goal, lang))
    assert words[0] in next(iter(items.values()))


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_times_growth_has_two_readings(lang: str) -> None:
    goal = parse_goal("營收成長 2 倍", start=S25)
    result = check_smart(goal, lang=lang)
    m = result.criteria["measurable"]
    assert m.verdict == "unknown" and "+100%" in m.reason and "+200%" in m.reason
    assert result.criteria["achievable"].verdict == "unknown"
    # Written as a level, it is one reading.
    assert not parse_goal("營收翻倍", start=S25).alternatives


def test_plus_percent_on_a_rate_is_unknown_with_both_readings() -> None:
    result = check_smart(parse_goal("網站轉換率提升 10%"), baseline=0.02)
    m = result.criteria["measurable"]
    assert m.verdict == "unknown" and "2.2%" in m.fix and "12%" in m.fix


# --- impossible targets fail before any benchmark (issue 8, rule 6) -----------------------


@pytest.mark.parametrize(("text", "baseline", "needle"), [
    ("轉換率成長 5000%", None, "5,000%"),
    ("營收成長 5000%", None, "5,000%"),
    ("Grow revenue 2000% in 2025", None, "2,000%"),
    ("CTR 達 150%", None, "150%"),
    ("Email 營收占比提升到 120%", None, "120%"),
    ("轉換率提升 60%", 0.8, "128%"),
    ("開信率從 90% 增加 20 個百分點", None, "110%"),
    ("Reach -100 orders", None, "-100"),
    ("營收減少 200%", None, "-200"),
])
def test_impossible_targets_fail_with_the_reason(text: str, baseline: float | None, needle: str) -> None:
    for lang in ("zh-TW", "en"):
        result = check_smart(parse_goal(text, start=S25), lang=lang, baseline=baseline)
        m = result.criteria["measurable"]
        assert m.verdict == "fail", (text, m.reason)
        assert needle in m.reason and m.fix
        assert result.criteria["achievable"].verdict == "fail"


def test_growth_ceiling_compounds_over_longer_periods() -> None:
    two_years = parse_goal("Grow revenue 1500% by end of 2026", start=S25)
    assert check_smart(two_years).criteria["measurable"].verdict == "pass"  # ×16 in 2 years < ×121


# --- Time-bound --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2024 年營收成長 20%", "Grow revenue 20% in 2024"])
def test_a_past_period_is_over(text: str) -> None:
    goal = parse_goal(text, start=S25)
    zh = check_smart(goal, lang="zh-TW").criteria["time_bound"]
    assert zh.verdict == "fail" and "已經結束" in zh.reason and "2025-01-01" in zh.reason
    en = check_smart(goal, lang="en").criteria["time_bound"]
    assert "is over" in en.reason and "2024-01-01" in en.fix


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_two_different_periods_are_unknown(lang: str) -> None:
    goal = parse_goal("2025 年營收成長 20%，2026 年底前", start=S25)
    t = check_smart(goal, lang=lang).criteria["time_bound"]
    assert t.verdict == "unknown" and "2025-01-01 → 2025-12-31" in t.reason and "2026-12-31" in t.reason
    assert goal.target is not None and goal.target.value == 20


def test_a_past_deadline_fails() -> None:
    goal = parse_goal("Grow revenue 20% by end of 2024", start=S25)
    assert goal.period is None and check_smart(goal).criteria["time_bound"].verdict == "fail"


def test_a_sentence_about_a_past_period_is_a_review() -> None:
    goal = parse_goal("去年營收成長了 20%", start=S25)
    assert goal.period is not None and goal.period.end == date(2024, 12, 31) and goal.review
    t = check_smart(goal, lang="en").criteria["time_bound"]
    assert t.verdict == "warn" and "review" in t.reason


@pytest.mark.parametrize("role", ["kgi", "kpi"])
@pytest.mark.parametrize("text", ["每月新增 10,000 名追蹤者", "每週至少 3 篇高互動內容", "10 articles a month"])
def test_cadence_sentences_pass_time_bound(text: str, role: str) -> None:
    result = check_smart(parse_goal(text, start=S25), role=role, kgi_metric="followers")
    assert result.criteria["time_bound"].verdict == "pass"


# --- the article's examples and SPEC §4 / §6 ----------------------------------------------

ARTICLE = {  # business type: every KGI and KPI sentence of the article
    "ecommerce": ["2024 年全年營收成長 30%", "2024 年提升網站銷售額 50%", "營收提升 50%", "網站轉換率提升 10%",
                  "訂單平均客單價提升 15%", "廣告 ROAS 提高到 5.0"],
    "saas": ["一年內付費會員數達到 50,000 人", "付費用戶數提升 30%", "免費試用轉換率提升至 20%", "廣告 CTR 達 3%",
             "Email 開信率提升至 25%"],
    "b2b": ["新客戶開發數量增加 40%"],
    "social": ["IG 追蹤數突破 10 萬", "品牌社群粉絲數成長至 50 萬", "每月新增 1 萬追蹤", "互動率穩定在 5%",
               "每週至少 3 篇高互動內容", "每則貼文互動率達 5%", "透過 KOL 合作,增加品牌曝光 30%",
               "Instagram 追蹤數成長 10,000 人", "單篇貼文互動率達 5%"],
    "seo": ["自然流量提升 50%", "網站自然流量提升 50%", "網站自然流量提升 20%", "目標關鍵字進入 Google 前 3",
            "內容文章每月產出 10 篇", "內部連結優化至 100 條以上", "內容行銷(每月發布 10 篇部落格文章)",
            "提升點擊率(Title & Meta Description 優化,點擊率提升 20%)", "關鍵字排名進入前 3 名"],
    "ads": ["廣告投資報酬率(ROAS)提升至 5.0", "廣告點擊率(CTR)達 3%", "網站轉換率提升 15%", "每次獲客成本(CPA)低於 $10",
            "Facebook 廣告點擊率(CTR)達 3%", "每次獲客成本(CPA)低於 $5"],
    "email": ["Email 營收占比提升 30%", "Email 開信率提升至 25%", "點擊率(CTR)達 5%", "自動化 Email 系列提升轉換率 20%"],
}


@pytest.mark.parametrize(("btype", "text"), [(k, x) for k, texts in ARTICLE.items() for x in texts])
def test_every_article_example_is_understood(btype: str, text: str) -> None:
    goal = parse_goal(text, start=date(2024, 1, 1), business_type=btype)
    assert goal.metric is not None and goal.target is not None, text
    criteria = check_smart(goal, business_type=btype).criteria
    assert criteria["specific"].verdict == "pass", (text, criteria["specific"].reason)
    assert criteria["measurable"].verdict in ("pass", "unknown"), (text, criteria["measurable"].reason)
    recurring = goal.cadence is not None
    has_period = goal.period is not None
    assert criteria["time_bound"].verdict == ("pass" if recurring or has_period else "fail"), text


SPEC_T_FORMS = [  # SPEC §6: Time-bound forms, resolved from the workspace's start (2025-01-01)
    ("2024 年營收成長 30%", date(2024, 1, 1), ("2024-01-01", "2024-12-31")),
    ("114 年營收成長 30%", S25, ("2025-01-01", "2025-12-31")),
    ("一年內營收成長 30%", S25, ("2025-01-01", "2025-12-31")),
    ("Grow revenue 30% by Q3", S25, ("2025-01-01", "2025-09-30")),
    ("第三季底前營收成長 30%", S25, ("2025-01-01", "2025-09-30")),
    ("上半年營收成長 30%", S25, ("2025-01-01", "2025-06-30")),
    ("Grow organic traffic 50% by Dec 2025", S25, ("2025-01-01", "2025-12-31")),
]


@pytest.mark.parametrize(("text", "start", "period"), SPEC_T_FORMS)
def test_spec_time_bound_forms(text: str, start: date, period: tuple[str, str]) -> None:
    goal = parse_goal(text, start=start)
    assert goal.period is not None and (goal.period.start.isoformat(), goal.period.end.isoformat()) == period
    assert goal.target is not None and goal.target.value in (30, 50)
    assert check_smart(goal).criteria["time_bound"].verdict == "pass"
    monthly = check_smart(parse_goal("每月新增 1 萬追蹤", start=start)).criteria["time_bound"]
    assert monthly.verdict == "pass"


# --- hostile input -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1" * 5000, "一" * 5000, "2025年" * 1000, "營收成長" + "9" * 499 + "%"])
def test_long_or_odd_input_is_answered_quickly(text: str) -> None:
    import time

    began = time.perf_counter()
    result = check_smart(parse_goal(text, start=S25), lang="en")
    assert time.perf_counter() - began < 2.0
    assert set(result.criteria) == {"specific", "measurable", "achievable", "relevant", "time_bound"}
    if len(text) > 500:
        assert not result.goal.understood and "too long" in result.criteria["specific"].reason
