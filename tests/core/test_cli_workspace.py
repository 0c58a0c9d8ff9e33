"""`kgi workspace` and the promises every command keeps: one sentence on stderr, exit 1 for a
user problem, 2 for a usage error, never a traceback, nothing changed."""

import json

import pytest

from core.cli import main
from core.workspaces import list_workspaces


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_and_list(capsys, db_url, engine):
    code, out, _ = run(capsys, "--db", db_url, "workspace", "create", "Demo Tea", "--type", "ecommerce",
                       "--start", "2024-01-01", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["name"] == "Demo Tea" and created["period_start"] == "2024-01-01"
    code, out, _ = run(capsys, "--db", db_url, "workspace", "list", "--json")
    assert [w["name"] for w in json.loads(out)] == ["Demo Tea"]


def test_create_without_a_start_uses_the_workspace_pages_default(capsys, db_url):
    from datetime import date

    from core.workspaces import default_period_start

    code, out, _ = run(capsys, "--db", db_url, "workspace", "create", "Next Year Shop", "--type", "ecommerce", "--json")
    assert code == 0
    assert json.loads(out)["period_start"] == default_period_start(date.today()).isoformat()


def test_create_with_an_owner_invites_them_and_a_bad_address_creates_nothing(capsys, db_url, engine):
    from core.members import list_members

    code, out, _ = run(capsys, "--db", db_url, "workspace", "create", "Client A", "--type", "ecommerce",
                       "--owner", " Boss@Example.com ", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["owner_invited"] == "boss@example.com"
    assert [(m.email, m.role) for m in list_members(engine, created["id"])] == [("boss@example.com", "owner")]
    code, _, err = run(capsys, "--db", db_url, "workspace", "create", "Client B", "--type", "ecommerce",
                       "--owner", "not-an-address")
    assert code != 0 and err.strip()
    code, out, _ = run(capsys, "--db", db_url, "workspace", "list", "--json")
    assert [w["name"] for w in json.loads(out)] == ["Client A"]


@pytest.mark.parametrize(
    ("argv", "needle_en", "needle_zh"),
    [
        (["workspace", "create", "X", "--type", "florist"], "not a business type", "不是 KGI Planner 支援的企業類型"),
        (["workspace", "create", "  ", "--type", "saas"], "Give the workspace a name", "請為工作區取個名字"),
        (["workspace", "create", "X", "--type", "saas", "--start", "2024-13-01"], "is not a date", "不是日期"),
        (["workspace", "create", "X", "--type", "saas", "--currency", "NT$"], "not a currency code", "不是幣別代碼"),
    ],
)
def test_bad_input_is_one_sentence_and_changes_nothing(capsys, db_url, engine, argv, needle_en, needle_zh):
    for lang, needle in (("en", needle_en), ("zh-TW", needle_zh)):
        code, out, err = run(capsys, "--db", db_url, "--lang", lang, *argv)
        assert code == 1 and out == ""
        assert needle in err and "Traceback" not in err
    assert list_workspaces(engine) == []


def test_duplicate_name(capsys, db_url, engine):
    assert run(capsys, "--db", db_url, "workspace", "create", "A", "--type", "seo")[0] == 0
    code, _, err = run(capsys, "--db", db_url, "workspace", "create", "A", "--type", "seo")
    assert code == 1 and "already exists" in err
    assert len(list_workspaces(engine)) == 1


def test_usage_error_exits_2(capsys):
    code, _, err = run(capsys, "workspace", "create", "X")
    assert code == 2 and "--type" in err


def test_missing_database_directory(capsys, tmp_path):
    code, _, err = run(capsys, "--db", f"sqlite:///{tmp_path}/no/such/dir/kgi.db", "workspace", "list")
    assert code == 1 and "does not exist" in err
    assert not (tmp_path / "no").exists()


def test_unreachable_postgres(capsys):
    code, _, err = run(capsys, "--lang", "zh-TW", "--db", "postgresql://nobody@127.0.0.1:1/none", "workspace", "list")
    assert code == 1 and "無法連線到資料庫" in err and "Traceback" not in err


def test_bad_database_url(capsys):
    code, _, err = run(capsys, "--db", "not a url", "workspace", "list")
    assert code == 1 and "not one KGI Planner can use" in err


def test_default_database_is_the_apps_file(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KGI_DATA_DIR", str(tmp_path))
    assert run(capsys, "workspace", "create", "A", "--type", "email")[0] == 0
    assert (tmp_path / "kgi.db").exists()
