"""Service recovery: a rating of 1 or 2 alerts the manager at once, while the customer may still
be in the store; the manager records what was done, and the time to recovery is kept."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from . import clock, forms, notify
from .errors import NotFound, Refused
from .extensions import db
from .models import FittingRoom, Rating, StaffMember, Visit

LOW_SCORE = 2
ACTIONS = {
    "apologised": _l("Apologised"),
    "resolved": _l("Resolved the problem"),
    "compensated": _l("Compensated"),
    "customer_left": _l("Customer had left"),
}


@dataclass(frozen=True)
class Case:
    rating: Rating
    visit: Visit


def needs_recovery(rating: Rating) -> bool:
    return rating.score <= LOW_SCORE


def alert_if_low(rating: Rating) -> None:
    if needs_recovery(rating):
        notify.low_rating(rating)


def waiting(store_id: int) -> list[Case]:
    """Low ratings nobody has handled yet, oldest first."""
    query = (
        select(Rating)
        .join(Visit)
        .join(FittingRoom)
        .where(FittingRoom.store_id == store_id, Rating.score <= LOW_SCORE)
        .where(Rating.recovered_at.is_(None))
        .order_by(Rating.created_at)
    )
    return [Case(rating, rating.visit) for rating in db.session.scalars(query)]


def handled_since(store_id: int, since) -> list[Rating]:
    """Low ratings recovered since `since`, latest first; each knows its time to recovery."""
    query = (
        select(Rating)
        .join(Visit)
        .join(FittingRoom)
        .where(FittingRoom.store_id == store_id, Rating.score <= LOW_SCORE)
        .where(Rating.recovered_at >= since)
        .order_by(Rating.recovered_at.desc())
    )
    return list(db.session.scalars(query))


def time_to_recovery(rating: Rating) -> int:
    return int((rating.recovered_at - rating.created_at).total_seconds())


def record(store_id: int, rating_id: int, actor: StaffMember, action: str, note: str) -> Rating:
    """Write down what was done; only the first record counts."""
    rating = db.session.get(Rating, rating_id)
    if rating is None or rating.visit.room.store_id != store_id or not needs_recovery(rating):
        raise NotFound(_l("No such low rating in your store."))
    if action not in ACTIONS:
        raise Refused(_l("Choose what was done."))
    note = forms.fitting(note, Rating.recovery_note)
    done = db.session.execute(
        update(Rating)
        .where(Rating.id == rating_id, Rating.recovered_at.is_(None))
        .values(
            recovery_action=action,
            recovery_note=note,
            recovered_at=clock.now(),
            recovered_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise Refused(_l("Someone has already recorded this recovery."))
    db.session.commit()
    db.session.refresh(rating)
    notify.staff_changed(store_id)
    return rating
