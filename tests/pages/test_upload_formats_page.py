"""AppTest of the Upload page with the new export formats: the empty state names them, and a
dropped LINE, Shopee or Stripe file shows its detected source by name in both languages."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.importing import get_source, read_file
from core.workspaces import create_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "importing"))
import format_builders as fb  # noqa: E402

LANGS = ("zh-TW", "en")
MakeApp = Callable[..., AppTest]


@pytest.fixture
def ws_id(app_engine: Engine) -> int:
    return create_workspace(app_engine, "Tea shop", "ecommerce").id


def _open(make_app: MakeApp, lang: str, ws_id: int) -> AppTest:
    at = make_app(lang, ws_id)
    at.run()
    at.switch_page("pages/upload.py").run()
    assert_clean(at)
    return at


@pytest.mark.parametrize("lang", LANGS)
def test_empty_state_names_the_new_exports(make_app: MakeApp, ws_id: int, lang: str) -> None:
    text = page_text(_open(make_app, lang, ws_id))
    for key in ("line_oa", "shopee", "shopline", "ninety_one_app", "stripe", "mailchimp_campaign"):
        assert t(f"ui.upload.how.{key}", lang) in text


@pytest.mark.parametrize("lang", LANGS)
def test_dropped_exports_show_their_source_by_name(make_app: MakeApp, ws_id: int, lang: str) -> None:
    samples = [fb.line_messages("zh"), fb.shopee_orders("en", workbook=False), fb.stripe_subscriptions()]
    at = _open(make_app, lang, ws_id)
    at.file_uploader(key="upl_files").set_value([(s.name, s.data, "text/csv") for s in samples]).run()
    assert_clean(at)
    text = page_text(at)
    for sample in samples:
        label = get_source(sample.source).label(lang)
        assert t("ui.upload.file.detected", lang, source=f"**{label}**") in text
    # The order statuses the reader acted on are told in the user's language.
    parsed = read_file(samples[1].data, samples[1].name)
    [cancelled] = [w for w in parsed.warnings if w.key == "import.fmt.orders_cancelled"]
    assert cancelled.message(lang) in text
