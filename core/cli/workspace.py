"""``kgi workspace create|list|rename|archive|unarchive|delete``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from core.backup import write_backup
from core.catalog import BUSINESS_TYPES
from core.cli import Context
from core.errors import KgiError
from core.i18n import t
from core.members import add_member, normalize_email
from core.models import Workspace
from core.workspace_life import (
    archive_workspace,
    delete_workspace,
    names_match,
    rename_workspace,
    unarchive_workspace,
)
from core.workspaces import create_workspace, default_period_start, get_workspace, list_workspaces


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
        "archived": ws.archived,
    }


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("workspace", help="create or list workspaces (brands)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    create = actions.add_parser("create", help="create a workspace")
    create.add_argument("name")
    create.add_argument("--type", required=True, dest="business_type", help=", ".join(BUSINESS_TYPES))
    create.add_argument("--currency", default="TWD")
    create.add_argument("--start", help="period start, YYYY-MM-DD (default: 1 January this year, or next year's once"
                        " three quarters of this one are over, as on the Workspace page)")
    create.add_argument("--months", type=int, default=12, help="length of the plan period")
    create.add_argument("--language", choices=["zh-TW", "en"], help="the workspace's language")
    create.add_argument("--owner", metavar="EMAIL",
                        help="invite this e-mail as the workspace's owner (shared mode: without an owner"
                             " nobody who signs in sees the workspace)")
    create.set_defaults(func=run_create)
    listing = actions.add_parser("list", help="list workspaces")
    listing.add_argument("--archived", action="store_true", help="list the archived workspaces instead")
    listing.set_defaults(func=run_list)
    _register_life(actions)


def _register_life(actions: argparse._SubParsersAction) -> None:
    rename = actions.add_parser("rename", help="rename a workspace")
    rename.add_argument("workspace", help="id or name")
    rename.add_argument("new_name")
    rename.set_defaults(func=run_rename)
    for action, text in (("archive", "hide a workspace from the lists (restorable)"),
                         ("unarchive", "bring an archived workspace back")):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("workspace", help="id or name")
        sub.set_defaults(func=run_archive, archive=action == "archive")
    remove = actions.add_parser("delete", help="delete a workspace and everything in it")
    remove.add_argument("workspace", help="id or name")
    remove.add_argument("--confirm", metavar="NAME", help="the workspace's name, typed again")
    remove.add_argument("--backup", metavar="FILE.zip", help="write a backup of it here first")
    remove.set_defaults(func=run_delete)


def run_create(args: argparse.Namespace, ctx: Context) -> int:
    start = parse_date(args.start) if args.start else default_period_start(date.today())
    owner = normalize_email(args.owner) if getattr(args, "owner", None) else None  # refused before creating
    ws = create_workspace(
        ctx.engine(),
        args.name,
        args.business_type,
        currency=args.currency,
        language=args.language or ctx.lang,
        period_start=start,
        period_months=args.months,
    )
    invited = add_member(ctx.engine(), ws.id, owner, "owner") if owner else None
    if ctx.as_json:
        ctx.print_json({**workspace_dict(ws), "owner_invited": invited.email if invited else None})
    else:
        print(t("cli.workspace.created", ctx.lang, name=ws.name, id=ws.id))
        if invited:
            print(t("members.cli.added", ctx.lang, email=invited.email, name=ws.name,
                    role=t("members.role.owner", ctx.lang)))
    return 0


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    archived = bool(getattr(args, "archived", False))
    spaces = list_workspaces(ctx.engine(), archived=archived)
    if ctx.as_json:
        ctx.print_json([workspace_dict(ws) for ws in spaces])
        return 0
    if not spaces:
        print(t("workspace_life.cli.archived_none" if archived else "cli.workspace.none", ctx.lang))
        return 0
    if archived:
        print(t("workspace_life.cli.archived_head", ctx.lang))
    for ws in spaces:
        print(f"{ws.id:>4}  {ws.name}  ({ws.business_type}, {ws.currency}, {ws.period_start.isoformat()})")
    return 0


def run_rename(args: argparse.Namespace, ctx: Context) -> int:
    ws = get_workspace(ctx.engine(), args.workspace)
    renamed = rename_workspace(ctx.engine(), ws.id, args.new_name)
    if ctx.as_json:
        ctx.print_json(workspace_dict(renamed))
    else:
        print(t("workspace_life.cli.renamed", ctx.lang, id=renamed.id, name=renamed.name))
    return 0


def run_archive(args: argparse.Namespace, ctx: Context) -> int:
    ws = get_workspace(ctx.engine(), args.workspace)
    changed = (archive_workspace if args.archive else unarchive_workspace)(ctx.engine(), ws.id)
    if ctx.as_json:
        ctx.print_json(workspace_dict(changed))
    else:
        key = "workspace_life.cli.archived" if args.archive else "workspace_life.cli.unarchived"
        print(t(key, ctx.lang, id=changed.id, name=changed.name))
    return 0


def run_delete(args: argparse.Namespace, ctx: Context) -> int:
    ws = get_workspace(ctx.engine(), args.workspace)
    if args.confirm is None:
        print(t("workspace_life.cli.confirm_needed", ctx.lang, name=ws.name), file=sys.stderr)
        return 1
    if not names_match(args.confirm, ws.name):
        raise KgiError("workspace_life.confirm_mismatch", name=ws.name)
    if args.backup:
        out = Path(args.backup)
        with out.open("wb") as stream:
            write_backup(ctx.engine(), ws.id, stream)
        if not ctx.as_json:
            print(t("workspace_life.cli.backed_up", ctx.lang, name=ws.name, file=str(out)))
    name = delete_workspace(ctx.engine(), ws.id, args.confirm)
    if ctx.as_json:
        ctx.print_json({"deleted": ws.id, "name": name, "backup": args.backup})
    else:
        print(t("workspace_life.cli.deleted", ctx.lang, name=name))
    return 0
