"""Delivery receipts: every handheld on duty confirms each new request it receives.

A request that no on-duty handheld has confirmed within RECEIPT_WAIT_SECONDS is sent again;
still unconfirmed after twice that, the manager is alerted. Like escalation, each step is a
conditional UPDATE, so a restart or a second server never repeats one.

Receipts come in bursts: a pushed card is confirmed by every handheld of the store within a
moment. Handhelds that confirm at about the same time share one write (a group commit): the first
becomes the batch's writer, lets the others join for a moment, writes every receipt of the batch
in one transaction and gives each device its own answer.
"""

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from . import clock, notify, team, trail
from .extensions import db, socketio
from .models import Duty, Receipt, Request, StaffMember

RESENT, MANAGER_TOLD = 1, 2
ACTIONS = {RESENT: "resent", MANAGER_TOLD: "undelivered"}
BATCH_SECONDS = 0.02  # a batch whose writer waits for its answer
# A batch nobody waits for (live.js's receipts, spread over a second) gathers for longer: a
# store's burst then costs a few writes, not one per handheld, and one write serves every store
# of the process.
UNANSWERED_BATCH_SECONDS = 0.25


def confirm(request_id: int, member: StaffMember) -> bool:
    """Note that this member's handheld has the request. Repeats and strangers change nothing."""
    return confirm_many([request_id], member.get_id())


def confirm_many(request_ids: list[int], session_id: str) -> bool:
    """Note that the handheld signed in as `session_id` (StaffMember.get_id) has these requests.
    Ids of other stores' requests (or of none) are left out; False when none was left, or when
    that session has ended. Waits for the batch's write."""
    joined = _join_as(session_id, request_ids)
    if joined is None:
        return False
    batch, place = joined
    if place == 0:
        _write_as_writer(batch, BATCH_SECONDS)
    else:
        batch.done.wait(timeout=30)
    return batch.answers.get(place, False)


def note_many(request_ids: list[int], session_id: str) -> None:
    """confirm_many without the answer: whoever joins a batch that another writes returns at
    once. A waiting handler holds its greenlet and the stack under it; at 2,000 handhelds the
    store's burst of receipts held about 90 MB that way. What fails to be written is not lost:
    unconfirmed requests are sent again (sweep), and the handheld confirms them again."""
    joined = _join_as(session_id, request_ids)
    if joined is not None and joined[1] == 0:
        _write_as_writer(joined[0], UNANSWERED_BATCH_SECONDS)


def _join_as(session_id: str, request_ids: list[int]) -> tuple["_Batch", int] | None:
    who = team.session_named(session_id)
    return None if who is None else _join(who, set(request_ids))


@dataclass
class _Batch:
    done: object  # an event of the server's async mode: set once the batch is written
    wanted: list[tuple[tuple[int, int], set[int]]] = field(default_factory=list)
    answers: dict[int, bool] = field(default_factory=dict)


def _join(who: tuple[int, int], request_ids: set[int]) -> tuple[_Batch, int]:
    """The open batch, with these receipts in it, and their place in it (0: the writer's)."""
    state = current_app.extensions.setdefault("receipt_batch", {"lock": threading.Lock()})
    with state["lock"]:
        batch = state.get("open")
        if batch is None:
            batch = state["open"] = _Batch(done=socketio.server.eio.create_event())
        batch.wanted.append((who, request_ids))
        return batch, len(batch.wanted) - 1


def _write_as_writer(batch: _Batch, gather_seconds: float) -> None:
    socketio.sleep(gather_seconds)  # the rest of the burst joins meanwhile
    state = current_app.extensions["receipt_batch"]
    with state["lock"]:
        state["open"] = None  # who comes now starts the next batch
    try:
        _write(batch)
    finally:
        batch.done.set()


def _write(batch: _Batch) -> None:
    """One transaction for the whole batch, then one count to each store's boards."""
    request_ids = set().union(*(ids for _, ids in batch.wanted))
    staff_ids = {staff_id for (staff_id, _), _ in batch.wanted}
    store_of = dict(
        db.session.execute(
            select(Request.id, Request.store_id).where(Request.id.in_(request_ids))
        ).all()
    )
    members = {
        staff_id: (version, store_id)
        for staff_id, version, store_id in db.session.execute(
            select(StaffMember.id, StaffMember.session_version, StaffMember.store_id).where(
                StaffMember.id.in_(staff_ids), StaffMember.active
            )
        )
    }
    confirmed: dict[tuple[int, int], int] = {}  # (request, staff) → store
    for place, ((staff_id, version), wanted) in enumerate(batch.wanted):
        version_and_store = members.get(staff_id)
        if version_and_store is None or version_and_store[0] != version:
            batch.answers[place] = False
            continue
        ours = {i for i in wanted if store_of.get(i) == version_and_store[1]}
        batch.answers[place] = bool(ours)
        confirmed.update({(i, staff_id): version_and_store[1] for i in ours})
    if not confirmed:
        return
    now = clock.now()
    rows = [{"request_id": r, "staff_id": s, "at": now} for r, s in sorted(confirmed)]
    written = db.session.execute(_insert_new_receipts(), rows).tuples()
    new = {key: confirmed[key] for key in written}
    db.session.commit()
    for store_id in set(new.values()):
        notify.receipts_changed(store_id, sorted({r for (r, _), s in new.items() if s == store_id}))


def _insert_new_receipts():
    """An INSERT that leaves alone the receipts written before (a repeat, the same member's
    other handheld, another process) and returns the ones it wrote: only those change counts."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return (
        insert(Receipt)
        .on_conflict_do_nothing(index_elements=["request_id", "staff_id"])
        .returning(Receipt.request_id, Receipt.staff_id)
    )


def count(request_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Receipt).where(Receipt.request_id == request_id)
    )


def sweep() -> int:
    """Re-send or report what no on-duty handheld has confirmed. Returns how many steps it took."""
    wait = timedelta(seconds=current_app.config["RECEIPT_WAIT_SECONDS"])
    now = clock.now()
    steps = 0
    for level, older_than in ((MANAGER_TOLD, now - 2 * wait), (RESENT, now - wait)):
        for request in _unconfirmed(level, older_than):
            steps += _step(request, level, now)
    return steps


def _unconfirmed(level: int, created_before) -> list[Request]:
    confirmed_on_duty = exists().where(
        Receipt.request_id == Request.id,
        Receipt.staff_id == StaffMember.id,
        StaffMember.duty == Duty.ON,
    )
    query = select(Request).where(
        Request.is_open,
        Request.delivery_level < level,
        Request.created_at <= created_before,
        ~confirmed_on_duty,
    )
    return list(db.session.scalars(query))


def _step(request: Request, level: int, now) -> int:
    changed = db.session.execute(
        update(Request)
        .where(Request.id == request.id, Request.delivery_level == request.delivery_level)
        .values(delivery_level=level)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        db.session.rollback()
        return 0
    event = trail.record(request, ACTIONS[level], now)
    db.session.commit()
    if level == RESENT:
        notify.request_changed(request, event)
    else:
        notify.escalated(request, event, level=2)
    return 1
