"""The customer's pick among the nearest sizes in stock, for a size that is not in stock

Revision ID: b11_size_pick
Revises: h10_session_version

Existing requests keep no pick (NULL): the customer was never offered one.
"""

import sqlalchemy as sa
from alembic import op

revision = "b11_size_pick"
down_revision = "h10_session_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("picked_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_requests_picked_id_catalogue_items"),
            "catalogue_items",
            ["picked_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_requests_picked_id_catalogue_items"), type_="foreignkey"
        )
        batch_op.drop_column("picked_id")
