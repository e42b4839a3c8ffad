"""A customer's stay in a fitting room: it starts at the first tap and ends with the rating,
"I'm done", a staff reset or an idle timeout."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from . import clock, forms, knock, lifecycle, recovery, stamps
from .errors import Refused
from .extensions import db
from .models import FittingRoom, Kind, Rating, Request, Tablet, Visit
from .saving import commit_or_refuse

END_REASONS = ("rated", "done", "reset", "idle")


@dataclass(frozen=True)
class ReasonTag:
    key: str
    label: str


LOW_SCORE_REASONS = (
    ReasonTag("had_to_wait", _l("I had to wait")),
    ReasonTag("size_not_available", _l("My size was not available")),
    ReasonTag("felt_ignored", _l("I felt ignored")),
    ReasonTag("came_in_without_asking", _l("Someone came in without asking")),
    ReasonTag("room_temperature", _l("The room was too hot or too cold")),
    ReasonTag("too_many_items", _l("Too many items in the room")),
)
HIGH_SCORE_REASONS = (
    ReasonTag("great_advice", _l("Great advice")),
    ReasonTag("fast", _l("Fast")),
    ReasonTag("friendly", _l("Friendly")),
    ReasonTag("brought_drink", _l("They brought me a drink")),
)


def reasons_for(score: int, visit: Visit | None = None) -> tuple[ReasonTag, ...]:
    """The reasons a rating offers. "Someone came in without asking" is not offered once the
    customer said "Come in" to a knock in this visit."""
    tags = LOW_SCORE_REASONS if score <= 3 else HIGH_SCORE_REASONS
    if visit is not None and knock.invited_in(visit.id):
        tags = tuple(tag for tag in tags if tag.key != knock.CAME_IN_UNASKED)
    return tags


def current_visit(room_id: int) -> Visit | None:
    return db.session.scalar(
        select(Visit).where(Visit.room_id == room_id, Visit.ended_at.is_(None))
    )


def start_visit(room: FittingRoom) -> Visit:
    """The room's current visit, begun now if there is none."""
    visit = current_visit(room.id)
    if visit:
        return visit
    visit, skipped = _begin(room)
    db.session.commit()
    lifecycle.announce(skipped)
    return visit


def ask(room: FittingRoom, kind: Kind, *, tablet: Tablet, **what) -> Visit:
    """A customer's tap: the request, in the room's current visit or in one begun now. One
    commit writes both, so the tap reads nothing twice and its nudge leaves sooner. `what` is
    lifecycle.open_request's. Returns the visit."""
    visit = current_visit(room.id)
    skipped = []
    if visit is None:
        visit, skipped = _begin(room)
    lifecycle.open_request(visit, kind, tablet=tablet, along=skipped, **what)
    return visit


def _begin(room: FittingRoom) -> tuple[Visit, list[lifecycle.Change]]:
    """A new visit, written but not committed, and the room's tidy task it closed: nobody
    tidied the room before this customer. Two first taps at once share one visit."""
    now = clock.now()
    service_day = stamps.service_day(now, room.store.timezone)
    visit = Visit(room_id=room.id, started_at=now, service_day=service_day)
    db.session.add(visit)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return current_visit(room.id), []
    return visit, lifecycle.skip_tidy(room.id)


def has_live_requests(visit: Visit) -> bool:
    return (
        db.session.scalar(select(Request.id).where(Request.visit_id == visit.id, Request.is_live))
        is not None
    )


def end_visit(visit: Visit, reason: str) -> None:
    """End the visit; what nobody took yet is abandoned. Ending twice does nothing."""
    if reason not in END_REASONS:
        raise Refused(_l("Unknown reason to end a visit."))
    changes = _close(visit, reason)
    db.session.commit()
    lifecycle.announce(changes)


def end_idle_visit(visit: Visit) -> bool:
    """An idle tablet forgets the visit, unless the customer is still waiting for someone."""
    if has_live_requests(visit):
        return False
    end_visit(visit, "idle")
    return True


def rate_visit(
    visit: Visit, score: int, reasons: list[str], comment: str, nps: int | None
) -> Rating:
    """Record the rating and end the visit, in one commit."""
    rating = Rating(
        visit_id=visit.id,
        score=_check_score(score),
        reasons=",".join(_check_reasons(score, reasons)),
        comment=_check_comment(comment),
        nps=_check_nps(nps),
        created_at=clock.now(),
    )
    db.session.add(rating)
    if knock.CAME_IN_UNASKED in rating.reason_list:
        knock.record_entry_unasked(visit, rating.created_at)
    changes = _close(visit, "rated")
    commit_or_refuse(_l("This visit has already been rated."))
    lifecycle.announce(changes)
    recovery.alert_if_low(rating)
    return rating


def _close(visit: Visit, reason: str) -> list[lifecycle.Change]:
    now = clock.now()
    ended = db.session.execute(
        update(Visit)
        .where(Visit.id == visit.id, Visit.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:  # ended already, maybe elsewhere: read how
        db.session.expire(visit)
        return []
    set_committed_value(visit, "ended_at", now)  # as written: no need to read it back
    set_committed_value(visit, "end_reason", reason)
    return [*lifecycle.close_live_requests(visit), *lifecycle.add_tidy(visit)]


def _check_score(score: int) -> int:
    if score not in range(1, 6):
        raise Refused(_l("Please choose one of the five faces."))
    return score


def _check_reasons(score: int, reasons: list[str]) -> list[str]:
    allowed = [tag.key for tag in reasons_for(score)]
    unknown = set(reasons) - set(allowed)
    if unknown:
        raise Refused(_l("Please choose reasons from the list."))
    return [key for key in allowed if key in reasons]


def _check_comment(comment: str) -> str:
    return forms.fitting(comment, Rating.comment)


def _check_nps(nps: int | None) -> int | None:
    if nps is not None and nps not in range(11):
        raise Refused(_l("Please choose a number from 0 to 10."))
    return nps
