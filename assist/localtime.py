"""A store's wall clock inside SQL, the same on SQLite (no time zone database) and PostgreSQL.

Timestamps are stored in naive UTC. A store's wall clock is UTC plus an offset that changes only
at the zone's daylight-saving transitions, and over a report's period those are few and known in
advance: Python (zoneinfo) finds them, and the database gets a CASE over those instants,

    CASE WHEN created_at < '2026-10-25 01:00:00' THEN 10800 ELSE 7200 END   -- seconds east of UTC

which is added with each dialect's own date arithmetic: SQLite `datetime(col, N || ' seconds')`
and `strftime`, PostgreSQL `col + make_interval(secs => N)` and `extract`. A chain-wide report
covers stores in several zones: a CASE over the store comes first, then the zone's CASE.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, Float, Integer, and_, case, literal_column, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from . import clock

# Zones change their offset at most twice a year; probing every six hours cannot miss one.
PROBE_STEP = timedelta(hours=6)


@dataclass(frozen=True)
class Zone:
    """The stores of one time zone and the period's bounds in stored (naive UTC) time."""

    timezone: str
    store_ids: tuple[int, ...]
    start: datetime  # the first local day's midnight
    end: datetime  # the midnight after the last local day

    def hours(self) -> Iterator[datetime]:
        """Each hour of the period as the wall clock shows it; DST days have 23 or 25 hours."""
        zone, moment = ZoneInfo(self.timezone), self.start
        while moment < self.end:
            yield to_local(moment, zone)
            moment += timedelta(hours=1)


def utc_bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """Where the local days `first`..`last` (inclusive) begin and end, in naive UTC."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return _naive_utc(start), _naive_utc(end)


def zones(stores: Iterable, first: date, last: date) -> list[Zone]:
    """The period in each time zone among `stores` (anything with .id and .timezone)."""
    ids_by_zone: dict[str, list[int]] = defaultdict(list)
    for store in stores:
        ids_by_zone[store.timezone].append(store.id)
    return [
        Zone(name, tuple(sorted(ids)), *utc_bounds(first, last, name))
        for name, ids in sorted(ids_by_zone.items())
    ]


def to_local(at: datetime, zone: ZoneInfo | str) -> datetime:
    """A stored instant as an aware datetime on the store's wall clock."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return at.replace(tzinfo=UTC).astimezone(zone)


def today(timezone: str) -> date:
    """The store's calendar day now."""
    return to_local(clock.now(), timezone).date()


def offsets(timezone: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The stretches of constant UTC offset over [start, end): (since, seconds east of UTC)."""
    zone = ZoneInfo(timezone)
    stretches = [(start, _offset(zone, start))]
    probe = start
    while probe < end:
        step = min(probe + PROBE_STEP, end)
        if _offset(zone, step) != stretches[-1][1]:
            change = _first_second_of_new_offset(zone, probe, step)
            stretches.append((change, _offset(zone, change)))
        probe = step
    return stretches


def in_period(at: ColumnElement, store_id: ColumnElement, spans: list[Zone]) -> ColumnElement:
    """SQL: the stored instant falls within the period of its store's zone."""
    return or_(*(and_(store_id.in_(z.store_ids), at >= z.start, at < z.end) for z in spans))


def offset_seconds(at: ColumnElement, store_id: ColumnElement, spans: list[Zone]) -> ColumnElement:
    """SQL: the UTC offset, in seconds, of the store's wall clock at the stored instant."""
    if len(spans) == 1:
        return _zone_offset(at, spans[0])
    return case(*((store_id.in_(z.store_ids), _zone_offset(at, z)) for z in spans))


def wall_clock(at: ColumnElement, store_id: ColumnElement, spans: list[Zone]) -> ColumnElement:
    """SQL: the stored instant as the store's wall clock shows it (a naive timestamp)."""
    return LocalTime(at, offset_seconds(at, store_id, spans))


def _zone_offset(at: ColumnElement, span: Zone) -> ColumnElement:
    stretches = offsets(span.timezone, span.start, span.end)
    literals = [_seconds(offset) for _since, offset in stretches]
    if len(stretches) == 1:
        return literals[0]
    # Stretch i ends where stretch i + 1 begins.
    ends = [since for since, _offset in stretches[1:]]
    whens = [(at < end, literal) for end, literal in zip(ends, literals[:-1], strict=True)]
    return case(*whens, else_=literals[-1])


def _seconds(offset: int) -> ColumnElement:
    # An int from zoneinfo, written inline: no bind parameter whose type PostgreSQL must guess.
    return literal_column(str(int(offset)), Integer)


def _offset(zone: ZoneInfo, at: datetime) -> int:
    return int(to_local(at, zone).utcoffset().total_seconds())


def _first_second_of_new_offset(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    old = _offset(zone, before)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if _offset(zone, middle) == old:
            before = middle
        else:
            after = middle
    return after


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


# --- per-dialect SQL -----------------------------------------------------------------------


class LocalTime(FunctionElement):
    """`at` shifted by `seconds`: the wall clock of a store."""

    type = DateTime()
    name = "local_time"
    inherit_cache = True


class HourOf(FunctionElement):
    """Hour of the day, 0–23, of a wall-clock timestamp."""

    type = Integer()
    name = "hour_of"
    inherit_cache = True


class WeekdayOf(FunctionElement):
    """Day of the week of a wall-clock timestamp: Monday 0 … Sunday 6, as Python's weekday()."""

    type = Integer()
    name = "weekday_of"
    inherit_cache = True


class DateOf(FunctionElement):
    """The calendar date of a wall-clock timestamp."""

    type = Date()
    name = "date_of"
    inherit_cache = True


class SecondsBetween(FunctionElement):
    """`later` − `earlier` in seconds (to the millisecond on SQLite, microsecond on PostgreSQL)."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


def _args(element, compiler, **kw) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(LocalTime)
def _local_time_pg(element, compiler, **kw):
    at, seconds = _args(element, compiler, **kw)
    return f"({at} + make_interval(secs => {seconds}))"


@compiles(LocalTime, "sqlite")
def _local_time_sqlite(element, compiler, **kw):
    at, seconds = _args(element, compiler, **kw)
    return f"datetime({at}, ({seconds}) || ' seconds')"


@compiles(HourOf)
def _hour_pg(element, compiler, **kw):
    return f"CAST(EXTRACT(HOUR FROM {_args(element, compiler, **kw)[0]}) AS INTEGER)"


def _sqlite_time(function: str, element, compiler, **kw) -> str:
    """strftime/date of a timestamp. Given a LocalTime, the shift goes in as strftime's own
    modifier: one parse of the stored text instead of two (datetime(), then strftime())."""
    (argument,) = element.clauses
    if isinstance(argument, LocalTime):
        at, seconds = _args(argument, compiler, **kw)
        return f"{function}{at}, ({seconds}) || ' seconds')"
    return f"{function}{compiler.process(argument, **kw)})"


@compiles(HourOf, "sqlite")
def _hour_sqlite(element, compiler, **kw):
    hour = _sqlite_time("strftime('%H', ", element, compiler, **kw)
    return f"CAST({hour} AS INTEGER)"


@compiles(WeekdayOf)
def _weekday_pg(element, compiler, **kw):
    return f"(CAST(EXTRACT(ISODOW FROM {_args(element, compiler, **kw)[0]}) AS INTEGER) - 1)"


@compiles(WeekdayOf, "sqlite")
def _weekday_sqlite(element, compiler, **kw):
    # %w counts from Sunday = 0; shift so that Monday is 0.
    weekday = _sqlite_time("strftime('%w', ", element, compiler, **kw)
    return f"((CAST({weekday} AS INTEGER) + 6) % 7)"


@compiles(DateOf)
def _date_pg(element, compiler, **kw):
    return f"CAST({_args(element, compiler, **kw)[0]} AS DATE)"


@compiles(DateOf, "sqlite")
def _date_sqlite(element, compiler, **kw):
    return _sqlite_time("date(", element, compiler, **kw)


@compiles(SecondsBetween)
def _seconds_pg(element, compiler, **kw):
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


@compiles(SecondsBetween, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    # julianday() is a double near 2.46 million days: rounding to the millisecond (SQLite's own
    # resolution) removes the float noise, so 60 s compares equal to a 60 s target.
    later, earlier = _args(element, compiler, **kw)
    return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"
