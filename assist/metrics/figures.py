"""The figures of a period: per kind, the tidy line, waiting times, ratings, rooms, the heat map
and the trend. Each is a GROUP BY over stamped columns; Python only reshapes the few rows."""

from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from operator import add

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from .. import clock, standards
from ..extensions import db
from ..models import (
    CUSTOMER_KINDS,
    FittingRoom,
    Kind,
    Rating,
    Request,
    RequestEvent,
    State,
    Store,
)
from . import sql, tallies
from .period import Scope

# Acknowledge-time histogram: 15-second bins up to five minutes, then one bin for the rest.
BIN_SECONDS = 15
BIN_COUNT = 20
# CSAT: the share of ratings of 4 or 5; the goal is four customers in five.
CSAT_SCORES = (4, 5)
CSAT_TARGET = Fraction(4, 5)
# NPS: answers 9–10 promote, 0–6 detract.
PROMOTER_FROM, DETRACTOR_UP_TO = 9, 6
KNOCKED = "knocked"  # the event a consultant's knock at the door leaves in the trail


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Durations:
    """Median and 90th percentile of a time, in seconds; None when nothing was measured."""

    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class Outcomes:
    """How a group of requests ended. Cancelled (the customer's choice) and left (the customer
    went while someone was on it) are shown but never scored; a live request is scored once it
    is past its target (`pending` are those not yet decided)."""

    count: int = 0
    within: int = 0
    cancelled: int = 0
    abandoned: int = 0
    left: int = 0
    skipped: int = 0
    completed: int = 0
    pending: int = 0

    @property
    def scored(self) -> int:
        return self.count - self.cancelled - self.left - self.pending

    @property
    def share_within(self) -> float | None:
        return _share(self.within, self.scored)

    @property
    def cancelled_share(self) -> float | None:
        return _share(self.cancelled, self.count)

    @property
    def abandoned_share(self) -> float | None:
        return _share(self.abandoned, self.count)

    @property
    def left_share(self) -> float | None:
        return _share(self.left, self.count)

    def plus(self, other: "Outcomes") -> "Outcomes":
        return Outcomes(*(a + b for a, b in zip(_counts(self), _counts(other), strict=True)))


def _counts(outcomes: Outcomes) -> tuple[int, ...]:
    o = outcomes
    return (o.count, o.within, o.cancelled, o.abandoned, o.left, o.skipped, o.completed, o.pending)


def _outcomes(row, pending: int = 0) -> Outcomes:
    if row is None:
        return Outcomes(pending=pending)
    return Outcomes(
        row.count,
        row.within,
        row.cancelled,
        row.abandoned,
        row.left,
        row.skipped,
        row.completed,
        pending,
    )


@dataclass(frozen=True)
class KindFigures(Outcomes):
    kind: str = "customer"  # a Kind, or "customer" for every customer-facing kind together
    acknowledge: Durations = field(default_factory=Durations)
    complete: Durations = field(default_factory=Durations)


@dataclass(frozen=True)
class TidyFigures(Outcomes):
    """Staff work after visits: rooms turned around, against the tidy standard."""

    complete: Durations = field(default_factory=Durations)
    targets: tuple[standards.Target, ...] = ()  # one per store in the scope, distinct

    @property
    def turned_around(self) -> int:
        return self.completed


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
    def satisfied(self) -> int:
        return sum(self.distribution.get(score, 0) for score in CSAT_SCORES)

    @property
    def csat(self) -> float | None:
        return _share(self.satisfied, self.count)

    @property
    def nps(self) -> float | None:
        if not self.nps_answers:
            return None
        return 100 * (self.promoters - self.detractors) / self.nps_answers


def meets_csat(csat: float | None) -> bool | None:
    return None if csat is None else csat >= CSAT_TARGET


@dataclass(frozen=True)
class RoomFigures(Outcomes):
    room_id: int = 0
    label: str = ""
    store_name: str = ""
    acknowledge_median: float | None = None
    average_rating: float | None = None
    ratings: int = 0
    satisfied: int = 0

    @property
    def csat(self) -> float | None:
        return _share(self.satisfied, self.ratings)


@dataclass(frozen=True)
class Cell(Outcomes):
    """Requests created in one hour of one weekday (local time), over the whole period."""

    weekday: int = 0  # Monday 0
    hour: int = 0


@dataclass(frozen=True)
class HeatMap:
    cells: dict[tuple[int, int], Cell]

    def cell(self, weekday: int, hour: int) -> Cell:
        return self.cells.get((weekday, hour)) or Cell(weekday=weekday, hour=hour)

    @property
    def busiest(self) -> int:
        return max((c.count for c in self.cells.values()), default=0)


@dataclass(frozen=True)
class Day(Outcomes):
    day: date = date.min


@dataclass(frozen=True)
class Bin:
    """Acknowledged requests whose time to acknowledge was in [lower, upper) seconds, in all
    and per kind, with how many of them were within their own kind's acknowledge target."""

    lower: int
    upper: int | None  # None: no upper bound
    count: int
    by_kind: dict[str, int] = field(default_factory=dict)
    in_time: int = 0

    @property
    def late(self) -> int:
        return self.count - self.in_time


@dataclass(frozen=True)
class KnockShare:
    """Visits with at least one completed customer request, and how many of those saw staff
    knock (at least one `knocked` event) before entering."""

    served_visits: int
    knocked_visits: int

    @property
    def share(self) -> float | None:
        return _share(self.knocked_visits, self.served_visits)


# --- still undecided ---------------------------------------------------------------------------


def pending(scope: Scope, customer: bool | None = True) -> list:
    """The scope's live requests that can still meet their standard (not yet past a target).
    Few rows: only what is still open or acknowledged."""
    query = sql.requests_in(
        scope,
        Request.store_id,
        Request.kind,
        Request.room_id,
        Request.local_day,
        Request.local_weekday,
        Request.local_hour,
        Request.claimed_by_id,
        Request.state,
        Request.created_at,
        Request.acknowledge_ms,
        customer=customer,
    ).where(Request.is_live)
    rows = db.session.execute(query).all()
    now = clock.now()
    targets = scope.targets
    return [r for r in rows if standards.undecided(r, targets[r.store_id][Kind(r.kind)], now)]


def _pending_by(rows, attribute: str) -> Counter:
    return Counter(getattr(r, attribute) for r in rows)


# --- per kind, overall, tidy ---------------------------------------------------------------------


_COUNTED = ("count", "within", "cancelled", "abandoned", "left", "skipped", "completed")
Counted = namedtuple("Counted", _COUNTED)  # a row of sql.outcomes(), or several summed
# The counts that are one state each, named as the state: where each is in a Counted.
_ENDED = {state: _COUNTED.index(state) for state in _COUNTED[2:]}


def slots(scope: Scope) -> dict[tuple, Counted]:
    """The scope's customer requests counted by how they ended, per (kind, local day, weekday,
    hour): one GROUP BY pass from which the per-kind figures, the heat map and the trend are
    all summed (a month of one store is at most a few thousand rows). The database groups in
    the report index's order, state included, so for one store it counts as it reads instead
    of sorting; the states become the outcome counts here."""
    sums: dict[tuple, list[int]] = {}
    for day, kind, state, weekday, hour, count, met in tallies.rows(scope, _slot_counts):
        total = sums.get((kind, day, weekday, hour))
        if total is None:
            total = sums[kind, day, weekday, hour] = [0] * len(_COUNTED)
        total[0] += count
        total[1] += met
        if state in _ENDED:
            total[_ENDED[state]] += count
    return {slot: Counted(*total) for slot, total in sums.items()}


@tallies.kept_as("slots", "day", "kind", "state", "weekday", "hour")
def _slot_counts(scope: Scope):
    keys = (
        Request.local_day,
        Request.kind,
        Request.state,
        Request.local_weekday,
        Request.local_hour,
    )
    within = sql.count_if(sql.within_standard(scope))
    return sql.requests_in(scope, *keys, func.count(), within).group_by(*keys)


def _summed(counted: dict[tuple, Counted], key) -> dict[object, Counted]:
    """The slots' counts added up by key(slot)."""
    sums: dict[object, tuple[int, ...]] = {}
    for slot, row in counted.items():
        k = key(slot)
        total = sums.get(k)
        sums[k] = row if total is None else tuple(map(add, total, row))
    return {k: Counted(*v) for k, v in sums.items()}


@dataclass(frozen=True)
class Times:
    """Per customer-facing kind, how many requests took each whole second to be acknowledged,
    and to be completed ((second, count) pairs), and of the acknowledged ones per (kind,
    second) how many were within their own store's acknowledge target."""

    acknowledged: dict[str, list[tuple[int, int]]]
    completed: dict[str, list[tuple[int, int]]]
    acknowledged_in_time: dict[tuple[str, int], int]


def customer_times(scope: Scope) -> Times:
    """The per-kind percentiles, merged the overall ones and the acknowledge histogram all
    come from these two GROUP BY passes."""
    acknowledged: dict[str, Counter] = defaultdict(Counter)
    on_time: Counter = Counter()
    for kind, value, count, within in tallies.rows(scope, _acknowledge_seconds):
        acknowledged[kind][int(value)] += count
        on_time[kind, int(value)] += within
    completed: dict[str, Counter] = defaultdict(Counter)
    for kind, value, count in tallies.rows(scope, _complete_seconds):
        completed[kind][int(value)] += count
    return Times(_pairs(acknowledged), _pairs(completed), on_time)


def _pairs(counted: dict[str, Counter]) -> dict[str, list[tuple[int, int]]]:
    return {kind: list(seconds.items()) for kind, seconds in counted.items()}


@tallies.kept_as("acknowledged", "kind", "second")
def _acknowledge_seconds(scope: Scope):
    """Per (kind, whole second), the acknowledged customer requests, and how many of them
    were within their store's acknowledge target."""
    acknowledge_ms = Request.acknowledge_ms
    second = sql.whole_seconds(acknowledge_ms)
    in_time = sql.count_if(acknowledge_ms <= sql.target_ms(scope, "acknowledge"))
    return (
        sql.requests_in(scope, Request.kind, second, func.count(), in_time)
        .where(acknowledge_ms.is_not(None))
        .group_by(Request.kind, second)
    )


@tallies.kept_as("completed", "kind", "second")
def _complete_seconds(scope: Scope):
    second = sql.whole_seconds(Request.complete_ms)
    return (
        sql.requests_in(scope, Request.kind, second, func.count())
        .where(Request.complete_ms.is_not(None))
        .group_by(Request.kind, second)
    )


def kind_figures(
    scope: Scope,
    live: list | None = None,
    counted: dict[tuple, Counted] | None = None,
    times: Times | None = None,
) -> list[KindFigures]:
    """Count, outcomes and times per customer-facing kind, in the order of Kind. `counted`
    (slots) and `times` (customer_times) are read here unless the caller already has them."""
    live = pending(scope) if live is None else live
    counted = slots(scope) if counted is None else counted
    by_kind = {Kind(k): row for k, row in _summed(counted, lambda slot: slot[0]).items()}
    waiting = _pending_by(live, "kind")
    times = customer_times(scope) if times is None else times
    acknowledged, completed = times.acknowledged, times.completed
    return [
        KindFigures(
            **_outcomes(by_kind[kind], waiting[kind]).__dict__,
            kind=str(kind),
            acknowledge=_durations(acknowledged.get(kind)),
            complete=_durations(completed.get(kind)),
        )
        for kind in CUSTOMER_KINDS
        if kind in by_kind
    ]


def overall(scope: Scope, kinds: list[KindFigures], times: Times | None = None) -> KindFigures:
    """Every customer-facing request together: counts add up; percentiles over all anew (the
    per-kind counts of each second, merged)."""
    total = Outcomes()
    for figures in kinds:
        total = total.plus(figures)
    times = customer_times(scope) if times is None else times
    acknowledged, completed = times.acknowledged, times.completed
    return KindFigures(
        **total.__dict__,
        kind="customer",
        acknowledge=_durations(sql.merged(*acknowledged.values()) or None),
        complete=_durations(sql.merged(*completed.values()) or None),
    )


def _durations(counted: list[tuple[int, int]] | None) -> Durations:
    if not counted:
        return Durations()
    return Durations(*(_seconds(v) for v in sql.percentiles_of(counted)))


def tidy(scope: Scope) -> TidyFigures:
    """Tidy tasks on their own line: how many rooms were turned around, how long it took
    against the tidy standard, how many the next customer found untidied (skipped)."""
    counted, seconds = outcomes_and_seconds(scope, _tidy_seconds)  # tidy: the one kind
    live = pending(scope, customer=False)
    targets = {scope.targets[store.id][Kind.TIDY] for store in scope.stores}
    return TidyFigures(
        **_outcomes(counted.get(Kind.TIDY), len(live)).__dict__,
        complete=_durations(seconds.get(Kind.TIDY)),
        targets=tuple(sorted(targets, key=lambda t: (t.acknowledge_within, t.complete_within))),
    )


@tallies.kept_as("tidy", "kind", "second")
def _tidy_seconds(scope: Scope):
    return outcomes_by_second(scope, Request.kind, Request.complete_ms, customer=False)


def _seconds(milliseconds: float | None) -> float | None:
    return None if milliseconds is None else milliseconds / 1000


def acknowledge_histogram(scope: Scope, times: Times | None = None) -> list[Bin]:
    """How many customer requests were acknowledged within each 15-second band, per kind, and
    how many of each band were within their own kind's acknowledge target. The bands are
    whole seconds, so they are summed from the per-second counts of customer_times."""
    times = customer_times(scope) if times is None else times
    by_band: dict[int, dict[str, int]] = {}
    on_time: Counter = Counter()
    for kind in sorted(times.acknowledged):
        for second, count in times.acknowledged[kind]:
            n = min(second // BIN_SECONDS, BIN_COUNT)
            band = by_band.setdefault(n, {})
            band[kind] = band.get(kind, 0) + count
            on_time[n] += times.acknowledged_in_time[kind, second]
    return [
        Bin(
            n * BIN_SECONDS,
            (n + 1) * BIN_SECONDS if n < BIN_COUNT else None,
            sum(by_band.get(n, {}).values()),
            by_band.get(n, {}),
            on_time[n],
        )
        for n in range(BIN_COUNT + 1)
    ]


# --- ratings -------------------------------------------------------------------------------------


def ratings(scope: Scope) -> RatingFigures:
    """Average, distribution, CSAT, NPS and the most given reasons of the period's ratings
    (a rating belongs to its visit's service day)."""
    query = sql.ratings_in(scope, Rating.score, func.count()).group_by(Rating.score)
    scores = dict(db.session.execute(query).all())
    nps = db.session.execute(
        sql.ratings_in(
            scope,
            func.count(Rating.nps),
            sql.count_if(Rating.nps >= PROMOTER_FROM),
            sql.count_if(Rating.nps <= DETRACTOR_UP_TO),
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
    query = sql.ratings_in(scope, Rating.reasons, func.count()).where(Rating.reasons != "")
    tags: Counter[str] = Counter()
    for reasons, count in db.session.execute(query.group_by(Rating.reasons)):
        for tag in {t.strip() for t in reasons.split(",") if t.strip()}:
            tags[tag] += count
    return sorted(tags.items(), key=lambda item: (-item[1], item[0]))


def satisfied() -> ColumnElement:
    return sql.count_if(Rating.score.in_(CSAT_SCORES))


# --- fitting rooms, heat map, trend, knocks -----------------------------------------------------


def rooms(scope: Scope, live: list | None = None) -> list[RoomFigures]:
    """Customer requests and ratings per fitting room, busiest first."""
    live = pending(scope) if live is None else live
    counted, medians = outcomes_and_medians(scope, _room_seconds)
    waiting = _pending_by(live, "room_id")
    rated_query = sql.ratings_in(
        scope, Rating.room_id, func.avg(Rating.score), func.count(), satisfied()
    ).group_by(Rating.room_id)
    rated = {
        room: (float(avg), n, happy) for room, avg, n, happy in db.session.execute(rated_query)
    }
    labels = _room_labels(set(counted) | set(rated))
    figures = [
        RoomFigures(
            **_outcomes(counted.get(room_id), waiting[room_id]).__dict__,
            room_id=room_id,
            label=labels[room_id][0],
            store_name=labels[room_id][1],
            acknowledge_median=_seconds(medians.get(room_id, (None,))[0]),
            average_rating=rated.get(room_id, (None,))[0],
            ratings=rated.get(room_id, (None, 0))[1],
            satisfied=rated.get(room_id, (None, 0, 0))[2],
        )
        for room_id in labels
    ]
    return sorted(figures, key=lambda r: (-r.count, r.store_name, r.label))


@tallies.kept_as("rooms", "subject", "second", merged=False)
def _room_seconds(scope: Scope):
    return outcomes_by_second(scope, Request.room_id, Request.acknowledge_ms)


def outcomes_and_medians(
    scope: Scope, part: tallies.Part
) -> tuple[dict[object, Counted], dict[object, tuple[float, ...]]]:
    """Per group of the pass (outcomes_by_second over the time to acknowledge), the customer
    requests' outcomes and their median time to acknowledge (in milliseconds)."""
    counted, seconds = outcomes_and_seconds(scope, part)
    medians = {g: sql.percentiles_of(pairs, (sql.MEDIAN,)) for g, pairs in seconds.items()}
    return counted, medians


def outcomes_by_second(
    scope: Scope,
    group: ColumnElement,
    milliseconds: ColumnElement,
    *where: ColumnElement,
    customer: bool | None = True,
):
    """The requests' outcomes per (`group`, whole second of a time in milliseconds)."""
    second = sql.whole_seconds(milliseconds)
    query = sql.requests_in(scope, group, second, *sql.outcomes(scope), customer=customer)
    return query.where(*where).group_by(group, second)


def outcomes_and_seconds(
    scope: Scope, part: tallies.Part
) -> tuple[dict[object, Counted], dict[object, list[tuple[int, int]]]]:
    """Per group of the pass (an outcomes_by_second), the requests' outcomes, and how many
    took each whole second ((second, count) pairs; a second may come more than once)."""
    sums: dict[object, list[int]] = {}
    seconds: dict[object, list[tuple[int, int]]] = {}
    for g, value, *counts in tallies.rows(scope, part):
        total = sums.setdefault(g, [0] * len(counts))
        for n, count in enumerate(counts):
            total[n] += count
        if value is not None:  # not measured: counted, but without a time
            seconds.setdefault(g, []).append((int(value), counts[0]))
    return {g: Counted(*total) for g, total in sums.items()}, seconds


def _room_labels(ids: set[int]) -> dict[int, tuple[str, str]]:
    query = (
        select(FittingRoom, Store.name)
        .join(Store, Store.id == FittingRoom.store_id)
        .where(FittingRoom.id.in_(ids))
    )
    return {room.id: (room.label, store) for room, store in db.session.execute(query)}


def heat_map(
    scope: Scope, live: list | None = None, counted: dict[tuple, Counted] | None = None
) -> HeatMap:
    """Customer requests per weekday × hour of the day (local), and how they ended."""
    live = pending(scope) if live is None else live
    counted = slots(scope) if counted is None else counted
    waiting = Counter((r.local_weekday, r.local_hour) for r in live)
    return HeatMap(
        {
            (weekday, hour): Cell(
                **_outcomes(row, waiting[weekday, hour]).__dict__, weekday=weekday, hour=hour
            )
            for (weekday, hour), row in _summed(counted, lambda slot: slot[2:]).items()
        }
    )


def trend(
    scope: Scope, live: list | None = None, counted: dict[tuple, Counted] | None = None
) -> list[Day]:
    """One entry per local day of the period, days without requests included."""
    live = pending(scope) if live is None else live
    counted = slots(scope) if counted is None else counted
    waiting = _pending_by(live, "local_day")
    found = {
        day: Day(**_outcomes(row, waiting[day]).__dict__, day=day)
        for day, row in _summed(counted, lambda slot: _as_date(slot[1])).items()
    }
    return [found.get(d) or Day(day=d) for d in scope.days]


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def knock_share(scope: Scope) -> KnockShare:
    """Among the period's visits with at least one completed customer request, the share in
    which staff knocked (a `knocked` event on any of the visit's requests). Kept by month: a
    visit served on both sides of a month's end counts in each (stores are closed then)."""
    served = knocked = 0
    for visits, with_knock in tallies.rows(scope, _knocked_visits):
        served, knocked = served + (visits or 0), knocked + (with_knock or 0)
    return KnockShare(served, knocked)


@tallies.kept_as("knocks")
def _knocked_visits(scope: Scope):
    served = (
        sql.requests_in(scope, Request.visit_id)
        .where(Request.state == State.COMPLETED)
        .distinct()
        .subquery()
    )
    knocked = (
        sql.requests_in(scope, Request.visit_id, customer=None)
        .join(RequestEvent, RequestEvent.request_id == Request.id)
        .where(RequestEvent.action == KNOCKED)
        .distinct()
        .subquery()
    )
    return select(func.count(served.c.visit_id), func.count(knocked.c.visit_id)).outerjoin(
        knocked, knocked.c.visit_id == served.c.visit_id
    )
