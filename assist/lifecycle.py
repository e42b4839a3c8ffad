"""The request lifecycle, and the only code that changes a request's state.

    open ──claim──▶ acknowledged ──complete──▶ completed
      │                  │
      │                  ├─visit ended while someone was on it ─▶ left
      ├─cancel (customer)─┴─▶ cancelled
      └─visit ended while open ─▶ abandoned

    tidy (staff work, one per room): open/acknowledged ──next visit began first──▶ skipped

Every transition is a conditional UPDATE on the current state, so two consultants tapping
"I'm on it" together cannot both win. Each one writes an event row and is committed before
anybody is notified. Nothing in here yields to the event loop while a write is open.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from . import clock, notify, stamps, trail
from .errors import Conflict, NotFound, TooMany
from .extensions import db
from .models import (
    LIVE_STATES,
    CatalogueItem,
    Kind,
    MenuItem,
    Request,
    RequestEvent,
    Role,
    StaffMember,
    State,
    Tablet,
    Visit,
)

Change = tuple[Request, RequestEvent]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[State, ...]
    target: State
    stamp: str  # the column that records when it happened


CLAIM = Transition("claimed", (State.OPEN,), State.ACKNOWLEDGED, "acknowledged_at")
COMPLETE = Transition("completed", (State.ACKNOWLEDGED,), State.COMPLETED, "completed_at")
CANCEL = Transition("cancelled", LIVE_STATES, State.CANCELLED, "closed_at")
ABANDON = Transition("abandoned", (State.OPEN,), State.ABANDONED, "closed_at")
# The customer went while a consultant was on it: neither a completion nor the consultant's
# breach. The consultant's handheld keeps the card until they have seen it (assist.knock).
LEAVE = Transition("left", (State.ACKNOWLEDGED,), State.LEFT, "closed_at")
SKIP = Transition("skipped", LIVE_STATES, State.SKIPPED, "closed_at")
# How long a transition took since the request was made, stamped beside its time.
ELAPSED = {"acknowledged_at": "acknowledge_ms", "completed_at": "complete_ms"}
MAY_CLOSE_ANY = (Role.MANAGER, Role.ADMIN)


def open_request(
    visit: Visit,
    kind: Kind,
    *,
    tablet: Tablet,
    menu_item: MenuItem | None = None,
    variant: CatalogueItem | None = None,
    picked: CatalogueItem | None = None,
    client_key: str | None = None,
) -> Request:
    """Open a request, or return the one this tap already made: a retry carries the same
    client_key, and a repeated tap finds the same request still waiting. A size not in stock
    may carry the customer's `picked` alternative; it does not make the request another one,
    so a second tap with another pick finds the first request, pick unchanged."""
    key = _dedupe_key(kind, menu_item, variant)
    earlier = _same_tap(visit.room_id, client_key)
    if earlier:
        return earlier
    waiting = _waiting_in(visit.id)
    earlier = _with_key(waiting, key)
    if earlier:
        return earlier
    _check_visit_limit(len(waiting))
    try:
        change = _add(
            visit,
            kind,
            key,
            tablet=tablet,
            menu_item=menu_item,
            variant=variant,
            picked=picked,
            client_key=client_key,
        )
        db.session.commit()
    except IntegrityError:  # the same tap arrived twice at once; the other one won
        db.session.rollback()
        return _same_tap(visit.room_id, client_key) or _with_key(_waiting_in(visit.id), key)
    announce([change])
    return change[0]


def add_tidy(visit: Visit) -> list[Change]:
    """The room needs checking and tidying after a visit, unless a tidy task is already
    waiting there: a room has at most one. The caller commits and announces."""
    if _waiting_tidy(visit.room_id) is not None:
        return []
    return [_add(visit, Kind.TIDY, str(Kind.TIDY))]


def skip_tidy(room_id: int) -> list[Change]:
    """A new visit began before anyone tidied the room: the task closes as skipped (a breach
    of the tidy standard). The caller commits and announces."""
    request = _waiting_tidy(room_id)
    event = _try_move(request, SKIP) if request is not None else None
    return [(request, event)] if event else []


def _waiting_tidy(room_id: int) -> Request | None:
    return db.session.scalar(
        select(Request).where(
            Request.room_id == room_id,
            Request.kind == Kind.TIDY,
            Request.is_live,
        )
    )


def _add(
    visit: Visit,
    kind: Kind,
    key: str,
    *,
    tablet: Tablet | None = None,
    menu_item: MenuItem | None = None,
    variant: CatalogueItem | None = None,
    picked: CatalogueItem | None = None,
    client_key: str | None = None,
) -> Change:
    request = Request(
        store_id=visit.room.store_id,
        room_id=visit.room_id,
        visit_id=visit.id,
        kind=kind,
        dedupe_key=key,
        menu_item_id=menu_item.id if menu_item else None,
        variant_id=variant.id if variant else None,
        in_stock=variant.stock > 0 if variant else None,
        picked_id=picked.id if picked else None,
        client_key=client_key,
        created_at=clock.now(),
    )
    db.session.add(request)
    db.session.flush()
    event = trail.record(
        request, "created", request.created_at, tablet_id=tablet.id if tablet else None
    )
    return request, event


def claim(request_id: int, staff: StaffMember) -> Request:
    request = _for_staff(request_id, staff)
    return _commit([_move(request, CLAIM, staff=staff, claimed_by_id=staff.id)])


def complete(request_id: int, staff: StaffMember) -> Request:
    """Done. A consultant finishes only what they took; a manager may close anyone's (the
    claimer went home). Part of the conditional update, so it holds against a racing claim."""
    request = _for_staff(request_id, staff)
    only_claimer = () if staff.role in MAY_CLOSE_ANY else (Request.claimed_by_id == staff.id,)
    return _commit([_move(request, COMPLETE, staff=staff, where=only_claimer)])


def cancel(request_id: int, tablet: Tablet) -> Request:
    request = db.session.get(Request, request_id)
    if request is None or request.room_id != tablet.room_id:
        raise NotFound(_l("That request is not one of this fitting room's."))
    return _commit([_move(request, CANCEL, tablet=tablet)])


def abandon_open_requests(visit: Visit) -> list[Change]:
    """Close what nobody took yet when the visit ends. The caller commits and announces."""
    open_ids = db.session.scalars(
        select(Request.id).where(Request.visit_id == visit.id, Request.state == State.OPEN)
    ).all()
    changes = []
    for request_id in open_ids:
        request = db.session.get(Request, request_id)
        event = _try_move(request, ABANDON)
        if event:  # a consultant may have claimed it a moment ago; then it stays theirs
            changes.append((request, event))
    return changes


def leave_acknowledged_requests(visit: Visit) -> list[Change]:
    """The visit ended while consultants were on its requests: they must not serve an empty
    room. The caller commits and announces."""
    taken_ids = db.session.scalars(
        select(Request.id).where(Request.visit_id == visit.id, Request.state == State.ACKNOWLEDGED)
    ).all()
    changes = []
    for request_id in taken_ids:
        request = db.session.get(Request, request_id)
        event = _try_move(request, LEAVE)
        if event:  # completed a moment ago: then it stays done
            changes.append((request, event))
    return changes


def announce(changes: list[Change]) -> None:
    for request, event in changes:
        notify.request_changed(request, event)


def _commit(changes: list[Change]) -> Request:
    db.session.commit()
    announce(changes)
    return changes[0][0]


def _move(request: Request, transition: Transition, **who) -> Change:
    event = _try_move(request, transition, **who)
    if event is None:
        db.session.rollback()
        raise _refusal(db.session.get(Request, request.id), transition)
    return request, event


def _try_move(
    request: Request,
    transition: Transition,
    *,
    staff: StaffMember | None = None,
    tablet: Tablet | None = None,
    where: tuple = (),
    **values,
) -> RequestEvent | None:
    at = clock.now()
    if transition.stamp in ELAPSED:
        values[ELAPSED[transition.stamp]] = stamps.elapsed_ms(request.created_at, at)
    result = db.session.execute(
        update(Request)
        .where(Request.id == request.id, Request.state.in_(transition.sources), *where)
        .values(state=transition.target, **{transition.stamp: at}, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    event = trail.record(  # reads only the request's id, store and room: the UPDATE left them
        request,
        transition.action,
        at,
        staff_id=staff.id if staff else None,
        tablet_id=tablet.id if tablet else None,
    )
    db.session.expire(request)  # the rest is read back after the commit (notify)
    return event


def _refusal(request: Request, transition: Transition) -> Conflict:
    if request.state == State.ACKNOWLEDGED and request.claimed_by:
        return Conflict(_l("%(name)s is already on it.", name=request.claimed_by.first_name))
    reasons = {
        State.OPEN: _l("Nobody has taken this request yet."),
        State.COMPLETED: _l("This request is already done."),
        State.CANCELLED: _l("The customer cancelled this request."),
        State.ABANDONED: _l("The customer has left the fitting room."),
        State.LEFT: _l("The customer has left the fitting room."),
        State.SKIPPED: _l("The next customer is already in the room."),
    }
    return Conflict(
        reasons.get(
            request.state, _l("This request has moved on; the queue shows where it is now.")
        )
    )


def _for_staff(request_id: int, staff: StaffMember) -> Request:
    request = db.session.get(Request, request_id)
    if request is None or request.store_id != staff.store_id:
        raise NotFound(_l("No such request in your store."))
    return request


def _same_tap(room_id: int, client_key: str | None) -> Request | None:
    if not client_key:
        return None
    return db.session.scalar(
        select(Request).where(Request.room_id == room_id, Request.client_key == client_key)
    )


def _waiting_in(visit_id: int) -> list[Request]:
    """The visit's live requests: a handful at most (MAX_LIVE_REQUESTS_PER_VISIT)."""
    return list(
        db.session.scalars(select(Request).where(Request.visit_id == visit_id, Request.is_live))
    )


def _with_key(requests: list[Request], key: str) -> Request | None:
    return next((request for request in requests if request.dedupe_key == key), None)


def _check_visit_limit(waiting: int) -> None:
    limit = current_app.config["MAX_LIVE_REQUESTS_PER_VISIT"]
    if waiting >= limit:
        raise TooMany(
            _l(
                "You already have %(n)s requests waiting. "
                "A consultant is coming; please wait for them or cancel one.",
                n=waiting,
            )
        )


def _dedupe_key(kind: Kind, menu_item: MenuItem | None, variant: CatalogueItem | None) -> str:
    if variant is not None:
        return f"{kind}:{variant.id}"
    if menu_item is not None:
        return f"{kind}:{menu_item.id}"
    return str(kind)
