"""``kgi members [list] | add EMAIL --role R | set-role EMAIL --role R | remove EMAIL``, each
with ``--workspace W`` (before or after the action): the operator on the server lists and
changes who may open a workspace in shared mode. Changes are recorded in the workspace's audit
trail as ``cli:<os user>``."""

from __future__ import annotations

import argparse

from core.access import ROLES
from core.cli import Context
from core.errors import KgiError
from core.i18n import t
from core.members import add_member, list_members, remove_member, set_role
from core.models import Membership
from core.workspaces import get_workspace


def member_dict(row: Membership) -> dict:
    return {"email": row.email, "role": row.role, "invited_by": row.invited_by,
            "joined": row.joined_at is not None,
            "joined_at": row.joined_at.isoformat() if row.joined_at else None}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("members", help="list or change who may open a workspace (shared mode)")
    parser.add_argument("--workspace", "-w", dest="workspace_top", metavar="W", help="workspace id or name")
    parser.set_defaults(func=run_list, action="list")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))

    def workspace_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workspace", "-w", metavar="W", help="workspace id or name")

    listing = actions.add_parser("list", help="list the members and invitations")
    workspace_option(listing)
    listing.set_defaults(func=run_list)
    add = actions.add_parser("add", help="invite an e-mail with a role")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=ROLES)
    workspace_option(add)
    add.set_defaults(func=run_add)
    change = actions.add_parser("set-role", help="give a member another role")
    change.add_argument("email")
    change.add_argument("--role", required=True, choices=ROLES)
    workspace_option(change)
    change.set_defaults(func=run_set_role)
    remove = actions.add_parser("remove", help="take a member out (or withdraw an invitation)")
    remove.add_argument("email")
    workspace_option(remove)
    remove.set_defaults(func=run_remove)


def _workspace_ref(args: argparse.Namespace) -> str:
    ref = getattr(args, "workspace", None) or getattr(args, "workspace_top", None)
    if not ref:
        raise KgiError("members.cli.workspace_needed")
    return str(ref)


def _role(role: str, lang: str) -> str:
    return t(f"members.role.{role}", lang)


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    ws = get_workspace(ctx.engine(), _workspace_ref(args))
    rows = list_members(ctx.engine(), ws.id)
    if ctx.as_json:
        ctx.print_json([member_dict(r) for r in rows])
        return 0
    if not rows:
        print(t("members.cli.none", ctx.lang, name=ws.name, id=ws.id))
        return 0
    print(t("members.cli.head", ctx.lang, name=ws.name, id=ws.id))
    for row in rows:
        status = "" if row.joined_at else f"  ({t('members.cli.invited', ctx.lang)})"
        print(f"  {row.email}  {row.role}{status}")
    return 0


def run_add(args: argparse.Namespace, ctx: Context) -> int:
    ws = get_workspace(ctx.engine(), _workspace_ref(args))
    row = add_member(ctx.engine(), ws.id, args.email, args.role)
    if ctx.as_json:
        ctx.print_json(member_dict(row))
    else:
        print(t("members.cli.added", ctx.lang, email=row.email, name=ws.name, role=_role(row.role, ctx.lang)))
    return 0


def run_set_role(args: argparse.Namespace, ctx: Context) -> int:
    ws = get_workspace(ctx.engine(), _workspace_ref(args))
    row = set_role(ctx.engine(), ws.id, args.email, args.role)
    if ctx.as_json:
        ctx.print_json(member_dict(row))
    else:
        print(t("members.cli.role_set", ctx.lang, email=row.email, name=ws.name, role=_role(row.role, ctx.lang)))
    return 0


def run_remove(args: argparse.Namespace, ctx: Context) -> int:
    ws = get_workspace(ctx.engine(), _workspace_ref(args))
    remove_member(ctx.engine(), ws.id, args.email)
    email = args.email.strip().lower()
    if ctx.as_json:
        ctx.print_json({"removed": email, "workspace": ws.id})
    else:
        print(t("members.cli.removed", ctx.lang, email=email, name=ws.name))
    return 0
