"""The audit trail as an admin reads it: every transition with who and when, filterable."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import localtime
from .extensions import db
from .models import Request, RequestEvent, Store

PAGE_SIZE = 100
LAST_PAGE = 10_000  # a million events back; older ones are for the CSV export


@dataclass(frozen=True)
class Filters:
    room_id: int | None = None
    staff_id: int | None = None
    day: date | None = None  # in the store's time zone


def events(store: Store, filters: Filters, page: int = 1) -> list[RequestEvent]:
    """Newest first, one page at a time."""
    query = (
        select(RequestEvent)
        .join(Request, Request.id == RequestEvent.request_id)
        .where(RequestEvent.store_id == store.id)
        .options(joinedload(RequestEvent.request).joinedload(Request.room))
        .options(joinedload(RequestEvent.staff))
    )
    if filters.room_id:
        query = query.where(Request.room_id == filters.room_id)
    if filters.staff_id:
        query = query.where(RequestEvent.staff_id == filters.staff_id)
    if filters.day:
        start, end = localtime.utc_bounds(filters.day, filters.day, store.timezone)
        query = query.where(RequestEvent.at >= start, RequestEvent.at < end)
    query = query.order_by(RequestEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return list(db.session.scalars(query))
