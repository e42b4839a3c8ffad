"""The event trail: one row per thing that happened to a request, numbered in order.

Every nudge carries its event's number. A device remembers the highest number it has seen and,
on each heartbeat, asks for the latest number that concerns it; if that is higher, it missed a
nudge and re-reads its view. (The number is global, not per store, so recording an event never
locks anything but the request's own row.)
"""

from datetime import datetime

from sqlalchemy import ScalarSelect, func, select

from .extensions import db
from .models import Request, RequestEvent


def record(
    request: Request,
    action: str,
    at: datetime,
    *,
    staff_id: int | None = None,
    tablet_id: int | None = None,
) -> RequestEvent:
    """Add the event inside the caller's open transaction; the caller commits. An event never
    changes once written, so it leaves the session once flushed: the commit does not expire it,
    and the nudge that carries its number reads it without a second look at the database."""
    event = RequestEvent(
        request_id=request.id,
        store_id=request.store_id,
        room_id=request.room_id,
        action=action,
        at=at,
        staff_id=staff_id,
        tablet_id=tablet_id,
    )
    db.session.add(event)
    db.session.flush()
    db.session.expunge(event)
    return event


def latest_for_store(store_id: int) -> int:
    return db.session.scalar(select(newest_in_store(store_id))) or 0


def newest_in_store(store_id) -> ScalarSelect:
    """The store's newest event number (NULL before its first): of a store id, or correlated
    with a column that holds one."""
    return _newest(RequestEvent.store_id == store_id)


def newest_in_room(room_id) -> ScalarSelect:
    """The fitting room's newest event number, as newest_in_store."""
    return _newest(RequestEvent.room_id == room_id)


def _newest(among) -> ScalarSelect:
    return select(func.max(RequestEvent.id)).where(among).scalar_subquery()
