"""A consultant's cards of customers who left are found without reading the history

Every read of a handheld's queue asks for the requests its consultant was on when the customer
left (state `left`) and has not yet put away. No index served "claimed by this consultant", so
each read scanned every request ever made. A partial index on the `left` requests by claimer and
closing time: a small share of all requests.

Revision ID: s9_left_index
Revises: r8_tallies
Create Date: 2026-12-04 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "s9_left_index"
down_revision = "r8_tallies"
branch_labels = None
depends_on = None

LEFT = sa.text("state = 'left'")


def upgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_requests_left",
            ["claimed_by_id", "closed_at"],
            unique=False,
            sqlite_where=LEFT,
            postgresql_where=LEFT,
        )


def downgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_left")
