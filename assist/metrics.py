"""Report figures for a period of one store or of the whole chain, computed in SQL.

Every figure is an aggregation in the database (GROUP BY, window functions); Python only
reshapes the few rows that come back, so a store-month over millions of requests stays fast.
Queries run unchanged on SQLite and PostgreSQL; local time comes from assist.localtime.

Definitions (the reports page explains them too):

- A request belongs to the period when it was created within it: from the first local day's
  midnight to the midnight after the last, in its store's time zone. A rating, when it was given.
- Time to acknowledge = acknowledged_at − created_at; time to complete = completed_at − created_at.
- Within standard: acknowledged *and* completed, each within its target: the store's Standard
  for the request's kind, else standards.DEFAULT_TARGETS. The share is over all requests of the
  period, so cancelled, abandoned and still open ones count as not within.
- Percentiles are those of PostgreSQL's percentile_cont (linear interpolation between closest
  ranks): for n values sorted x₁ ≤ … ≤ xₙ and a fraction p, h = 1 + (n − 1)·p and the percentile
  is x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋). The median of 1, 2, 3, 10 is 2.5 and its 90th
  percentile is 7.9. Each group fetches only the one or two rows around each rank.
- NPS = % of answers 9–10 minus % of answers 0–6, over the ratings that answered the question.
- Consultant ranking: see rank().
- Staffing advice: see staffing_advice() and assist.staffing.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import cached_property

from flask import current_app
from sqlalchemy import Integer, and_, case, func, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from . import clock, localtime, staffing, standards
from .errors import Refused
from .extensions import db
from .models import (
    Duty,
    FittingRoom,
    Kind,
    Rating,
    Request,
    Role,
    StaffMember,
    Standard,
    State,
    Store,
    Visit,
)

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)
MAX_PERIOD_DAYS = 3 * 366
DEFAULT_PERIOD_DAYS = 7
# Acknowledge-time histogram: 15-second bins up to five minutes, then one bin for the rest.
BIN_SECONDS = 15
BIN_COUNT = 20
# Consultant ranking weights; they add up to 1, so the score runs from 0 to 1.
SERVICE_WEIGHT, RATING_WEIGHT, VOLUME_WEIGHT = 0.5, 0.3, 0.2
NEUTRAL_RATING = 0.5  # the rating component when nobody in the period has a rating


class BadPeriod(Refused):
    """The dates asked for do not make a period; the message says how to fix them."""

    status = 400


# --- what a report is about --------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """One store, or the whole chain, over local days `first`..`last` inclusive."""

    stores: tuple[Store, ...]
    first: date
    last: date
    chain_wide: bool = False

    @cached_property
    def spans(self) -> list[localtime.Zone]:
        return localtime.zones(self.stores, self.first, self.last)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def store(self) -> Store | None:
        """The store, when the scope is a single one."""
        return None if self.chain_wide else self.stores[0]


def period(first: str | None, last: str | None, timezone: str) -> tuple[date, date]:
    """Parse "from" and "to" (YYYY-MM-DD, inclusive); by default the last seven local days."""
    today = localtime.today(timezone)
    end = _parse_day(last, "to") if last else today
    start = _parse_day(first, "from") if first else end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start > end:
        raise BadPeriod("The period starts after it ends: “from” must not be later than “to”.")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise BadPeriod(f"A report covers at most {MAX_PERIOD_DAYS} days; choose a shorter one.")
    return start, end


def _parse_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadPeriod(
            f"“{name}” must be a date written YYYY-MM-DD, such as 2026-03-01."
        ) from None


# --- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    """Median and 90th percentile of a time, in seconds; None when nothing was measured."""

    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class KindFigures:
    kind: str  # a Kind, or "all"
    count: int
    within: int
    cancelled: int
    abandoned: int
    acknowledge: Durations
    complete: Durations

    @property
    def share_within(self) -> float | None:
        return _share(self.within, self.count)

    @property
    def cancelled_share(self) -> float | None:
        return _share(self.cancelled, self.count)

    @property
    def abandoned_share(self) -> float | None:
        return _share(self.abandoned, self.count)


@dataclass(frozen=True)
class RatingFigures:
    count: int
    distribution: dict[int, int]  # every score 1–5, with its number of ratings
    nps_answers: int
    promoters: int
    detractors: int
    reasons: list[tuple[str, int]]  # most frequent first

    @property
    def average(self) -> float | None:
        total = sum(score * n for score, n in self.distribution.items())
        return total / self.count if self.count else None

    @property
    def nps(self) -> float | None:
        if not self.nps_answers:
            return None
        return 100 * (self.promoters - self.detractors) / self.nps_answers


@dataclass(frozen=True)
class ConsultantFigures:
    staff_id: int
    name: str
    store_name: str
    handled: int  # requests they claimed
    within: int
    acknowledge_median: float | None
    average_rating: float | None  # over the rated visits in which they claimed a request
    rated_visits: int

    @property
    def share_within(self) -> float | None:
        return _share(self.within, self.handled)


@dataclass(frozen=True)
class Ranked:
    """A consultant's place in the ranking, with each component of the score."""

    consultant: ConsultantFigures
    service: float  # share within standard, 0–1
    rating: float  # (average rating − 1) / 4, 0–1
    rating_assumed: bool  # no rated visits: the period's average stands in
    volume: float  # handled / the most anyone handled, 0–1

    @property
    def score(self) -> float:
        return (
            SERVICE_WEIGHT * self.service
            + RATING_WEIGHT * self.rating
            + VOLUME_WEIGHT * self.volume
        )


@dataclass(frozen=True)
class RoomFigures:
    room_id: int
    label: str
    store_name: str
    count: int
    within: int
    abandoned: int
    acknowledge_median: float | None
    average_rating: float | None
    ratings: int

    @property
    def share_within(self) -> float | None:
        return _share(self.within, self.count)


@dataclass(frozen=True)
class Cell:
    """Requests created in one hour of one weekday (local time), over the whole period."""

    weekday: int  # Monday 0
    hour: int
    count: int = 0
    within: int = 0

    @property
    def share_within(self) -> float | None:
        return _share(self.within, self.count)


@dataclass(frozen=True)
class HeatMap:
    cells: dict[tuple[int, int], Cell]

    def cell(self, weekday: int, hour: int) -> Cell:
        return self.cells.get((weekday, hour)) or Cell(weekday, hour)

    @property
    def busiest(self) -> int:
        return max((c.count for c in self.cells.values()), default=0)


@dataclass(frozen=True)
class Day:
    day: date
    count: int = 0
    within: int = 0
    cancelled: int = 0
    abandoned: int = 0

    @property
    def share_within(self) -> float | None:
        return _share(self.within, self.count)


@dataclass(frozen=True)
class Bin:
    """Acknowledged requests whose time to acknowledge was in [lower, upper) seconds."""

    lower: int
    upper: int | None  # None: no upper bound
    count: int


@dataclass(frozen=True)
class StaffingHour:
    weekday: int
    hour: int
    arrivals: int  # requests created in this weekday-hour over the period
    hours: int  # how many such hours the period had
    traffic: float  # Erlangs
    needed: int
    staffed: float  # distinct consultants claiming in such an hour, on average
    on_duty_now: int | None  # only for the current hour

    @property
    def arrivals_per_hour(self) -> float:
        return self.arrivals / self.hours if self.hours else 0.0


@dataclass(frozen=True)
class StaffingAdvice:
    handle_seconds: float
    handle_measured: bool  # False: the documented fallback stood in
    target_seconds: int
    level: float
    hours: dict[tuple[int, int], StaffingHour]
    now: tuple[int, int]  # the current (weekday, hour) in the store

    def hour(self, weekday: int, hour: int) -> StaffingHour | None:
        return self.hours.get((weekday, hour))

    @property
    def busy_hours(self) -> list[int]:
        """The hours of the day that had any demand or staff, for the table's rows."""
        return sorted({hour for _weekday, hour in self.hours})


@dataclass(frozen=True)
class Report:
    scope: Scope
    kinds: list[KindFigures]
    overall: KindFigures
    acknowledge_bins: list[Bin]
    ratings: RatingFigures
    ranking: list[Ranked]
    rooms: list[RoomFigures]
    heat: HeatMap
    trend: list[Day]
    staffing: StaffingAdvice | None  # single stores only
    acknowledge_target: int


def report(scope: Scope) -> Report:
    """Everything the reports page shows for the scope."""
    kinds = kind_figures(scope)
    rating_figures = ratings(scope)
    heat = heat_map(scope)
    target = acknowledge_target(scope)
    return Report(
        scope=scope,
        kinds=kinds,
        overall=overall(scope, kinds),
        acknowledge_bins=acknowledge_histogram(scope),
        ratings=rating_figures,
        ranking=rank(consultants(scope), rating_figures.average),
        rooms=rooms(scope),
        heat=heat,
        trend=trend(scope),
        staffing=staffing_advice(scope, heat, target) if scope.store else None,
        acknowledge_target=target,
    )


# --- SQL building blocks ---------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _count_if(condition: ColumnElement) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def _default_target(column: int) -> ColumnElement:
    defaults = standards.DEFAULT_TARGETS.items()
    return case(*((Request.kind == kind, _int(targets[column])) for kind, targets in defaults))


def _int(number: int) -> ColumnElement:
    # Written inline, so PostgreSQL need not guess the type of a parameter inside CASE.
    return literal_column(str(int(number)), Integer)


def acknowledge_seconds() -> ColumnElement:
    return localtime.SecondsBetween(Request.acknowledged_at, Request.created_at)


def complete_seconds() -> ColumnElement:
    return localtime.SecondsBetween(Request.completed_at, Request.created_at)


def within_standard() -> ColumnElement:
    """SQL: the request met both targets of its store's standard for its kind."""
    acknowledge_target = func.coalesce(Standard.acknowledge_within, _default_target(0))
    complete_target = func.coalesce(Standard.complete_within, _default_target(1))
    return and_(
        Request.acknowledged_at.is_not(None),
        Request.completed_at.is_not(None),
        acknowledge_seconds() <= acknowledge_target,
        complete_seconds() <= complete_target,
    )


def requests_in(scope: Scope, *columns):
    """SELECT columns FROM the scope's requests, each with its store's standard for its kind."""
    return (
        select(*columns)
        .select_from(Request)
        .outerjoin(
            Standard, and_(Standard.store_id == Request.store_id, Standard.kind == Request.kind)
        )
        .where(localtime.in_period(Request.created_at, Request.store_id, scope.spans))
    )


def ratings_in(scope: Scope, *columns):
    """SELECT columns FROM the ratings given in the scope's period, with visit and room."""
    return (
        select(*columns)
        .select_from(Rating)
        .join(Visit, Visit.id == Rating.visit_id)
        .join(FittingRoom, FittingRoom.id == Visit.room_id)
        .where(localtime.in_period(Rating.created_at, FittingRoom.store_id, scope.spans))
    )


def _local(scope: Scope, at=Request.created_at) -> ColumnElement:
    return localtime.wall_clock(at, Request.store_id, scope.spans)


def _outcomes() -> list[ColumnElement]:
    return [
        func.count().label("count"),
        _count_if(within_standard()).label("within"),
        _count_if(Request.state == State.CANCELLED).label("cancelled"),
        _count_if(Request.state == State.ABANDONED).label("abandoned"),
    ]


def percentiles(
    scope: Scope,
    value: ColumnElement,
    present: ColumnElement,
    group: ColumnElement | None = None,
    fractions: tuple[Fraction, ...] = (MEDIAN, P90),
) -> dict[object, tuple[float | None, ...]]:
    """percentile_cont of `value` for each `group` (or overall, keyed None) over the scope's
    requests where `present`: windowed ranks, and only the rows next to each wanted rank."""
    key = group if group is not None else literal_column("0")
    # The value is computed once, in an inner query; ranking it there too would compute it twice.
    values = requests_in(scope, key.label("g"), value.label("v")).where(present).subquery()
    partition = [values.c.g] if group is not None else None
    ranked = select(
        values.c.g,
        values.c.v,
        func.row_number().over(partition_by=partition, order_by=values.c.v).label("rn"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery()
    # ⌊h⌋ = 1 + (n − 1)·p with integer division, the same in both dialects.
    lows = [1 + (ranked.c.n - 1) * f.numerator // f.denominator for f in fractions]
    near = or_(*(or_(ranked.c.rn == low, ranked.c.rn == low + 1) for low in lows))
    rows = db.session.execute(select(ranked.c.g, ranked.c.rn, ranked.c.n, ranked.c.v).where(near))
    return _interpolate(rows, fractions, keyed=group is not None)


def _interpolate(rows, fractions, keyed: bool) -> dict[object, tuple[float | None, ...]]:
    values: dict[object, dict[int, float]] = defaultdict(dict)
    sizes: dict[object, int] = {}
    for key, rank, size, value in rows:
        key = key if keyed else None
        values[key][rank], sizes[key] = float(value), size
    return {
        key: tuple(interpolate(values[key], sizes[key], f) for f in fractions) for key in values
    }


def interpolate(ranked: dict[int, float], size: int, fraction: Fraction) -> float:
    """percentile_cont from the values at ranks ⌊h⌋ and ⌊h⌋ + 1 (1-based)."""
    low, remainder = divmod((size - 1) * fraction.numerator, fraction.denominator)
    below = ranked[low + 1]
    if not remainder:
        return below
    return below + remainder / fraction.denominator * (ranked[low + 2] - below)


# --- per kind and overall ------------------------------------------------------------------


def kind_figures(scope: Scope) -> list[KindFigures]:
    """Count, outcomes and times per kind of request, in the order of Kind."""
    rows = db.session.execute(requests_in(scope, Request.kind, *_outcomes()).group_by(Request.kind))
    counted = {Kind(row.kind): row for row in rows}
    acknowledged = _times(scope, acknowledge_seconds(), Request.acknowledged_at, Request.kind)
    completed = _times(scope, complete_seconds(), Request.completed_at, Request.kind)
    return [
        _kind(str(kind), counted[kind], acknowledged.get(kind), completed.get(kind))
        for kind in Kind
        if kind in counted
    ]


def overall(scope: Scope, kinds: list[KindFigures]) -> KindFigures:
    """All kinds together: counts add up; percentiles are computed over all requests anew."""
    acknowledged = _times(scope, acknowledge_seconds(), Request.acknowledged_at)
    completed = _times(scope, complete_seconds(), Request.completed_at)
    return KindFigures(
        kind="all",
        count=sum(k.count for k in kinds),
        within=sum(k.within for k in kinds),
        cancelled=sum(k.cancelled for k in kinds),
        abandoned=sum(k.abandoned for k in kinds),
        acknowledge=acknowledged.get(None, Durations()),
        complete=completed.get(None, Durations()),
    )


def _times(scope, value, stamp, group=None) -> dict[object, Durations]:
    found = percentiles(scope, value, stamp.is_not(None), group)
    return {(Kind(k) if group is not None else k): Durations(*v) for k, v in found.items()}


def _kind(kind: str, row, acknowledged, completed) -> KindFigures:
    return KindFigures(
        kind=kind,
        count=row.count,
        within=row.within,
        cancelled=row.cancelled,
        abandoned=row.abandoned,
        acknowledge=acknowledged or Durations(),
        complete=completed or Durations(),
    )


def acknowledge_histogram(scope: Scope) -> list[Bin]:
    """How many requests were acknowledged within each 15-second band."""
    seconds = acknowledge_seconds()
    band = case(
        *((seconds < (n + 1) * BIN_SECONDS, n) for n in range(BIN_COUNT)), else_=BIN_COUNT
    ).label("band")
    query = requests_in(scope, band, func.count()).where(Request.acknowledged_at.is_not(None))
    counts = dict(db.session.execute(query.group_by(band)).all())
    return [
        Bin(n * BIN_SECONDS, (n + 1) * BIN_SECONDS if n < BIN_COUNT else None, counts.get(n, 0))
        for n in range(BIN_COUNT + 1)
    ]


# --- ratings ---------------------------------------------------------------------------------


def ratings(scope: Scope) -> RatingFigures:
    """Average, distribution, NPS and the most given reasons of the period's ratings."""
    query = ratings_in(scope, Rating.score, func.count()).group_by(Rating.score)
    scores = dict(db.session.execute(query).all())
    nps = db.session.execute(
        ratings_in(
            scope,
            func.count(Rating.nps),
            _count_if(Rating.nps >= 9),
            _count_if(Rating.nps <= 6),
        )
    ).one()
    return RatingFigures(
        count=sum(scores.values()),
        distribution={score: scores.get(score, 0) for score in range(1, 6)},
        nps_answers=nps[0],
        promoters=nps[1] or 0,
        detractors=nps[2] or 0,
        reasons=top_reasons(scope),
    )


def top_reasons(scope: Scope) -> list[tuple[str, int]]:
    """Reason tags by how often they were given. The database groups identical tag lists
    (there are only a few combinations); Python splits those few rows into tags."""
    query = ratings_in(scope, Rating.reasons, func.count()).where(Rating.reasons != "")
    tags: Counter[str] = Counter()
    for reasons, count in db.session.execute(query.group_by(Rating.reasons)):
        for tag in {t.strip() for t in reasons.split(",") if t.strip()}:
            tags[tag] += count
    return sorted(tags.items(), key=lambda item: (-item[1], item[0]))


# --- consultants -----------------------------------------------------------------------------


def consultants(scope: Scope) -> list[ConsultantFigures]:
    """What each consultant who claimed a request in the period did."""
    claimer = Request.claimed_by_id
    claimed = claimer.is_not(None)
    query = requests_in(scope, claimer, func.count(), _count_if(within_standard()))
    handled = {row[0]: row for row in db.session.execute(query.where(claimed).group_by(claimer))}
    medians = percentiles(scope, acknowledge_seconds(), claimed, claimer, (MEDIAN,))
    rated = _ratings_of_served_visits(scope)
    names = _staff_names(list(handled))
    return [
        ConsultantFigures(
            staff_id=staff_id,
            name=names[staff_id][0],
            store_name=names[staff_id][1],
            handled=count,
            within=within,
            acknowledge_median=medians.get(staff_id, (None,))[0],
            average_rating=rated.get(staff_id, (None, 0))[0],
            rated_visits=rated.get(staff_id, (None, 0))[1],
        )
        for staff_id, count, within in handled.values()
    ]


def _ratings_of_served_visits(scope: Scope) -> dict[int, tuple[float, int]]:
    served = (
        requests_in(scope, Request.claimed_by_id.label("staff_id"), Request.visit_id)
        .where(Request.claimed_by_id.is_not(None))
        .distinct()
        .subquery()
    )
    query = (
        select(served.c.staff_id, func.avg(Rating.score), func.count())
        .join(Rating, Rating.visit_id == served.c.visit_id)
        .group_by(served.c.staff_id)
    )
    return {staff_id: (float(avg), n) for staff_id, avg, n in db.session.execute(query)}


def _staff_names(ids: list[int]) -> dict[int, tuple[str, str]]:
    query = (
        select(StaffMember.id, StaffMember.name, Store.name)
        .join(Store, Store.id == StaffMember.store_id)
        .where(StaffMember.id.in_(ids))
    )
    return {staff_id: (name, store) for staff_id, name, store in db.session.execute(query)}


def rank(figures: list[ConsultantFigures], period_average: float | None) -> list[Ranked]:
    """Best service first. score = 0.5·share within standard + 0.3·(average rating − 1)/4
    + 0.2·handled/most handled by anyone; each part runs 0–1, so the score does too.

    A consultant without rated visits is neither rewarded nor punished for it: the period's
    average rating stands in (or the middle, 0.5, when the period has no ratings at all)."""
    most = max((f.handled for f in figures), default=0)
    stand_in = _rating_part(period_average) if period_average is not None else NEUTRAL_RATING
    ranked = [
        Ranked(
            consultant=f,
            service=f.share_within or 0.0,
            rating=_rating_part(f.average_rating) if f.rated_visits else stand_in,
            rating_assumed=not f.rated_visits,
            volume=f.handled / most if most else 0.0,
        )
        for f in figures
    ]
    return sorted(ranked, key=lambda r: (-r.score, -r.consultant.handled, r.consultant.name))


def _rating_part(average: float) -> float:
    return (average - 1) / 4


# --- fitting rooms, heat map, trend -------------------------------------------------------


def rooms(scope: Scope) -> list[RoomFigures]:
    """Requests and ratings per fitting room, busiest first."""
    query = requests_in(scope, Request.room_id, *_outcomes()).group_by(Request.room_id)
    counted = {row.room_id: row for row in db.session.execute(query)}
    medians = percentiles(
        scope,
        acknowledge_seconds(),
        Request.acknowledged_at.is_not(None),
        Request.room_id,
        (MEDIAN,),
    )
    rated = _room_ratings(scope)
    labels = _room_labels(set(counted) | set(rated))
    figures = [
        _room(room_id, labels[room_id], counted.get(room_id), medians, rated) for room_id in labels
    ]
    return sorted(figures, key=lambda r: (-r.count, r.store_name, r.label))


def _room(room_id, label, row, medians, rated) -> RoomFigures:
    average, ratings_given = rated.get(room_id, (None, 0))
    return RoomFigures(
        room_id=room_id,
        label=label[0],
        store_name=label[1],
        count=row.count if row else 0,
        within=row.within if row else 0,
        abandoned=row.abandoned if row else 0,
        acknowledge_median=medians.get(room_id, (None,))[0],
        average_rating=average,
        ratings=ratings_given,
    )


def _room_ratings(scope: Scope) -> dict[int, tuple[float, int]]:
    query = ratings_in(scope, Visit.room_id, func.avg(Rating.score), func.count())
    rows = db.session.execute(query.group_by(Visit.room_id))
    return {room_id: (float(avg), n) for room_id, avg, n in rows}


def _room_labels(ids: set[int]) -> dict[int, tuple[str, str]]:
    query = (
        select(FittingRoom, Store.name)
        .join(Store, Store.id == FittingRoom.store_id)
        .where(FittingRoom.id.in_(ids))
    )
    return {room.id: (room.label, store) for room, store in db.session.execute(query)}


def heat_map(scope: Scope) -> HeatMap:
    """Requests per weekday × hour of the day (local), and how many were within standard."""
    local = _local(scope)
    weekday, hour = localtime.WeekdayOf(local).label("weekday"), localtime.HourOf(local)
    hour = hour.label("hour")
    query = requests_in(scope, weekday, hour, func.count(), _count_if(within_standard()))
    rows = db.session.execute(query.group_by(weekday, hour))
    return HeatMap({(w, h): Cell(w, h, n, within) for w, h, n, within in rows})


def trend(scope: Scope) -> list[Day]:
    """One entry per local day of the period, days without requests included."""
    day = localtime.DateOf(_local(scope)).label("day")
    rows = db.session.execute(requests_in(scope, day, *_outcomes()).group_by(day))
    found = {
        _as_date(row.day): Day(
            _as_date(row.day), row.count, row.within, row.cancelled, row.abandoned
        )
        for row in rows
    }
    return [found.get(d, Day(d)) for d in scope.days]


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


# --- staffing ---------------------------------------------------------------------------------


def staffing_advice(
    scope: Scope, heat: HeatMap | None = None, target: int | None = None
) -> StaffingAdvice:
    """Consultants needed per weekday-hour by Erlang C, beside those who actually worked.

    Arrival rate = requests created in that weekday-hour ÷ the number of such hours in the
    period (a DST day's doubled hour counts twice, its missing hour not at all).
    Handling time = mean of completed_at − acknowledged_at over the period; when nothing was
    completed, the store's standard stands in: the mean over kinds of (complete target −
    acknowledge target), the time the standard leaves for the work itself.
    Target = the shortest acknowledge target among the kinds requested in the period."""
    store = scope.store
    handle, measured = _handle_seconds(scope, store)
    target = target or acknowledge_target(scope)
    level = current_app.config["STAFFING_SERVICE_LEVEL"]
    advice = _advice_per_hour(scope, heat or heat_map(scope), handle, target, level)
    now = localtime.to_local(clock.now(), store.timezone)
    # Duty is known only as it is now: it goes beside the current hour of the week.
    current = (now.weekday(), now.hour)
    advice[current] = _with_on_duty(advice.get(current), current, _on_duty_now(store))
    return StaffingAdvice(handle, measured, target, level, advice, current)


def _advice_per_hour(scope, heat, handle, target, level) -> dict[tuple[int, int], StaffingHour]:
    """Every weekday-hour that had requests or consultants at work."""
    hours = Counter((at.weekday(), at.hour) for at in scope.spans[0].hours())
    staffed = _staffed(scope)
    keys = {key for key, cell in heat.cells.items() if cell.count} | set(staffed)
    return {
        key: _staffing_hour(
            key, heat.cell(*key).count, hours[key], handle, target, level, staffed.get(key, 0.0)
        )
        for key in keys
    }


def _staffing_hour(key, arrivals, hours, handle, target, level, staffed) -> StaffingHour:
    rate = arrivals / hours if hours else 0.0
    load = staffing.traffic(rate, handle)
    return StaffingHour(
        weekday=key[0],
        hour=key[1],
        arrivals=arrivals,
        hours=hours,
        traffic=load,
        needed=staffing.agents_needed(load, target, handle, level),
        staffed=staffed,
        on_duty_now=None,
    )


def _with_on_duty(hour: StaffingHour | None, key, on_duty: int) -> StaffingHour:
    if hour is None:
        hour = StaffingHour(key[0], key[1], 0, 0, 0.0, 0, 0.0, None)
    return StaffingHour(**{**hour.__dict__, "on_duty_now": on_duty})


def _handle_seconds(scope: Scope, store: Store) -> tuple[float, bool]:
    done = Request.completed_at.is_not(None) & Request.acknowledged_at.is_not(None)
    handling = localtime.SecondsBetween(Request.completed_at, Request.acknowledged_at)
    mean = db.session.scalar(requests_in(scope, func.avg(handling)).where(done))
    if mean is not None:
        return float(mean), True
    targets = standards.targets(store.id).values()
    return sum(t.complete_within - t.acknowledge_within for t in targets) / len(targets), False


def acknowledge_target(scope: Scope) -> int:
    """The shortest acknowledge target among the kinds requested in the period (among all
    kinds when nothing was requested): what staffing must meet, the line on the histogram."""
    targets = {store.id: standards.targets(store.id) for store in scope.stores}
    requested = db.session.execute(requests_in(scope, Request.store_id, Request.kind).distinct())
    chosen = [targets[store_id][Kind(kind)] for store_id, kind in requested]
    chosen = chosen or [t for by_kind in targets.values() for t in by_kind.values()]
    return min(t.acknowledge_within for t in chosen)


def _staffed(scope: Scope) -> dict[tuple[int, int], float]:
    """Distinct consultants who claimed requests in each local hour, averaged per such hour."""
    local = _local(scope, Request.acknowledged_at)
    hour_slots = (
        requests_in(
            scope,
            localtime.DateOf(local).label("day"),
            localtime.WeekdayOf(local).label("weekday"),
            localtime.HourOf(local).label("hour"),
            Request.claimed_by_id,
        )
        .where(Request.claimed_by_id.is_not(None))
        .distinct()
        .subquery()
    )
    query = select(hour_slots.c.weekday, hour_slots.c.hour, func.count()).group_by(
        hour_slots.c.weekday, hour_slots.c.hour
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
