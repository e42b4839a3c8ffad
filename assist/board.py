"""What the manager's live board shows, read fresh from the database every time."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from . import catalogue, clock, localtime, metrics, recovery, standards
from .extensions import db
from .models import (
    LIVE_STATES,
    CatalogueItem,
    Duty,
    FittingRoom,
    Kind,
    Rating,
    Receipt,
    Request,
    Role,
    StaffMember,
    State,
    Store,
    Tablet,
    Visit,
)


@dataclass(frozen=True)
class LiveRequest:
    request: Request
    timer: standards.Timer
    receipts: int
    alternatives: list[CatalogueItem]  # for a size that is not in stock: what to bring instead

    @property
    def group(self) -> str:
        """Customer requests always come before staff work (tidy) on a handheld."""
        return group_of(self.request.kind)

    @property
    def since(self) -> int:
        """When it was asked for, in epoch seconds: the order a handheld keeps for pushed cards."""
        return int(self.request.created_at.replace(tzinfo=UTC).timestamp())


def group_of(kind: str) -> str:
    return "staff" if kind == Kind.TIDY else "customer"


@dataclass(frozen=True)
class RoomStatus:
    room: FittingRoom
    visit: Visit | None
    needs_tidy: bool
    tablet: str  # "online", "silent" or "unpaired"
    uncovered: bool  # occupied while no consultant on duty covers its area

    @property
    def alarm(self) -> bool:
        return self.tablet == "silent" or self.uncovered


@dataclass(frozen=True)
class Board:
    store: Store
    requests: list[LiveRequest]
    rooms: list[RoomStatus]
    on_duty: list[StaffMember]
    on_break: list[StaffMember]
    recoveries: list[recovery.Case]
    recovered_today: list[Rating]
    today: metrics.KindFigures  # all requests created today so far, in the store's calendar
    silent_handhelds: set[int]  # on duty, but their handheld has not been heard from

    @property
    def alarms(self) -> list[RoomStatus]:
        return [room for room in self.rooms if room.alarm]


def board(store: Store) -> Board:
    now = clock.now()
    consultants = _consultants(store.id)
    on_duty = [m for m in consultants if m.duty == Duty.ON]
    return Board(
        store=store,
        requests=live_requests(store.id, now),
        rooms=_rooms(store, on_duty, now),
        on_duty=on_duty,
        on_break=[m for m in consultants if m.duty == Duty.BREAK],
        recoveries=recovery.waiting(store.id),
        recovered_today=recovery.handled_since(store.id, _start_of_today(store)),
        today=today_so_far(store),
        silent_handhelds={m.id for m in on_duty if _silent(m.last_seen_at, now)},
    )


def _start_of_today(store: Store) -> datetime:
    today = localtime.today(store.timezone)
    return localtime.utc_bounds(today, today, store.timezone)[0]


def today_so_far(store: Store) -> metrics.KindFigures:
    today = localtime.today(store.timezone)
    scope = metrics.Scope((store,), today, today)
    return metrics.overall(scope, metrics.kind_figures(scope))


def live_requests(store_id: int, now: datetime) -> list[LiveRequest]:
    """Open and acknowledged requests: customers' before staff work, longest waiting first."""
    targets = standards.targets(store_id)
    # Counted per live request (an index seek each), not over the whole receipts table.
    receipts = (
        select(func.count())
        .where(Receipt.request_id == Request.id)
        .correlate(Request)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Request, receipts)
        .where(Request.store_id == store_id, Request.state.in_(LIVE_STATES))
        .order_by(case((Request.kind == Kind.TIDY, 1), else_=0), Request.created_at, Request.id)
    )
    return [
        LiveRequest(
            request, standards.timer(request, targets[request.kind], now), count, _instead(request)
        )
        for request, count in rows
    ]


def _instead(request: Request) -> list[CatalogueItem]:
    if request.variant is None or request.in_stock:
        return []
    return catalogue.alternatives(request.variant)


def handheld_queue(member: StaffMember) -> list[LiveRequest]:
    """What a handheld shows, in the order handheld.js keeps for pushed cards: customers' before
    staff work; within each, the member's own, then the longest waiting, then others' in hand."""
    live = live_requests(member.store_id, clock.now())

    def place(item: LiveRequest) -> tuple:
        request = item.request
        hands = 1 if request.state == State.OPEN else 2  # waiting, then in someone else's hands
        if request.claimed_by_id == member.id:
            hands = 0
        return (item.group != "customer", hands, request.created_at, request.id)

    return sorted(live, key=place)


def _consultants(store_id: int) -> list[StaffMember]:
    query = select(StaffMember).where(
        StaffMember.store_id == store_id,
        StaffMember.active,
        StaffMember.role == Role.CONSULTANT,
    )
    return list(db.session.scalars(query.order_by(StaffMember.name)))


def _rooms(store: Store, on_duty: list[StaffMember], now: datetime) -> list[RoomStatus]:
    visits = _current_visits(store.id)
    tidy = _rooms_needing_tidy(store.id)
    covered_areas = {m.duty_area for m in on_duty}
    return [
        RoomStatus(
            room=room,
            visit=visits.get(room.id),
            needs_tidy=room.id in tidy,
            tablet=_tablet_state(room.tablet, now),
            uncovered=room.id in visits and not ({"", room.area} & covered_areas),
        )
        for room in store.rooms
    ]


def _tablet_state(tablet: Tablet | None, now: datetime) -> str:
    if tablet is None:
        return "unpaired"
    return "silent" if _silent(tablet.last_seen_at or tablet.paired_at, now) else "online"


def _silent(last_heard: datetime | None, now: datetime) -> bool:
    silent_after = timedelta(seconds=current_app.config["TABLET_SILENT_SECONDS"])
    return last_heard is None or now - last_heard >= silent_after


def _current_visits(store_id: int) -> dict[int, Visit]:
    query = (
        select(Visit)
        .join(FittingRoom)
        .where(FittingRoom.store_id == store_id, Visit.ended_at.is_(None))
    )
    return {visit.room_id: visit for visit in db.session.scalars(query)}


def _rooms_needing_tidy(store_id: int) -> set[int]:
    query = select(Request.room_id).where(
        Request.store_id == store_id, Request.kind == Kind.TIDY, Request.state.in_(LIVE_STATES)
    )
    return set(db.session.scalars(query))
