"""Knock first: the consultant asks at the door before entering a fitting room.

    (none) ──knock──▶ knocking ──"Come in"──────────▶ come_in
      ▲                  ├──"One minute, please"──▶ wait_a_minute ─┐ after KNOCK_AGAIN_SECONDS
      │                  └──KNOCK_ANSWER_SECONDS──▶ knock_unanswered ┤
      └──────────────────────── knock again ◀────────────────────────┘

Only the consultant on an acknowledged request knocks; only the room's tablet answers. The state
lives in the request row (knock_state, knocked_at, knock_answered_at), every step is a
conditional UPDATE plus an event in the trail (knocked, come_in, wait_a_minute,
knock_unanswered), committed before the nudge. The nudge's `action` tells the tablet a knock
arrived; a tablet that reconnects re-reads `pending` and still sees it.

Also here: what the consultant sees of a request closed as `left` (the customer went while they
were on it), and the rating's "someone came in without asking".
"""

from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update

from . import clock, notify, trail
from .errors import Conflict, NotFound, Refused
from .extensions import db
from .models import Kind, Knock, Request, RequestEvent, StaffMember, State, Tablet, Visit

ANSWERS = (Knock.COME_IN, Knock.WAIT)
# A rating reason that blames whoever came in: see record_entry_unasked.
CAME_IN_UNASKED = "came_in_without_asking"
ENTERED_UNASKED = "entered_unasked"  # the event that counts it against the consultant
# A `left` card nobody dismissed stops showing after this long (the consultant went home).
LEFT_NOTICE = timedelta(hours=4)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["knock_again_in"] = knock_again_in


def knock(request_id: int, staff: StaffMember) -> Request:
    """At the door: the room's tablet asks "May we come in?"."""
    request = _of_store(request_id, staff)
    now = clock.now()
    again_from = now - timedelta(seconds=current_app.config["KNOCK_AGAIN_SECONDS"])
    may_knock = or_(
        Request.knock_state.is_(None),
        Request.knock_state == Knock.UNANSWERED,
        and_(Request.knock_state == Knock.WAIT, Request.knock_answered_at <= again_from),
    )
    changed = _update(
        request,
        (
            Request.state == State.ACKNOWLEDGED,
            Request.kind != Kind.TIDY,
            Request.claimed_by_id == staff.id,
            may_knock,
        ),
        knock_state=Knock.KNOCKING,
        knocked_at=now,
        knock_answered_at=None,
    )
    if not changed:
        raise _why_not(request, staff, again_from)
    return _commit(request, "knocked", now, staff_id=staff.id)


def answer(request_id: int, tablet: Tablet, reply: str) -> Request:
    """The customer's answer from the tablet. A late answer to a knock already marked
    unanswered still counts: the consultant is glad to hear it."""
    if reply not in ANSWERS:
        raise Refused(_l("Please tap “Come in” or “One minute, please”."))
    request = db.session.get(Request, request_id)
    if request is None or request.room_id != tablet.room_id:
        raise NotFound(_l("That request is not one of this fitting room's."))
    now = clock.now()
    changed = _update(
        request,
        (
            Request.state == State.ACKNOWLEDGED,
            Request.knock_state.in_((Knock.KNOCKING, Knock.UNANSWERED)),
        ),
        knock_state=reply,
        knock_answered_at=now,
    )
    if not changed:
        raise Conflict(_l("Nobody is knocking any more."))
    return _commit(request, reply, now, tablet_id=tablet.id)


def expire_unanswered() -> int:
    """Knocks nobody answered in KNOCK_ANSWER_SECONDS: the handheld says so. Run by the
    sweeper; each knock expires once, whoever else is sweeping."""
    now = clock.now()
    due = now - timedelta(seconds=current_app.config["KNOCK_ANSWER_SECONDS"])
    knocks = db.session.scalars(
        select(Request).where(  # is_live: through the live index, never the whole history
            Request.is_live, Request.knock_state == Knock.KNOCKING, Request.knocked_at <= due
        )
    ).all()
    expired = 0
    for request in knocks:
        changed = _update(
            request,
            (
                Request.state == State.ACKNOWLEDGED,
                Request.knock_state == Knock.KNOCKING,
                Request.knocked_at == request.knocked_at,  # not a newer knock
            ),
            knock_state=Knock.UNANSWERED,
            knock_answered_at=now,
        )
        if changed:
            _commit(request, Knock.UNANSWERED, now)
            expired += 1
    return expired


def pending(visit: Visit | None) -> Request | None:
    """The knock the room's tablet should be asking about now, if any."""
    if visit is None:
        return None
    return db.session.scalar(
        select(Request)
        .where(
            Request.visit_id == visit.id,
            Request.state == State.ACKNOWLEDGED,
            Request.knock_state == Knock.KNOCKING,
        )
        .order_by(Request.knocked_at.desc())
        .limit(1)
    )


def knock_again_in(request: Request, now: datetime) -> int:
    """Seconds until the consultant may knock again after "One minute, please"."""
    if request.knock_state != Knock.WAIT or request.knock_answered_at is None:
        return 0
    wait = current_app.config["KNOCK_AGAIN_SECONDS"]
    return max(0, wait - int((now - request.knock_answered_at).total_seconds()))


# --- the customer left while someone was on it ----------------------------------------------


def left_unnoted(member: StaffMember) -> list[Request]:
    """Requests of this consultant closed as `left` that they have not yet seen."""
    return list(
        db.session.scalars(
            select(Request)
            .where(
                Request.claimed_by_id == member.id,
                Request.is_left,
                Request.left_noted_at.is_(None),
                Request.closed_at >= clock.now() - LEFT_NOTICE,
            )
            .order_by(Request.closed_at)
        )
    )


def note_left(request_id: int, staff: StaffMember) -> Request:
    """OK, the customer has left: the card goes. Seeing it twice changes nothing."""
    request = _of_store(request_id, staff)
    if request.state != State.LEFT or request.claimed_by_id != staff.id:
        raise Conflict(_l("Only the consultant who was on it can put this away."))
    db.session.execute(
        update(Request)
        .where(Request.id == request.id, Request.left_noted_at.is_(None))
        .values(left_noted_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return request


# --- the rating -----------------------------------------------------------------------------


def invited_in(visit_id: int) -> bool:
    """Somebody knocked and the customer said "Come in" during this visit. Then the rating does
    not offer "someone came in without asking"."""
    query = select(Request.id).where(
        Request.visit_id == visit_id, Request.knock_state == Knock.COME_IN
    )
    return db.session.scalar(query.limit(1)) is not None


def record_entry_unasked(visit: Visit, at: datetime) -> list[RequestEvent]:
    """The customer says someone came in without asking: one `entered_unasked` event, with the
    consultant as its staff, on each customer request of the visit that had somebody on it and
    no "Come in". Should every such request have had one (the reason was not offered, yet it
    came), it counts against every consultant who was on the visit's requests. The caller
    commits."""
    served = db.session.scalars(
        select(Request)
        .where(
            Request.visit_id == visit.id,
            Request.kind != Kind.TIDY,
            Request.claimed_by_id.is_not(None),
        )
        .order_by(Request.id)
    ).all()
    unasked = [r for r in served if r.knock_state != Knock.COME_IN] or served
    return [trail.record(r, ENTERED_UNASKED, at, staff_id=r.claimed_by_id) for r in unasked]


# --- helpers --------------------------------------------------------------------------------


def _of_store(request_id: int, staff: StaffMember) -> Request:
    request = db.session.get(Request, request_id)
    if request is None or request.store_id != staff.store_id:
        raise NotFound(_l("No such request in your store."))
    return request


def _update(request: Request, conditions: tuple, **values) -> bool:
    result = db.session.execute(
        update(Request)
        .where(Request.id == request.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    return True  # the commit that follows (_commit) expires the request


def _commit(request: Request, action: str, at: datetime, **who) -> Request:
    event = trail.record(request, str(action), at, **who)
    db.session.commit()
    notify.request_changed(request, event)
    return request


def _why_not(request: Request, staff: StaffMember, again_from: datetime) -> Refused:
    db.session.refresh(request)
    if request.kind == Kind.TIDY:
        return Refused(_l("Nobody is in the room to ask."))
    if request.state != State.ACKNOWLEDGED:
        return Conflict(_l("The customer is no longer waiting for this."))
    if request.claimed_by_id != staff.id:
        return Conflict(_l("Only the consultant on it knocks."))
    if request.knock_state == Knock.KNOCKING:
        return Conflict(_l("Already knocking — waiting for an answer."))
    if request.knock_state == Knock.COME_IN:
        return Conflict(_l("The customer already said “Come in”."))
    seconds = max(1, int((request.knock_answered_at - again_from).total_seconds()))
    return Conflict(_l("The customer asked for a minute. Knock again in %(n)s s.", n=seconds))
