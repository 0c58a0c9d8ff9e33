"""``kgi members``: the operator lists and changes who may open a workspace, on SQLite and
PostgreSQL; mistakes are one sentence on stderr and change nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine

from core import audit
from core.cli import main
from core.members import list_members, role_of
from core.workspaces import create_workspace


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_set_role_remove(capsys: pytest.CaptureFixture[str], db_url: str, engine: Engine) -> None:
    ws = create_workspace(engine, "Client A", "ecommerce").id
    code, out, _ = run(capsys, "--db", db_url, "--lang", "en", "members", "--workspace", "Client A")
    assert code == 0 and "has no members yet" in out
    code, out, _ = run(capsys, "--db", db_url, "--lang", "en", "members", "add", "Ann@Example.com",
                       "--role", "owner", "--workspace", str(ws))
    assert code == 0 and "Invited ann@example.com" in out and "Owner" in out
    assert run(capsys, "--db", db_url, "members", "add", "bob@example.com", "--role", "client", "-w", str(ws))[0] == 0
    code, out, _ = run(capsys, "--db", db_url, "--lang", "zh-TW", "members", "-w", str(ws), "set-role",
                       "bob@example.com", "--role", "viewer")
    assert code == 0 and "檢視者" in out
    code, out, _ = run(capsys, "--db", db_url, "members", "list", "--workspace", str(ws), "--json")
    assert code == 0
    assert [(m["email"], m["role"], m["joined"]) for m in json.loads(out)] == [
        ("ann@example.com", "owner", False), ("bob@example.com", "viewer", False)]
    code, out, _ = run(capsys, "--db", db_url, "--lang", "en", "members", "list", "-w", str(ws))
    assert "bob@example.com  viewer  (invited)" in out
    code, out, _ = run(capsys, "--db", db_url, "--lang", "en", "members", "remove", "bob@example.com", "-w", str(ws))
    assert code == 0 and "Removed bob@example.com" in out
    assert role_of(engine, ws, "bob@example.com") is None
    events = [(e.actor.startswith("cli:"), e.action) for e in audit.events(engine, ws)][:4]
    assert events == [(True, "member_remove"), (True, "member_role"), (True, "member_invite"),
                      (True, "member_invite")]


@pytest.mark.parametrize(
    ("argv", "en", "zh"),
    [
        (["members", "add", "not-an-address", "--role", "viewer", "-w", "Client A"], "is not an e-mail", "不是電子郵件"),
        (["members", "remove", "ann@example.com", "-w", "Client A"], "needs at least one owner", "至少需要一位擁有者"),
        (["members", "set-role", "zed@example.com", "--role", "viewer", "-w", "Client A"], "is not a member",
         "不是「Client A」的成員"),
        (["members", "list"], "Name the workspace", "請指定工作區"),
        (["members", "list", "-w", "No Such"], "No Such", "No Such"),
    ],
)
def test_mistakes_are_one_sentence(capsys: pytest.CaptureFixture[str], db_url: str, engine: Engine,
                                   argv: list[str], en: str, zh: str) -> None:
    ws = create_workspace(engine, "Client A", "ecommerce").id
    assert run(capsys, "--db", db_url, "members", "add", "ann@example.com", "--role", "owner", "-w", str(ws))[0] == 0
    for lang, needle in (("en", en), ("zh-TW", zh)):
        code, out, err = run(capsys, "--db", db_url, "--lang", lang, *argv)
        assert code == 1 and out == "" and needle in err and "Traceback" not in err
    assert [(m.email, m.role) for m in list_members(engine, ws)] == [("ann@example.com", "owner")]


def test_a_role_that_does_not_exist_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "members", "add", "a@example.com", "--role", "admin", "-w", "1")
    assert code == 2 and "client" in err
