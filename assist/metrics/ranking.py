"""Consultants: what each did in the period, and a ranking that rewards service first."""

from collections import Counter
from dataclasses import dataclass
from operator import add

from sqlalchemy import func, select

from ..extensions import db
from ..models import Rating, Request, StaffMember, Store
from . import sql, tallies
from .figures import (
    CSAT_SCORES,
    Outcomes,
    _outcomes,
    _seconds,
    _share,
    outcomes_and_medians,
    outcomes_by_second,
    pending,
)

# Consultant ranking weights; they add up to 1, so the score runs from 0 to 1.
SERVICE_WEIGHT, RATING_WEIGHT, VOLUME_WEIGHT = 0.5, 0.3, 0.2
NEUTRAL_RATING = 0.5  # the rating component when nobody in the period has a rating


@dataclass(frozen=True)
class ConsultantFigures(Outcomes):
    """`count` is the customer requests they claimed; cancellations and customers who left are
    shown but never scored against them."""

    staff_id: int = 0
    name: str = ""
    store_name: str = ""
    acknowledge_median: float | None = None
    average_rating: float | None = None  # over the rated visits whose customer they served
    rated_visits: int = 0
    satisfied: int = 0

    @property
    def handled(self) -> int:
        return self.count

    @property
    def csat(self) -> float | None:
        return _share(self.satisfied, self.rated_visits)


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


def consultants(scope, live: list | None = None) -> list[ConsultantFigures]:
    """What each consultant who claimed a customer request, or served a rated visit, did."""
    live = pending(scope) if live is None else live
    handled, medians = outcomes_and_medians(scope, _claimed_seconds)
    waiting = Counter(r.claimed_by_id for r in live if r.claimed_by_id)
    rated = credited_ratings(scope)
    names = _staff_names(set(handled) | set(rated))
    return [
        ConsultantFigures(
            **_outcomes(handled.get(staff_id), waiting[staff_id]).__dict__,
            staff_id=staff_id,
            name=names[staff_id][0],
            store_name=names[staff_id][1],
            acknowledge_median=_seconds(medians.get(staff_id, (None,))[0]),
            average_rating=rated.get(staff_id, (None,))[0],
            rated_visits=rated.get(staff_id, (None, 0))[1],
            satisfied=rated.get(staff_id, (None, 0, 0))[2],
        )
        for staff_id in names
    ]


@tallies.kept_as("consultants", "subject", "second", merged=False)
def _claimed_seconds(scope):
    claimer = Request.claimed_by_id
    return outcomes_by_second(scope, claimer, Request.acknowledge_ms, claimer.is_not(None))


def credited_ratings(scope) -> dict[int, tuple[float, int, int]]:
    """Per consultant: average score, rated visits and satisfied (4–5) ratings, over the
    period's ratings (by the visit's service day) of visits in which they claimed a
    customer-facing request. Whoever only tidied the room afterwards gets none of it."""
    sums: dict[int, tuple[int, int, int]] = {}
    for staff, *counts in tallies.rows(scope, _credited_scores):
        sums[staff] = tuple(map(add, sums.get(staff, (0, 0, 0)), counts))
    return {staff: (total / n, n, good) for staff, (total, n, good) in sums.items()}


@tallies.kept_as("credited", "subject")
def _credited_scores(scope):
    """Per consultant, the sum and number of the scores they are credited with, and how many
    of them were 4–5."""
    served = (
        sql.ratings_in(
            scope, Request.claimed_by_id.label("staff_id"), Rating.visit_id, Rating.score
        )
        .join(Request, Request.visit_id == Rating.visit_id)
        .where(sql.customer_facing(), Request.claimed_by_id.is_not(None))
        .distinct()
        .subquery()
    )
    happy = sql.count_if(served.c.score.in_(CSAT_SCORES))
    return select(served.c.staff_id, func.sum(served.c.score), func.count(), happy).group_by(
        served.c.staff_id
    )


def _staff_names(ids: set[int]) -> dict[int, tuple[str, str]]:
    query = (
        select(StaffMember.id, StaffMember.name, Store.name)
        .join(Store, Store.id == StaffMember.store_id)
        .where(StaffMember.id.in_(ids))
    )
    return {staff_id: (name, store) for staff_id, name, store in db.session.execute(query)}


def rank(figures: list[ConsultantFigures], period_average: float | None) -> list[Ranked]:
    """Best service first. score = SERVICE_WEIGHT·share within standard
    + RATING_WEIGHT·(average rating − 1)/4 + VOLUME_WEIGHT·handled/most handled by anyone;
    each part runs 0–1, so the score does too.

    A consultant without rated visits is neither rewarded nor punished for it: the period's
    average rating stands in (or the middle, 0.5, when the period has no ratings at all)."""
    most = max((f.handled for f in figures), default=0)
    stand_in = rating_part(period_average) if period_average is not None else NEUTRAL_RATING
    ranked = [
        Ranked(
            consultant=f,
            service=f.share_within or 0.0,
            rating=rating_part(f.average_rating) if f.rated_visits else stand_in,
            rating_assumed=not f.rated_visits,
            volume=f.handled / most if most else 0.0,
        )
        for f in figures
    ]
    return sorted(ranked, key=lambda r: (-r.score, -r.consultant.handled, r.consultant.name))


def rating_part(average: float) -> float:
    return (average - 1) / 4
