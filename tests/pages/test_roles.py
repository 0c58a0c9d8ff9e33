"""AppTest of shared mode with roles: each role sees only its pages, sections and downloads; a
workspace not shared with the visitor is never listed nor opened by ``?ws=``; owners manage
members on the Settings page (recorded in the trail); the first sign-in owns a fresh database;
local mode still has no sign-in and no Members section.

The signed-in visitor is AppTest's ``at.user`` (what the page reads as ``st.user``), with
``[auth]`` in ``at.secrets`` turning shared mode on.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core import audit
from core.demo import create_demo
from core.i18n import t
from core.members import add_member, list_members, role_of, sign_in
from core.workspaces import create_workspace

MakeApp = Callable[..., AppTest]
LANGS = ("zh-TW", "en")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32,
        "client_id": "kgi", "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"}
OWNER, EDITOR, VIEWER, CLIENT = "own@example.com", "ed@example.com", "view@example.com", "client@brand.tw"
ALL_PAGES = ("workspace", "kgi", "kpis", "plan", "upload", "dashboard", "review", "optimise", "settings")
PAGES_OF = {
    OWNER: set(ALL_PAGES),
    EDITOR: set(ALL_PAGES),
    VIEWER: {"workspace", "plan", "dashboard", "review", "optimise", "settings"},
    CLIENT: {"workspace", "dashboard", "review", "settings"},
}


@pytest.fixture
def team(app_engine: Engine) -> dict[str, int]:
    """The demo (Client A, with a plan and data) and Client B; the owner signed in first,
    then invited an editor, a viewer and a client to Client A only."""
    a = create_demo(app_engine, lang="en").id
    b = create_workspace(app_engine, "Client B (confidential)", "saas").id
    sign_in(app_engine, OWNER)
    for email, role in ((EDITOR, "editor"), (VIEWER, "viewer"), (CLIENT, "client")):
        add_member(app_engine, a, email, role)
    return {"a": a, "b": b}


def shared_app(make_app: MakeApp, email: str | None, lang: str = "en", ws_id: int | None = None,
               **user: object) -> AppTest:
    at = make_app(lang, ws_id)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": email is not None, "email": email, **user}
    return at


def registered(at: AppTest) -> set[str]:
    """The pages this session's navigation serves (a page left out cannot be switched to)."""
    served = set()
    for page in ALL_PAGES:
        try:
            at.switch_page(f"pages/{page}.py")
        except ValueError:
            continue
        served.add(page)
    return served


def downloads(at: AppTest) -> list[str]:
    return [str(d.proto.label) for d in at.get("download_button")]


@pytest.mark.parametrize("email", [OWNER, EDITOR, VIEWER, CLIENT])
def test_each_role_is_served_its_pages_only(make_app: MakeApp, team: dict[str, int], email: str) -> None:
    at = shared_app(make_app, email, ws_id=team["a"]).run()
    assert_clean(at)
    assert at.session_state["ui_workspace_id"] == team["a"]
    assert registered(at) == PAGES_OF[email]
    # The sidebar lists only what is shared with this person, and says who they are.
    expected = ["Client B (confidential)", "Demo Tea Shop"] if email == OWNER else ["Demo Tea Shop"]
    assert at.sidebar.selectbox(key="sidebar_ws").options == expected
    captions = [c.value for c in at.sidebar.caption]
    assert t("members.access.signed_in_as", "en", email=email) in captions
    assert [b.label for b in at.sidebar.button] == [t("members.access.sign_out", "en")]


@pytest.mark.parametrize("lang", LANGS)
def test_another_workspace_by_url_is_refused(make_app: MakeApp, team: dict[str, int], lang: str) -> None:
    at = shared_app(make_app, CLIENT, lang)
    at.query_params["ws"] = str(team["b"])
    at.run()
    assert_clean(at)
    assert [e.value for e in at.error] == [t("members.access.no_access", lang, id=team["b"], email=CLIENT)]
    assert at.session_state["ui_workspace_id"] is None
    assert "confidential" not in page_text(at)
    assert all("confidential" not in str(o) for o in at.sidebar.selectbox(key="sidebar_ws").options)


def test_a_removed_member_loses_the_open_workspace(make_app: MakeApp, app_engine: Engine,
                                                   team: dict[str, int]) -> None:
    at = shared_app(make_app, VIEWER, ws_id=team["a"]).run()
    assert at.session_state["ui_workspace_id"] == team["a"]
    from core.members import remove_member

    remove_member(app_engine, team["a"], VIEWER)
    at.run()
    assert_clean(at)
    assert at.session_state["ui_workspace_id"] is None
    assert t("members.access.no_workspaces", "en", email=VIEWER) in page_text(at)


@pytest.mark.parametrize(("email", "sections"), [
    (OWNER, {"backup", "trail", "members", "archive", "details"}),
    (EDITOR, {"trail"}),
    (VIEWER, {"trail"}),
    (CLIENT, set()),
])
def test_settings_sections_by_role(make_app: MakeApp, team: dict[str, int], email: str, sections: set[str]) -> None:
    at = shared_app(make_app, email, ws_id=team["a"]).run()
    at.switch_page("pages/settings.py").run()
    assert_clean(at)
    subheaders = {s.value for s in at.subheader}
    shown = {
        "backup": t("ui.backup.title", "en") in subheaders,
        "trail": t("workspace_life.trail.title", "en") in subheaders,
        "members": t("members.section.title", "en") in subheaders,
        "archive": t("workspace_life.archive.title", "en") in subheaders,
        "details": t("ui.settings.thresholds", "en") in subheaders,
    }
    assert {name for name, present in shown.items() if present} == sections
    assert (t("ui.backup.download", "en") in downloads(at)) is ("backup" in sections)


@pytest.mark.parametrize(("email", "offered"), [(OWNER, True), (VIEWER, True), (CLIENT, False)])
def test_review_downloads_by_role(make_app: MakeApp, team: dict[str, int], email: str, offered: bool) -> None:
    at = shared_app(make_app, email, ws_id=team["a"]).run()
    at.switch_page("pages/review.py").run()
    assert_clean(at)
    assert len(at.dataframe) == 1  # every role reads the review itself
    assert bool(downloads(at)) is offered


def test_workspace_page_by_role(make_app: MakeApp, team: dict[str, int]) -> None:
    client = shared_app(make_app, CLIENT, ws_id=team["a"]).run()
    assert_clean(client)
    assert "ws_create" not in [b.key for b in client.button]  # cannot create workspaces
    assert not [b for b in client.button if str(b.key).startswith("demo_")]
    owner = shared_app(make_app, OWNER, ws_id=team["a"]).run()
    assert "ws_create" in [b.key for b in owner.button]


@pytest.mark.parametrize("lang", LANGS)
def test_owner_manages_members(make_app: MakeApp, app_engine: Engine, team: dict[str, int], lang: str) -> None:
    at = shared_app(make_app, OWNER, lang, ws_id=team["a"]).run()
    at.switch_page("pages/settings.py").run()
    assert_clean(at)
    assert t("members.section.you", lang, email=OWNER) in [x.value for x in at.text]
    at.text_input(key=f"mem_email_{team['a']}").input("New.Person@Example.com")
    at.selectbox(key=f"mem_new_role_{team['a']}").set_value("editor")
    at.button(key=f"mem_invite_{team['a']}").click().run()
    assert_clean(at)
    assert role_of(app_engine, team["a"], "new.person@example.com") == "editor"
    row = next(m for m in list_members(app_engine, team["a"]) if m.email == "new.person@example.com")
    assert row.invited_by == OWNER and row.joined_at is None
    at.selectbox(key=f"mem_role_{row.id}").set_value("client").run()
    assert role_of(app_engine, team["a"], "new.person@example.com") == "client"
    at.button(key=f"mem_remove_{row.id}").click().run()
    assert role_of(app_engine, team["a"], "new.person@example.com") is None
    # The only owner cannot demote themselves: said in the user's language, nothing changes.
    me = next(m for m in list_members(app_engine, team["a"]) if m.email == OWNER)
    at.selectbox(key=f"mem_role_{me.id}").set_value("viewer").run()
    assert [e.value for e in at.error] == [t("members.last_owner", lang, name="Demo Tea Shop")]
    assert role_of(app_engine, team["a"], OWNER) == "owner"
    assert at.selectbox(key=f"mem_role_{me.id}").value == "owner"
    trail = [(e.actor, e.action, e.subject) for e in audit.events(app_engine, team["a"])][:3]
    assert trail == [(OWNER, "member_remove", "new.person@example.com"),
                     (OWNER, "member_role", "new.person@example.com"),
                     (OWNER, "member_invite", "new.person@example.com")]


def test_a_bad_invitation_is_explained(make_app: MakeApp, app_engine: Engine, team: dict[str, int]) -> None:
    at = shared_app(make_app, OWNER, ws_id=team["a"]).run()
    at.switch_page("pages/settings.py").run()
    at.text_input(key=f"mem_email_{team['a']}").input("not an address")
    at.button(key=f"mem_invite_{team['a']}").click().run()
    assert [e.value for e in at.error] == [t("members.bad_email", "en", value="not an address")]
    assert len(list_members(app_engine, team["a"])) == 4


def test_first_sign_in_owns_a_fresh_database(make_app: MakeApp, app_engine: Engine) -> None:
    ws = create_workspace(app_engine, "Client A", "ecommerce").id
    at = shared_app(make_app, "First@Example.com").run()
    assert_clean(at)
    assert role_of(app_engine, ws, "first@example.com") == "owner"
    # The next person sees nothing and is told why; they cannot create a workspace either.
    other = shared_app(make_app, "second@example.com").run()
    assert_clean(other)
    assert t("members.access.no_workspaces", "en", email="second@example.com") in page_text(other)
    assert "ws_create" not in [b.key for b in other.button]
    assert registered(other) == {"workspace", "settings"}


def test_an_invitation_becomes_membership_on_sign_in(make_app: MakeApp, app_engine: Engine,
                                                     team: dict[str, int]) -> None:
    shared_app(make_app, CLIENT).run()
    row = next(m for m in list_members(app_engine, team["a"]) if m.email == CLIENT)
    assert row.joined_at is not None
    assert audit.events(app_engine, team["a"])[0].action == "member_join"


def test_a_new_workspace_is_owned_by_its_creator(make_app: MakeApp, app_engine: Engine, team: dict[str, int]) -> None:
    at = shared_app(make_app, OWNER).run()
    at.text_input(key="ws_new_name").input("Client C")
    at.radio(key="ws_new_type").set_value("saas")
    at.button(key="ws_create").click().run()
    assert_clean(at)
    created = at.session_state["ui_workspace_id"]
    assert created not in team.values() and role_of(app_engine, created, OWNER) == "owner"


def test_an_unverified_email_is_not_trusted(make_app: MakeApp, team: dict[str, int]) -> None:
    at = shared_app(make_app, OWNER, email_verified=False).run()
    assert [e.value for e in at.error] == [t("members.access.no_email", "en")]
    assert not at.sidebar.selectbox and "Demo" not in page_text(at)


def test_sign_out(make_app: MakeApp, team: dict[str, int]) -> None:
    at = shared_app(make_app, OWNER, ws_id=team["a"]).run()
    at.sidebar.button(key="sidebar_sign_out").click().run()
    assert "Demo" not in page_text(at)  # nothing more is drawn for the signed-out visitor
    at.run()
    assert [e.value for e in at.info] == [t("workspace_life.access.sign_in_needed", "en")]
    assert not at.sidebar.selectbox


def test_local_mode_has_no_sign_in_and_no_members(make_app: MakeApp, app_engine: Engine) -> None:
    ws = create_workspace(app_engine, "Tea", "ecommerce").id
    at = make_app("en", ws).run()
    assert registered(at) == set(ALL_PAGES)
    at.switch_page("pages/settings.py").run()
    assert_clean(at)
    subheaders = {s.value for s in at.subheader}
    assert t("members.section.title", "en") not in subheaders
    assert t("ui.backup.title", "en") in subheaders
    assert not at.sidebar.button  # no sign-out


@pytest.mark.parametrize("email", [VIEWER, CLIENT])
def test_track_pages_link_only_to_pages_served(make_app: MakeApp, app_engine: Engine, team: dict[str, int],
                                               email: str) -> None:
    """The dashboard's links (to Optimise, to Upload) are drawn only when that page is served."""
    empty = create_workspace(app_engine, "Client D", "ecommerce").id
    add_member(app_engine, empty, email, "viewer" if email == VIEWER else "client")
    for ws_id in (team["a"], empty):
        at = shared_app(make_app, email, ws_id=ws_id).run()
        for page in ("dashboard", "review"):
            at.switch_page(f"pages/{page}.py").run()
            assert_clean(at)
