"""Facts that reports group by, stamped on a row when it is written.

A request carries its store's local day, hour and weekday at `created_at`, and how long it took
to be acknowledged and completed; a visit carries its service day (the store's calendar day when
it began); a rating carries its visit's store, room and service day. Each is computed here, in
Python with zoneinfo, from the very value that is stored, so a report's `GROUP BY local_day`
agrees with the timestamp to the microsecond on both databases.

The stamps are filled in just before the row is inserted (SQLAlchemy's before_insert), so every
way of writing a row gets them; a writer that has the store's time zone at hand stamps them
itself (local_facts, service_day) and spares the insert its query. The lifecycle stamps
durations on its state changes itself.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import event, select

from . import clock, localtime
from .models import FittingRoom, Rating, Request, Store, Visit

MILLISECOND = timedelta(milliseconds=1)


def elapsed_ms(start: datetime, end: datetime | None) -> int | None:
    """Milliseconds from start to end, rounded up: within a whole-second target exactly when
    the true time is."""
    if end is None:
        return None
    return -((start - end) // MILLISECOND)


def durations(request: Request) -> dict[str, int | None]:
    return {
        "acknowledge_ms": elapsed_ms(request.created_at, request.acknowledged_at),
        "complete_ms": elapsed_ms(request.created_at, request.completed_at),
    }


def _timezone(connection, store_id: int) -> str:
    return connection.scalar(select(Store.timezone).where(Store.id == store_id))


@event.listens_for(Request, "before_insert")
def _stamp_request(_mapper, connection, request: Request) -> None:
    request.created_at = request.created_at or clock.now()
    if request.local_day is None:
        timezone = _timezone(connection, request.store_id)
        for column, value in local_facts(request.created_at, timezone).items():
            setattr(request, column, value)
    for column, value in durations(request).items():
        if getattr(request, column) is None:
            setattr(request, column, value)


@event.listens_for(Visit, "before_insert")
def _stamp_visit(_mapper, connection, visit: Visit) -> None:
    visit.started_at = visit.started_at or clock.now()
    if visit.service_day is None:
        timezone = connection.scalar(
            select(Store.timezone)
            .join(FittingRoom, FittingRoom.store_id == Store.id)
            .where(FittingRoom.id == visit.room_id)
        )
        visit.service_day = service_day(visit.started_at, timezone)


@event.listens_for(Rating, "before_insert")
def _stamp_rating(_mapper, connection, rating: Rating) -> None:
    found = connection.execute(
        select(FittingRoom.store_id, Visit.room_id, Visit.service_day)
        .join(FittingRoom, FittingRoom.id == Visit.room_id)
        .where(Visit.id == rating.visit_id)
    ).one()
    rating.store_id, rating.room_id, rating.service_day = found


def local_facts(at: datetime, timezone: str) -> dict:
    """A request's store-local day, hour and weekday, for a writer that has its store at hand
    (else they are stamped at insert, at the cost of a query)."""
    local = localtime.to_local(at, timezone)
    return {"local_day": local.date(), "local_hour": local.hour, "local_weekday": local.weekday()}


def service_day(at: datetime, timezone: str) -> date:
    return localtime.to_local(at, timezone).date()
