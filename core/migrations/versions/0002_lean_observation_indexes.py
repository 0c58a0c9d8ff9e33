"""lean observation indexes: one live-key index (metric first) and a partial undo index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LIVE = sa.text("superseded_by IS NULL")
SUPERSEDED = sa.text("superseded_by IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("ux_observation_live", sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_index("ix_observation_query")
        batch_op.drop_index("ix_observation_import_id")
        batch_op.drop_index("ix_observation_superseded_by")
        batch_op.create_index(
            "ux_observation_live",
            ["workspace_id", "metric", "source", "date", "granularity", "dimension"],
            unique=True, sqlite_where=LIVE, postgresql_where=LIVE,
        )
        batch_op.create_index(
            "ix_observation_superseded", ["superseded_by"],
            sqlite_where=SUPERSEDED, postgresql_where=SUPERSEDED,
        )


def downgrade() -> None:
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_superseded", sqlite_where=SUPERSEDED, postgresql_where=SUPERSEDED)
        batch_op.drop_index("ux_observation_live", sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index("ix_observation_superseded_by", ["superseded_by"], unique=False)
        batch_op.create_index("ix_observation_import_id", ["import_id"], unique=False)
        batch_op.create_index("ix_observation_query", ["workspace_id", "metric", "date"], unique=False)
        batch_op.create_index(
            "ux_observation_live",
            ["workspace_id", "source", "metric", "date", "granularity", "dimension"],
            unique=True, sqlite_where=LIVE, postgresql_where=LIVE,
        )
