"""The monthly digest e-mail (core/digest.py), sent to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import io
import itertools
from dataclasses import replace
from datetime import date

import openpyxl
import pandas as pd
import pytest
from smtp_server import free_port, smtp_server

from core.db import session_scope
from core.demo import bulk_insert, create_demo
from core.digest import (
    build_digest,
    check_address,
    check_recipients,
    file_stem,
    remember_sent,
    send,
    smtp_config,
)
from core.errors import KgiError
from core.formatting import format_distinct, format_pct, format_value
from core.i18n import t
from core.models import Kgi, Kpi
from core.progress import workspace_progress
from core.review import review_workbook_bytes
from core.workspaces import create_workspace

TODAY = date(2026, 11, 26)
MONTH = "2026-10"
HOSTILE = '<script>alert("x")</script> & <b>Shop</b>'


@pytest.fixture
def mail():  # noqa: ANN201
    with smtp_server() as (inbox, port):
        yield inbox, port


def _cfg(port: int, **env: str):  # noqa: ANN202
    return smtp_config(environ={"KGI_SMTP_URL": f"smtp://127.0.0.1:{port}", "KGI_SMTP_FROM": "kgi@example.com",
                                **env})


def _small_workspace(engine, name: str = "Small shop"):  # noqa: ANN001, ANN202
    ws = create_workspace(engine, name, "ecommerce", period_start=date(2026, 1, 1), language="en")
    days = pd.date_range("2026-01-01", "2026-10-31", freq="D")
    frame = pd.DataFrame({"date": days.date, "metric": "revenue", "value": 1000.0, "dimension": ""})
    sessions = frame.assign(metric="sessions", value=200.0)
    bulk_insert(engine, ws.id, "ga4", pd.concat([frame, sessions]), "ga4.csv")
    with session_scope(engine) as session:
        session.add(Kgi(workspace_id=ws.id, text="revenue 500k", metric="revenue", target_kind="level",
                        target_value=500_000, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)))
        session.add(Kpi(workspace_id=ws.id, metric="sessions", label="Visits <from ads>", target_kind="level",
                        target_value=50_000))
    return ws


def _received(inbox, index: int = -1):  # noqa: ANN001, ANN202
    rcpt, msg, raw = inbox.messages[index]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    attachments = list(msg.iter_attachments())
    return rcpt, msg, raw, text, html, attachments


def _cells(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(c.value for c in row) for sheet in book for row in sheet.iter_rows()]


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_demo_digest_arrives_with_the_progress_figures(engine, mail, lang) -> None:  # noqa: ANN001
    inbox, port = mail
    ws = create_demo(engine, today=TODAY)
    digest = build_digest(engine, ws.id, MONTH, lang)
    cfg = _cfg(port)
    assert send(cfg, digest.message(cfg.sender, ["boss@example.com"]), ["boss@example.com"]) == []
    rcpt, msg, raw, text, html, attachments = _received(inbox)
    assert rcpt == ["boss@example.com"]
    assert msg["Subject"] == digest.subject and ws.name in msg["Subject"]
    assert ("KGI 月報" in msg["Subject"]) == (lang == "zh-TW")
    assert b"=?utf-8?" in raw  # the subject is MIME-encoded, not raw UTF-8 in a header
    assert msg.get_body(("plain",))["Content-Type"].params["charset"] == "utf-8"
    progress = workspace_progress(engine, ws.id, date(2026, 10, 31), lang)
    for goal in progress.goals():
        # As the dashboard's cards write them: 萬 or K/M, figures that differ printed apart.
        actual, target, forecast = format_distinct(
            [goal.actual_to_date, goal.target, goal.forecast.value if goal.forecast else None], goal.unit, lang,
            ws.currency, short=True)
        for figure in (actual, target, forecast, format_pct(goal.pace_ratio), format_pct(goal.progress_ratio)):
            assert figure in text and figure in html
    assert progress.kgi.sentence in text and progress.kgi.sentence in html
    assert t("digest.levers_heading", lang) in text  # the demo has KPIs behind
    assert ("來源" in text) == (lang == "zh-TW") and (("Source" in text) == (lang == "en"))
    (image,) = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert f'src="cid:{image["Content-ID"][1:-1]}"' in html
    from PIL import Image

    assert Image.open(io.BytesIO(image.get_content())).size == (560, 180)
    (attachment,) = [a for a in attachments if a.get_content_type() != "image/png"]
    assert attachment.get_filename() == f"review-{file_stem(ws.name)}-{MONTH}.xlsx"
    assert _cells(attachment.get_content()) == _cells(review_workbook_bytes(engine, ws.id, MONTH, lang))


def test_hand_made_workspace_escapes_what_people_wrote(engine, mail) -> None:  # noqa: ANN001
    inbox, port = mail
    ws = _small_workspace(engine, HOSTILE)
    digest = build_digest(engine, ws.id, MONTH)
    assert digest.lang == "en"
    cfg = _cfg(port)
    send(cfg, digest.message(cfg.sender, ["a@example.com", "b@example.org"]), ["a@example.com", "b@example.org"])
    rcpt, msg, _, text, html, attachments = _received(inbox)
    assert rcpt == ["a@example.com", "b@example.org"]
    assert "<script>" not in html and "<b>Shop" not in html and "<from ads>" not in html
    assert "&lt;script&gt;" in html and "Visits &lt;from ads&gt;" in html
    assert HOSTILE in msg["Subject"] and "Visits <from ads>" in text
    name = attachments[0].get_filename()
    assert "<" not in name and "/" not in name and name.endswith(f"-{MONTH}.xlsx")
    progress = workspace_progress(engine, ws.id, date(2026, 10, 31), "en")
    assert format_value(progress.kgi.actual_to_date, "currency", "en", "TWD", short=True) in text
    assert progress.kgi.actual_to_date == 304 * 1000


def test_a_workspace_without_kgi_or_data_says_what_to_do(engine) -> None:  # noqa: ANN001
    ws = create_workspace(engine, "Empty", "ecommerce", period_start=date(2026, 1, 1), language="zh-TW")
    digest = build_digest(engine, ws.id, MONTH)
    assert t("digest.no_kgi", "zh-TW") in digest.text
    assert "尚未設定" in digest.subject
    assert _cells(digest.attachment)  # the workbook still opens
    assert digest.chart is None and "cid:" not in digest.html


def test_status_changes_since_the_last_digest(engine) -> None:  # noqa: ANN001
    ws = _small_workspace(engine)
    first = build_digest(engine, ws.id, MONTH)
    assert first.changes == []
    remember_sent(engine, first, ["a@example.com"])
    flipped = {k: ("on_track" if v != "on_track" else "off_track") for k, v in first.statuses.items()}
    from core.workspaces import get_workspace, update_settings

    memory = dict(get_workspace(engine, ws.id).settings["digest"])
    assert MONTH in memory["sent"]
    update_settings(engine, ws.id, digest={**memory, "statuses": flipped})
    second = build_digest(engine, ws.id, MONTH)
    assert len(second.changes) == len(first.statuses)
    assert all(c in second.text for c in second.changes)


def test_smtp_not_configured_unreachable_or_refusing(mail) -> None:  # noqa: ANN001
    inbox, port = mail
    with pytest.raises(KgiError) as exc:
        smtp_config(environ={})
    assert exc.value.key == "digest.smtp_not_configured"
    assert "KGI_SMTP_URL" in exc.value.message("zh-TW") and "KGI_SMTP_URL" in exc.value.message("en")
    with pytest.raises(KgiError) as exc:
        smtp_config(environ={"KGI_SMTP_URL": "http://x"})
    assert exc.value.key == "digest.smtp_bad_url"
    with pytest.raises(KgiError) as exc:
        smtp_config("smtp://u:secret@host", "a@example.com", environ={})
    assert exc.value.key == "digest.smtp_password_in_flag"
    msg = _message()
    with pytest.raises(KgiError) as exc:
        send(_cfg(free_port()), msg, ["a@example.com"])
    assert exc.value.key == "digest.smtp_unreachable"
    with pytest.raises(KgiError) as exc:
        send(_cfg(port), msg, ["refuse-me@example.com"])
    assert exc.value.key == "digest.smtp_recipients_refused"
    assert "refuse-me@example.com" in exc.value.message("en") and "未寄出" in exc.value.message("zh-TW")
    assert send(_cfg(port), msg, ["refuse@example.com", "ok@example.com"]) == ["refuse@example.com"]
    assert inbox.messages[-1][0] == ["ok@example.com"]
    with pytest.raises(KgiError) as exc:  # a password is never sent over a connection without TLS
        send(_cfg(port, KGI_SMTP_PASSWORD="secret", KGI_SMTP_USER="me"), msg, ["a@example.com"])
    assert exc.value.key == "digest.smtp_no_tls"
    assert "secret" not in exc.value.message("en")


def _message():  # noqa: ANN202
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = "test", "kgi@example.com", "a@example.com"
    msg.set_content("hello")
    return msg


LOCALS = ["a", "first.last", "x+tag", "o'brien", "under_score", "1234"]
DOMAINS = ["example.com", "mail.example.com.tw", "xn--fsq.tw", "a-b.co"]
BAD_WHOLE = ["", "plain", "@example.com", "a@", "a@example", "Name <a@example.com>", "a@example.com\r\nBcc: x@evil.com"]
# Each inserted into a good local part or domain breaks it.
BAD_LOCAL = [" ", "..", "@", "<", ",", "(", "\r\n", '"', "\\"]
BAD_DOMAIN = [" ", "..", "_", "@", "-.", ".-", "/", "\n"]


def test_address_grammar_over_a_generated_corpus() -> None:
    good = [f"{local}@{domain}" for local, domain in itertools.product(LOCALS, DOMAINS)]
    for address in good:
        assert check_address(f"  {address} ") == address
    bad = list(BAD_WHOLE)
    for local, domain in itertools.product(LOCALS, DOMAINS):
        bad += [f"{local}{b}x@{domain}" for b in BAD_LOCAL] + [f".{local}@{domain}", f"{local}.@{domain}"]
        bad += [f"{local}@x{b}{domain}" for b in BAD_DOMAIN] + [f"{local}@-{domain}", f"{local}@{domain}."]
    assert len(bad) > 500
    for address in bad:
        with pytest.raises(KgiError):
            check_address(address)
    assert check_recipients(["a@example.com, B@example.com", "A@example.com", "b@example.com"]) == [
        "a@example.com", "B@example.com"]
    with pytest.raises(KgiError, match="digest.no_recipients"):
        check_recipients([" , "])


def test_digest_messages_are_complete_in_both_languages() -> None:
    import re
    from pathlib import Path

    from core.i18n import messages

    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in ("core/digest.py", "core/cli/digest.py"):
        used |= set(re.findall(r'"(digest\.[a-z_.]+)"', (root / path).read_text(encoding="utf-8")))
    used = {k for k in used if not k.endswith(".")}
    assert used - set(messages()) == set()
    ours = {k: v for k, v in messages().items() if k.startswith("digest.")}
    for key, texts in ours.items():
        assert texts["en"].strip() and texts["zh"].strip(), key
        assert set(re.findall(r"{(\w+)}", texts["en"])) == set(re.findall(r"{(\w+)}", texts["zh"])), key
        prose = re.sub(r"`[^`]*`|\S+://\S+|\{\w+\}|--[\w-]+|-o FILE\.eml", "", texts["zh"])
        assert not re.search(r"[(),;!?]|[^\x00-\x7f]:|:[^\x00-\x7f]", prose), (key, texts["zh"])
    assert "您" in ours["digest.no_data"]["zh"]


def test_starttls_and_login_on_a_server_that_requires_both(engine, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    ws = _small_workspace(engine)
    digest = build_digest(engine, ws.id, MONTH)
    with smtp_server(tls=tmp_path, login=("me", "s3cret")) as (inbox, port):
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))  # trust the test's own certificate
        env = {"KGI_SMTP_URL": f"smtp://me@localhost:{port}", "KGI_SMTP_FROM": "kgi@example.com"}
        cfg = smtp_config(environ={**env, "KGI_SMTP_PASSWORD": "s3cret"})
        assert repr(cfg).count("s3cret") == 0
        assert send(cfg, digest.message(cfg.sender, ["a@example.com"]), ["a@example.com"]) == []
        assert inbox.messages[-1][1]["Subject"] == digest.subject
        wrong = smtp_config(environ={**env, "KGI_SMTP_PASSWORD": "nope"})
        with pytest.raises(KgiError) as exc:
            send(wrong, digest.message(wrong.sender, ["a@example.com"]), ["a@example.com"])
        assert exc.value.key == "digest.smtp_login_refused", exc.value.params
        assert "nope" not in exc.value.message("en")
        with pytest.raises(KgiError) as exc:  # no login on a server that requires one: refused, said so
            send(smtp_config(environ=env), digest.message("kgi@example.com", ["a@example.com"]), ["a@example.com"])
        assert exc.value.key in ("digest.smtp_sender_refused", "digest.smtp_refused")
        monkeypatch.delenv("SSL_CERT_FILE")
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
        with pytest.raises(KgiError) as exc:  # an untrusted certificate is not accepted
            send(cfg, digest.message(cfg.sender, ["a@example.com"]), ["a@example.com"])
        assert exc.value.key == "digest.smtp_unreachable"
    assert len(inbox.messages) == 1


# aiosmtpd counts only STARTTLS as TLS and warns about AUTH on an implicit-TLS port: not the case here
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtps_implicit_tls_with_login(engine, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """smtps:// speaks TLS from the first byte (port 465 style): sent when the certificate is
    trusted, refused in words when it is not, the password never in a message."""
    ws = _small_workspace(engine)
    digest = build_digest(engine, ws.id, MONTH)
    with smtp_server(tls=tmp_path, login=("me", "s3cret"), implicit_tls=True) as (inbox, port):
        env = {"KGI_SMTP_URL": f"smtps://me@localhost:{port}", "KGI_SMTP_FROM": "kgi@example.com",
               "KGI_SMTP_PASSWORD": "s3cret"}
        cfg = smtp_config(environ=env)
        assert (cfg.security, cfg.describe()) == ("ssl", f"smtps://localhost:{port}")
        with pytest.raises(KgiError) as exc:  # the test's own certificate is not trusted yet
            send(cfg, digest.message(cfg.sender, ["a@example.com"]), ["a@example.com"])
        assert exc.value.key == "digest.smtp_unreachable" and "s3cret" not in exc.value.message("en")
        assert "CERTIFICATE_VERIFY_FAILED" in exc.value.params["reason"]
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))
        assert send(cfg, digest.message(cfg.sender, ["a@example.com"]), ["a@example.com"]) == []
        rcpt, msg, _raw = inbox.messages[-1]
        assert rcpt == ["a@example.com"] and msg["Subject"] == digest.subject
        plain = replace(smtp_config(environ={**env, "KGI_SMTP_URL": f"smtp://me@localhost:{port}"}), timeout=1.5)
        with pytest.raises(KgiError) as exc:  # smtp:// to a TLS-only port: no greeting comes; said so
            send(plain, digest.message(plain.sender, ["a@example.com"]), ["a@example.com"])
        assert exc.value.key == "digest.smtp_unreachable" and "timed out" in exc.value.params["reason"]
    assert len(inbox.messages) == 1
