"""A store's wall clock. Timestamps are stored in naive UTC; the store's local day, hour and
weekday are stamped on rows when they are written (assist.stamps), so reports group by stored
columns and never convert time zones inside SQL."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import clock


def to_local(at: datetime, zone: ZoneInfo | str) -> datetime:
    """A stored instant as an aware datetime on the store's wall clock."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return at.replace(tzinfo=UTC).astimezone(zone)


def today(timezone: str) -> date:
    """The store's calendar day now."""
    return to_local(clock.now(), timezone).date()


def utc_bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """Where the local days `first`..`last` (inclusive) begin and end, in naive UTC."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return naive_utc(start), naive_utc(end)


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
