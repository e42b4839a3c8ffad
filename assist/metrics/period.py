"""What a report is about: one store or the whole chain, over local days first..last."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from .. import localtime, standards
from ..errors import Refused
from ..models import Kind, Store

MAX_PERIOD_DAYS = 3 * 366
DEFAULT_PERIOD_DAYS = 7


class BadPeriod(Refused):
    """The dates asked for do not make a period; the message says how to fix them."""

    status = 400


@dataclass(frozen=True)
class Scope:
    """One store, or the whole chain, over local days `first`..`last` inclusive. Every row
    carries its store's local day (stamped when written), so this is a plain date range."""

    stores: tuple[Store, ...]
    first: date
    last: date
    chain_wide: bool = False

    @property
    def store_ids(self) -> list[int]:
        return [store.id for store in self.stores]

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @cached_property
    def targets(self) -> dict[int, dict[Kind, standards.Target]]:
        """Each store's standards, per kind, as they are now (read once per report)."""
        return standards.targets_of(self.store_ids)

    @cached_property
    def tallied(self) -> dict[date, list[int]]:
        """Per whole month of the period, the stores whose kept tally of it counts (read once
        per report; see assist.metrics.tallies)."""
        from .tallies import tallied  # tallies builds on Scope

        return tallied(self)

    def part(self, stores: tuple[Store, ...], first: date, last: date) -> "Scope":
        """Some of the scope's stores over some of its days, held to the same standards and
        read raw."""
        narrower = Scope(stores, first, last, self.chain_wide)
        narrower.__dict__["targets"] = {s.id: self.targets[s.id] for s in stores}
        narrower.__dict__["tallied"] = {}
        return narrower

    @property
    def store(self) -> Store | None:
        """The store, when the scope is a single one."""
        return None if self.chain_wide else self.stores[0]


def period(first: str | None, last: str | None, timezone: str) -> tuple[date, date]:
    """Parse "from" and "to" (YYYY-MM-DD, inclusive); by default the last seven local days.
    Any date the calendar has is accepted, the first and the last included."""
    today = localtime.today(timezone)
    end = _parse_day(last, "to") if last else today
    if first:
        start = _parse_day(first, "from")
    else:
        # Counted in day numbers, so a period ending on the calendar's first day stops there.
        start = date.fromordinal(max(1, end.toordinal() - DEFAULT_PERIOD_DAYS + 1))
    if start > end:
        raise BadPeriod(_l("The period starts after it ends: “from” must not be later than “to”."))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise BadPeriod(
            _l("A report covers at most %(n)s days; choose a shorter one.", n=MAX_PERIOD_DAYS)
        )
    return start, end


def _parse_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadPeriod(
            _l("“%(name)s” must be a date written YYYY-MM-DD, such as 2026-03-01.", name=name)
        ) from None


def hours_per_slot(days: list[date], timezone: str) -> Counter:
    """How many real hours each (weekday, hour) of the wall clock had over `days`: a DST day's
    repeated hour counts twice, its skipped hour not at all."""
    zone, hours = ZoneInfo(timezone), Counter()
    for day in days:
        for hour, n in _hours_of(day, zone).items():
            hours[day.weekday(), hour] += n
    return hours


def _hours_of(day: date, zone: ZoneInfo) -> Counter:
    try:
        start = localtime.naive_utc(datetime.combine(day, time(), zone))
        end = localtime.naive_utc(datetime.combine(day + timedelta(days=1), time(), zone))
    except OverflowError:  # the calendar's first or last day: no clock changes there
        return Counter(range(24))
    if end - start == timedelta(days=1):
        return Counter(range(24))
    return Counter(
        localtime.to_local(start + timedelta(hours=n), zone).hour
        for n in range(int((end - start) / timedelta(hours=1)))
    )
