"""``kgi digest``: sends once per month, retries what failed, says why in both languages."""

from __future__ import annotations

import email
import json
import os
from datetime import date
from email import policy

import pytest
from smtp_server import free_port, smtp_server

from core.cli import main
from core.demo import create_demo
from core.digest import digest_settings

TODAY = date(2026, 11, 26)
MONTH = "2026-10"


@pytest.fixture
def mail(monkeypatch):  # noqa: ANN001, ANN201
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("KGI_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("KGI_SMTP_FROM", "reports@example.com")
        monkeypatch.delenv("KGI_SMTP_PASSWORD", raising=False)
        yield inbox


def test_digest_sends_once_unless_forced(engine, db_url, mail, capsys) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    args = ["--db", db_url, "digest", "--workspace", str(ws.id), "--month", MONTH, "--to", "boss@example.com"]
    assert main([*args, "--json"]) == 0
    sent = json.loads(capsys.readouterr().out)
    assert sent["sent"] is True and sent["to"] == ["boss@example.com"] and sent["refused"] == []
    assert len(mail.messages) == 1
    msg = mail.messages[0][1]
    assert msg["Subject"] == sent["subject"] and "【KGI 月報】" in sent["subject"]  # the workspace's language
    assert msg["From"] == "reports@example.com"
    assert MONTH in digest_settings(engine, ws.id)["sent"]
    assert main([*args, "--lang", "en"]) == 0
    assert "already sent" in capsys.readouterr().out and len(mail.messages) == 1
    assert main([*args, "--lang", "en", "--force"]) == 0
    assert "Sent the 2026-10 digest" in capsys.readouterr().out
    assert len(mail.messages) == 2 and "[KGI review]" in mail.messages[1][1]["Subject"]


def test_dry_run_writes_the_message_and_sends_nothing(engine, db_url, mail, tmp_path, capsys) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    out = tmp_path / "digest.eml"
    assert main(["--db", db_url, "digest", "--workspace", ws.name, "--month", MONTH, "--to", "a@example.com",
                 "--dry-run", "-o", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sent"] is False
    msg = email.message_from_bytes(out.read_bytes(), policy=policy.default)
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    assert mail.messages == [] and "sent" not in digest_settings(engine, ws.id)
    assert main(["--db", db_url, "--lang", "en", "digest", "--workspace", ws.name, "--month", MONTH,
                 "--to", "a@example.com", "--dry-run"]) == 1
    assert "-o FILE.eml" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_failures_are_one_sentence_and_nothing_is_marked_sent(engine, db_url, mail, monkeypatch, capsys,
                                                              lang) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    base = ["--db", db_url, "--lang", lang, "digest", "--workspace", str(ws.id), "--month", MONTH]
    assert main([*base, "--to", "not-an-address"]) == 1
    err = capsys.readouterr().err
    assert "not-an-address" in err and "Traceback" not in err
    assert main([*base]) == 1  # no recipients given or saved
    assert "--to" in capsys.readouterr().err
    assert main([*base, "--to", "refuse@example.com"]) == 1
    assert "refuse@example.com" in capsys.readouterr().err
    monkeypatch.setenv("KGI_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    assert main([*base, "--to", "a@example.com"]) == 1
    err = capsys.readouterr().err
    assert ("Nothing was sent" in err) == (lang == "en") and ("未寄出" in err) == (lang == "zh-TW")
    monkeypatch.delenv("KGI_SMTP_URL")
    assert main([*base, "--to", "a@example.com"]) == 1
    assert "KGI_SMTP_URL" in capsys.readouterr().err
    assert main([*base, "--to", "a@example.com", "--smtp", "smtp://me:pw@127.0.0.1"]) == 1
    assert "KGI_SMTP_PASSWORD" in capsys.readouterr().err
    assert mail.messages == [] and "sent" not in digest_settings(engine, ws.id)


def test_due_sends_each_saved_digest_once_and_retries_a_failure(engine, db_url, mail, monkeypatch,
                                                               capsys) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    assert main(["--db", db_url, "--lang", "en", "digest", "--workspace", str(ws.id), "--month", MONTH,
                 "--to", "a@example.com", "b@example.com", "--save", "--day", "1", "--dry-run", "-o",
                 "/dev/null"]) == 0
    assert digest_settings(engine, ws.id)["recipients"] == ["a@example.com", "b@example.com"]
    capsys.readouterr()
    due = ["--db", db_url, "digest", "--due", "--month", MONTH, "--json"]
    good_url = os.environ["KGI_SMTP_URL"]
    monkeypatch.setenv("KGI_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    assert main(due) == 1  # the server is down: reported, not marked sent
    assert json.loads(capsys.readouterr().out)[0]["sent"] is False
    assert "sent" not in digest_settings(engine, ws.id)
    monkeypatch.setenv("KGI_SMTP_URL", good_url)
    assert main(due) == 0
    assert [r["workspace"] for r in json.loads(capsys.readouterr().out)] == [ws.name]
    assert main(due) == 0  # a second run in the same hour sends nothing
    assert json.loads(capsys.readouterr().out) == []
    assert len(mail.messages) == 1 and mail.messages[0][0] == ["a@example.com", "b@example.com"]
    assert main(["--db", db_url, "--lang", "en", "digest", "--workspace", str(ws.id), "--day", "31",
                 "--save", "--month", MONTH, "--dry-run", "-o", "/dev/null"]) == 1
    assert "between 1 and 28" in capsys.readouterr().err


def _revenue(engine, ws_id: int, start: str, end: str, per_day: float) -> None:  # noqa: ANN001
    import pandas as pd

    from core.demo import bulk_insert

    days = pd.date_range(start, end, freq="D")
    frame = pd.DataFrame({"date": days.date, "metric": "revenue", "value": per_day, "dimension": ""})
    bulk_insert(engine, ws_id, "ga4", frame, f"ga4-{start}.csv")


def test_alerts_follow_imports_once_per_change(engine, db_url, mail, capsys) -> None:  # noqa: ANN001
    from core.db import session_scope
    from core.models import Kgi
    from core.workspaces import create_workspace

    ws = create_workspace(engine, "Alert shop", "ecommerce", period_start=date(2026, 1, 1), language="en")
    with session_scope(engine) as session:
        session.add(Kgi(workspace_id=ws.id, text="revenue 500k", metric="revenue", target_kind="level",
                        target_value=500_000, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)))
    alerts = ["--db", db_url, "digest", "--alerts", "--workspace", str(ws.id), "--to", "boss@example.com", "--json"]

    def run() -> list[dict]:
        assert main(alerts) == 0
        return json.loads(capsys.readouterr().out)[0]["alerts"]

    _revenue(engine, ws.id, "2026-01-01", "2026-03-31", 2000)  # ahead of pace
    assert run() == []  # the first look is a starting point, not a change
    _revenue(engine, ws.id, "2026-04-01", "2026-06-30", 0)  # a quarter with no sales: off track
    (alert,) = run()
    assert (alert["was"], alert["now"]) == ("on_track", "off_track")
    assert run() == [] and len(mail.messages) == 1  # never the same alert twice
    msg = mail.messages[0][1]
    assert msg["Subject"].startswith("[KGI alert] Alert shop") and "Off track" in msg["Subject"]
    assert "First thing to try" in msg.get_body(("plain",)).get_content()
    _revenue(engine, ws.id, "2026-07-01", "2026-10-31", 3000)  # back on track
    (alert,) = run()
    assert (alert["was"], alert["now"]) == ("off_track", "on_track")
    assert len(mail.messages) == 2


def test_a_failed_alert_is_retried_not_lost(engine, db_url, mail, monkeypatch, capsys) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    base = ["--db", db_url, "--lang", "zh-TW", "digest", "--alerts", "--workspace", str(ws.id),
            "--to", "a@example.com", "--json"]
    assert main(base) == 0
    capsys.readouterr()
    from core.workspaces import update_settings

    memory = digest_settings(engine, ws.id)
    flipped = {k: {"off_track": "on_track", "on_track": "off_track"}.get(v, v)
               for k, v in memory["alert_statuses"].items()}
    expected = sum(v in ("off_track", "on_track") for v in memory["alert_statuses"].values())
    update_settings(engine, ws.id, digest={**memory, "alert_statuses": flipped})
    good_url = os.environ["KGI_SMTP_URL"]
    monkeypatch.setenv("KGI_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    assert main(base) == 1
    assert "未寄出" in capsys.readouterr().err
    assert digest_settings(engine, ws.id)["alert_statuses"] == flipped
    monkeypatch.setenv("KGI_SMTP_URL", good_url)
    assert main(base) == 0
    sent = json.loads(capsys.readouterr().out)[0]["alerts"]
    assert len(sent) == expected == len(mail.messages) and expected > 0
    assert all("【KGI 警示】" in m[1]["Subject"] for m in mail.messages)
