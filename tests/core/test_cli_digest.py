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


# -- alerts sent by ``kgi import`` itself -----------------------------------------------------


def _shop_with_a_kpi(engine, recipients: list[str], alerts: bool = True):  # noqa: ANN001, ANN202
    """A workspace with a revenue KGI and a sessions KPI, its digest saved for ``recipients``."""
    from core.db import session_scope
    from core.digest import save_digest_choices
    from core.models import Kgi, Kpi
    from core.workspaces import create_workspace

    ws = create_workspace(engine, "Alert shop", "ecommerce", period_start=date(2026, 1, 1), language="en")
    with session_scope(engine) as session:
        session.add(Kgi(workspace_id=ws.id, text="revenue 500k", metric="revenue", target_kind="level",
                        target_value=500_000, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)))
        session.add(Kpi(workspace_id=ws.id, metric="sessions", label="", target_kind="level", target_value=50_000))
    save_digest_choices(engine, ws.id, recipients=recipients, day=1, language="en", alerts=alerts)
    return ws


def _sheet(path, start: str, end: str, revenue: float, sessions: float):  # noqa: ANN001, ANN202
    import pandas as pd

    days = pd.date_range(start, end, freq="D")
    pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "Revenue": revenue, "Sessions": sessions}).to_csv(
        path, index=False)
    return str(path)


def _import(db_url: str, ws_id: int, path: str, capsys, *extra: str) -> tuple[int, dict, str]:  # noqa: ANN001
    code = main(["--db", db_url, *extra, "import", path, "--workspace", str(ws_id), "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_import_that_turns_a_kpi_off_track_sends_exactly_one_alert(engine, db_url, mail, tmp_path,
                                                                   capsys) -> None:  # noqa: ANN001
    ws = _shop_with_a_kpi(engine, ["boss@example.com"])
    healthy = _sheet(tmp_path / "q1.csv", "2026-01-01", "2026-03-31", 2000, 200)
    no_visits = _sheet(tmp_path / "q2.csv", "2026-04-01", "2026-06-30", 2000, 0)
    code, result, _ = _import(db_url, ws.id, healthy, capsys)
    assert code == 0 and result["alerts"]["sent"] == [] and mail.messages == []  # a starting point
    code, result, err = _import(db_url, ws.id, no_visits, capsys)
    assert code == 0 and err == ""
    assert [(a["was"], a["now"]) for a in result["alerts"]["sent"]] == [("on_track", "off_track")]
    assert len(mail.messages) == 1 and mail.messages[0][0] == ["boss@example.com"]
    msg = mail.messages[0][1]
    assert msg["Subject"] == "[KGI alert] Alert shop: Sessions is now ✖ Off track"
    assert "First thing to try" in msg.get_body(("plain",)).get_content()
    code, result, _ = _import(db_url, ws.id, no_visits, capsys)  # the same file again
    assert code == 0 and result["imports"][0]["status"] == "unchanged"
    assert result["alerts"]["sent"] == [] and len(mail.messages) == 1
    assert main(["--db", db_url, "--lang", "en", "import", healthy, "--workspace", str(ws.id)]) == 0
    assert "alert" not in capsys.readouterr().out  # nothing changed: nothing said about alerts


def test_import_alert_that_fails_is_said_and_sent_after_the_next_import(engine, db_url, mail, tmp_path,
                                                                       monkeypatch, capsys) -> None:  # noqa: ANN001
    ws = _shop_with_a_kpi(engine, ["boss@example.com"])
    _import(db_url, ws.id, _sheet(tmp_path / "q1.csv", "2026-01-01", "2026-03-31", 2000, 200), capsys)
    no_visits = _sheet(tmp_path / "q2.csv", "2026-04-01", "2026-06-30", 2000, 0)
    good_url = os.environ["KGI_SMTP_URL"]
    monkeypatch.setenv("KGI_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # the server is down
    before = digest_settings(engine, ws.id)["alert_statuses"]
    assert main(["--db", db_url, "--lang", "zh-TW", "import", no_visits, "--workspace", str(ws.id)]) == 0
    out, err = capsys.readouterr()
    assert "已匯入" in out and err.count("\n") == 1  # the import stands; one line says why no alert
    assert "資料已匯入，但警示未寄出" in err and "未寄出任何信件" in err and "Traceback" not in err
    assert digest_settings(engine, ws.id)["alert_statuses"] == before  # not remembered: retried
    monkeypatch.setenv("KGI_SMTP_URL", good_url)
    code, result, _ = _import(db_url, ws.id, no_visits, capsys)
    assert result["imports"][0]["status"] == "unchanged"
    assert [a["now"] for a in result["alerts"]["sent"]] == ["off_track"] and len(mail.messages) == 1
    _import(db_url, ws.id, no_visits, capsys)
    assert len(mail.messages) == 1


def test_import_without_smtp_or_with_alerts_off_stays_quiet(engine, db_url, mail, tmp_path, monkeypatch,
                                                            capsys) -> None:  # noqa: ANN001
    from core.digest import save_digest_choices

    ws = _shop_with_a_kpi(engine, ["boss@example.com"])
    _import(db_url, ws.id, _sheet(tmp_path / "q1.csv", "2026-01-01", "2026-03-31", 2000, 200), capsys)
    no_visits = _sheet(tmp_path / "q2.csv", "2026-04-01", "2026-06-30", 2000, 0)
    save_digest_choices(engine, ws.id, recipients=["boss@example.com"], day=1, language="en", alerts=False)
    code, result, err = _import(db_url, ws.id, no_visits, capsys)
    assert code == 0 and result["alerts"]["skipped"] == "alerts_off" and err == "" and mail.messages == []
    save_digest_choices(engine, ws.id, recipients=["boss@example.com"], day=1, language="en", alerts=True)
    monkeypatch.delenv("KGI_SMTP_URL")
    assert main(["--db", db_url, "--lang", "en", "import", no_visits, "--workspace", str(ws.id)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.count("e-mail is not set up (KGI_SMTP_URL)") == 1
    assert mail.messages == []
