"""Reports read a store's requests of a period from one covering index

The store-and-local-day index gains the columns the report's GROUP BYs read (kind, state, the
local weekday and hour, the times to acknowledge and complete, room and claimer), so SQLite
answers them from the index alone instead of looking up every row of the period.

Revision ID: p8_report_index
Revises: i18n_staff_language
Create Date: 2026-12-03 09:30:00
"""

from alembic import op

revision = "p8_report_index"
down_revision = "i18n_staff_language"
branch_labels = None
depends_on = None

REPORT_COLUMNS = [
    "store_id",
    "local_day",
    "kind",
    "state",
    "local_weekday",
    "local_hour",
    "acknowledge_ms",
    "complete_ms",
    "room_id",
    "claimed_by_id",
]


def upgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_report", REPORT_COLUMNS, unique=False)
        batch_op.drop_index("ix_requests_store_day")


def downgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_store_day", ["store_id", "local_day"], unique=False)
        batch_op.drop_index("ix_requests_report")
