"""Staffing advice for one store: consultants needed per weekday-hour by Erlang C
(assist.staffing), beside those who actually worked.

- Arrival rate = customer requests created in that weekday-hour ÷ the number of such hours in
  the period (a DST day's doubled hour counts twice, its missing hour not at all).
- Handling time = the MEDIAN time from "I'm on it" to "done" over the period's completed customer
  requests: one forgotten "done" cannot sway it. Times beyond the far-out fence (third quartile
  + 3 × the interquartile range) are flagged as outliers. When nothing was completed, the
  standard stands in: the mean over customer kinds of (complete target − acknowledge target).
- Target = the shortest acknowledge target among the customer kinds requested in the period.
- Beyond what the model can advise (more than staffing.MAX_AGENTS consultants), the hour says so.
"""

from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction

from flask import current_app
from sqlalchemy import func, select

from .. import clock, localtime, staffing, standards
from ..extensions import db
from ..models import CUSTOMER_KINDS, Duty, Kind, Request, Role, StaffMember, Store
from . import sql
from .figures import HeatMap, heat_map
from .period import Scope, hours_per_slot

QUARTILES = (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4))
FENCE_IQRS = 3  # Tukey's far-out fence


@dataclass(frozen=True)
class StaffingHour:
    weekday: int
    hour: int
    arrivals: int  # requests created in this weekday-hour over the period
    hours: int  # how many such hours the period had
    traffic: float  # Erlangs
    needed: int | None  # None: beyond what the model can advise
    staffed: float  # distinct consultants claiming in such an hour, on average
    on_duty_now: int | None = None  # only for the current hour

    @property
    def arrivals_per_hour(self) -> float:
        return self.arrivals / self.hours if self.hours else 0.0

    @property
    def beyond_model(self) -> bool:
        return self.needed is None


@dataclass(frozen=True)
class Handling:
    """The handling time the advice uses, and what it set aside."""

    seconds: float
    measured: bool  # False: the standard's allowance stood in
    completed: int = 0  # how many handling times were measured
    fence: float | None = None  # seconds; longer ones are outliers
    outliers: int = 0


@dataclass(frozen=True)
class StaffingAdvice:
    handling: Handling
    target_seconds: int
    level: float
    hours: dict[tuple[int, int], StaffingHour]
    now: tuple[int, int]  # the current (weekday, hour) in the store

    @property
    def handle_seconds(self) -> float:
        return self.handling.seconds

    @property
    def handle_measured(self) -> bool:
        return self.handling.measured

    def hour(self, weekday: int, hour: int) -> StaffingHour | None:
        return self.hours.get((weekday, hour))

    @property
    def busy_hours(self) -> list[int]:
        """The hours of the day that had any demand or staff, for the table's rows."""
        return sorted({hour for _weekday, hour in self.hours})

    @property
    def beyond_model(self) -> list[StaffingHour]:
        return [h for h in self.hours.values() if h.beyond_model]


def staffing_advice(
    scope: Scope, heat: HeatMap | None = None, target: int | None = None
) -> StaffingAdvice:
    store = scope.store
    handling = handling_time(scope, store)
    target = target or acknowledge_target(scope)
    level = current_app.config["STAFFING_SERVICE_LEVEL"]
    heat = heat or heat_map(scope)
    hours = hours_per_slot(scope.days, store.timezone)
    staffed = _staffed(scope)
    keys = {key for key, cell in heat.cells.items() if cell.count} | set(staffed)
    advice = {
        key: _hour(key, heat.cell(*key).count, hours[key], handling.seconds, target, level)
        for key in keys
    }
    advice = {key: replace(h, staffed=staffed.get(key, 0.0)) for key, h in advice.items()}
    now = localtime.to_local(clock.now(), store.timezone)
    # Duty is known only as it is now: it goes beside the current hour of the week.
    current = (now.weekday(), now.hour)
    hour = advice.get(current) or StaffingHour(*current, 0, 0, 0.0, 0, 0.0)
    advice[current] = replace(hour, on_duty_now=_on_duty_now(store))
    return StaffingAdvice(handling, target, level, advice, current)


def _hour(key, arrivals, hours, handle, target, level) -> StaffingHour:
    rate = arrivals / hours if hours else 0.0
    load = staffing.traffic(rate, handle)
    try:
        needed = staffing.agents_needed(load, target, handle, level)
    except ValueError:  # more consultants than the model counts: said so on the page
        needed = None
    return StaffingHour(key[0], key[1], arrivals, hours, load, needed, 0.0)


def handling_time(scope: Scope, store: Store) -> Handling:
    handling = Request.complete_ms - Request.acknowledge_ms
    done = Request.complete_ms.is_not(None) & Request.acknowledge_ms.is_not(None)
    found = sql.percentiles(scope, handling, done, fractions=QUARTILES).get(None)
    if found is None:
        targets = standards.targets(store.id)
        allowance = [
            targets[k].complete_within - targets[k].acknowledge_within for k in CUSTOMER_KINDS
        ]
        return Handling(sum(allowance) / len(allowance), False)
    first, median, third = found
    fence = third + FENCE_IQRS * (third - first)
    counts = sql.requests_in(scope, func.count(), sql.count_if(handling > fence)).where(done)
    completed, outliers = db.session.execute(counts).one()
    return Handling(median / 1000, True, completed, fence / 1000, outliers)


def acknowledge_target(scope: Scope) -> int:
    """The shortest acknowledge target among the customer kinds requested in the period
    (among all customer kinds when nothing was requested): what staffing must meet, and the
    line on the histogram. Asked target by target, shortest first: usually the first one
    was requested, and one look at the index says so."""
    chosen = sql.stores_by_target(scope, "acknowledge", CUSTOMER_KINDS)
    for seconds in sorted(chosen):
        asked = sql.requests_in(scope, Request.kind).where(sql.any_of(scope, chosen[seconds]))
        if db.session.scalar(select(asked.exists())):
            return seconds
    return min(chosen, default=standards.DEFAULT_TARGETS[Kind.CONSULTANT][0])


def _staffed(scope: Scope) -> dict[tuple[int, int], float]:
    """Distinct consultants who claimed customer requests created in each local hour, averaged
    over the days of that weekday in the period."""
    slots = (
        sql.requests_in(
            scope,
            Request.local_day,
            Request.local_weekday,
            Request.local_hour,
            Request.claimed_by_id,
        )
        .where(Request.claimed_by_id.is_not(None))
        .distinct()
        .subquery()
    )
    query = select(slots.c.local_weekday, slots.c.local_hour, func.count()).group_by(
        slots.c.local_weekday, slots.c.local_hour
    )
    weekdays = Counter(day.weekday() for day in scope.days)
    return {
        (weekday, hour): claims / weekdays[weekday]
        for weekday, hour, claims in db.session.execute(query)
        if weekdays[weekday]
    }


def _on_duty_now(store: Store) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(StaffMember)
        .where(
            StaffMember.store_id == store.id,
            StaffMember.role == Role.CONSULTANT,
            StaffMember.active,
            StaffMember.duty == Duty.ON,
        )
    )
