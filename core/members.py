"""Members of a workspace in shared mode: invite by e-mail, change a role, remove, sign in.

A person is known by their e-mail (lower-cased). Inviting writes a ``membership`` row with
``joined_at`` NULL; the first sign-in with that e-mail marks it joined, and the role applies
at once. The first person to sign in to a fresh database (no member, no invitation, nobody
signed in before) becomes the owner of every workspace there is, and may create new ones; so
does anyone who owns at least one workspace. A workspace always keeps at least one owner.

Every invitation, role change, removal and join is written to the audit trail of the
workspace, in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core import audit
from core.access import RANK, ROLES
from core.db import session_scope
from core.errors import KgiError
from core.models import Draft, Membership, Workspace, utcnow

MAX_EMAIL = 320
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+$")
# Who signed in first to this database (the draft table's unique (workspace_id, key) makes
# the claim safe when two people sign in at the same moment: only one row can be written).
FIRST_OWNER_KEY = "access.first_owner"


@dataclass(frozen=True)
class SignIn:
    """What a sign-in changed: whether this person claimed a fresh database, and which
    invitations it turned into memberships."""

    claimed: bool = False
    joined: list[int] = field(default_factory=list)


def normalize_email(value: str) -> str:
    """The e-mail as stored: trimmed and lower-cased; anything that is not one → KgiError."""
    email = str(value or "").strip().lower()
    if not email or len(email) > MAX_EMAIL or not EMAIL_SHAPE.match(email):
        raise KgiError("members.bad_email", value=str(value or "")[:80])
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise KgiError("members.bad_role", value=str(role)[:40], choices=", ".join(ROLES))
    return role


def _workspace(session: Session, workspace_id: int) -> Workspace:
    ws = session.get(Workspace, workspace_id)
    if ws is None:
        raise KgiError("workspace.not_found", ref=str(workspace_id))
    return ws


def _row(session: Session, workspace_id: int, email: str) -> Membership | None:
    query = select(Membership).where(Membership.workspace_id == workspace_id, Membership.email == email)
    return session.exec(query).first()


# -- reading ---------------------------------------------------------------------------------


def role_of(engine: Engine, workspace_id: int, email: str) -> str | None:
    """``email``'s role in the workspace, or ``None`` when it is not a member."""
    with session_scope(engine) as session:
        row = _row(session, int(workspace_id), email.strip().lower())
        return row.role if row else None


def roles_of(engine: Engine, email: str) -> dict[int, str]:
    """Every workspace ``email`` belongs to, with its role there."""
    with session_scope(engine) as session:
        rows = session.exec(select(Membership).where(Membership.email == email.strip().lower())).all()
        return {row.workspace_id: row.role for row in rows}


def list_members(engine: Engine, workspace_id: int) -> list[Membership]:
    """The workspace's members and invitations: owners first, then by e-mail."""
    with session_scope(engine) as session:
        _workspace(session, workspace_id)
        rows = list(session.exec(select(Membership).where(Membership.workspace_id == workspace_id)).all())
    return sorted(rows, key=lambda m: (RANK.get(m.role, len(RANK)), m.email))


def first_owner(engine: Engine) -> str | None:
    """The e-mail that claimed this database at its first sign-in, if anyone has."""
    with session_scope(engine) as session:
        draft = session.exec(select(Draft).where(Draft.workspace_id == 0, Draft.key == FIRST_OWNER_KEY)).first()
        return str(draft.payload.get("email")) if draft and draft.payload.get("email") else None


def may_create_workspaces(engine: Engine, email: str) -> bool:
    """The first person who signed in, and anyone who owns a workspace, may create more."""
    email = email.strip().lower()
    return email == first_owner(engine) or "owner" in roles_of(engine, email).values()


# -- changing --------------------------------------------------------------------------------


def _owners_left(session: Session, workspace_id: int, without: str) -> int:
    query = select(func.count()).select_from(Membership).where(
        Membership.workspace_id == workspace_id, Membership.role == "owner", Membership.email != without)
    return int(session.exec(query).one())


def add_member(engine: Engine, workspace_id: int, email: str, role: str) -> Membership:
    """Invite ``email`` to the workspace with ``role`` (a member once they sign in)."""
    email, role = normalize_email(email), check_role(role)
    try:
        with session_scope(engine) as session:
            ws = _workspace(session, workspace_id)
            if _row(session, workspace_id, email):
                raise KgiError("members.exists", email=email, name=ws.name)
            row = Membership(workspace_id=workspace_id, email=email, role=role, invited_by=audit.actor())
            session.add(row)
            audit.record_session(session, workspace_id, "member_invite", email, role=role)
            session.flush()
            session.refresh(row)
            return row
    except IntegrityError as exc:  # invited twice at the same moment
        raise KgiError("members.exists", email=email, name=str(workspace_id)) from exc


def set_role(engine: Engine, workspace_id: int, email: str, role: str) -> Membership:
    """Give a member another role; the last owner cannot be made anything else."""
    email, role = normalize_email(email), check_role(role)
    with session_scope(engine) as session:
        ws = _workspace(session, workspace_id)
        row = _row(session, workspace_id, email)
        if row is None:
            raise KgiError("members.not_member", email=email, name=ws.name)
        if row.role == role:
            return row
        if row.role == "owner" and _owners_left(session, workspace_id, email) == 0:
            raise KgiError("members.last_owner", name=ws.name)
        audit.record_session(session, workspace_id, "member_role", email, role=role, old=row.role)
        row.role = role
        session.add(row)
        session.flush()
        session.refresh(row)
        return row


def remove_member(engine: Engine, workspace_id: int, email: str) -> None:
    """Take ``email`` out of the workspace (or withdraw its invitation); never the last owner."""
    email = normalize_email(email)
    with session_scope(engine) as session:
        ws = _workspace(session, workspace_id)
        row = _row(session, workspace_id, email)
        if row is None:
            raise KgiError("members.not_member", email=email, name=ws.name)
        if row.role == "owner" and _owners_left(session, workspace_id, email) == 0:
            raise KgiError("members.last_owner", name=ws.name)
        audit.record_session(session, workspace_id, "member_remove", email, role=row.role)
        session.delete(row)


def grant_creator(engine: Engine, workspace_id: int, email: str) -> None:
    """Whoever creates (or restores) a workspace in shared mode owns it."""
    email = normalize_email(email)
    with session_scope(engine) as session:
        _workspace(session, workspace_id)
        row = _row(session, workspace_id, email)
        if row is None:
            session.add(Membership(workspace_id=workspace_id, email=email, role="owner", invited_by=email,
                                   joined_at=utcnow()))
        elif row.role != "owner":
            row.role = "owner"
            session.add(row)


def sign_in(engine: Engine, email: str) -> SignIn:
    """Record a sign-in: claim a fresh database, and turn this e-mail's invitations into
    memberships. Safe to call on every sign-in (nothing changes the second time)."""
    email = normalize_email(email)
    claimed = _claim_fresh_database(engine, email)
    with session_scope(engine) as session:
        pending = session.exec(select(Membership).where(Membership.email == email,
                                                        Membership.joined_at.is_(None))).all()  # type: ignore[union-attr]
        joined = []
        for row in pending:
            row.joined_at = utcnow()
            session.add(row)
            audit.record_session(session, row.workspace_id, "member_join", email, role=row.role)
            joined.append(row.workspace_id)
    return SignIn(claimed=claimed, joined=joined)


def _claim_fresh_database(engine: Engine, email: str) -> bool:
    try:
        with session_scope(engine) as session:
            if session.exec(select(func.count()).select_from(Membership)).one():
                return False
            if session.exec(select(Draft).where(Draft.workspace_id == 0, Draft.key == FIRST_OWNER_KEY)).first():
                return False
            session.add(Draft(workspace_id=0, key=FIRST_OWNER_KEY, payload={"email": email}))
            session.flush()  # a second claim at the same moment fails here
            now = utcnow()
            for ws in session.exec(select(Workspace)).all():
                session.add(Membership(workspace_id=ws.id, email=email, role="owner", invited_by=email,
                                       joined_at=now))
                audit.record_session(session, ws.id, "member_join", email, role="owner", first=True)
            return True
    except IntegrityError:  # someone else claimed it first
        return False
