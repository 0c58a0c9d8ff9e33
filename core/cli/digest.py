"""``kgi digest``: the month's review by e-mail (core/digest.py), for a person or a cron job.

``kgi digest --workspace W --month YYYY-MM [--to ADDR...]`` sends one digest;
``--dry-run -o FILE.eml`` writes the message instead; ``--due`` sends every workspace's
digest of last month whose day has come and that was not sent yet (safe to run every hour:
a month sent is remembered, a failed send is not and is retried on the next run).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from core.cli import Context
from core.digest import (
    SETTINGS_KEY,
    Digest,
    already_sent,
    build_digest,
    check_recipients,
    digest_language,
    digest_settings,
    previous_month,
    remember_sent,
    send,
    send_due_alerts,
    smtp_config,
)
from core.errors import KgiError
from core.i18n import t
from core.progress import parse_month
from core.workspaces import get_workspace, list_workspaces, update_settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("digest", help="e-mail the monthly review")
    parser.add_argument("--workspace", help="workspace name or id")
    parser.add_argument("--month", metavar="YYYY-MM", help="month to review")
    parser.add_argument("--to", nargs="+", metavar="ADDR", default=[],
                        help="recipients (default: the workspace's saved recipients)")
    parser.add_argument("--save", action="store_true",
                        help="save --to (and --day) as the workspace's digest recipients")
    parser.add_argument("--day", type=int, metavar="N", help="with --save: day of the month --due sends on (1-28)")
    parser.add_argument("--due", action="store_true",
                        help="send every workspace's digest of last month whose day has come")
    parser.add_argument("--alerts", action="store_true",
                        help="send one short alert per KPI/KGI that turned off track (or back on track)")
    parser.add_argument("--alerts-enabled", choices=["yes", "no"],
                        help="with --save: whether --alerts writes to this workspace (default yes)")
    parser.add_argument("--force", action="store_true", help="send even if this month was already sent")
    parser.add_argument("--dry-run", action="store_true", help="do not send; write the message with -o")
    parser.add_argument("-o", "--output", metavar="FILE.eml", help="with --dry-run: where to write the message")
    parser.add_argument("--smtp", metavar="URL", help="SMTP server (default: KGI_SMTP_URL); no password here")
    parser.add_argument("--from", dest="sender", metavar="ADDR", help="sender (default: KGI_SMTP_FROM)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.due:
        return _run_due(args, ctx)
    if args.alerts:
        return _run_alerts(args, ctx)
    if not args.workspace or not args.month:
        raise KgiError("digest.cli.need_workspace")
    month = parse_month(args.month)
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    lang = ctx.lang if ctx.lang_given else digest_language(engine, ws.id)
    if args.save:
        _save(ctx, ws.id, ws.name, args, lang)
    saved = digest_settings(engine, ws.id).get("recipients") or []
    recipients = check_recipients(args.to or saved)
    if args.dry_run:
        return _dry_run(ctx, args, build_digest(engine, ws.id, month, lang), recipients)
    cfg = smtp_config(args.smtp, args.sender)
    if already_sent(engine, ws.id, month) and not args.force:
        at = digest_settings(engine, ws.id)["sent"][month].get("at", "")
        if ctx.as_json:
            ctx.print_json({"workspace": ws.name, "month": month, "sent": False, "already_sent_at": at})
        else:
            print(t("digest.cli.already_sent", lang, month=month, workspace=ws.name, at=at))
        return 0
    digest = build_digest(engine, ws.id, month, lang)
    result = _send(ctx, cfg, digest, recipients)
    if ctx.as_json:
        ctx.print_json(result)
    return 1 if result["refused"] else 0


def _save(ctx: Context, workspace_id: int, name: str, args: argparse.Namespace, lang: str) -> None:
    memory = digest_settings(ctx.engine(), workspace_id)
    if args.to:
        memory["recipients"] = check_recipients(args.to)
    if args.day is not None:
        if not 1 <= args.day <= 28:
            raise KgiError("digest.cli.bad_day", value=args.day)
        memory["day"] = args.day
    if args.alerts_enabled is not None:
        memory["alerts"] = args.alerts_enabled == "yes"
    update_settings(ctx.engine(), workspace_id, **{SETTINGS_KEY: memory})
    if not ctx.as_json:
        print(t("digest.cli.recipients_saved", lang, count=len(memory.get("recipients") or []), workspace=name))


def _dry_run(ctx: Context, args: argparse.Namespace, digest: Digest, recipients: list[str]) -> int:
    if not args.output:
        raise KgiError("digest.cli.need_output")
    import os

    sender = args.sender or os.environ.get("KGI_SMTP_FROM") or "kgi-planner@localhost"
    path = Path(args.output)
    try:
        path.write_bytes(bytes(digest.message(sender, recipients)))
    except OSError as exc:
        raise KgiError("track.cli.cannot_write", path=str(path)) from exc
    if ctx.as_json:
        ctx.print_json({**_payload(digest, recipients, []), "sent": False, "file": str(path)})
    else:
        print(t("digest.cli.written", digest.lang, month=digest.month, workspace=digest.workspace, path=path))
    return 0


def _payload(digest: Digest, recipients: list[str], refused: list[str]) -> dict[str, Any]:
    return {
        "workspace": digest.workspace, "month": digest.month, "lang": digest.lang,
        "subject": digest.subject, "to": recipients, "refused": refused,
        "attachment": digest.attachment_name, "statuses": digest.statuses, "changes": digest.changes,
    }


def _send(ctx: Context, cfg: Any, digest: Digest, recipients: list[str]) -> dict[str, Any]:
    """Send, then remember the month (only once the server accepted the message)."""
    refused = send(cfg, digest.message(cfg.sender, recipients), recipients)
    accepted = [r for r in recipients if r not in refused]
    remember_sent(ctx.engine(), digest, accepted)
    if not ctx.as_json:
        print(t("digest.cli.sent", digest.lang, month=digest.month, workspace=digest.workspace,
                recipients=", ".join(accepted)))
        if refused:
            print(t("digest.cli.partly_refused", digest.lang, addresses=", ".join(refused)), file=sys.stderr)
    return {**_payload(digest, accepted, refused), "sent": True}


def _run_due(args: argparse.Namespace, ctx: Context, today: date | None = None) -> int:
    """Every workspace with saved recipients whose day has come and whose last month is unsent."""
    today = today or date.today()
    month = parse_month(args.month) if args.month else previous_month(today)
    engine = ctx.engine()
    cfg = smtp_config(args.smtp, args.sender)
    results, failed = [], False
    for ws in list_workspaces(engine):
        memory = dict((ws.settings or {}).get(SETTINGS_KEY) or {})
        if not memory.get("recipients") or today.day < int(memory.get("day") or 1):
            continue
        if month in (memory.get("sent") or {}) and not args.force:
            continue
        lang = ctx.lang if ctx.lang_given else digest_language(engine, ws.id)
        try:
            recipients = check_recipients(memory["recipients"])
            result = _send(ctx, cfg, build_digest(engine, ws.id, month, lang), recipients)
            failed = failed or bool(result["refused"])
            results.append(result)
        except KgiError as exc:  # one workspace failing does not stop the others
            failed = True
            print(f"{ws.name}: {exc.message(lang)}", file=sys.stderr)
            results.append({"workspace": ws.name, "month": month, "sent": False, "error": exc.message(lang)})
    if ctx.as_json:
        ctx.print_json(results)
    return 1 if failed else 0


def _run_alerts(args: argparse.Namespace, ctx: Context) -> int:
    """For one workspace (``--workspace``) or every one with saved recipients and alerts on."""
    engine = ctx.engine()
    cfg = smtp_config(args.smtp, args.sender)
    if args.workspace:
        targets = [get_workspace(engine, args.workspace)]
    else:
        targets = [ws for ws in list_workspaces(engine)
                   if ((ws.settings or {}).get(SETTINGS_KEY) or {}).get("recipients")]
    results, failed = [], False
    for ws in targets:
        memory = dict((ws.settings or {}).get(SETTINGS_KEY) or {})
        if memory.get("alerts") is False and not args.workspace:
            continue
        lang = ctx.lang if ctx.lang_given else digest_language(engine, ws.id)
        try:
            result = _alerts_for(ctx, cfg, ws.id, lang, args.to or memory.get("recipients") or [])
        except KgiError as exc:  # one workspace failing does not stop the others
            failed = True
            print(f"{ws.name}: {exc.message(lang)}", file=sys.stderr)
            result = {"workspace": ws.name, "alerts": [], "error": exc.message(lang)}
        else:
            failed = failed or bool(result.get("error"))
            if not ctx.as_json:
                print(t("digest.cli.alerts_sent", lang, workspace=ws.name, count=len(result["alerts"])))
        results.append(result)
    if ctx.as_json:
        ctx.print_json(results)
    return 1 if failed else 0


def _alerts_for(ctx: Context, cfg: Any, workspace_id: int, lang: str, to: list[str]) -> dict[str, Any]:
    """Send each pending alert (core.digest.send_due_alerts: a status is remembered only once
    its alert went out, so a failed alert is retried on the next run)."""
    engine = ctx.engine()
    ws = get_workspace(engine, workspace_id)
    run = send_due_alerts(engine, workspace_id, cfg, recipients=to, lang=lang, even_if_off=True)
    if run.skipped == "no_recipients":
        raise KgiError("digest.no_recipients")
    if run.error is not None:
        print(f"{ws.name}: {run.error.message(lang)}", file=sys.stderr)
    sent = [{"subject": a.subject, "was": a.was, "now": a.now, "to": run.recipients} for a in run.sent]
    return {"workspace": ws.name, "alerts": sent, **({"error": run.error.message(lang)} if run.error else {})}
