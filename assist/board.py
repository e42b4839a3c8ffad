"""What the manager's live board shows, read fresh from the database every time,
except today's figures: those are kept per store for a moment (see kept_for_today)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from flask import current_app
from sqlalchemy import case, func, select

from . import catalogue, clock, knock, localtime, metrics, recovery, standards, trail
from .extensions import db
from .models import (
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
        """When it was asked for, in epoch seconds (the clock stores naive UTC): the order a
        handheld keeps for pushed cards."""
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
    today: metrics.KindFigures  # customer requests created today so far, in the store's calendar
    knocks: metrics.KnockShare  # today's served visits, and those where staff knocked first
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
        today=kept_for_today(store, "figures", today_so_far),
        knocks=kept_for_today(store, "knocks", knocked_today),
        silent_handhelds={m.id for m in on_duty if _silent(m.last_seen_at, now)},
    )


def _start_of_today(store: Store) -> datetime:
    today = localtime.today(store.timezone)
    return localtime.utc_bounds(today, today, store.timezone)[0]


def _today(store: Store) -> metrics.Scope:
    today = localtime.today(store.timezone)
    return metrics.Scope((store,), today, today)


def today_so_far(store: Store) -> metrics.KindFigures:
    """Customer requests of the store's day so far; `scored` are those decided so far."""
    scope = _today(store)
    return metrics.overall(scope, metrics.kind_figures(scope))


def knocked_today(store: Store) -> metrics.KnockShare:
    """Of today's visits with a completed customer request, those where staff knocked first."""
    return metrics.knock_share(_today(store))


# Today's figures are an aggregate over the whole day, the dearest part of a board. Every board
# re-reads on every change, so they are kept per store and recomputed only when a request moved
# (a new event) and at most once every TODAY_MIN_SECONDS, and at least every TODAY_MAX_SECONDS
# (time alone moves requests past their targets).
TODAY_MIN_SECONDS = 1.0
TODAY_MAX_SECONDS = 10.0
T = TypeVar("T")


def kept_for_today(store: Store, name: str, compute: Callable[[Store], T]) -> T:
    """One of today's figures, shared by every board of the store that this process serves."""
    cache = current_app.extensions.setdefault("board_today", {})
    seq, at = trail.latest_for_store(store.id), time.monotonic()
    kept = cache.get((store.id, name))
    if kept is not None:
        kept_seq, kept_at, figures = kept
        age = at - kept_at
        if age < TODAY_MIN_SECONDS or (kept_seq == seq and age < TODAY_MAX_SECONDS):
            return figures
    figures = compute(store)
    cache[(store.id, name)] = (seq, at, figures)
    return figures


def receipts_of_request():
    """How many handhelds confirmed the request of the row, as a column of a query on Request
    (an index seek per request, not a pass over the whole receipts table)."""
    return (
        select(func.count())
        .where(Receipt.request_id == Request.id)
        .correlate(Request)
        .scalar_subquery()
    )


def live_request(request: Request, receipts: int, target: standards.Target) -> LiveRequest:
    """One request as a card shows it, from what notify._reload_for_card read with it."""
    return LiveRequest(
        request, standards.timer(request, target, clock.now()), receipts, _instead(request)
    )


def live_requests(store_id: int, now: datetime) -> list[LiveRequest]:
    """Open and acknowledged requests: customers' before staff work, longest waiting first."""
    targets = standards.targets(store_id)
    rows = db.session.execute(
        select(Request, receipts_of_request())
        .where(Request.store_id == store_id, Request.is_live)
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
    """What a handheld shows, in the order handheld.js keeps for pushed cards: any of the member's
    requests whose customer has left (not yet seen) on top; then customers' before staff work,
    within each the member's own, then the longest waiting, then others' in hand."""
    now = clock.now()
    live = live_requests(member.store_id, now)

    def place(item: LiveRequest) -> tuple:
        request = item.request
        hands = 1 if request.state == State.OPEN else 2  # waiting, then in someone else's hands
        if request.claimed_by_id == member.id:
            hands = 0
        return (item.group != "customer", hands, request.created_at, request.id)

    return [*_left(member, now), *sorted(live, key=place)]


def _left(member: StaffMember, now: datetime) -> list[LiveRequest]:
    gone = knock.left_unnoted(member)
    targets = standards.targets(member.store_id) if gone else {}
    return [LiveRequest(r, standards.timer(r, targets[r.kind], now), 0, []) for r in gone]


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
        Request.store_id == store_id, Request.kind == Kind.TIDY, Request.is_live
    )
    return set(db.session.scalars(query))
