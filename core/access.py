"""Who may do what in a workspace: the four roles and the one permission table.

The table below is the whole rule; pages, buttons and downloads ask :func:`can` and nothing
else. In local mode the one person is the owner of every workspace; in shared mode a person's
role comes from the ``membership`` table (:mod:`core.members`).

- **owner**: everything, including the members, backup and restore, archive and delete.
- **editor**: the plan (KGI, KPIs), uploads and undo, besides what a viewer sees.
- **viewer**: the dashboard, the review, the plan's read-only pages, downloads and the history.
- **client**: only the dashboard and the review of its own workspace — no downloads, no backup,
  no history.
"""

from __future__ import annotations

ROLES: tuple[str, ...] = ("owner", "editor", "viewer", "client")

ALL = ROLES
STAFF = ("owner", "editor", "viewer")
WRITERS = ("owner", "editor")
OWNER = ("owner",)

# action → the roles allowed to do it. Every action is listed; an action not here is a
# programming error, not a refusal.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "view_dashboard": ALL,      # the Dashboard page
    "view_review": ALL,         # the Monthly review page (its table and sentences)
    "view_plan": STAFF,         # the Plan (export) and Optimise pages
    "download": STAFF,          # the plan and review files (workbook, printable summary)
    "view_history": STAFF,      # the audit trail
    "edit_plan": WRITERS,       # the KGI and KPIs pages
    "upload": WRITERS,          # the Upload page
    "undo": WRITERS,            # undoing an import
    "edit_settings": OWNER,     # the workspace's details and status thresholds (and its name)
    "backup": OWNER,            # downloading the workspace's full backup
    "restore": OWNER,           # restoring a backup as a new workspace
    "manage_members": OWNER,    # inviting, changing roles, removing people
    "archive": OWNER,           # archiving and unarchiving
    "delete": OWNER,            # deleting the workspace and everything in it
}
ACTIONS: tuple[str, ...] = tuple(PERMISSIONS)

# The order roles are listed in, most rights first (also the "best role" a person has).
RANK = {role: i for i, role in enumerate(ROLES)}


def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may do ``action``; no role (not a member) may do nothing."""
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")  # a typo in the code, never user input
    return role is not None and role in PERMISSIONS[action]


def is_role(value: str) -> bool:
    return value in ROLES


def best_role(roles: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The role with the most rights among ``roles`` (``None`` for none)."""
    known = [r for r in roles if r in RANK]
    return min(known, key=RANK.__getitem__) if known else None
