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
    along: list[Change] | tuple = (),
) -> Request:
    """Open a request, or return the one this tap already made: a retry carries the same
    client_key, and a repeated tap finds the same request still waiting. A size not in stock
    may carry the customer's `picked` alternative; it does not make the request another one,
    so a second tap with another pick finds the first request, pick unchanged.

    `along`: what the tap's transaction changed already (visits.ask began the visit); committed
    and announced with the request."""
    key = _dedupe_key(kind, menu_item, variant)
    room_id, visit_id = visit.room_id, visit.id
    earlier = _earlier_tap(visit, key, client_key)
    if earlier:
        db.session.commit()  # the visit the tap began, if it began one
        announce(along)
        return earlier
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
        return _same_tap(room_id, client_key) or _with_key(_waiting_in(visit_id), key)
    announce([*along, change])
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
    store = visit.room.store
    now = clock.now()
    request = Request(
        store_id=store.id,
        room_id=visit.room_id,
        visit_id=visit.id,
        kind=kind,
        dedupe_key=key,
        menu_item_id=menu_item.id if menu_item else None,
        variant_id=variant.id if variant else None,
        in_stock=variant.stock > 0 if variant else None,
        picked_id=picked.id if picked else None,
        client_key=client_key,
        created_at=now,
        **stamps.local_facts(now, store.timezone),
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


def close_live_requests(visit: Visit) -> list[Change]:
    """The visit ended: what nobody took yet is abandoned, and what consultants were on is left
    (they must not serve an empty room). One claimed a moment ago is left; one completed a
    moment ago stays done. The caller commits and announces."""
    changes = []
    for request in _waiting_in(visit.id):
        event = _try_move(request, ABANDON) if request.state == State.OPEN else None
        event = event or _try_move(request, LEAVE)
        if event:
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


def _earlier_tap(visit: Visit, key: str, client_key: str | None) -> Request | None:
    """The request this tap already made: the same tap sent again, or the same thing still
    waiting. A new one over the visit's limit of waiting requests is refused."""
    earlier = _same_tap(visit.room_id, client_key)
    if earlier:
        return earlier
    waiting = _waiting_in(visit.id)
    earlier = _with_key(waiting, key)
    if earlier is None:
        _check_visit_limit(len(waiting))
    return earlier


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
