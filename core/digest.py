"""The month's review as an e-mail (每月檢討 KPI 達成率, sent without being asked).

The digest is built from :func:`core.review.monthly_review` — the same figures as the Review
page, ``kgi report`` and the review workbook, which is attached — and never recomputes a
number. It is a short HTML body with a plain-text alternative in the workspace's language: the
KGI's headline (progress to target, pace, forecast, status with its sentence), one line per
KPI, the first lever for each KPI behind, and what each figure counts (its source). Every piece
of text that came from a person (workspace and KPI names, file names) is HTML-escaped.

Sending (:func:`send`) uses :mod:`smtplib`; the server comes from ``KGI_SMTP_URL`` (or the
``kgi digest`` flags), the password from the environment only. What was sent is remembered in
the workspace's ``settings["digest"]`` (months sent, statuses at the last digest), so a re-run
does not send the same month twice and the next digest can say which status changed.
"""

from __future__ import annotations

import io
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import Engine

from core.catalog import display_name
from core.errors import KgiError
from core.export.review_workbook import build_review_workbook, status_words
from core.formatting import format_day, format_distinct, format_month, format_pct
from core.i18n import LANGUAGES, t
from core.levers import levers_for
from core.review import monthly_review
from core.review_types import ReviewData, ReviewRow
from core.workspaces import get_workspace, update_settings

XLSX_MIME = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
BEHIND = ("off_track", "at_risk")
SETTINGS_KEY = "digest"
MAX_RECIPIENTS = 50

# A practical address grammar: local part of the RFC 5322 "atext" characters and dots (not
# leading, trailing or doubled), "@", then a domain of two or more labels of letters, digits
# and inner hyphens. Display names and comments are not accepted: a recipient is an address.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})+")


# --- the message ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """One month's digest of one workspace, ready to be addressed and sent."""

    workspace_id: int
    workspace: str
    month: str
    lang: str
    subject: str
    text: str
    html: str
    attachment_name: str
    attachment: bytes
    statuses: dict[str, str] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    chart: bytes | None = None
    chart_cid: str = ""

    def message(self, sender: str, recipients: Sequence[str]) -> EmailMessage:
        """The MIME message: text and HTML alternatives, the workbook attached."""
        msg = _text_and_html(self.subject, sender, recipients, self.lang, self.text, self.html)
        if self.chart is not None:
            html_part = msg.get_body(("html",))
            assert html_part is not None
            html_part.add_related(self.chart, maintype="image", subtype="png", cid=self.chart_cid,
                                  filename="kgi-chart.png")
        msg.add_attachment(self.attachment, maintype=XLSX_MIME[0], subtype=XLSX_MIME[1],
                           filename=self.attachment_name)
        return msg


def _text_and_html(subject: str, sender: str, recipients: Sequence[str], lang: str, text: str,
                   html: str) -> EmailMessage:
    """The headers and the text/HTML alternatives every message of ours has (UTF-8 throughout,
    so 繁體中文 survives every client)."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Content-Language"] = "zh-Hant-TW" if lang == "zh-TW" else "en"
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def _one_line(text: str) -> str:
    """Text for a header: no line breaks or control characters (no header injection)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def file_stem(name: str) -> str:
    """The workspace name as a file-name stem (the Review page's rule)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "-", _one_line(name)).strip("-.") or "workspace"


def _key(role: str, row: ReviewRow) -> str:
    return f"{role}:{row.metric}:{row.label}"


def _figures(row: ReviewRow, lang: str, currency: str) -> dict[str, str]:
    """A goal's figures as the dashboard writes them: 萬/億 or K/M, and figures that differ
    never printed alike (format_distinct)."""
    actual, target, forecast = format_distinct([row.actual_to_date, row.target, row.forecast], row.unit, lang,
                                               currency, short=True)
    return {
        "name": row.name(lang), "status": status_words(row.status, lang),
        "actual": actual, "target": target,
        "progress": format_pct(row.progress_ratio), "pace": format_pct(row.pace_ratio),
        "forecast": forecast, "sentence": row.sentence,
    }


def _lever(row: ReviewRow, lang: str) -> str | None:
    if row.status not in BEHIND:
        return None
    levers = levers_for(row.metric, lang, limit=1)
    if not levers:
        return None
    return t("digest.lever", lang, name=row.name(lang), lever=levers[0].title, how=levers[0].how)


def status_changes(before: dict[str, str], now: dict[str, str], names: dict[str, str], lang: str) -> list[str]:
    """One sentence per KGI/KPI whose status changed since the last digest (new ones are not
    changes; a goal that disappeared is not mentioned)."""
    out = []
    for key, status in now.items():
        old = before.get(key)
        if old is not None and old != status:
            out.append(t("digest.changed", lang, name=names[key], was=status_words(old, lang),
                         now=status_words(status, lang)))
    return out


def _statuses(data: ReviewData, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    statuses, names = {}, {}
    for role, row in data.all_rows:
        statuses[_key(role, row)] = row.status
        names[_key(role, row)] = row.name(lang)
    return statuses, names


def _empty_hint(data: ReviewData) -> str | None:
    """What to do when there is nothing to review yet: no KGI, no KPI, or no data."""
    if data.kgi is None:
        return "digest.no_kgi"
    if all(row.status == "no_data" for _, row in data.all_rows):
        return "digest.no_data"
    return None


def _text_body(data: ReviewData, lang: str, changes: list[str]) -> str:
    currency = data.workspace.currency
    month = format_month(data.month, lang)
    lines = [t("digest.title", lang, workspace=_one_line(data.workspace.name), month=month), ""]
    if data.as_of is not None:
        lines += [t("digest.as_of", lang, as_of=format_day(data.as_of, lang)), ""]
    hint = _empty_hint(data)
    if hint:
        lines += [t(hint, lang), ""]
    if data.kgi is not None:
        figures = _figures(data.kgi, lang, currency)
        lines += [t("digest.kgi_heading", lang), t("digest.kgi_line", lang, **figures),
                  "  " + t("digest.kgi_figures", lang, **figures)]
        lines += [f"  {note}" for note in data.kgi.notes]
        lines.append("")
    if changes:
        lines += [t("digest.changes_heading", lang)] + [f"- {c}" for c in changes] + [""]
    if data.rows:
        lines.append(t("digest.kpis_heading", lang))
        for row in data.rows:
            lines.append("- " + t("digest.kpi_line", lang, **_figures(row, lang, currency)))
            lines += [f"  {note}" for note in row.notes]
        lines.append("")
    levers = [lv for lv in (_lever(r, lang) for r in data.rows) if lv]
    if levers:
        lines += [t("digest.levers_heading", lang)] + [f"- {lv}" for lv in levers] + [""]
    lines.append(t("digest.attached", lang))
    return "\n".join(lines) + "\n"


def _html_row(row: ReviewRow, lang: str, currency: str) -> str:
    f = {k: escape(v) for k, v in _figures(row, lang, currency).items()}
    notes = "".join(f'<div style="color:#595959;font-size:12px">{escape(n)}</div>' for n in row.notes)
    return (f"<tr><td><strong>{f['name']}</strong>{notes}</td><td>{f['status']}</td>"
            f'<td style="text-align:right">{f["actual"]} / {f["target"]}</td>'
            f'<td style="text-align:right">{f["progress"]}</td><td style="text-align:right">{f["pace"]}</td>'
            f'<td style="text-align:right">{f["forecast"]}</td></tr>')


def kgi_chart_png(row: ReviewRow, month: str) -> bytes | None:
    """The KGI's months up to ``month`` as a PNG: per month, an outline for the month's target
    and a bar for its actual, coloured by the month's status (the review's own figures, drawn,
    none computed). No text in the image (no font is assumed): the HTML gives the caption.
    ``None`` when there is nothing to draw or a figure is negative (no honest zero line)."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # the chart is an extra; the table says everything
        return None
    from core.export.review_workbook import STATUS_FILLS, STATUSES

    cells = [c for c in row.months if c.period <= month]
    values = [v for c in cells for v in (c.target, c.actual) if v is not None]
    if not cells or not values or min(values) < 0 or max(values) <= 0:
        return None
    width, height, pad = 560, 180, 10
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    slot, top, floor = (width - 2 * pad) / len(cells), max(values), height - pad
    draw.line([(pad, floor), (width - pad, floor)], fill="#7f7f7f", width=1)
    for i, cell in enumerate(cells):
        left = pad + i * slot
        scale = lambda v: floor - (floor - pad) * v / top  # noqa: E731
        if cell.actual is not None:
            status = cell.status if cell.status in STATUSES else "no_data"
            draw.rectangle([left + slot * 0.2, scale(cell.actual), left + slot * 0.8, floor],
                           fill="#" + STATUS_FILLS[status], outline="#404040")
        if cell.target is not None:
            draw.rectangle([left + slot * 0.1, scale(cell.target), left + slot * 0.9, floor],
                           outline="#1f4e79", width=2)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _html_body(data: ReviewData, lang: str, changes: list[str], chart_cid: str | None = None) -> str:
    currency = data.workspace.currency
    title = t("digest.title", lang, workspace=_one_line(data.workspace.name), month=format_month(data.month, lang))
    parts = [f'<!DOCTYPE html><html lang="{"zh-Hant-TW" if lang == "zh-TW" else "en"}"><head>'
             f'<meta charset="utf-8"><title>{escape(title)}</title></head>'
             '<body style="font-family:system-ui,sans-serif;color:#1b1b1b;background:#ffffff;line-height:1.5">',
             f'<h1 style="font-size:20px;color:#1f4e79">{escape(title)}</h1>']
    if data.as_of is not None:
        parts.append(f'<p style="color:#595959">{escape(t("digest.as_of", lang, as_of=format_day(data.as_of, lang)))}</p>')
    hint = _empty_hint(data)
    if hint:
        parts.append(f"<p><strong>{escape(t(hint, lang))}</strong></p>")
    if data.kgi is not None:
        f = {k: escape(v) for k, v in _figures(data.kgi, lang, currency).items()}
        notes = "".join(f'<br><span style="color:#595959;font-size:12px">{escape(n)}</span>' for n in data.kgi.notes)
        parts.append(f'<p style="border-left:6px solid #1f4e79;padding:8px 12px;background:#f2f6fb">'
                     f"<strong>{f['name']}</strong> · {f['status']}<br>{f['sentence']}<br>"
                     f"{escape(t('digest.kgi_figures', lang, **_figures(data.kgi, lang, currency)))}{notes}</p>")
    if chart_cid:
        caption = t("digest.chart_caption", lang)
        parts.append(f'<p><img src="cid:{escape(chart_cid)}" width="560" height="180" alt="{escape(caption)}">'
                     f'<br><span style="color:#595959;font-size:12px">{escape(caption)}</span></p>')
    if changes:
        parts.append(f"<h2 style=\"font-size:16px\">{escape(t('digest.changes_heading', lang))}</h2>"
                     "<ul>" + "".join(f"<li>{escape(c)}</li>" for c in changes) + "</ul>")
    if data.rows:
        head = "".join(f"<th style=\"text-align:left\">{escape(t('digest.col.' + c, lang))}</th>"
                       for c in ("name", "status", "actual", "progress", "pace", "forecast"))
        parts.append(f"<h2 style=\"font-size:16px\">{escape(t('digest.kpis_heading', lang))}</h2>"
                     f'<table cellpadding="4" style="border-collapse:collapse"><tr>{head}</tr>'
                     + "".join(_html_row(r, lang, currency) for r in data.rows) + "</table>")
    levers = [lv for lv in (_lever(r, lang) for r in data.rows) if lv]
    if levers:
        parts.append(f"<h2 style=\"font-size:16px\">{escape(t('digest.levers_heading', lang))}</h2>"
                     "<ol>" + "".join(f"<li>{escape(lv)}</li>" for lv in levers) + "</ol>")
    parts.append(f"<p style=\"color:#595959\">{escape(t('digest.attached', lang))}</p></body></html>")
    return "\n".join(parts)


def digest_settings(engine: Engine, workspace_id: int) -> dict[str, Any]:
    """The workspace's digest memory and choices (``{}`` when none)."""
    ws = get_workspace(engine, workspace_id)
    return dict((ws.settings or {}).get(SETTINGS_KEY) or {})


def digest_language(engine: Engine, workspace_id: int) -> str:
    """The language the workspace's digests and alerts are written in: the one chosen for the
    digest on the Settings page, else the workspace's language."""
    chosen = digest_settings(engine, workspace_id).get("language")
    return chosen if chosen in LANGUAGES else get_workspace(engine, workspace_id).language


def build_digest(engine: Engine, workspace_id: int, month: str, lang: str | None = None) -> Digest:
    """The digest of ``month`` (``"2026-10"``) in ``lang`` (default: :func:`digest_language`)."""
    ws = get_workspace(engine, workspace_id)
    lang = lang or digest_language(engine, ws.id)
    data = monthly_review(engine, ws.id, month, lang)
    statuses, names = _statuses(data, lang)
    before = dict(digest_settings(engine, ws.id).get("statuses") or {})
    changes = status_changes(before, statuses, names, lang)
    kgi_status = status_words(data.kgi.status, lang) if data.kgi is not None else t("digest.no_kgi_short", lang)
    subject = _one_line(t("digest.subject", lang, workspace=ws.name, month=format_month(data.month, lang),
                          status=kgi_status))
    chart = kgi_chart_png(data.kgi, data.month) if data.kgi is not None else None
    cid = make_msgid(domain="kgi-planner.invalid") if chart is not None else ""
    return Digest(
        workspace_id=ws.id, workspace=ws.name, month=data.month, lang=lang, subject=subject,
        text=_text_body(data, lang, changes), html=_html_body(data, lang, changes, cid[1:-1] or None),
        chart=chart, chart_cid=cid,
        attachment_name=f"review-{file_stem(ws.name)}-{data.month}.xlsx",
        attachment=build_review_workbook(data, lang), statuses=statuses, changes=changes,
    )


def remember_sent(engine: Engine, digest: Digest, recipients: Sequence[str]) -> None:
    """Mark the month sent and keep the statuses the next digest compares with."""
    memory = digest_settings(engine, digest.workspace_id)
    sent = dict(memory.get("sent") or {})
    sent[digest.month] = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "to": list(recipients)}
    memory.update(sent=sent, statuses=digest.statuses)
    update_settings(engine, digest.workspace_id, **{SETTINGS_KEY: memory})


def already_sent(engine: Engine, workspace_id: int, month: str) -> bool:
    return month in (digest_settings(engine, workspace_id).get("sent") or {})


# --- alerts: a KPI or the KGI turned red (or back to green) ----------------------------------


@dataclass(frozen=True)
class Alert:
    """One short message about one goal whose status changed since the last check."""

    workspace_id: int
    key: str
    was: str
    now: str
    subject: str
    text: str
    html: str

    def message(self, sender: str, recipients: Sequence[str], lang: str) -> EmailMessage:
        return _text_and_html(self.subject, sender, recipients, lang, self.text, self.html)


def alert_worthy(was: str | None, now: str) -> bool:
    """Turned off track, or back on track from off track. A goal seen for the first time is a
    starting point, not a change (no storm on the first run or after adding a KPI)."""
    if was is None or was == now:
        return False
    return now == "off_track" or (now == "on_track" and was == "off_track")


def pending_alerts(engine: Engine, workspace_id: int, lang: str | None = None) -> tuple[list[Alert], dict[str, str]]:
    """The alerts due for a workspace (progress as of its last data) and the statuses to
    remember once they are sent."""
    from core.progress import workspace_progress

    ws = get_workspace(engine, workspace_id)
    lang = lang or digest_language(engine, ws.id)
    progress = workspace_progress(engine, ws.id, lang=lang)
    before = dict(digest_settings(engine, ws.id).get("alert_statuses") or {})
    now: dict[str, str] = {}
    alerts = []
    for goal in progress.goals():
        key = f"{goal.role}:{goal.metric}:{goal.label}"
        status = goal.status if goal.has_data else "no_data"
        now[key] = status
        if not alert_worthy(before.get(key), status):
            continue
        name = display_name(goal.metric, goal.label, lang)
        words = {"name": name, "now": status_words(status, lang), "was": status_words(before[key], lang)}
        subject = _one_line(t("digest.alert.subject", lang, workspace=ws.name, **words))
        lines = [t("digest.changed", lang, **words), goal.sentence]
        lever = levers_for(goal.metric, lang, limit=1) if status == "off_track" else []
        if lever:
            lines.append(t("digest.alert.lever", lang, lever=lever[0].title, how=lever[0].how))
        lines.append(t("digest.alert.as_of", lang, as_of=format_day(progress.as_of, lang)))
        html = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
        alerts.append(Alert(ws.id, key, before[key], status, subject, "\n\n".join(x for x in lines if x) + "\n",
                            f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{html}</body></html>'))
    return alerts, now


def remember_alert_statuses(engine: Engine, workspace_id: int, statuses: dict[str, str]) -> None:
    memory = digest_settings(engine, workspace_id)
    memory["alert_statuses"] = statuses
    update_settings(engine, workspace_id, **{SETTINGS_KEY: memory})


# --- addresses and the SMTP server ---------------------------------------------------------


def check_address(address: str) -> str:
    """An e-mail address checked against :data:`_ADDRESS` (a typo → ``KgiError``)."""
    clean = address.strip()
    if len(clean) > 254 or not _ADDRESS.fullmatch(clean) or len(clean.partition("@")[0]) > 64:
        raise KgiError("digest.bad_address", value=_one_line(address)[:80])
    return clean


def check_recipients(addresses: Sequence[str]) -> list[str]:
    """Recipients checked, duplicates dropped (case-insensitive), order kept."""
    out: list[str] = []
    for address in addresses:
        for part in address.split(","):
            if not part.strip():
                continue
            clean = check_address(part)
            if clean.lower() not in (a.lower() for a in out):
                out.append(clean)
    if not out:
        raise KgiError("digest.no_recipients")
    if len(out) > MAX_RECIPIENTS:
        raise KgiError("digest.too_many_recipients", limit=MAX_RECIPIENTS)
    return out


@dataclass(frozen=True)
class SmtpConfig:
    """Where to send from. ``security`` is ``"ssl"`` (smtps://) or ``"starttls"`` (smtp://:
    STARTTLS whenever the server offers it, and required before a password is sent)."""

    host: str
    port: int
    security: str
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def describe(self) -> str:
        scheme = "smtps" if self.security == "ssl" else "smtp"
        return f"{scheme}://{self.host}:{self.port}"


def smtp_config(url: str | None = None, sender: str | None = None,
                environ: dict[str, str] | None = None) -> SmtpConfig:
    """The SMTP server from ``url`` (a flag) or ``KGI_SMTP_URL``, the sender from ``sender`` or
    ``KGI_SMTP_FROM``, the password from ``KGI_SMTP_PASSWORD`` (or the URL in the environment).

    A password written in a flag's URL is refused: it would show in the process list.
    """
    env = os.environ if environ is None else environ
    raw = url or env.get("KGI_SMTP_URL", "")
    if not raw.strip():
        raise KgiError("digest.smtp_not_configured")
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise KgiError("digest.smtp_bad_url", url=_safe_url(raw))
    if url and parts.password:
        raise KgiError("digest.smtp_password_in_flag")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        raise KgiError("digest.smtp_bad_url", url=_safe_url(raw)) from None
    user = unquote(parts.username) if parts.username else env.get("KGI_SMTP_USER") or None
    password = env.get("KGI_SMTP_PASSWORD") or (unquote(parts.password) if parts.password else None)
    from_addr = sender or env.get("KGI_SMTP_FROM") or (user if user and "@" in user else "")
    if not from_addr:
        raise KgiError("digest.smtp_no_sender")
    return SmtpConfig(host=parts.hostname, port=port, security="ssl" if parts.scheme == "smtps" else "starttls",
                      sender=check_address(from_addr), user=user, password=password)


def _safe_url(raw: str) -> str:
    """A URL for a message: the password never shown."""
    parts = urlsplit(raw.strip())
    if parts.password:
        host = parts.hostname or ""
        return f"{parts.scheme}://{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return _one_line(raw)[:120]


def _connect(cfg: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if cfg.security == "ssl":
        return smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
    client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    client.ehlo()
    if client.has_extn("starttls"):
        client.starttls(context=context)
        client.ehlo()
    elif cfg.password:
        client.close()
        raise KgiError("digest.smtp_no_tls", server=cfg.describe())
    return client


def send(cfg: SmtpConfig, message: EmailMessage, recipients: Sequence[str]) -> list[str]:
    """Send ``message``; the addresses the server refused (empty when all were accepted).

    Every failure is a :class:`KgiError` naming the server, never the password.
    """
    server = cfg.describe()
    try:
        client = _connect(cfg)
    except KgiError:
        raise
    except (OSError, smtplib.SMTPException) as exc:
        raise KgiError("digest.smtp_unreachable", server=server, reason=_reason(exc)) from None
    try:
        if cfg.user and cfg.password:
            client.login(cfg.user, cfg.password)
        refused = client.send_message(message, from_addr=cfg.sender, to_addrs=list(recipients))
    except smtplib.SMTPAuthenticationError:
        raise KgiError("digest.smtp_login_refused", server=server, user=cfg.user or "") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise KgiError("digest.smtp_recipients_refused", server=server,
                       addresses=", ".join(exc.recipients)) from None
    except smtplib.SMTPSenderRefused:
        raise KgiError("digest.smtp_sender_refused", server=server, sender=cfg.sender) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise KgiError("digest.smtp_refused", server=server, reason=_reason(exc)) from None
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return sorted(refused)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return _one_line(f"{exc.smtp_code} {detail}")[:200]
    if isinstance(exc, socket.timeout):
        return "timeout"
    return _one_line(str(exc) or type(exc).__name__)[:200]


def smtp_config_or_none(environ: dict[str, str] | None = None) -> SmtpConfig | None:
    """The SMTP server of ``environ`` (default: the process environment), ``None`` when no
    server is set up at all. A server set up wrongly is still an error (``KgiError``)."""
    try:
        return smtp_config(environ=environ)
    except KgiError as exc:
        if exc.key == "digest.smtp_not_configured":
            return None
        raise


# --- the workspace's choices (Settings page, ``kgi digest --save``) ----------------------------


def parse_recipients(text: str) -> list[str]:
    """Addresses typed one per line (or separated by commas, semicolons or spaces), each
    checked (the first bad one → ``KgiError`` naming it), duplicates dropped; may be empty."""
    out: list[str] = []
    for part in re.split(r"[\s,;]+", text):
        if not part:
            continue
        clean = check_address(part)
        if clean.lower() not in (a.lower() for a in out):
            out.append(clean)
    if len(out) > MAX_RECIPIENTS:
        raise KgiError("digest.too_many_recipients", limit=MAX_RECIPIENTS)
    return out


def save_digest_choices(engine: Engine, workspace_id: int, *, recipients: Sequence[str], day: int,
                        language: str, alerts: bool) -> dict[str, Any]:
    """Check and keep who receives the digest, on which day, in which language, and whether
    alerts go out. What was sent and the statuses remembered are kept as they were."""
    if not 1 <= int(day) <= 28:
        raise KgiError("digest.cli.bad_day", value=day)
    if language not in LANGUAGES:
        raise KgiError("digest.bad_language", value=_one_line(str(language))[:20])
    checked = parse_recipients("\n".join(recipients))
    memory = digest_settings(engine, workspace_id)
    memory.update(recipients=checked, day=int(day), language=language, alerts=bool(alerts))
    update_settings(engine, workspace_id, **{SETTINGS_KEY: memory})
    return memory


def previous_month(today: date) -> str:
    """The month ``kgi digest --due`` sends on ``today``: the last whole month."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def preview_months(engine: Engine, workspace_id: int, today: date) -> tuple[list[str], str]:
    """The plan's months that have begun by ``today`` (newest first) and the one to show
    first: the month the next scheduled digest sends, else the newest. A plan that starts
    later offers its first month (the digest then says there is no data yet)."""
    ws = get_workspace(engine, workspace_id)
    start = ws.period_start.year * 12 + ws.period_start.month - 1
    months = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(start, start + max(1, ws.period_months))]
    begun = [m for m in months if m <= f"{today.year:04d}-{today.month:02d}"][::-1] or months[:1]
    due = previous_month(today)
    return begun, due if due in begun else begun[0]


# --- alerts after an import: sent by themselves ---------------------------------------------


@dataclass(frozen=True)
class AlertRun:
    """What :func:`send_due_alerts` did: the alerts sent, or why none were tried
    (``skipped``: ``"alerts_off"``, ``"no_recipients"``, ``"smtp_not_configured"``), or the
    failure that kept the rest for the next time (``error``; their statuses not remembered)."""

    workspace_id: int
    lang: str
    sent: list[Alert] = field(default_factory=list)
    unsent: list[Alert] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    skipped: str | None = None
    error: KgiError | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": [{"subject": a.subject, "was": a.was, "now": a.now} for a in self.sent],
            "unsent": len(self.unsent), "to": self.recipients, "refused": self.refused,
            "skipped": self.skipped, "error": self.error.message(self.lang) if self.error else None,
        }


def send_due_alerts(engine: Engine, workspace_id: int, smtp: SmtpConfig | None, *,
                    recipients: Sequence[str] = (), lang: str | None = None,
                    even_if_off: bool = False) -> AlertRun:
    """Send each pending alert of a workspace (one message per status change) to its saved
    recipients (or ``recipients``). A status is remembered only once its alert went out, so a
    sent alert is never sent again and a failed one is retried by the next call; at the first
    failure the rest wait too (a server that is down is not asked once per alert)."""
    memory = digest_settings(engine, workspace_id)
    lang = lang or digest_language(engine, workspace_id)
    if memory.get("alerts") is False and not even_if_off:
        return AlertRun(workspace_id, lang, skipped="alerts_off")
    wanted = list(recipients) or list(memory.get("recipients") or [])
    if not wanted:
        return AlertRun(workspace_id, lang, skipped="no_recipients")
    if smtp is None:
        return AlertRun(workspace_id, lang, skipped="smtp_not_configured")
    try:
        to = check_recipients(wanted)
    except KgiError as exc:
        return AlertRun(workspace_id, lang, error=exc)
    alerts, now = pending_alerts(engine, workspace_id, lang)
    before = dict(memory.get("alert_statuses") or {})
    sent: list[Alert] = []
    refused: set[str] = set()
    error: KgiError | None = None
    for alert in alerts:
        try:
            refused.update(send(smtp, alert.message(smtp.sender, to, lang), to))
        except KgiError as exc:
            error = exc
            break
        sent.append(alert)
    unsent = alerts[len(sent):]
    for alert in unsent:
        now[alert.key] = before[alert.key]
    remember_alert_statuses(engine, workspace_id, now)
    return AlertRun(workspace_id, lang, sent=sent, unsent=unsent, recipients=to, refused=sorted(refused),
                    error=error)
