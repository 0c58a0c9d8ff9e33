"""Every catalog metric has levers to try, in both languages."""

from __future__ import annotations

import pytest

from core.catalog import load_catalog
from core.levers import levers_for


@pytest.mark.parametrize("metric", load_catalog().keys())
def test_every_metric_has_levers_in_both_languages(metric: str) -> None:
    en, zh = levers_for(metric, "en"), levers_for(metric, "zh-TW")
    assert en and len(en) == len(zh)
    assert all(lever.title and lever.how for lever in en + zh)


def test_the_articles_levers_for_conversion_rate() -> None:
    keys = [lever.key for lever in levers_for("conversion_rate", "en")]
    assert "landing_ab" in keys and "ab_creatives" in keys
    assert levers_for("ctr", "zh-TW", limit=1)[0].title == "A/B 測試廣告素材"
