"""Roles per workspace: the permission table (every role × action), and members on SQLite and
PostgreSQL — the first sign-in owns a fresh database, invitations become memberships at sign-in,
a workspace always keeps an owner, every change is in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from core import audit
from core.access import ACTIONS, ROLES, best_role, can
from core.errors import KgiError
from core.members import (
    add_member,
    first_owner,
    grant_creator,
    list_members,
    may_create_workspaces,
    remove_member,
    role_of,
    roles_of,
    set_role,
    sign_in,
)
from core.workspace_life import delete_workspace
from core.workspaces import create_workspace

# The promise, written out by hand: Y = allowed. Columns: owner, editor, viewer, client.
EXPECTED = {
    "view_dashboard": "YYYY",
    "view_review":    "YYYY",
    "view_plan":      "YYY-",
    "download":       "YYY-",
    "view_history":   "YYY-",
    "edit_plan":      "YY--",
    "upload":         "YY--",
    "undo":           "YY--",
    "edit_settings":  "Y---",
    "backup":         "Y---",
    "restore":        "Y---",
    "manage_members": "Y---",
    "archive":        "Y---",
    "delete":         "Y---",
}


def test_every_action_is_in_the_expected_table() -> None:
    assert set(EXPECTED) == set(ACTIONS)
    assert ROLES == ("owner", "editor", "viewer", "client")


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("index", range(4))
def test_role_action(action: str, index: int) -> None:
    role = ROLES[index]
    assert can(role, action) is (EXPECTED[action][index] == "Y"), (role, action)


@pytest.mark.parametrize("action", list(EXPECTED))
def test_no_role_may_do_nothing(action: str) -> None:
    assert can(None, action) is False
    assert can("admin", action) is False


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        can("owner", "fly")


def test_best_role() -> None:
    assert best_role(["client", "editor", "viewer"]) == "editor"
    assert best_role([]) is None


# -- members in the database ------------------------------------------------------------------


def _two(engine: Engine) -> tuple[int, int]:
    return create_workspace(engine, "Client A", "ecommerce").id, create_workspace(engine, "Client B", "saas").id


def test_first_sign_in_owns_every_workspace_and_no_one_after(engine: Engine) -> None:
    a, b = _two(engine)
    with audit.acting_as("Ann@Example.com"):
        first = sign_in(engine, " Ann@Example.com ")
    assert first.claimed
    assert roles_of(engine, "ann@example.com") == {a: "owner", b: "owner"}
    assert first_owner(engine) == "ann@example.com"
    assert may_create_workspaces(engine, "ann@example.com")
    # A second person signs in to the same database: no claim, nothing at all.
    second = sign_in(engine, "bob@example.com")
    assert not second.claimed and second.joined == []
    assert roles_of(engine, "bob@example.com") == {}
    assert not may_create_workspaces(engine, "bob@example.com")
    assert sign_in(engine, "ann@example.com").claimed is False  # signing in again changes nothing
    assert [(e.action, e.subject) for e in audit.events(engine, a)][0] == ("member_join", "ann@example.com")


def test_first_sign_in_to_an_empty_database_may_create(engine: Engine) -> None:
    assert sign_in(engine, "ann@example.com").claimed
    assert may_create_workspaces(engine, "ann@example.com")
    assert not may_create_workspaces(engine, "bob@example.com")


def test_a_database_with_members_already_is_not_fresh(engine: Engine) -> None:
    a, b = _two(engine)
    with audit.acting_as("cli:ops"):
        add_member(engine, a, "carol@example.com", "owner")
    assert not sign_in(engine, "mallory@example.com").claimed
    assert roles_of(engine, "mallory@example.com") == {}


def test_an_invitation_becomes_a_membership_at_sign_in(engine: Engine) -> None:
    a, b = _two(engine)
    sign_in(engine, "ann@example.com")
    with audit.acting_as("ann@example.com"):
        invited = add_member(engine, a, "Client@Brand.TW", "client")
    assert invited.joined_at is None and invited.invited_by == "ann@example.com"
    assert role_of(engine, a, "client@brand.tw") == "client"
    assert role_of(engine, b, "client@brand.tw") is None
    with audit.acting_as("client@brand.tw"):
        result = sign_in(engine, "client@brand.tw")
    assert result.joined == [a]
    row = next(m for m in list_members(engine, a) if m.email == "client@brand.tw")
    assert row.joined_at is not None
    assert sign_in(engine, "client@brand.tw").joined == []
    trail = [(e.actor, e.action, e.subject, e.detail.get("role")) for e in audit.events(engine, a)][:2]
    assert trail == [("client@brand.tw", "member_join", "client@brand.tw", "client"),
                     ("ann@example.com", "member_invite", "client@brand.tw", "client")]


def test_roles_change_and_members_go_and_the_last_owner_stays(engine: Engine) -> None:
    a, _ = _two(engine)
    sign_in(engine, "ann@example.com")
    add_member(engine, a, "ed@example.com", "editor")
    set_role(engine, a, "ed@example.com", "viewer")
    assert role_of(engine, a, "ed@example.com") == "viewer"
    for change in (lambda: set_role(engine, a, "ann@example.com", "editor"),
                   lambda: remove_member(engine, a, "ann@example.com")):
        with pytest.raises(KgiError) as err:
            change()
        assert err.value.key == "members.last_owner"
        assert "Client A" in err.value.message("en") and "Client A" in err.value.message("zh-TW")
    assert role_of(engine, a, "ann@example.com") == "owner"
    set_role(engine, a, "ed@example.com", "owner")
    set_role(engine, a, "ann@example.com", "editor")  # now someone else owns it
    remove_member(engine, a, "ann@example.com")
    assert role_of(engine, a, "ann@example.com") is None
    actions = [e.action for e in audit.events(engine, a)][:4]
    assert actions == ["member_remove", "member_role", "member_role", "member_role"]
    assert [m.email for m in list_members(engine, a)] == ["ed@example.com"]


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (lambda e, ws: add_member(e, ws, "not an address", "viewer"), "members.bad_email"),
        (lambda e, ws: add_member(e, ws, "x@example.com", "admin"), "members.bad_role"),
        (lambda e, ws: add_member(e, ws, "ANN@example.com", "viewer"), "members.exists"),
        (lambda e, ws: set_role(e, ws, "nobody@example.com", "viewer"), "members.not_member"),
        (lambda e, ws: remove_member(e, ws, "nobody@example.com"), "members.not_member"),
        (lambda e, ws: add_member(e, 9999, "x@example.com", "viewer"), "workspace.not_found"),
    ],
)
def test_mistakes_are_explained_and_change_nothing(engine: Engine, call, key: str) -> None:  # noqa: ANN001
    a, _ = _two(engine)
    sign_in(engine, "ann@example.com")
    before = [(m.email, m.role) for m in list_members(engine, a)]
    with pytest.raises(KgiError) as err:
        call(engine, a)
    assert err.value.key == key
    for lang in ("en", "zh-TW"):
        assert err.value.message(lang)
    assert [(m.email, m.role) for m in list_members(engine, a)] == before


def test_the_creator_owns_a_new_workspace_and_deleting_takes_the_members(engine: Engine) -> None:
    sign_in(engine, "ann@example.com")
    add_member_ws = create_workspace(engine, "Client C", "seo").id
    grant_creator(engine, add_member_ws, "bob@example.com")
    assert role_of(engine, add_member_ws, "bob@example.com") == "owner"
    assert role_of(engine, add_member_ws, "ann@example.com") is None  # the claim was once
    add_member(engine, add_member_ws, "cli@example.com", "client")
    delete_workspace(engine, add_member_ws, "Client C")
    assert roles_of(engine, "cli@example.com") == {}
    assert roles_of(engine, "bob@example.com") == {}
