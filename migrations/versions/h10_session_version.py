"""Staff session version: sign-out, a new PIN or password, and "sign out everywhere" end sessions

Revision ID: h10_session_version
Revises: 3dbe8b2d05f8
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "h10_session_version"
down_revision = "b7_knock"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get version 1 from the server default; sessions issued before this release
    # name no version and so end once: everyone signs in again.
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("session_version")
