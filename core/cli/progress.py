"""``kgi progress --workspace W [--as-of YYYY-MM-DD]``: progress of the KGI and every KPI (SPEC §9).

The JSON is :meth:`core.progress.Progress.to_dict`, the same numbers the dashboard shows.
"""

from __future__ import annotations

import argparse
from datetime import date

from core.cli import Context
from core.errors import KgiError
from core.figure_notes import goal_notes, periods_apart_note
from core.formatting import format_pct, format_value
from core.i18n import t
from core.progress import GoalProgress, Progress, workspace_progress
from core.workspaces import get_workspace


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("progress", help="progress of the KGI and every KPI")
    parser.add_argument("--workspace", required=True, help="workspace name or id")
    parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                        help="date to measure at (default: the last day with data)")
    parser.set_defaults(func=run)


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise KgiError("track.bad_date", value=text) from None


def run(args: argparse.Namespace, ctx: Context) -> int:
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    progress = workspace_progress(engine, ws.id, parse_date(args.as_of), ctx.lang)
    if ctx.as_json:
        ctx.print_json(progress.to_dict())
        return 0
    print(_text(progress, ctx.lang))
    return 0


def _line(goal: GoalProgress, lang: str, currency: str) -> str:
    status = t(f"numbers.status.{goal.status}", lang)
    target = format_value(goal.target, goal.unit, lang, currency)
    line = f"[{status}] {goal.name(lang)} ({target}): {goal.sentence}"
    figures = t("measurement.cli.figures", lang, progress=format_pct(goal.progress_ratio),
                pace=format_pct(goal.pace_ratio))
    notes = [figures] if goal.has_data else []
    notes += goal_notes(goal, lang, currency)
    return "\n".join([line, *(f"    {note}" for note in notes)])


def _text(progress: Progress, lang: str) -> str:
    lines = [t("track.cli.progress_head", lang, name=progress.workspace, as_of=progress.as_of.isoformat())]
    apart = periods_apart_note(progress, lang)
    if apart:
        lines.append(apart)
    if progress.kgi is None:
        lines.append(t("track.cli.no_kgi", lang, ws=progress.workspace_id))
    else:
        lines.append("KGI " + _line(progress.kgi, lang, progress.currency))
    lines += ["KPI " + _line(k, lang, progress.currency) for k in progress.kpis]
    return "\n".join(lines)
