"""SQL building blocks of the figures, the same on SQLite and PostgreSQL: the scope's rows by
their stamped local day, the standard each request is held to, and percentiles by rank."""

from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

from sqlalchemy import Integer, and_, case, func, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..models import CUSTOMER_KINDS, Kind, Rating, Request, State
from .period import Scope

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


def count_if(condition: ColumnElement) -> ColumnElement:
    """How many of the group's rows meet the condition (0, never NULL), as an aggregate FILTER:
    the same on SQLite (3.30+) and PostgreSQL, and cheaper than a SUM over a CASE."""
    return func.count().filter(condition)


def _int(number: int) -> ColumnElement:
    # Written inline, so PostgreSQL need not guess the type of a parameter inside CASE.
    return literal_column(str(int(number)), Integer)


def target_ms(scope: Scope, step: str) -> ColumnElement:
    """The request's target in milliseconds to "acknowledge" or to "complete": its store's
    standard for its kind. Written out as a CASE over the scope's standards (a handful of
    literals, the most common one as ELSE), so that no row of a long history has to be joined
    with the standards table, and few rows need more than one comparison."""
    chosen = stores_by_target(scope, step)
    usual = max(chosen, key=lambda s: sum(map(len, chosen[s].values())), default=0)  # 0: no store
    whens = [
        (any_of(scope, chosen[seconds]), _int(1000 * seconds))
        for seconds in sorted(chosen)
        if seconds != usual
    ]
    return case(*whens, else_=_int(1000 * usual)) if whens else _int(1000 * usual)


def stores_by_target(
    scope: Scope, step: str, kinds: Iterable[Kind] = Kind
) -> dict[int, dict[Kind, list[int]]]:
    """The scope's targets in seconds to "acknowledge" or to "complete", each with the kinds
    that have it and, per kind, the stores that set it so."""
    chosen: dict[int, dict[Kind, list[int]]] = defaultdict(lambda: defaultdict(list))
    for store_id, targets in scope.targets.items():
        for kind in kinds:
            chosen[getattr(targets[kind], f"{step}_within")][kind].append(store_id)
    return chosen


def any_of(scope: Scope, stores_by_kind: dict[Kind, list[int]]) -> ColumnElement:
    """SQL: the request is of one of these kinds, at one of the stores listed for its kind
    (at any store, for a kind listed with every store of the scope)."""
    every = len(scope.targets)
    everywhere = [kind for kind, ids in stores_by_kind.items() if len(ids) == every]
    somewhere = [
        and_(Request.kind == kind, Request.store_id.in_(ids))
        for kind, ids in stores_by_kind.items()
        if len(ids) < every
    ]
    return or_(*([Request.kind.in_(everywhere)] if everywhere else []), *somewhere)


def within_standard(scope: Scope) -> ColumnElement:
    """SQL: the request met both targets of its store's standard for its kind."""
    return and_(
        Request.acknowledge_ms.is_not(None),
        Request.complete_ms.is_not(None),
        Request.acknowledge_ms <= target_ms(scope, "acknowledge"),
        Request.complete_ms <= target_ms(scope, "complete"),
    )


def customer_facing() -> ColumnElement:
    return Request.kind.in_(CUSTOMER_KINDS)


def requests_in(scope: Scope, *columns, customer: bool | None = True):
    """SELECT columns FROM the scope's requests.
    customer=True: customer-facing kinds only; False: tidy only; None: every kind."""
    query = (
        select(*columns)
        .select_from(Request)
        .where(
            Request.store_id.in_(scope.store_ids),
            Request.local_day.between(scope.first, scope.last),
        )
    )
    if customer is True:
        query = query.where(customer_facing())
    elif customer is False:
        query = query.where(~customer_facing())
    return query


def ratings_in(scope: Scope, *columns):
    """SELECT columns FROM the ratings of the visits whose service day is in the period."""
    return (
        select(*columns)
        .select_from(Rating)
        .where(
            Rating.store_id.in_(scope.store_ids),
            Rating.service_day.between(scope.first, scope.last),
        )
    )


def outcomes(scope: Scope) -> list[ColumnElement]:
    return [
        func.count().label("count"),
        count_if(within_standard(scope)).label("within"),
        count_if(Request.state == State.CANCELLED).label("cancelled"),
        count_if(Request.state == State.ABANDONED).label("abandoned"),
        count_if(Request.state == State.LEFT).label("left"),
        count_if(Request.state == State.SKIPPED).label("skipped"),
        count_if(Request.state == State.COMPLETED).label("completed"),
    ]


def percentiles(
    scope: Scope,
    milliseconds: ColumnElement,
    present: ColumnElement,
    group: ColumnElement | None = None,
    fractions: tuple[Fraction, ...] = (MEDIAN, P90),
    customer: bool | None = True,
) -> dict[object, tuple[float | None, ...]]:
    """percentile_cont of a time in milliseconds, for each `group` (or overall, keyed None),
    over the scope's requests where `present`. The database counts the times per whole second
    (rounded down: one GROUP BY, no sorting of every row); the percentiles are interpolated
    over those counts, so they are exact for whole seconds and at most 1 s low otherwise."""
    counts = second_counts(scope, milliseconds, present, group, customer)
    return {g: percentiles_of(found, fractions) for g, found in counts.items()}


def second_counts(
    scope: Scope,
    milliseconds: ColumnElement,
    present: ColumnElement,
    group: ColumnElement | None = None,
    customer: bool | None = True,
) -> dict[object, list[tuple[int, int]]]:
    """How many of the scope's requests where `present` took each whole second (rounded down)
    of a time in milliseconds, per `group` (or overall, keyed None): (second, count) pairs."""
    second = whole_seconds(milliseconds).label("s")
    keys = [group.label("g"), second] if group is not None else [second]
    query = requests_in(scope, *keys, func.count(), customer=customer).where(present)
    rows = rows_of(query.group_by(*(k.element for k in keys)))
    counts: dict[object, list[tuple[int, int]]] = defaultdict(list)
    if group is None:
        for value, n in rows:
            counts[None].append((int(value), n))
    else:
        for g, value, n in rows:
            counts[g].append((int(value), n))
    return counts


def whole_seconds(milliseconds: ColumnElement) -> ColumnElement:
    """A time in milliseconds as whole seconds, rounded down."""
    return milliseconds // _int(1000)


def rows_of(query):
    """A Core SELECT's plain rows, on the session's connection (and transaction) but without
    the ORM's result processing: the figures read thousands of small grouped rows."""
    return db.session.connection().execute(query)


def merged(*counted: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Several groups' (second, count) pairs as one group's: the counts of each second added."""
    total: dict[int, int] = defaultdict(int)
    for pairs in counted:
        for value, n in pairs:
            total[value] += n
    return list(total.items())


def percentiles_of(
    counted: list[tuple[int, int]], fractions: tuple[Fraction, ...] = (MEDIAN, P90)
) -> tuple[float, ...]:
    """percentile_cont, in milliseconds, over (second, count) pairs in any order."""
    ordered = sorted(counted)
    return tuple(1000 * _percentile(ordered, f) for f in fractions)


def _percentile(counted: list[tuple[int, int]], fraction: Fraction) -> float:
    """percentile_cont over values given with their counts, sorted by value."""
    size = sum(n for _value, n in counted)
    low, remainder = divmod((size - 1) * fraction.numerator, fraction.denominator)
    below, above = _at_rank(counted, low + 1), _at_rank(counted, min(low + 2, size))
    return below + remainder / fraction.denominator * (above - below)


def _at_rank(counted: list[tuple[int, int]], rank: int) -> int:
    """The value at 1-based `rank` in the sorted multiset."""
    seen = 0
    for value, n in counted:
        seen += n
        if seen >= rank:
            return value
    return counted[-1][0]
