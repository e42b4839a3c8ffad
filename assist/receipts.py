"""Delivery receipts: every handheld on duty confirms each new request it receives.

A request that no on-duty handheld has confirmed within RECEIPT_WAIT_SECONDS is sent again;
still unconfirmed after twice that, the manager is alerted. Like escalation, each step is a
conditional UPDATE, so a restart or a second server never repeats one.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from . import clock, notify, trail
from .extensions import db
from .models import Duty, Receipt, Request, StaffMember, State

RESENT, MANAGER_TOLD = 1, 2
ACTIONS = {RESENT: "resent", MANAGER_TOLD: "undelivered"}


def confirm(request_id: int, member: StaffMember) -> bool:
    """Note that this member's handheld has the request. Repeats and strangers change nothing."""
    return confirm_many([request_id], member)


def confirm_many(request_ids: list[int], member: StaffMember) -> bool:
    """Note that this member's handheld has these requests: one write for a burst of cards.
    Ids of other stores' requests (or of none) are left out; False when none was left."""
    wanted = set(request_ids)
    ours = set(
        db.session.scalars(
            select(Request.id).where(Request.id.in_(wanted), Request.store_id == member.store_id)
        )
    )
    if not ours:
        return False
    had = set(
        db.session.scalars(
            select(Receipt.request_id).where(
                Receipt.request_id.in_(ours), Receipt.staff_id == member.id
            )
        )
    )
    new = sorted(ours - had)
    if new:
        now = clock.now()
        db.session.add_all(Receipt(request_id=i, staff_id=member.id, at=now) for i in new)
        try:
            db.session.commit()
        except IntegrityError:  # the same member's two devices at once: take what is left
            db.session.rollback()
            return confirm_many(request_ids, member)
        notify.receipts_changed(member.store_id, new)
    return True


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
        Request.state == State.OPEN,
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
    db.session.refresh(request)
    if level == RESENT:
        notify.request_changed(request, event)
    else:
        notify.escalated(request, event, level=2)
    return 1
