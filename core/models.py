"""Database models (SQLModel). Observations are stored long: one row per metric, day, source
and dimension value, so any export shape lands in the same table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Workspace(SQLModel, table=True):
    """One brand (an agency has one per client)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    business_type: str = Field(max_length=20)
    currency: str = Field(default="TWD", max_length=3)
    language: str = Field(default="zh-TW", max_length=5)
    period_start: date
    period_months: int = 12
    is_demo: bool = False
    archived: bool = False  # hidden from the switcher and lists until unarchived
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Kgi(SQLModel, table=True):
    """The workspace's goal for its period; one per workspace."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, unique=True)
    text: str = ""
    metric: str | None = Field(default=None, max_length=40)
    direction: str | None = Field(default=None, max_length=10)
    target_kind: str | None = Field(default=None, max_length=20)
    target_value: float | None = None
    baseline: float | None = None
    period_start: date | None = None
    period_end: date | None = None
    split: str = Field(default="linear", max_length=10)
    monthly_targets: list[float] | None = Field(default=None, sa_column=Column(JSON))
    smart: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)


class Kpi(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    metric: str = Field(max_length=40)
    label: str = Field(default="", max_length=200)
    target_kind: str = Field(max_length=20)
    target_value: float | None = None
    baseline: float | None = None
    cadence: str = Field(default="period", max_length=10)
    owner: str = Field(default="", max_length=100)
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    dimensions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    template_key: str | None = Field(default=None, max_length=60)
    position: int = 0
    note: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class ImportBatch(SQLModel, table=True):
    """One uploaded file. Undoing it removes its rows and revives what it had replaced."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    file_name: str = Field(max_length=500)
    file_hash: str = Field(max_length=64, index=True)
    source: str = Field(max_length=40)
    status: str = Field(default="imported", max_length=20)
    rows: int = 0
    metrics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start: date | None = None
    end: date | None = None
    replaced: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    # The column its rows are broken down by ("device category"), None without a breakdown.
    # Two imports of one source broken down by different columns are two breakdowns of one
    # total, not two parts of it (core.store._other_breakdowns).
    dimension_kind: str | None = Field(default=None, max_length=300)


class Observation(SQLModel, table=True):
    """A single figure: workspace × source × metric × date × granularity × dimension.

    ``superseded_by`` is NULL for the live row; a newer import covering the same key sets it
    to its own id instead of deleting, so that undoing the newer import brings the old back.
    """

    # Few indexes on purpose: every index is paid on each of the millions of rows an import
    # writes. The live key (metric before source, so it also serves reads by metric) keeps
    # imports from doubling; the small partial index finds what an undo must revive.
    __table_args__ = (
        Index(
            "ux_observation_live",
            "workspace_id", "metric", "source", "date", "granularity", "dimension",
            unique=True,
            sqlite_where=text("superseded_by IS NULL"),
            postgresql_where=text("superseded_by IS NULL"),
        ),
        Index(
            "ix_observation_superseded",
            "superseded_by",
            sqlite_where=text("superseded_by IS NOT NULL"),
            postgresql_where=text("superseded_by IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    metric: str = Field(max_length=40)
    date: date
    granularity: str = Field(default="day", max_length=5)
    value: float
    source: str = Field(max_length=40)
    dimension: str = Field(default="", max_length=300)
    import_id: int | None = Field(default=None, foreign_key="import_batch.id")
    superseded_by: int | None = None


class ColumnMapping(SQLModel, table=True):
    """A column → metric choice the user made, remembered per workspace and source."""

    __tablename__ = "column_mapping"
    __table_args__ = (UniqueConstraint("workspace_id", "source", "column"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    source: str = Field(max_length=40)
    column: str = Field(max_length=300)
    metric: str = Field(default="", max_length=40)  # "" = ignore this column
    updated_at: datetime = Field(default_factory=utcnow)


class Draft(SQLModel, table=True):
    """Whatever a user has typed but not saved, so a reload or restart loses nothing."""

    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(default=0, index=True)  # 0 = not tied to a workspace
    key: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who did what to a workspace and when (imports, undos, goal changes, restores, renames...).

    ``workspace_id`` has no foreign key on purpose: the record of a deletion outlives the
    workspace it names.
    """

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(index=True)
    actor: str = Field(max_length=320)  # "local", a signed-in e-mail, or "cli:<os user>"
    action: str = Field(max_length=40)
    subject: str = Field(default="", max_length=300)  # a file name, a metric, a workspace name
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    """A person's role in one workspace, by e-mail (shared mode).

    A row is written when an owner (or the operator, with ``kgi members add``) invites the
    e-mail; until that person first signs in, ``joined_at`` is NULL and the row is an
    invitation. The role applies from the first sign-in on: the e-mail is the identity.
    """

    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    email: str = Field(max_length=320, index=True)
    role: str = Field(max_length=10)  # owner, editor, viewer or client (core.access.ROLES)
    invited_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)
    joined_at: datetime | None = None  # NULL: invited, not signed in yet
