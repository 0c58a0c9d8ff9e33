"""``kgi import FILE...``, ``kgi imports list`` and ``kgi imports undo ID`` (SPEC §9)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli import Context
from core.digest import AlertRun, send_due_alerts, smtp_config_or_none
from core.errors import KgiError
from core.i18n import t
from core.importing.limits import check_file
from core.models import ImportBatch
from core.store import (
    MAX_UPLOAD_BYTES,
    ImportResult,
    Problem,
    import_file,
    list_imports,
    undo_import,
)
from core.workspaces import get_workspace

MAX_ROWS_SHOWN = 20  # rejected rows printed per file; the JSON has them all


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("import", help="import exports (CSV, xlsx) into a workspace")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--workspace", required=True, help="workspace name or id")
    parser.add_argument("--source", default="auto", help="auto (detect) or a source name, e.g. meta_ads")
    parser.add_argument("--map", action="append", default=[], metavar="COLUMN=metric", dest="mappings",
                        help="map a column to a metric key (repeatable; empty metric ignores the column)")
    parser.add_argument("--granularity", default="auto", choices=["auto", "day", "week", "month"],
                        help="what each row stands for: auto (inferred per file), day, week or month")
    parser.set_defaults(func=run_import)

    history = sub.add_parser("imports", help="import history: list or undo")
    actions = history.add_subparsers(dest="action", metavar="ACTION", parser_class=type(history))
    actions.required = True
    listing = actions.add_parser("list", help="list a workspace's imports, newest first")
    listing.add_argument("--workspace", required=True, help="workspace name or id")
    listing.set_defaults(func=run_list)
    undo = actions.add_parser("undo", help="undo an import: remove its values, bring back what it replaced")
    undo.add_argument("id", type=int)
    undo.set_defaults(func=run_undo)


def parse_mappings(items: list[str]) -> dict[str, str]:
    """``["Cost=ad_spend", "Notes="]`` → ``{"Cost": "ad_spend", "Notes": ""}``."""
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, metric = item.partition("=")
        if not sep or not column.strip():
            raise KgiError("store.cli.bad_map", value=item)
        mapping[column.strip()] = metric.strip()
    return mapping


def _checked_path(path: str) -> Path | KgiError:
    """The file to import, or why not: only a regular file within the upload limit is read.

    The path, not the bytes, goes on: a large file is then read piece by piece (hashed, and
    read in chunks by the reading child) and never held whole by this process.
    """
    try:
        check_file(Path(path), MAX_UPLOAD_BYTES)
    except KgiError as exc:
        return exc
    except OSError as exc:
        return KgiError("store.cli.no_file", path=str(path), reason=exc.strerror or type(exc).__name__)
    return Path(path)


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    mapping = parse_mappings(args.mappings) or None
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    results: list[ImportResult] = []
    for path in args.files:
        data = _checked_path(path)
        name = Path(path).name
        if isinstance(data, KgiError):
            results.append(ImportResult(file=name, source=args.source, status="rejected",
                                        errors=[Problem(data.key, dict(data.params))]))
            continue
        results.append(import_file(engine, ws.id, data, name, source=args.source, mapping=mapping,
                                   granularity=getattr(args, "granularity", "auto")))
    alerts = alerts_after_import(ctx, ws.id) if any(r.status != "rejected" for r in results) else None
    if ctx.as_json:
        payload = {"imports": [r.to_dict(ctx.lang) for r in results]}
        ctx.print_json({**payload, "alerts": alerts.to_dict()} if alerts else payload)
    else:
        for result in results:
            print("\n".join(describe(result, ctx.lang)))
        if alerts:
            say_alerts(alerts, ctx.lang)
    return 1 if any(r.status == "rejected" for r in results) else 0


def alerts_after_import(ctx: Context, workspace_id: int) -> AlertRun:
    """Send the alerts the import made due (core.digest.send_due_alerts). The import itself
    has succeeded whatever happens here: a failure is reported, and retried next time."""
    try:
        smtp = smtp_config_or_none()
    except KgiError as exc:  # the server is set up wrongly (a bad URL, no sender)
        return AlertRun(workspace_id, ctx.lang, skipped=None, error=exc)
    return send_due_alerts(ctx.engine(), workspace_id, smtp)


def say_alerts(run: AlertRun, lang: str) -> None:
    """One line about the alerts: how many were sent, or why none could be (stderr)."""
    if run.sent:
        print(t("digest.import.alerts_sent", lang, count=len(run.sent), recipients=", ".join(run.recipients)))
    if run.error is not None:
        print(t("digest.import.alerts_failed", lang, reason=run.error.message(lang)), file=sys.stderr)
    elif run.skipped == "smtp_not_configured":
        print(t("digest.import.alerts_no_smtp", lang))


def describe(result: ImportResult, lang: str) -> list[str]:
    """Human lines for one file: the outcome, what was replaced, each rejected row."""
    status = t(f"store.status.{result.status}", lang)
    if result.status == "rejected":
        reason = " ".join(p.message(lang) for p in result.errors)
        return [t("store.cli.line_rejected", lang, file=result.file, status=status, reason=reason)]
    lines = [t("store.cli.line", lang, file=result.file, status=status, rows=f"{result.rows:,}",
               metrics=", ".join(result.metrics), source=result.source,
               start=_day(result.start), end=_day(result.end))]
    if result.replaced:
        lines.append(t("store.cli.replaced", lang, count=f"{result.replaced:,}"))
    if result.granularity:
        lines.append(t("store.cli.granularity", lang, granularity=t(f"ui.upload.granularity.option.{result.granularity}", lang)))
    lines += [t("store.cli.warning", lang, message=w.message(lang)) for w in result.warnings]
    lines += [t("store.cli.warning", lang, message=o.message(lang)) for o in result.overlaps]
    for problem in result.errors[:MAX_ROWS_SHOWN]:
        where = problem.row if problem.row is not None else "?"
        lines.append(t("store.cli.rejected_row", lang, row=where, message=problem.message(lang)))
    if result.rejected_rows > MAX_ROWS_SHOWN:
        lines.append(t("store.cli.rejected_more", lang, count=result.rejected_rows - MAX_ROWS_SHOWN))
    return lines


def _day(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else "—"


def batch_dict(batch: ImportBatch, lang: str) -> dict:
    return {
        "id": batch.id,
        "file": batch.file_name,
        "source": batch.source,
        "status": batch.status,
        "rows": batch.rows,
        "metrics": list(batch.metrics or []),
        "start": _day(batch.start) if batch.start else None,
        "end": _day(batch.end) if batch.end else None,
        "replaced": batch.replaced,
        "created_at": batch.created_at.isoformat() if batch.created_at else None,
        "errors": [Problem.from_json(e).to_dict(lang) for e in batch.errors or []],
    }


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    batches = list_imports(engine, ws.id)
    if ctx.as_json:
        ctx.print_json([batch_dict(b, ctx.lang) for b in batches])
        return 0
    if not batches:
        print(t("store.cli.no_imports", ctx.lang))
        return 0
    for b in batches:
        created = b.created_at.strftime("%Y-%m-%d %H:%M") if b.created_at else "—"
        print(t("store.cli.list_line", ctx.lang, id=b.id, created=created, file=b.file_name,
                status=t(f"store.status.{b.status}", ctx.lang), source=b.source, rows=f"{b.rows:,}",
                start=_day(b.start), end=_day(b.end)))
    return 0


def run_undo(args: argparse.Namespace, ctx: Context) -> int:
    batch = undo_import(ctx.engine(), args.id)
    if ctx.as_json:
        ctx.print_json(batch_dict(batch, ctx.lang))
    else:
        print(t("store.cli.undone", ctx.lang, id=batch.id, file=batch.file_name))
    return 0
