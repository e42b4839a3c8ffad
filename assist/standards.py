"""Service standards: how fast a store promises to acknowledge and complete each kind of request,
and how a request's waiting time compares with that promise."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, select

from .errors import Refused
from .extensions import db
from .models import Kind, Request, Standard, State

DEFAULT_TARGETS = {
    Kind.CONSULTANT: (60, 120),
    Kind.SIZE: (60, 180),
    Kind.DRINK: (60, 300),
    Kind.AMENITY: (60, 180),
    Kind.TIDY: (120, 300),
}
AMBER_SHARE = 2 / 3  # a timer turns amber past two thirds of its target
LONGEST_TARGET = 24 * 3600


@dataclass(frozen=True)
class Target:
    acknowledge_within: int
    complete_within: int


@dataclass(frozen=True)
class Timer:
    """How long a live request has waited against the target that matters now."""

    waited: int
    amber_at: int
    red_at: int

    @property
    def colour(self) -> str:
        if self.waited >= self.red_at:
            return "red"
        return "amber" if self.waited >= self.amber_at else "green"


def targets(store_id: int) -> dict[Kind, Target]:
    """The store's standards, with the defaults for any kind it has not set."""
    return targets_of([store_id])[store_id]


def targets_of(store_ids: list[int]) -> dict[int, dict[Kind, Target]]:
    """targets() of each store, in one query."""
    chosen: dict[int, dict[Kind, Target]] = {store_id: {} for store_id in store_ids}
    query = select(Standard).where(Standard.store_id.in_(store_ids))
    for s in db.session.scalars(query):
        chosen[s.store_id][s.kind] = Target(s.acknowledge_within, s.complete_within)
    return {
        store_id: {kind: own.get(kind, default_target(kind)) for kind in Kind}
        for store_id, own in chosen.items()
    }


def default_target(kind: Kind) -> Target:
    return Target(*DEFAULT_TARGETS[kind])


def with_target(query: Select) -> Select:
    """A query on Request, with two more columns: the store's own targets for the request's
    kind, both None where the store keeps the default (see target_from)."""
    own = and_(Standard.store_id == Request.store_id, Standard.kind == Request.kind)
    return query.add_columns(Standard.acknowledge_within, Standard.complete_within).outerjoin(
        Standard, own
    )


def target_from(kind: Kind, acknowledge_within: int | None, complete_within: int | None) -> Target:
    """The target those two columns of with_target give for a request of `kind`."""
    if acknowledge_within is None:
        return default_target(kind)
    return Target(acknowledge_within, complete_within)


def set_target(store_id: int, kind: str, acknowledge_within: int, complete_within: int) -> None:
    try:
        kind = Kind(kind)
    except ValueError as error:
        raise Refused(_l("Unknown request kind.")) from error
    if not 0 < acknowledge_within <= complete_within <= LONGEST_TARGET:
        raise Refused(
            _l(
                "Targets are seconds above zero, at most a day, and completing cannot be "
                "faster than acknowledging."
            )
        )
    standard = db.session.scalar(
        select(Standard).where(Standard.store_id == store_id, Standard.kind == kind)
    ) or Standard(store_id=store_id, kind=kind)
    standard.acknowledge_within, standard.complete_within = acknowledge_within, complete_within
    db.session.add(standard)
    db.session.commit()


def timer(request: Request, target: Target, now: datetime) -> Timer:
    """Open requests race the acknowledge target; acknowledged ones the complete target."""
    limit = target.acknowledge_within if request.state == State.OPEN else target.complete_within
    waited = int((now - request.created_at).total_seconds())
    return Timer(waited=waited, amber_at=round(limit * AMBER_SHARE), red_at=limit)


def meets(request: Request, target: Target) -> bool:
    """Both targets met: acknowledged in time and completed in time."""
    if request.acknowledged_at is None or request.completed_at is None:
        return False
    acknowledged = (request.acknowledged_at - request.created_at).total_seconds()
    completed = (request.completed_at - request.created_at).total_seconds()
    return acknowledged <= target.acknowledge_within and completed <= target.complete_within


def undecided(request, target: Target, now: datetime) -> bool:
    """A live request that can still meet the standard: not yet past the target that matters
    now. Figures "so far" leave these out; once past a target, a live request is a breach."""
    if request.state not in (State.OPEN, State.ACKNOWLEDGED):
        return False
    waited = (now - request.created_at).total_seconds()
    if request.state == State.OPEN:
        return waited <= target.acknowledge_within
    acknowledged_in_time = (request.acknowledge_ms or 0) <= target.acknowledge_within * 1000
    return acknowledged_in_time and waited <= target.complete_within
