"""CSV exports of a report's period: one row per request, one row per rating.

They are generators: rows are read from the database in batches (yield_per) and handed on as
text as they come, so a long period never sits in memory whole. Times are written in each
store's time zone, ISO 8601 with the offset (2026-10-25T03:30:00+03:00).

Customers type comments and names come from admins: a cell starting with = + - @ (or a tab or
carriage return) would run as a formula in a spreadsheet, so such text gets a leading apostrophe.
"""

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import case, func

from . import localtime, metrics
from .extensions import db
from .models import CatalogueItem, FittingRoom, MenuItem, Rating, Request, StaffMember, Store, Visit

BATCH = 2000
# Excel reads a file as UTF-8 only when it starts with a byte order mark; names are not ASCII.
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> object:
    """Text that a spreadsheet would take for a formula gets an apostrophe in front."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def requests_csv(scope: metrics.Scope) -> Iterator[str]:
    """Every request of the period with every timestamp, oldest first."""
    variant = CatalogueItem.name + " " + CatalogueItem.colour + " " + CatalogueItem.size
    columns = [
        Request.id.label("request_id"),
        Store.name.label("store"),
        FittingRoom.name.label("fitting_room"),
        FittingRoom.area,
        Request.kind,
        func.coalesce(MenuItem.name, variant).label("item"),
        Request.state,
        StaffMember.name.label("claimed_by"),
        Request.created_at,
        Request.acknowledged_at,
        Request.completed_at,
        Request.closed_at,
        (Request.acknowledge_ms / 1000.0).label("seconds_to_acknowledge"),
        (Request.complete_ms / 1000.0).label("seconds_to_complete"),
        case((metrics.within_standard(scope), "yes"), else_="no").label("within_standard"),
        Request.local_day,
    ]
    query = (
        metrics.requests_in(scope, *columns, Store.timezone, customer=None)
        .join(Store, Store.id == Request.store_id)
        .join(FittingRoom, FittingRoom.id == Request.room_id)
        .outerjoin(MenuItem, MenuItem.id == Request.menu_item_id)
        .outerjoin(CatalogueItem, CatalogueItem.id == Request.variant_id)
        .outerjoin(StaffMember, StaffMember.id == Request.claimed_by_id)
        .order_by(Request.created_at, Request.id)
    )
    return _stream([c.key for c in columns], query)


def ratings_csv(scope: metrics.Scope) -> Iterator[str]:
    """Every rating given in the period, with what was done to recover a low one."""
    columns = [
        Rating.id.label("rating_id"),
        Store.name.label("store"),
        FittingRoom.name.label("fitting_room"),
        Visit.id.label("visit_id"),
        Rating.service_day,
        Rating.created_at,
        Rating.score,
        Rating.nps,
        Rating.reasons,
        Rating.comment,
        Rating.recovery_action,
        Rating.recovered_at,
        Rating.recovery_note,
    ]
    query = (
        metrics.ratings_in(scope, *columns, Store.timezone)
        .join(Visit, Visit.id == Rating.visit_id)
        .join(FittingRoom, FittingRoom.id == Rating.room_id)
        .join(Store, Store.id == Rating.store_id)
        .order_by(Rating.created_at, Rating.id)
    )
    return _stream([c.key for c in columns], query)


def _stream(header: list[str], query) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield BOM + _drain(buffer)
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for rows in result.partitions():
        writer.writerows(_cells(row) for row in rows)
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _cells(row) -> list:
    """Every column but the last, which is the store's time zone."""
    zone = _zone(row[-1])
    return [_cell(value, zone) for value in row[:-1]]


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _cell(value: object, zone: ZoneInfo) -> object:
    """Times on the store's clock, seconds to the millisecond, text defused, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe(value)
    if isinstance(value, datetime):
        return localtime.to_local(value, zone).isoformat(timespec="seconds")
    if isinstance(value, float | Decimal):
        return f"{float(value):.3f}".rstrip("0").rstrip(".")
    return value
