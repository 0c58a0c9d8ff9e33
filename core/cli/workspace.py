"""``kgi workspace create|list``."""

from __future__ import annotations

import argparse
from datetime import date

from core.catalog import BUSINESS_TYPES
from core.cli import Context
from core.errors import KgiError
from core.i18n import t
from core.models import Workspace
from core.workspaces import create_workspace, list_workspaces


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise KgiError("cli.bad_date", value=value) from exc


def workspace_dict(ws: Workspace) -> dict:
    return {
        "id": ws.id,
        "name": ws.name,
        "business_type": ws.business_type,
        "currency": ws.currency,
        "language": ws.language,
        "period_start": ws.period_start.isoformat(),
        "period_months": ws.period_months,
        "is_demo": ws.is_demo,
    }


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("workspace", help="create or list workspaces (brands)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    create = actions.add_parser("create", help="create a workspace")
    create.add_argument("name")
    create.add_argument("--type", required=True, dest="business_type", help=", ".join(BUSINESS_TYPES))
    create.add_argument("--currency", default="TWD")
    create.add_argument("--start", help="period start, YYYY-MM-DD (default: 1 January this year)")
    create.add_argument("--months", type=int, default=12, help="length of the plan period")
    create.add_argument("--language", choices=["zh-TW", "en"], help="the workspace's language")
    create.set_defaults(func=run_create)
    listing = actions.add_parser("list", help="list workspaces")
    listing.set_defaults(func=run_list)


def run_create(args: argparse.Namespace, ctx: Context) -> int:
    start = parse_date(args.start) if args.start else None
    ws = create_workspace(
        ctx.engine(),
        args.name,
        args.business_type,
        currency=args.currency,
        language=args.language or ctx.lang,
        period_start=start,
        period_months=args.months,
    )
    if ctx.as_json:
        ctx.print_json(workspace_dict(ws))
    else:
        print(t("cli.workspace.created", ctx.lang, name=ws.name, id=ws.id))
    return 0


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    spaces = list_workspaces(ctx.engine())
    if ctx.as_json:
        ctx.print_json([workspace_dict(ws) for ws in spaces])
        return 0
    if not spaces:
        print(t("cli.workspace.none", ctx.lang))
        return 0
    for ws in spaces:
        print(f"{ws.id:>4}  {ws.name}  ({ws.business_type}, {ws.currency}, {ws.period_start.isoformat()})")
    return 0
