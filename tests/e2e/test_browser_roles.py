"""Browser test of shared mode through a real OpenID Connect sign-in.

The suite starts ``oidc-provider-mock`` (a real OIDC provider: discovery, authorize form,
token and JWKS endpoints) on a free port, writes a ``secrets.toml`` whose ``[auth]`` points
Streamlit's ``st.login`` at it, and serves the app on 127.0.0.1 with that file. The owner
signs in first (and so owns the fresh database); the operator then invites an editor, a viewer
and a client to one workspace with ``kgi members add``; each signs in in a browser context of
their own, and the test checks what each is served and refused — pages, sections, downloads,
direct addresses, and another workspace's id in the URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import main_text, no_traceback, playwright_or_skip, serve_app, settle

from core.cli import main as kgi
from core.db import get_engine
from core.demo import create_demo
from core.i18n import t
from core.members import role_of
from core.workspaces import create_workspace

sync_api = playwright_or_skip()
expect = sync_api.expect
oidc_mock = pytest.importorskip("oidc_provider_mock", reason="oidc-provider-mock is not installed")

pytestmark = pytest.mark.browser

OWNER, EDITOR, VIEWER, CLIENT = "owner@agency.example", "editor@agency.example", "viewer@agency.example", \
    "client@brand.example"
SECRET_WS = "Client B (confidential)"
NAV = {name: t(f"ui.nav.{name}", "en") for name in
       ("workspace", "kgi", "kpis", "plan", "upload", "dashboard", "review", "optimise", "settings")}
NAV_OF = {
    OWNER: set(NAV),
    EDITOR: set(NAV),
    VIEWER: {"workspace", "plan", "dashboard", "review", "optimise", "settings"},
    CLIENT: {"workspace", "dashboard", "review", "settings"},
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The OIDC provider and the app in shared mode, on a database holding the demo ("Client
    A", with a plan and data) and a confidential second client; nobody has signed in yet."""
    folder = tmp_path_factory.mktemp("e2e-shared")
    db_url = f"sqlite:///{folder / 'e2e.db'}"
    engine = get_engine(db_url)
    client_a = create_demo(engine, lang="en").id
    client_b = create_workspace(engine, SECRET_WS, "saas").id
    from e2e_support import free_port

    port = free_port()
    with oidc_mock.run_server_in_thread() as provider:
        secrets = folder / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{"e2e-cookie-secret-" * 3}"\n'
            'client_id = "kgi-planner"\n'
            'client_secret = "kgi-planner-secret"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        with serve_app(folder, "--secrets.files", str(secrets), port=port) as url:
            yield {"url": url, "db": db_url, "engine": engine, "a": client_a, "b": client_b, "folder": folder}


def sign_in(new_page: Any, url: str, email: str) -> Any:
    """A fresh browser context signed in as ``email`` through the provider's authorize form."""
    page = new_page("en")
    page.goto(f"{url}/?lang=en")
    page.get_by_role("button", name=t("workspace_life.access.sign_in", "en"), exact=True).click()
    page.wait_for_url("**/oauth2/authorize**")
    page.locator('input[name="sub"]').fill(email)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(f"{url}/**")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text(t("members.access.signed_in_as", "en", email=email))
    settle(page)
    return page


def nav_names(page: Any) -> set[str]:
    """The pages the sidebar lists (its links, not its section headings: "Plan" is both)."""
    texts = page.locator('[data-testid="stSidebarNav"]').get_by_role("link").all_inner_texts()
    labels = {text.strip().split("\n")[-1].strip() for text in texts}
    return {name for name, label in NAV.items() if label in labels}


def open_ws(page: Any, url: str, path: str, ws_id: int, until: str | None = None) -> str:
    """Go straight to an address (as a bookmark or a shared link would) and return the text,
    once ``until`` shows when given (the page's last section: a busy machine may still be
    drawing the sections before it when the first ones are already there)."""
    page.goto(f"{url}/{path}?lang=en&ws={ws_id}")
    settle(page)
    if until:
        expect(page.get_by_text(until).first).to_be_visible()
    no_traceback(page)
    return main_text(page)


def download_labels(page: Any) -> list[str]:
    """The download buttons' words, as shown (the icon's name dropped; a button inside a
    closed expander shows none and counts still)."""
    texts = page.locator('[data-testid="stDownloadButton"]').all_inner_texts()
    return [text.strip().split("\n")[-1].strip() for text in texts]


@pytest.fixture(scope="module")
def team(shared: dict[str, Any], browser: Any) -> dict[str, Any]:
    """The owner signs in first (owning every workspace), then the operator invites the team."""
    context = browser.new_context(locale="en")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in(lambda _locale: page, shared["url"], OWNER)
    finally:
        context.close()
    assert role_of(shared["engine"], shared["a"], OWNER) == "owner"
    assert role_of(shared["engine"], shared["b"], OWNER) == "owner"
    for email, role in ((EDITOR, "editor"), (VIEWER, "viewer"), (CLIENT, "client")):
        assert kgi(["--db", shared["db"], "members", "add", email, "--role", role, "--workspace", str(shared["a"])]) == 0
    return shared


def test_nothing_is_served_before_sign_in(shared: dict[str, Any], new_page: Any) -> None:
    page = new_page("en")
    for path in ("", "preferences", "monthly-review", "actuals"):
        page.goto(f"{shared['url']}/{path}?lang=en&ws={shared['a']}")
        expect(page.locator("body")).to_contain_text(t("workspace_life.access.sign_in_needed", "en"))
        settle(page)
        text = page.locator("body").inner_text()
        assert "Demo Tea Shop" not in text and "confidential" not in text
        assert download_labels(page) == []


def test_owner_sees_everything(team: dict[str, Any], new_page: Any) -> None:
    url = team["url"]
    page = sign_in(new_page, url, OWNER)
    assert nav_names(page) == NAV_OF[OWNER]
    text = open_ws(page, url, "start", team["b"])
    assert SECRET_WS in text and "Demo Tea Shop" in text
    text = open_ws(page, url, "preferences", team["a"], until=t("workspace_life.delete.title", "en"))
    for heading in ("members.section.title", "ui.backup.title", "workspace_life.trail.title",
                    "workspace_life.delete.title"):
        assert t(heading, "en") in text, heading
    for email in (EDITOR, VIEWER, CLIENT):
        assert email in text
    expect(page.locator('[data-testid="stDownloadButton"]').get_by_role(
        "button", name=t("ui.backup.download", "en"))).to_be_visible()
    # Signing out ends the session: the next visit asks to sign in again.
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name=t("members.access.sign_out", "en")).click()
    page.wait_for_timeout(1500)
    page.goto(f"{url}/?lang=en")
    settle(page)
    assert t("workspace_life.access.sign_in_needed", "en") in page.locator("body").inner_text()


def test_editor_plans_and_uploads_but_keeps_out_of_owner_matters(team: dict[str, Any], new_page: Any) -> None:
    url = team["url"]
    page = sign_in(new_page, url, EDITOR)
    assert nav_names(page) == NAV_OF[EDITOR]
    text = open_ws(page, url, "actuals", team["a"])
    assert t("ui.upload.subtitle", "en") in text
    text = open_ws(page, url, "preferences", team["a"], until=t("workspace_life.trail.title", "en"))
    assert t("workspace_life.trail.title", "en") in text
    assert t("members.section.title", "en") not in text and t("ui.backup.title", "en") not in text
    assert download_labels(page) == []
    assert SECRET_WS not in open_ws(page, url, "start", team["a"])


def test_viewer_reads_and_downloads(team: dict[str, Any], new_page: Any) -> None:
    url = team["url"]
    page = sign_in(new_page, url, VIEWER)
    assert nav_names(page) == NAV_OF[VIEWER]
    open_ws(page, url, "monthly-review", team["a"])
    button = page.get_by_role("button", name=t("track.review.download_xlsx", "en"))
    expect(button).to_be_visible()
    with page.expect_download() as download:
        button.click()
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"
    # The upload page is not served to a viewer, not even by its address.
    text = open_ws(page, url, "actuals", team["a"])
    assert t("ui.upload.subtitle", "en") not in text
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    assert t("members.access.not_allowed", "en", role=t("members.role.viewer", "en")) in text


def test_client_sees_its_dashboard_and_review_only(team: dict[str, Any], new_page: Any) -> None:
    url = team["url"]
    page = sign_in(new_page, url, CLIENT)
    assert nav_names(page) == NAV_OF[CLIENT]
    text = open_ws(page, url, "monthly-review", team["a"])
    assert t("track.review.title", "en") in text
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert download_labels(page) == [] and t("track.review.downloads", "en") not in text
    text = open_ws(page, url, "progress", team["a"])
    assert t("track.dashboard.title", "en") in text
    # Direct addresses of pages a client has no part in: not served.
    refused = t("members.access.not_allowed", "en", role=t("members.role.client", "en"))
    for path, body in (("actuals", "ui.upload.subtitle"), ("export", "ui.plan.subtitle"),
                       ("goal", "ui.kgi.subtitle")):
        text = open_ws(page, url, path, team["a"])
        assert refused in text and t(body, "en") not in text, path
        assert page.locator('[data-testid="stFileUploader"]').count() == 0
    text = open_ws(page, url, "preferences", team["a"])
    for heading in ("workspace_life.trail.title", "ui.backup.title", "members.section.title"):
        assert t(heading, "en") not in text, heading
    assert download_labels(page) == []
    # Another client's workspace by its id in the URL: refused, and not named.
    text = open_ws(page, url, "monthly-review", team["b"])
    body = page.locator("body").inner_text()
    assert t("members.access.no_access", "en", id=team["b"], email=CLIENT) in body
    assert "confidential" not in body and SECRET_WS not in text
