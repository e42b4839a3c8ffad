"""SQL building blocks of the figures, the same on SQLite and PostgreSQL: the scope's rows by
their stamped local day, the standard each request is held to, and percentiles by rank."""

from collections import defaultdict
from fractions import Fraction

from sqlalchemy import Integer, and_, case, func, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from .. import standards
from ..extensions import db
from ..models import CUSTOMER_KINDS, Rating, Request, Standard, State
from .period import Scope

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


def count_if(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _int(number: int) -> ColumnElement:
    # Written inline, so PostgreSQL need not guess the type of a parameter inside CASE.
    return literal_column(str(int(number)), Integer)


def _default_target(column: int) -> ColumnElement:
    defaults = standards.DEFAULT_TARGETS.items()
    return case(*((Request.kind == kind, _int(targets[column])) for kind, targets in defaults))


def target_ms(column: int) -> ColumnElement:
    """The request's target in milliseconds: its store's standard for its kind, else the
    default. Column 0 is acknowledge, 1 is complete."""
    chosen = Standard.acknowledge_within if column == 0 else Standard.complete_within
    return func.coalesce(chosen, _default_target(column)) * 1000


def within_standard() -> ColumnElement:
    """SQL: the request met both targets of its store's standard for its kind."""
    return and_(
        Request.acknowledge_ms.is_not(None),
        Request.complete_ms.is_not(None),
        Request.acknowledge_ms <= target_ms(0),
        Request.complete_ms <= target_ms(1),
    )


def customer_facing() -> ColumnElement:
    return Request.kind.in_(CUSTOMER_KINDS)


def requests_in(scope: Scope, *columns, customer: bool | None = True):
    """SELECT columns FROM the scope's requests, each with its store's standard for its kind.
    customer=True: customer-facing kinds only; False: tidy only; None: every kind."""
    query = (
        select(*columns)
        .select_from(Request)
        .outerjoin(
            Standard, and_(Standard.store_id == Request.store_id, Standard.kind == Request.kind)
        )
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


def outcomes() -> list[ColumnElement]:
    return [
        func.count().label("count"),
        count_if(within_standard()).label("within"),
        count_if(Request.state == State.CANCELLED).label("cancelled"),
        count_if(Request.state == State.ABANDONED).label("abandoned"),
        count_if(Request.state == State.LEFT).label("left"),
        count_if(Request.state == State.SKIPPED).label("skipped"),
        count_if(Request.state == State.COMPLETED).label("completed"),
    ]


def percentiles(
    scope: Scope,
    value: ColumnElement,
    present: ColumnElement,
    group: ColumnElement | None = None,
    fractions: tuple[Fraction, ...] = (MEDIAN, P90),
    customer: bool | None = True,
) -> dict[object, tuple[float | None, ...]]:
    """percentile_cont of `value` for each `group` (or overall, keyed None) over the scope's
    requests where `present`: windowed ranks, and only the rows next to each wanted rank."""
    key = group if group is not None else literal_column("0")
    values = requests_in(scope, key.label("g"), value.label("v"), customer=customer)
    values = values.where(present).subquery()
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


def seconds(milliseconds: ColumnElement) -> ColumnElement:
    return milliseconds / 1000.0
