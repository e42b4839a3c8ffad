"""Rows with chosen timestamps, written straight through the models: history for reports.

The lifecycle stamps times from the clock one transition at a time; reports need months of
history with exact times, so these helpers write finished requests, visits and ratings directly.
"""

from datetime import datetime, timedelta

from assist.extensions import db
from assist.models import (
    FittingRoom,
    Kind,
    Rating,
    Request,
    Role,
    StaffMember,
    Standard,
    State,
    Store,
    Visit,
)


def store_with(
    name: str, timezone: str, rooms=("Room 1", "Room 2"), consultants=("Anna", "Boris")
) -> Store:
    """A store with fitting rooms and consultants (PIN 1111), committed."""
    store = Store(name=name, timezone=timezone)
    db.session.add(store)
    db.session.flush()
    db.session.add_all(FittingRoom(store_id=store.id, name=room, area="Women") for room in rooms)
    for person in consultants:
        member = StaffMember(store_id=store.id, name=person, role=Role.CONSULTANT)
        member.set_secret("1111")
        db.session.add(member)
    db.session.commit()
    return store


def staff_member(store: Store, name: str, role: Role, secret: str) -> StaffMember:
    member = StaffMember(store_id=store.id, name=name, role=role)
    member.set_secret(secret)
    db.session.add(member)
    db.session.commit()
    return member


def set_standard(store: Store, kind: Kind, acknowledge_within: int, complete_within: int) -> None:
    db.session.add(
        Standard(
            store_id=store.id,
            kind=kind,
            acknowledge_within=acknowledge_within,
            complete_within=complete_within,
        )
    )
    db.session.commit()


def visit_in(room: FittingRoom, started: datetime, minutes: int = 20) -> Visit:
    """A visit that has already ended (only one visit per room may be current)."""
    visit = Visit(
        room_id=room.id,
        started_at=started,
        ended_at=started + timedelta(minutes=minutes),
        end_reason="done",
    )
    db.session.add(visit)
    db.session.flush()
    return visit


def request_at(
    room: FittingRoom,
    created: datetime,
    kind: Kind = Kind.CONSULTANT,
    *,
    acknowledged: float | None = None,
    completed: float | None = None,
    closed: float | None = None,
    state: State | None = None,
    by: StaffMember | None = None,
    visit: Visit | None = None,
) -> Request:
    """A request created at `created` (naive UTC); the other times are seconds after it.
    The state follows from the times unless given (cancelled or abandoned need `state`)."""
    visit = visit or visit_in(room, created)
    request = Request(
        store_id=room.store_id,
        room_id=room.id,
        visit_id=visit.id,
        kind=kind,
        state=state or _state(acknowledged, completed),
        dedupe_key=f"{kind}:{created.isoformat()}:{room.id}",
        created_at=created,
        acknowledged_at=_after(created, acknowledged),
        completed_at=_after(created, completed),
        closed_at=_after(created, closed),
        claimed_by_id=by.id if by and acknowledged is not None else None,
    )
    db.session.add(request)
    db.session.flush()
    return request


def rating_for(
    visit: Visit,
    score: int,
    at: datetime,
    nps: int | None = None,
    reasons: str = "",
    comment: str = "",
) -> Rating:
    rating = Rating(
        visit_id=visit.id, score=score, nps=nps, reasons=reasons, comment=comment, created_at=at
    )
    db.session.add(rating)
    db.session.flush()
    return rating


def _after(start: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else start + timedelta(seconds=seconds)


def _state(acknowledged, completed) -> State:
    if completed is not None:
        return State.COMPLETED
    return State.ACKNOWLEDGED if acknowledged is not None else State.OPEN
