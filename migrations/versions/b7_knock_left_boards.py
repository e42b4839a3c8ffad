"""The knock at the door, the `left` state's note, and wall boards with their pairing codes.

Revision ID: b7_knock
Revises: 3dbe8b2d05f8
Create Date: 2026-12-03 08:00:00

Existing requests get no knock (NULL) and no `left` note: nothing to backfill but NULLs, which
is what the new nullable columns hold. No existing request is in the new state `left`.
"""

import sqlalchemy as sa
from alembic import op

revision = "b7_knock"
down_revision = "n8_local_stamps"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "boards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("paired_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_boards_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boards")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_boards_token_hash")),
    )
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_boards_store_id"), ["store_id"], unique=False)

    op.create_table(
        "board_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_board_codes_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_codes")),
    )
    with op.batch_alter_table("board_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_codes_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_board_codes_store_id"), ["store_id"], unique=False)

    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("knock_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("knocked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("knock_answered_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("left_noted_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("left_noted_at")
        batch_op.drop_column("knock_answered_at")
        batch_op.drop_column("knocked_at")
        batch_op.drop_column("knock_state")

    with op.batch_alter_table("board_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_codes_store_id"))
        batch_op.drop_index(batch_op.f("ix_board_codes_code"))
    op.drop_table("board_codes")

    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_boards_store_id"))
    op.drop_table("boards")
