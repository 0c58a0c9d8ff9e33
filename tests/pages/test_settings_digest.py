"""AppTest of the Settings page's e-mail digest (recipients checked when saved, day, language,
alerts on/off, the preview built as ``kgi digest`` builds it, "send a test" to a real SMTP
server) and of the alerts the Upload page sends after an import, in both languages."""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable, Iterator
from datetime import date
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.db import session_scope
from core.demo import create_demo
from core.digest import build_digest, digest_settings, preview_months, save_digest_choices
from core.i18n import t
from core.models import Kgi, Kpi
from core.store import list_imports
from core.usertext import md_plain
from core.workspaces import create_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from smtp_server import Inbox, free_port, smtp_server  # noqa: E402

LANGS = ("zh-TW", "en")
MakeApp = Callable[..., AppTest]


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("KGI_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("KGI_SMTP_FROM", "reports@example.com")
        monkeypatch.delenv("KGI_SMTP_PASSWORD", raising=False)
        yield inbox


@pytest.fixture
def no_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KGI_SMTP_URL", "KGI_SMTP_FROM", "KGI_SMTP_USER", "KGI_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def _settings(make_app: MakeApp, lang: str, ws_id: int, secrets: dict | None = None) -> AppTest:
    at = make_app(lang, ws_id)
    if secrets:
        at.secrets.update(secrets)
    at.run()
    at.switch_page("pages/settings.py").run()
    assert_clean(at)
    return at


def _preview_html(at: AppTest) -> str:
    (frame,) = at.get("iframe")
    src = frame.proto.src
    prefix = "data:text/html;charset=utf-8;base64,"
    assert src.startswith(prefix)
    return base64.b64decode(src[len(prefix):]).decode("utf-8")


def _errors(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.error)


# -- choices: saved when valid, refused with the bad address named --------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_recipients_are_checked_when_saved(make_app: MakeApp, app_engine: Engine, no_smtp: None,
                                           lang: str) -> None:
    ws = create_workspace(app_engine, "Tea shop", "ecommerce", language="zh-TW")
    at = _settings(make_app, lang, ws.id)
    assert t("ui.digest.title", lang) in [s.value for s in at.subheader]
    assert t("ui.digest.smtp_missing", lang) in [i.value for i in at.info]  # said once, calmly
    at.text_area(key="dg_recipients").input("boss@example.com\nboss@example,com").run()
    at.button(key="dg_save").click().run()
    assert_clean(at)
    assert t("digest.bad_address", lang, value="boss@example") in _errors(at)
    assert digest_settings(app_engine, ws.id) == {}  # nothing half-saved

    at.text_area(key="dg_recipients").input("boss@example.com, Team@Example.com\nteam@example.com").run()
    at.number_input(key="dg_day").set_value(5).run()
    at.selectbox(key="dg_language").set_value("en").run()
    at.toggle(key="dg_alerts").set_value(False).run()
    at.button(key="dg_save").click().run()
    assert_clean(at)
    assert t("ui.digest.saved", lang, count=2, day=5) in [s.value for s in at.success]
    saved = digest_settings(app_engine, ws.id)
    assert (saved["recipients"], saved["day"], saved["language"], saved["alerts"]) == (
        ["boss@example.com", "Team@Example.com"], 5, "en", False)

    again = _settings(make_app, lang, ws.id)  # a new session reads the saved choices back
    assert again.text_area(key="dg_recipients").value == "boss@example.com\nTeam@Example.com"
    assert again.number_input(key="dg_day").value == 5
    assert again.toggle(key="dg_alerts").value is False


# -- the preview: the message kgi digest sends ------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_preview_is_the_message_as_sent(make_app: MakeApp, app_engine: Engine, no_smtp: None, lang: str) -> None:
    ws = create_demo(app_engine, today=date.today())
    at = _settings(make_app, lang, ws.id)
    months, month = preview_months(app_engine, ws.id, date.today())
    assert at.selectbox(key=f"dg_month_{ws.id}").value == month and months[0] >= month
    expected = build_digest(app_engine, ws.id, month)  # the workspace's language, as kgi digest
    html = _preview_html(at)
    assert html.split('<img src="')[0] == expected.html.split('<img src="')[0]
    assert "data:image/png;base64," in html and "cid:" not in html  # the inline chart, drawn
    kgi = expected.html.split("<strong>")[1].split("</strong>")[0]
    assert kgi and kgi in html  # the KGI headline
    assert expected.subject in page_text(at) and expected.attachment_name in page_text(at)

    other = "en" if ws.language == "zh-TW" else "zh-TW"
    at.selectbox(key="dg_language").set_value(other).run()
    assert_clean(at)
    assert _preview_html(at).split('<img src="')[0] == build_digest(app_engine, ws.id, month, other).html.split(
        '<img src="')[0]


def test_a_workspace_without_kgi_previews_what_to_do(make_app: MakeApp, app_engine: Engine, no_smtp: None) -> None:
    ws = create_workspace(app_engine, "Empty shop", "ecommerce", language="en")
    at = _settings(make_app, "en", ws.id)
    assert escape(t("digest.no_kgi", "en")) in _preview_html(at)


# -- send a test ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_send_a_test_reaches_the_server_and_marks_nothing_sent(make_app: MakeApp, app_engine: Engine,
                                                                mail: Inbox, lang: str) -> None:
    ws = create_demo(app_engine, today=date.today())
    at = _settings(make_app, lang, ws.id)
    assert "127.0.0.1" in page_text(at) and "reports@example.com" in page_text(at)
    at.button(key="dg_send_test").click().run()
    assert t("ui.digest.test_no_recipients", lang) in _errors(at) and mail.messages == []

    at.text_area(key="dg_recipients").input("a@example.com\nrefuse-me@example.com").run()
    at.button(key="dg_send_test").click().run()
    assert_clean(at)
    assert len(mail.messages) == 1 and mail.messages[0][0] == ["a@example.com"]
    month = at.selectbox(key=f"dg_month_{ws.id}").value
    msg = mail.messages[0][1]
    assert msg["Subject"] == build_digest(app_engine, ws.id, month).subject
    assert [p.get_content_type() for p in msg.walk()][-1].endswith("spreadsheetml.sheet")
    success = "\n".join(str(s.value) for s in at.success)
    assert "a@example.com" in success
    assert t("ui.digest.test_refused", lang, addresses="refuse-me@example.com") in [w.value for w in at.warning]
    assert "sent" not in digest_settings(app_engine, ws.id)  # a test is not the month's digest


@pytest.mark.parametrize("lang", LANGS)
def test_send_a_test_says_why_not_in_the_users_language(make_app: MakeApp, app_engine: Engine, no_smtp: None,
                                                        monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    ws = create_demo(app_engine, today=date.today())
    at = _settings(make_app, lang, ws.id)
    at.text_area(key="dg_recipients").input("a@example.com").run()
    at.button(key="dg_send_test").click().run()
    assert t("ui.digest.smtp_missing", lang) in _errors(at)

    monkeypatch.setenv("KGI_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # set up, but down
    monkeypatch.setenv("KGI_SMTP_FROM", "reports@example.com")
    at.button(key="dg_send_test").click().run()
    assert_clean(at)
    said = _errors(at)
    assert ("Nothing was sent" in said) == (lang == "en") and ("未寄出任何信件" in said) == (lang == "zh-TW")


def test_smtp_from_secrets_shows_the_host_never_the_password(make_app: MakeApp, app_engine: Engine,
                                                              no_smtp: None) -> None:
    ws = create_demo(app_engine, today=date.today())
    with smtp_server() as (inbox, port):
        secrets = {"smtp": {"url": f"smtp://me:s3cret-pw@127.0.0.1:{port}", "from": "kgi@example.com"}}
        at = _settings(make_app, "en", ws.id, secrets)
        assert md_plain(f"smtp://127.0.0.1:{port}") in page_text(at) and "kgi@example.com" in page_text(at)
        at.text_area(key="dg_recipients").input("a@example.com").run()
        at.button(key="dg_send_test").click().run()  # a password, and a server without STARTTLS: refused
        assert_clean(at)
        assert t("digest.smtp_no_tls", "en", server=f"smtp://127.0.0.1:{port}") in _errors(at)
        everything = page_text(at) + _errors(at) + repr(digest_settings(app_engine, ws.id))
        assert "s3cret" not in everything and "//me" not in everything and inbox.messages == []


# -- alerts after an upload ------------------------------------------------------------------------


def _sheet(start: str, end: str, revenue: float, sessions: float) -> bytes:
    days = pd.date_range(start, end, freq="D")
    frame = pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "Revenue": revenue, "Sessions": sessions})
    return frame.to_csv(index=False).encode()


def _shop(engine: Engine, alerts: bool = True) -> int:
    ws = create_workspace(engine, "Alert shop", "ecommerce", period_start=date(2026, 1, 1), language="en")
    with session_scope(engine) as session:
        session.add(Kgi(workspace_id=ws.id, text="revenue 500k", metric="revenue", target_kind="level",
                        target_value=500_000, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)))
        session.add(Kpi(workspace_id=ws.id, metric="sessions", label="", target_kind="level", target_value=50_000))
    save_digest_choices(engine, ws.id, recipients=["boss@example.com"], day=1, language="en", alerts=alerts)
    return ws.id


def _import(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="upl_files").set_value([(name, data, "text/csv")]).run()
    at.button(key="upl_import").click().run()
    assert_clean(at)
    return at


@pytest.mark.parametrize("lang", LANGS)
def test_upload_that_turns_a_kpi_off_track_sends_one_alert(make_app: MakeApp, app_engine: Engine, mail: Inbox,
                                                            lang: str) -> None:
    ws_id = _shop(app_engine)
    at = make_app(lang, ws_id)
    at.run()
    at.switch_page("pages/upload.py").run()
    _import(at, "q1.csv", _sheet("2026-01-01", "2026-03-31", 2000, 200))
    assert mail.messages == []  # the first look is a starting point
    _import(at, "q2.csv", _sheet("2026-04-01", "2026-06-30", 2000, 0))
    assert len(mail.messages) == 1 and "Sessions" in mail.messages[0][1]["Subject"]
    assert t("ui.digest.alerts_sent", lang, count=1, recipients="boss@example.com") in [
        s.value for s in at.success]
    _import(at, "q2.csv", _sheet("2026-04-01", "2026-06-30", 2000, 0))  # the same file again
    assert len(mail.messages) == 1
    assert not [s for s in at.success if "boss@example.com" in str(s.value)]


@pytest.mark.parametrize("lang", LANGS)
def test_upload_alert_failure_is_a_note_and_retried(make_app: MakeApp, app_engine: Engine, mail: Inbox,
                                                     monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    import os

    ws_id = _shop(app_engine)
    at = make_app(lang, ws_id)
    at.run()
    at.switch_page("pages/upload.py").run()
    _import(at, "q1.csv", _sheet("2026-01-01", "2026-03-31", 2000, 200))
    good_url = os.environ["KGI_SMTP_URL"]
    monkeypatch.setenv("KGI_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    q2 = _sheet("2026-04-01", "2026-06-30", 2000, 0)
    _import(at, "q2.csv", q2)
    warnings = "\n".join(str(w.value) for w in at.warning)
    assert t("ui.digest.alerts_failed", lang, reason="<>").split("<>")[0] in warnings
    assert ("Nothing was sent" in warnings) == (lang == "en") and ("未寄出任何信件" in warnings) == (lang == "zh-TW")
    assert [b.file_name for b in list_imports(app_engine, ws_id)] == ["q2.csv", "q1.csv"]  # the import stands
    monkeypatch.setenv("KGI_SMTP_URL", good_url)
    _import(at, "q2.csv", q2)  # unchanged data, but the alert kept for later goes out now
    assert len(mail.messages) == 1


def test_upload_without_smtp_is_one_quiet_caption(make_app: MakeApp, app_engine: Engine, no_smtp: None) -> None:
    ws_id = _shop(app_engine)
    at = make_app("en", ws_id)
    at.run()
    at.switch_page("pages/upload.py").run()
    _import(at, "q1.csv", _sheet("2026-01-01", "2026-03-31", 2000, 200))
    assert [c.value for c in at.caption].count(t("ui.digest.alerts_no_smtp", "en")) == 1
    assert not at.warning and not at.error
    save_digest_choices(app_engine, ws_id, recipients=["boss@example.com"], day=1, language="en", alerts=False)
    _import(at, "q2.csv", _sheet("2026-04-01", "2026-06-30", 2000, 0))
    assert t("ui.digest.alerts_no_smtp", "en") not in [c.value for c in at.caption]  # alerts off: nothing
