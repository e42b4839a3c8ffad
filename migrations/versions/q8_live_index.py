"""A store's live requests are found without reading its history

A partial index on the live requests (open or acknowledged) by store and local day. The reports
ask which requests of a period are still live; without it the planner read the whole period from
the report index to find the few.

Revision ID: q8_live_index
Revises: p8_report_index
Create Date: 2026-12-04 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "q8_live_index"
down_revision = "p8_report_index"
branch_labels = None
depends_on = None

LIVE = sa.text("state IN ('open', 'acknowledged')")


def upgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_requests_live",
            ["store_id", "local_day"],
            unique=False,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )


def downgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_live")
