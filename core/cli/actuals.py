"""``kgi actuals --workspace W --metric KEY --by day|week|month [--source S]`` (SPEC §9)."""

from __future__ import annotations

import argparse

from core.catalog import load_catalog
from core.cli import Context
from core.i18n import t
from core.store import actuals
from core.workspaces import get_workspace


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("actuals", help="aggregated actuals of one metric")
    parser.add_argument("--workspace", required=True, help="workspace name or id")
    parser.add_argument("--metric", required=True, help="metric key, e.g. revenue or ctr")
    parser.add_argument("--by", choices=["day", "week", "month"], default="month")
    parser.add_argument("--source", help="count only this source, e.g. google_ads")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    engine = ctx.engine()
    ws = get_workspace(engine, args.workspace)
    rows = actuals(engine, ws.id, args.metric, by=args.by, source=args.source)
    if ctx.as_json:
        ctx.print_json(rows)
        return 0
    spec = load_catalog()[args.metric]
    if not rows:
        print(t("store.cli.no_actuals", ctx.lang, metric=spec.name(ctx.lang)))
        return 0
    print(spec.name(ctx.lang))
    for row in rows:
        print(f"{row['period']}  {_format(row['value'], spec.unit)}")
    return 0


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:.2%}"
    if unit in ("ratio", "rank"):
        return f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
