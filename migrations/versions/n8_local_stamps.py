"""Store-local stamps for reports; one live tidy task per room

Requests get the store's local day, hour and weekday at created_at and their times to
acknowledge and complete in milliseconds; visits their service day; ratings their visit's
store, room and service day. Existing rows are backfilled in batches, in Python with zoneinfo,
the same way the app stamps new rows (assist.stamps). Rooms holding several live tidy tasks
keep the newest; the older ones close as skipped, with an event in the trail.

Revision ID: n8_local_stamps
Revises: 3dbe8b2d05f8
Create Date: 2026-12-03 08:00:00
"""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "n8_local_stamps"
down_revision = "3dbe8b2d05f8"
branch_labels = None
depends_on = None

BATCH = 5000
MILLISECOND = timedelta(milliseconds=1)
LIVE_TIDY = "kind = 'tidy' AND state IN ('open', 'acknowledged')"

stores = sa.table("stores", sa.column("id", sa.Integer), sa.column("timezone", sa.String))
rooms = sa.table("fitting_rooms", sa.column("id", sa.Integer), sa.column("store_id", sa.Integer))
visits = sa.table(
    "visits",
    sa.column("id", sa.Integer),
    sa.column("room_id", sa.Integer),
    sa.column("started_at", sa.DateTime),
    sa.column("service_day", sa.Date),
)
requests = sa.table(
    "requests",
    sa.column("id", sa.Integer),
    sa.column("store_id", sa.Integer),
    sa.column("room_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("state", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("acknowledged_at", sa.DateTime),
    sa.column("completed_at", sa.DateTime),
    sa.column("closed_at", sa.DateTime),
    sa.column("local_day", sa.Date),
    sa.column("local_hour", sa.SmallInteger),
    sa.column("local_weekday", sa.SmallInteger),
    sa.column("acknowledge_ms", sa.BigInteger),
    sa.column("complete_ms", sa.BigInteger),
)
ratings = sa.table(
    "ratings",
    sa.column("id", sa.Integer),
    sa.column("visit_id", sa.Integer),
    sa.column("store_id", sa.Integer),
    sa.column("room_id", sa.Integer),
    sa.column("service_day", sa.Date),
)
events = sa.table(
    "request_events",
    sa.column("request_id", sa.Integer),
    sa.column("store_id", sa.Integer),
    sa.column("room_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("at", sa.DateTime),
)


def upgrade():
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("local_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("local_hour", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("local_weekday", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("acknowledge_ms", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("complete_ms", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("service_day", sa.Date(), nullable=True))
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("store_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("room_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("service_day", sa.Date(), nullable=True))

    connection = op.get_bind()
    zones = {
        i: ZoneInfo(tz) for i, tz in connection.execute(sa.select(stores.c.id, stores.c.timezone))
    }
    _backfill_requests(connection, zones)
    _backfill_visits(connection, zones)
    _backfill_ratings(connection)
    _one_live_tidy_per_room(connection)

    # Requests and visits are referenced by other tables: no rebuild (SQLite would refuse to drop
    # them under foreign keys), so their stamps stay nullable columns that the app always fills.
    with op.batch_alter_table("requests") as batch:
        batch.create_index("ix_requests_store_day", ["store_id", "local_day"], unique=False)
        batch.create_index(
            "uq_request_live_tidy_per_room",
            ["room_id"],
            unique=True,
            sqlite_where=sa.text(LIVE_TIDY),
            postgresql_where=sa.text(LIVE_TIDY),
        )
    with op.batch_alter_table("ratings") as batch:
        for column in ("store_id", "room_id", "service_day"):
            batch.alter_column(column, nullable=False)
        batch.create_foreign_key(
            batch.f("fk_ratings_store_id_stores"), "stores", ["store_id"], ["id"]
        )
        batch.create_foreign_key(
            batch.f("fk_ratings_room_id_fitting_rooms"), "fitting_rooms", ["room_id"], ["id"]
        )
        batch.create_index("ix_ratings_store_day", ["store_id", "service_day"], unique=False)
    with op.batch_alter_table("request_events") as batch:
        batch.create_index("ix_request_events_store_action", ["store_id", "action"], unique=False)


def downgrade():
    with op.batch_alter_table("request_events") as batch:
        batch.drop_index("ix_request_events_store_action")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_index("ix_ratings_store_day")
        batch.drop_constraint(batch.f("fk_ratings_room_id_fitting_rooms"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_ratings_store_id_stores"), type_="foreignkey")
        batch.drop_column("service_day")
        batch.drop_column("room_id")
        batch.drop_column("store_id")
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("service_day")
    with op.batch_alter_table("requests") as batch:
        batch.drop_index("uq_request_live_tidy_per_room")
        batch.drop_index("ix_requests_store_day")
        for column in ("complete_ms", "acknowledge_ms", "local_weekday", "local_hour", "local_day"):
            batch.drop_column(column)


def _local(at, zone):
    return at.replace(tzinfo=UTC).astimezone(zone)


def _elapsed_ms(start, end):
    return None if end is None else -((start - end) // MILLISECOND)


def _batches(connection, table, *columns):
    """Rows of `table` in id order, BATCH at a time, so no table is held in memory."""
    last = 0
    while True:
        query = sa.select(table.c.id, *columns).where(table.c.id > last)
        rows = connection.execute(query.order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _backfill_requests(connection, zones):
    r = requests.c
    update = (
        sa.update(requests)
        .where(r.id == sa.bindparam("rid"))
        .values(
            local_day=sa.bindparam("day"),
            local_hour=sa.bindparam("hour"),
            local_weekday=sa.bindparam("weekday"),
            acknowledge_ms=sa.bindparam("ack"),
            complete_ms=sa.bindparam("done"),
        )
    )
    columns = (r.store_id, r.created_at, r.acknowledged_at, r.completed_at)
    for rows in _batches(connection, requests, *columns):
        values = []
        for row in rows:
            local = _local(row.created_at, zones[row.store_id])
            values.append(
                {
                    "rid": row.id,
                    "day": local.date(),
                    "hour": local.hour,
                    "weekday": local.weekday(),
                    "ack": _elapsed_ms(row.created_at, row.acknowledged_at),
                    "done": _elapsed_ms(row.created_at, row.completed_at),
                }
            )
        connection.execute(update, values)


def _backfill_visits(connection, zones):
    store_of = dict(connection.execute(sa.select(rooms.c.id, rooms.c.store_id)).all())
    update = (
        sa.update(visits)
        .where(visits.c.id == sa.bindparam("vid"))
        .values(service_day=sa.bindparam("day"))
    )
    for rows in _batches(connection, visits, visits.c.room_id, visits.c.started_at):
        values = [
            {"vid": v.id, "day": _local(v.started_at, zones[store_of[v.room_id]]).date()}
            for v in rows
        ]
        connection.execute(update, values)


def _backfill_ratings(connection):
    visit = sa.select(visits.c.room_id).where(visits.c.id == ratings.c.visit_id).scalar_subquery()
    store = (
        sa.select(rooms.c.store_id)
        .select_from(visits.join(rooms, rooms.c.id == visits.c.room_id))
        .where(visits.c.id == ratings.c.visit_id)
        .scalar_subquery()
    )
    day = sa.select(visits.c.service_day).where(visits.c.id == ratings.c.visit_id)
    connection.execute(
        sa.update(ratings).values(room_id=visit, store_id=store, service_day=day.scalar_subquery())
    )


def _one_live_tidy_per_room(connection):
    """Older live tidy tasks of a room close as skipped when the newer one was made."""
    r = requests.c
    live = (
        sa.select(r.id, r.store_id, r.room_id, r.created_at)
        .where(r.kind == "tidy", r.state.in_(("open", "acknowledged")))
        .order_by(r.room_id, r.created_at.desc(), r.id.desc())
    )
    newest: dict[int, object] = {}
    for row in connection.execute(live).all():
        if row.room_id not in newest:
            newest[row.room_id] = row.created_at
            continue
        connection.execute(
            sa.update(requests)
            .where(r.id == row.id)
            .values(state="skipped", closed_at=newest[row.room_id])
        )
        connection.execute(
            sa.insert(events).values(
                request_id=row.id,
                store_id=row.store_id,
                room_id=row.room_id,
                action="skipped",
                at=newest[row.room_id],
            )
        )
