"""Settled months of a store are kept as tallies of the report passes' counts

A chain's month of reports read every request of fifty stores in about ten passes. Once a
store's month is over and nothing in it can change, the passes' grouped counts are kept in
tally_rows (one row per group and pass), under a tally that names the standards they were judged
by; reports sum those rows for whole months and read raw requests only for the other days.

Revision ID: r8_tallies
Revises: q8_live_index
Create Date: 2026-12-04 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "r8_tallies"
down_revision = "q8_live_index"
branch_labels = None
depends_on = None

COUNTS = ("n1", "n2", "n3", "n4", "n5", "n6", "n7")


def upgrade():
    op.create_table(
        "tallies",
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("stores.id"), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("standards", sa.String(length=200), nullable=False),
        sa.Column("tallied_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "tally_rows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("stores.id"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("hour", sa.SmallInteger(), nullable=True),
        sa.Column("subject", sa.Integer(), nullable=True),
        sa.Column("second", sa.Integer(), nullable=True),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in COUNTS),
    )
    op.create_index("ix_tally_rows_part", "tally_rows", ["part", "month", "store_id"])


def downgrade():
    op.drop_index("ix_tally_rows_part", table_name="tally_rows")
    op.drop_table("tally_rows")
    op.drop_table("tallies")
