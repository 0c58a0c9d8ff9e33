"""``kgi report --workspace W --month YYYY-MM -o FILE.xlsx [--html FILE.html]`` (SPEC §9).

The monthly review workbook (每月檢討 KPI 達成率) and, optionally, the one-page printable
summary an agency sends its client.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli import Context
from core.errors import KgiError
from core.i18n import t
from core.progress import parse_month
from core.review import monthly_review
from core.workspaces import get_workspace


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="the monthly review workbook")
    parser.add_argument("--workspace", required=True, help="workspace name or id")
    parser.add_argument("--month", required=True, metavar="YYYY-MM", help="month to review")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help="workbook to write")
    parser.add_argument("--html", metavar="FILE.html", help="also write the printable one-page summary")
    parser.set_defaults(func=run)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise KgiError("track.cli.cannot_write", path=str(path)) from exc


def run(args: argparse.Namespace, ctx: Context) -> int:
    from core.export.review_workbook import build_review_workbook

    month = parse_month(args.month)
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    lang = ctx.lang if ctx.lang_given else ws.language
    data = monthly_review(engine, ws.id, month, lang)
    out = Path(args.output)
    _write(out, build_review_workbook(data, lang))
    written = [str(out)]
    if args.html:
        from core.export.summary_html import summary_html

        html_path = Path(args.html)
        _write(html_path, summary_html(data, lang).encode("utf-8"))
        written.append(str(html_path))
    if ctx.as_json:
        ctx.print_json({"workspace": ws.name, "month": month, "files": written})
    else:
        for path in written:
            print(t("track.cli.report_written", lang, month=month, path=path))
    return 0
