"""The e-mail digest on the Settings page, and the alerts sent after an upload.

The SMTP server comes from ``KGI_SMTP_URL`` (and ``KGI_SMTP_FROM``, ``KGI_SMTP_USER``,
``KGI_SMTP_PASSWORD``) or, when that is not set, from Streamlit secrets::

    [smtp]
    url = "smtp://reports%40example.com@mail.example.com:587"
    from = "reports@example.com"
    password = "..."

Reading secrets stays here (pages → ui → core); core gets the settings as a mapping and
builds, checks and sends. A page shows the server's address (scheme, host, port) only: never
the user name or the password, which are neither stored in the database nor logged.
"""

from __future__ import annotations

import base64
import os
import re
from datetime import date
from typing import Any

import streamlit as st

from core.db import database_url
from core.digest import (
    AlertRun,
    Digest,
    SmtpConfig,
    build_digest,
    digest_language,
    digest_settings,
    parse_recipients,
    preview_months,
    save_digest_choices,
    send,
    send_due_alerts,
    smtp_config_or_none,
)
from core.errors import KgiError
from core.formatting import format_month
from core.i18n import LANGUAGES
from core.models import Workspace
from core.progress import data_stamp
from core.usertext import md_plain
from ui import state
from ui.widgets import LANGUAGE_NAMES, show_error, tr

SECRET_NAMES = {"url": "KGI_SMTP_URL", "from": "KGI_SMTP_FROM", "user": "KGI_SMTP_USER",
                "password": "KGI_SMTP_PASSWORD"}
PREVIEW_HEIGHT = 760
ALERTS_KEY = "upl_alerts"


# -- the SMTP server ------------------------------------------------------------------------


def _smtp_secrets() -> dict[str, str]:
    """The ``[smtp]`` table of Streamlit secrets (empty when there is no secrets file)."""
    try:
        table = st.secrets.get("smtp") or {}
    except FileNotFoundError:  # no secrets.toml (or one that does not parse): nothing from there
        return {}
    return {name: str(table[name]) for name in SECRET_NAMES if table.get(name)}


def smtp_settings() -> dict[str, str]:
    """``KGI_SMTP_*`` from the environment; where ``KGI_SMTP_URL`` is not set, the ``[smtp]``
    secrets fill what the environment leaves empty."""
    env = {key: value for key, value in os.environ.items() if key.startswith("KGI_SMTP_") and value}
    if env.get("KGI_SMTP_URL", "").strip():
        return env
    for name, value in _smtp_secrets().items():
        env.setdefault(SECRET_NAMES[name], value)
    return env


def smtp_server() -> tuple[SmtpConfig | None, KgiError | None]:
    """The server to send through (``None`` when none is set up) or why it cannot be used."""
    try:
        return smtp_config_or_none(smtp_settings()), None
    except KgiError as exc:
        return None, exc


# -- alerts after an upload -----------------------------------------------------------------


def alerts_after_import(workspace_id: int) -> None:
    """Send the alerts an import made due; keep what happened for the page to say after its
    rerun. Whatever happens here, the import has already succeeded."""
    smtp, problem = smtp_server()
    if problem is not None:
        run = AlertRun(workspace_id, state.lang(), error=problem)
    else:
        run = send_due_alerts(state.engine(), workspace_id, smtp)
    st.session_state[ALERTS_KEY] = run


def alerts_note() -> None:
    """One line about the alerts of the last import: sent, failed (kept for the next import),
    or, when alerts are on but e-mail is not set up, one quiet caption."""
    run: AlertRun | None = st.session_state.get(ALERTS_KEY)
    if run is None:
        return
    if run.sent:
        st.success(tr("ui.digest.alerts_sent", count=len(run.sent),
                      recipients=md_plain(", ".join(run.recipients))), icon=":material/mail:")
    if run.error is not None:
        st.warning(tr("ui.digest.alerts_failed", reason=run.error.message(state.lang())),
                   icon=":material/warning:")
    elif run.skipped == "smtp_not_configured":
        st.caption(tr("ui.digest.alerts_no_smtp"))


# -- the Settings page's section ------------------------------------------------------------


def _load(ws: Workspace) -> None:
    """Fill the fields from the database when this workspace is first shown in the session."""
    ss = st.session_state
    if ss.get("dg_loaded_for") == ws.id and "dg_recipients" in ss:
        return
    memory = digest_settings(state.engine(), ws.id)
    ss.update(
        dg_loaded_for=ws.id,
        dg_recipients="\n".join(memory.get("recipients") or []),
        dg_day=int(memory.get("day") or 1),
        dg_language=digest_language(state.engine(), ws.id),
        dg_alerts=memory.get("alerts") is not False,
    )


def _save(ws: Workspace) -> None:
    ss = st.session_state
    try:
        saved = save_digest_choices(state.engine(), ws.id, recipients=[ss.dg_recipients], day=int(ss.dg_day),
                                    language=ss.dg_language, alerts=bool(ss.dg_alerts))
    except KgiError as exc:
        show_error(exc)
        return
    st.success(tr("ui.digest.saved", count=len(saved["recipients"]), day=saved["day"]),
               icon=":material/check_circle:")


@st.cache_data(show_spinner=False, max_entries=8)
def _digest(url: str, workspace_id: int, stamp: tuple[Any, ...], month: str, lang: str) -> Digest:
    """The digest as ``kgi digest`` builds it, rebuilt when the data, plan or settings change."""
    del url, stamp
    return build_digest(state.engine(), workspace_id, month, lang)


def preview_html(digest: Digest) -> str:
    """The HTML part as a mail client shows it: the chart, sent inline, drawn from the message."""
    if digest.chart is None:
        return digest.html
    inline = "data:image/png;base64," + base64.b64encode(digest.chart).decode("ascii")
    return digest.html.replace(f'src="cid:{digest.chart_cid[1:-1]}"', f'src="{inline}"')


def _server_line(smtp: SmtpConfig | None, problem: KgiError | None) -> None:
    if problem is not None:
        st.warning(problem.message(state.lang()), icon=":material/warning:")
    elif smtp is None:
        st.info(tr("ui.digest.smtp_missing"), icon=":material/info:")
    else:
        st.caption(tr("ui.digest.smtp_server", server=md_plain(smtp.describe()), sender=md_plain(smtp.sender)))


def _choices(ws: Workspace) -> None:
    with st.container(border=True):
        st.text_area(tr("ui.digest.recipients"), key="dg_recipients", height=96,
                     placeholder="name@example.com", help=tr("ui.digest.recipients_help"))
        c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
        c1.number_input(tr("ui.digest.day"), min_value=1, max_value=28, step=1, key="dg_day",
                        help=tr("ui.digest.day_help"))
        c2.selectbox(tr("ui.digest.language"), list(LANGUAGES), key="dg_language", format_func=LANGUAGE_NAMES.get)
        c3.toggle(tr("ui.digest.alerts"), key="dg_alerts", help=tr("ui.digest.alerts_help"))
        with st.container(horizontal=True, horizontal_alignment="right"):
            if st.button(tr("ui.digest.save"), key="dg_save", icon=":material/save:"):
                _save(ws)


def _send_test(digest: Digest, smtp: SmtpConfig | None, problem: KgiError | None) -> None:
    """Send the previewed message to the recipients in the field (nothing is marked sent)."""
    if problem is not None:
        show_error(problem)
        return
    if smtp is None:
        st.error(tr("ui.digest.smtp_missing"), icon=":material/error:")
        return
    try:
        recipients = parse_recipients(st.session_state.dg_recipients)
        if not recipients:
            st.error(tr("ui.digest.test_no_recipients"), icon=":material/error:")
            return
        refused = send(smtp, digest.message(smtp.sender, recipients), recipients)
    except KgiError as exc:
        show_error(exc)
        return
    accepted = [r for r in recipients if r not in refused]
    st.success(tr("ui.digest.test_sent", month=format_month(digest.month, state.lang()),
                  recipients=md_plain(", ".join(accepted)), server=md_plain(smtp.describe())),
               icon=":material/mark_email_read:")
    if refused:
        st.warning(tr("ui.digest.test_refused", addresses=md_plain(", ".join(refused))), icon=":material/warning:")


def typed_addresses(text: str) -> list[str]:
    """The addresses as typed in the field (one per line, or separated by , ; or spaces)."""
    return [part for part in re.split(r"[\s,;]+", text) if part]


def _preview(ws: Workspace, smtp: SmtpConfig | None, problem: KgiError | None) -> None:
    lang = state.lang()
    months, first = preview_months(state.engine(), ws.id, date.today())
    key = f"dg_month_{ws.id}"
    if st.session_state.get(key) not in months:
        st.session_state[key] = first
    st.markdown(f"**{tr('ui.digest.preview')}**")
    month = st.selectbox(tr("ui.digest.month"), months, key=key, width=260,
                         format_func=lambda m: format_month(m, lang), help=tr("ui.digest.month_help"))
    digest = _digest(database_url(), ws.id, data_stamp(state.engine(), ws.id), month, st.session_state.dg_language)
    sender = smtp.sender if smtp is not None else "—"
    to = ", ".join(typed_addresses(st.session_state.dg_recipients)) or "—"
    src = "data:text/html;charset=utf-8;base64," + base64.b64encode(preview_html(digest).encode("utf-8")).decode("ascii")
    with st.container(border=True):  # the message as a mail client shows it: headers, then the body
        st.markdown("  \n".join([
            f"{tr('ui.digest.header_from')} {md_plain(sender)}",
            f"{tr('ui.digest.header_to')} {md_plain(to)}",
            f"{tr('ui.digest.header_subject')} **{md_plain(digest.subject)}**",
            f"{tr('ui.digest.header_attachment')} {md_plain(digest.attachment_name)}",
        ]))
        # A data: URL frame has an origin of its own: the message cannot reach the app's page.
        st.iframe(src, height=PREVIEW_HEIGHT, alt=tr("ui.digest.preview_alt", subject=digest.subject))
    with st.container(horizontal=True, horizontal_alignment="right"):
        clicked = st.button(tr("ui.digest.send_test"), key="dg_send_test", icon=":material/send:",
                            help=tr("ui.digest.send_test_help"))
    if clicked:
        _send_test(digest, smtp, problem)


def digest_section(ws: Workspace) -> None:
    """Who gets the monthly digest, when, in which language, alerts on or off; the message
    as it will be sent; and a test send."""
    _load(ws)
    st.subheader(tr("ui.digest.title"), anchor=False)
    st.markdown(tr("ui.digest.help"))
    smtp, problem = smtp_server()
    _server_line(smtp, problem)
    _choices(ws)
    _preview(ws, smtp, problem)
