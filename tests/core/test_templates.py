"""The article's examples are all present, and each parses back to its own metric and target."""

from __future__ import annotations

from datetime import date

import pytest

from core.catalog import BUSINESS_TYPES
from core.errors import KgiError
from core.smart import check_smart, parse_goal
from core.templates import business_type, business_types, kgi_examples, kpi_templates

# Every KGI and KPI example of the article, with the business type it belongs to.
ARTICLE_KGIS = {
    "ecommerce": ["2024 年全年營收成長 30%", "2024 年提升網站銷售額 50%", "營收提升 50%"],
    "saas": ["一年內付費會員數達到 50,000 人", "付費用戶數提升 30%"],
    "b2b": ["新客戶開發數量增加 40%"],
    "social": ["IG 追蹤數突破 10 萬", "品牌社群粉絲數成長至 50 萬"],
    "seo": ["自然流量提升 50%", "網站自然流量提升 50%", "網站自然流量提升 20%"],
    "ads": ["廣告投資報酬率(ROAS)提升至 5.0"],
    "email": ["Email 營收占比提升 30%"],
}
ARTICLE_KPIS = {
    "ecommerce": ["網站轉換率提升 10%", "訂單平均客單價提升 15%", "廣告 ROAS 提高到 5.0"],
    "saas": ["免費試用轉換率提升至 20%", "廣告 CTR 達 3%", "Email 開信率提升至 25%"],
    "social": ["每月新增 1 萬追蹤", "互動率穩定在 5%", "每週至少 3 篇高互動內容",
               "每則貼文互動率達 5%", "透過 KOL 合作,增加品牌曝光 30%",
               "Instagram 追蹤數成長 10,000 人", "單篇貼文互動率達 5%"],
    "seo": ["目標關鍵字進入 Google 前 3", "內容文章每月產出 10 篇", "內部連結優化至 100 條以上",
            "內容行銷(每月發布 10 篇部落格文章)", "提升點擊率(Title & Meta Description 優化,點擊率提升 20%)",
            "關鍵字排名進入前 3 名"],
    "ads": ["廣告點擊率(CTR)達 3%", "網站轉換率提升 15%", "每次獲客成本(CPA)低於 $10",
            "Facebook 廣告點擊率(CTR)達 3%", "每次獲客成本(CPA)低於 $5"],
    "email": ["Email 開信率提升至 25%", "點擊率(CTR)達 5%", "自動化 Email 系列提升轉換率 20%"],
}


def test_business_types_in_spec_order() -> None:
    assert tuple(business_types()) == BUSINESS_TYPES


@pytest.mark.parametrize("key", BUSINESS_TYPES)
def test_names_and_descriptions_in_both_languages(key: str) -> None:
    bt = business_type(key)
    assert bt.name("zh-TW") and bt.name("en") and bt.name("zh-TW") != bt.name("en")
    assert bt.description("zh-TW") and bt.description("en")


def test_names() -> None:
    assert business_type("ecommerce").name("zh-TW") == "電商"
    assert business_type("seo").name("en") == "SEO"


@pytest.mark.parametrize("key", BUSINESS_TYPES)
def test_every_article_example_is_present(key: str) -> None:
    kgi_texts = {text for ex in kgi_examples(key) for text in ex.article_texts}
    kpi_texts = {text for k in kpi_templates(key) for text in k.article_texts}
    assert set(ARTICLE_KGIS.get(key, [])) <= kgi_texts
    assert set(ARTICLE_KPIS.get(key, [])) <= kpi_texts
    # and nothing claims to be from the article that is not in it
    article = (_article_text())
    for text in kgi_texts | kpi_texts:
        assert text in article, text


def _article_text() -> str:
    from shared_files import shared_file

    return shared_file("seed", "kgi-kpi-article.zh-TW.txt").read_text(encoding="utf-8")


def _examples():
    for bt in business_types().values():
        for ex in bt.kgis:
            for text in (*ex.article_texts, ex.text_en):
                yield pytest.param(bt.key, text, ex.metric, ex.target, id=f"{ex.key}:{text}")
        for k in bt.kpis:
            for text in (k.label_zh, *k.variants, k.label_en):
                yield pytest.param(bt.key, text, k.metric, k.target, id=f"{k.key}:{text}")


@pytest.mark.parametrize(("key", "text", "metric", "target"), list(_examples()))
def test_each_example_parses_back(key, text, metric, target) -> None:
    goal = parse_goal(text, business_type=key, start=date(2025, 1, 1))
    assert goal.metric == metric
    assert goal.target is not None
    assert goal.target.kind == target.kind
    assert goal.target.value == pytest.approx(target.value)
    if target.kind == "count_per_cadence":
        assert goal.target.cadence == target.cadence


def test_reference_kpis_and_kgis() -> None:
    ecommerce = business_type("ecommerce")
    assert [(k.metric, k.target.kind, k.target.value) for k in ecommerce.preselected_kpis] == [
        ("conversion_rate", "change_pct", 10), ("aov", "change_pct", 15), ("roas", "level", 5.0)]
    social = {k.key: k for k in kpi_templates("social")}
    assert social["social.new_followers_10k_month"].cadence == "month"
    assert social["social.high_engagement_posts_3_week"].cadence == "week"
    assert social["social.engagement_rate_5"].cadence == "period"
    ads = {k.key: k for k in kpi_templates("ads")}
    assert ads["ads.cpa_under_5"].preselected is False and "Facebook" in ads["ads.cpa_under_5"].note("en")


def test_b2b_suggestions_are_flagged() -> None:
    kpis = kpi_templates("b2b")
    assert {k.metric for k in kpis} == {"leads", "lead_conversion_rate"}
    for k in kpis:
        assert k.suggestion and k.article_texts == ()
        assert "文章沒有" in k.note("zh-TW") and "article gives no" in k.note("en")


@pytest.mark.parametrize("key", BUSINESS_TYPES)
def test_kgi_examples_are_relevant_and_kpis_drive_them(key: str) -> None:
    for ex in kgi_examples(key):
        goal = parse_goal(ex.text_zh, business_type=key)
        assert check_smart(goal, business_type=key).criteria["relevant"].verdict == "pass", ex.key
    kgi_metric = kgi_examples(key)[0].metric
    for k in business_type(key).preselected_kpis:
        goal = parse_goal(k.label_zh, business_type=key)
        verdict = check_smart(goal, role="kpi", kgi_metric=kgi_metric).criteria["relevant"].verdict
        assert verdict == "pass", k.key


def test_unknown_type() -> None:
    with pytest.raises(KgiError) as info:
        business_type("shop")
    assert info.value.key == "templates.unknown_type"
    assert "ecommerce" in info.value.message("en") and "shop" in info.value.message("zh-TW")
