"""Tallies: the figures' grouped counts of a store's settled month, kept, so that a report over
a long period sums a few thousand kept rows per store-month instead of reading every request.

Each pass of the figures that is a GROUP BY of counts registers here (`kept_as`): the same
query then fills a store-month's tally (INSERT … SELECT) and, over a period, runs only on the
days no tally covers. Counts add up, so a pass's rows from tallies and from raw days together
give the same figures as one pass over the raw rows; the consumers add rows with equal keys.

A month is tallied once it is settled for the store: its own calendar is past the month by a
day, no request of it is still live and no visit of it is still open (its rating may yet come).
A tally keeps the standards its "within" counts were judged by; once the store changes its
standards its tallies no longer match, the months are read raw again, and the next `flask
reports tally` tallies them anew.
"""

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)

from .. import clock, localtime
from ..extensions import db
from ..models import FittingRoom, Kind, Request, Store, Tally, TallyRow, Visit
from . import sql
from .period import Scope

COUNTS = ("n1", "n2", "n3", "n4", "n5", "n6", "n7")


@dataclass(frozen=True)
class Part:
    """A pass of the figures: `query(scope)` selects the group keys, then the counts; `keys`
    names the TallyRow columns that keep those keys, in the same order. `merged`: the
    database adds up the kept rows with equal keys; without it they are read as kept (for
    keys of one store's own, such as its rooms, which other stores' rows never share)."""

    name: str
    keys: tuple[str, ...]
    query: Callable[[Scope], object]
    merged: bool = True


PARTS: dict[str, Part] = {}


def kept_as(name: str, *keys: str, merged: bool = True) -> Callable[[Callable], Part]:
    """Register a pass to be tallied, under `name`, its keys kept in the columns `keys`."""

    def register(query: Callable) -> Part:
        PARTS[name] = Part(name, keys, query, merged)
        return PARTS[name]

    return register


# --- reading --------------------------------------------------------------------------------


def rows(scope: Scope, part: Part) -> list:
    """The pass's rows over the scope: summed from the tallies that cover whole months of it,
    and from the raw requests of every other day. Rows from both may share a key."""
    if not scope.tallied:
        return list(sql.rows_of(part.query(scope)))
    found = list(sql.rows_of(_from_tallies(scope, part)))
    for rest in _raw_parts(scope):
        found.extend(sql.rows_of(part.query(rest)))
    return found


def tallied(scope: Scope) -> dict[date, list[int]]:
    """Per whole month inside the scope's period, the stores whose tally of it can be used
    (judged by the standards the scope holds them to). Empty, without a query, for a period
    that holds no whole month."""
    months = _whole_months(scope.first, scope.last)
    if not months:
        return {}
    query = (
        select(Tally.store_id, Tally.month, Tally.standards)
        .where(Tally.store_id.in_(scope.store_ids), Tally.month.in_(months))
        .order_by(Tally.month, Tally.store_id)
    )
    usable: dict[date, list[int]] = defaultdict(list)
    for store_id, month, standards in db.session.execute(query):
        if standards == fingerprint(scope.targets[store_id]):
            usable[month].append(store_id)
    return dict(usable)


def _from_tallies(scope: Scope, part: Part):
    keys = [getattr(TallyRow, key) for key in part.keys]
    counts = len(part.query(scope).selected_columns) - len(keys)
    covered = (TallyRow.part == part.name, *_covered(scope.tallied))
    if not part.merged:
        return select(*keys, *(getattr(TallyRow, n) for n in COUNTS[:counts])).where(*covered)
    sums = [func.sum(getattr(TallyRow, n)) for n in COUNTS[:counts]]
    query = select(*keys, *sums).where(*covered)
    return query.group_by(*keys) if keys else query


def _covered(kept: dict[date, list[int]]) -> list:
    """SQL: the tally rows of these months of these stores. The IN lists let the index seek
    each (month, store); the OR is needed only when some store lacks some month."""
    stores = sorted({store_id for ids in kept.values() for store_id in ids})
    where = [TallyRow.month.in_(sorted(kept)), TallyRow.store_id.in_(stores)]
    if any(len(ids) < len(stores) for ids in kept.values()):
        where.append(
            or_(*(and_(TallyRow.month == m, TallyRow.store_id.in_(ids)) for m, ids in kept.items()))
        )
    return where


def _raw_parts(scope: Scope) -> list[Scope]:
    """The scope's days no usable tally covers, as scopes: stores with the same uncovered days
    share one."""
    by_gaps: dict[tuple, list[Store]] = defaultdict(list)
    for store in scope.stores:
        covered = sorted(m for m, ids in scope.tallied.items() if store.id in ids)
        by_gaps[tuple(_gaps(scope.first, scope.last, covered))].append(store)
    return [
        scope.part(tuple(stores), first, last)
        for gaps, stores in by_gaps.items()
        for first, last in gaps
    ]


def _gaps(first: date, last: date, months: list[date]) -> list[tuple[date, date]]:
    """The days first..last outside the given whole months (sorted), as inclusive ranges."""
    gaps, start = [], first
    for month in months:
        if start < month:
            gaps.append((start, month - timedelta(days=1)))
        if _month_end(month) == date.max:
            return gaps
        start = _month_end(month) + timedelta(days=1)
    if start <= last:
        gaps.append((start, last))
    return gaps


def _whole_months(first: date, last: date) -> list[date]:
    """The first days of the months that lie wholly within first..last."""
    months, month = [], first.replace(day=1)
    while month <= last:
        end = _month_end(month)
        if month >= first and end <= last:
            months.append(month)
        if end == date.max:
            break
        month = end + timedelta(days=1)
    return months


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def fingerprint(targets: dict) -> str:
    """The standards a tally was judged by, as text: kind ack/complete, every kind."""
    return ",".join(
        f"{kind}:{targets[kind].acknowledge_within}/{targets[kind].complete_within}"
        for kind in Kind
    )


# --- tallying -------------------------------------------------------------------------------


def tally_settled() -> int:
    """Tally every settled store-month that has no usable tally yet; how many were tallied.
    Each store-month is its own transaction."""
    done = 0
    for store in db.session.scalars(select(Store).order_by(Store.id)).all():
        for month in settled_months(store):
            if tally(store, month):
                done += 1
    return done


def settled_months(store: Store) -> list[date]:
    """The store's months with requests that are over by a day in its calendar and where
    nothing can change any more."""
    span = select(func.min(Request.local_day), func.max(Request.local_day))
    first, last = db.session.execute(span.where(Request.store_id == store.id)).one()
    if first is None:
        return []
    settled_by = localtime.today(store.timezone) - timedelta(days=2)
    months = _whole_months(first.replace(day=1), min(_month_end(last), settled_by))
    return [m for m in months if _nothing_can_change(store, m)]


def _nothing_can_change(store: Store, month: date) -> bool:
    days = (month, _month_end(month))
    live = exists().where(
        Request.store_id == store.id, Request.local_day.between(*days), Request.is_live
    )
    open_visit = (
        exists()
        .where(Visit.room_id == FittingRoom.id, FittingRoom.store_id == store.id)
        .where(Visit.ended_at.is_(None), Visit.service_day.between(*days))
    )
    return not db.session.scalar(select(or_(live, open_visit)))


def tally(store: Store, month: date) -> bool:
    """Tally the store's month by every registered pass, unless a usable tally is there; the
    month must be settled (see settled_months)."""
    scope = Scope((store,), month, _month_end(month))
    standards = fingerprint(scope.targets[store.id])
    kept = db.session.get(Tally, (store.id, month))
    if kept is not None and kept.standards == standards:
        return False
    db.session.execute(
        delete(TallyRow).where(TallyRow.store_id == store.id, TallyRow.month == month)
    )
    for part in PARTS.values():
        db.session.execute(_insert_tally_rows(scope, part, month))
    if kept is None:
        db.session.add(Tally(store_id=store.id, month=month, standards=standards))
    else:
        kept.standards, kept.tallied_at = standards, clock.now()
    db.session.commit()
    return True


def _insert_tally_rows(scope: Scope, part: Part, month: date):
    found = part.query(scope).subquery()
    counts = COUNTS[: len(found.c) - len(part.keys)]
    fixed = [
        literal(scope.stores[0].id, Integer),
        literal(month, Date),
        literal(part.name, String),
    ]
    columns = ["store_id", "month", "part", *part.keys, *counts]
    return insert(TallyRow).from_select(columns, select(*fixed, *found.c))
