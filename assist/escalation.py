"""The escalation ladder for requests nobody has taken.

Past the acknowledge target every consultant on duty is alerted again (level 1); past twice the
target the manager is alerted too (level 2). Alerts repeat every ESCALATION_REPEAT_SECONDS until
someone says "I'm on it". The state lives in the request row and every step is a conditional
UPDATE, so a restarted server carries on where it stopped and two sweepers never double-alert.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select, update

from . import clock, knock, notify, receipts, standards, trail
from .extensions import db, socketio
from .models import Request, State

FLOOR, MANAGER = 1, 2
# Each level is due once a request has waited this many times its acknowledge target.
TARGETS_UNTIL = {FLOOR: 1, MANAGER: 2}
ACTIONS = {FLOOR: "alerted_floor", MANAGER: "alerted_manager"}
REPEATED = "alert_repeated"


@dataclass(frozen=True)
class Alert:
    request_id: int
    level: int
    event_id: int


def sweep() -> list[Alert]:
    """Raise or repeat every alert that is due now; each one once, whoever else is sweeping."""
    now = clock.now()
    repeat = timedelta(seconds=current_app.config["ESCALATION_REPEAT_SECONDS"])
    alerts = []
    waiting = _open_requests()
    targets = standards.targets_of(sorted({request.store_id for request in waiting}))
    for request in waiting:
        target = targets[request.store_id][request.kind]
        wanted = _level_due(request, target.acknowledge_within, now)
        alert = _raise(request, wanted, now, repeat) or _repeat(request, now, repeat)
        if alert:
            alerts.append(alert)
    return alerts


def sweep_once() -> None:
    """What the sweeper does every ESCALATION_SWEEP_SECONDS: escalations, unconfirmed
    deliveries, unanswered knocks."""
    sweep()
    receipts.sweep()
    knock.expire_unanswered()


def start_sweeper(app: Flask) -> None:
    """Sweep for ever in the server's own event loop (eventlet, gevent or a thread)."""

    def sweep_forever() -> None:
        while True:
            socketio.sleep(app.config["ESCALATION_SWEEP_SECONDS"])
            with app.app_context():
                try:
                    sweep_once()
                except Exception:  # a bad sweep must not stop the next one
                    app.logger.exception("Escalation sweep failed")
                    db.session.rollback()

    socketio.start_background_task(sweep_forever)


def _level_due(request: Request, acknowledge_within: int, now: datetime) -> int:
    waited = (now - request.created_at).total_seconds()
    for level in (MANAGER, FLOOR):
        if waited >= TARGETS_UNTIL[level] * acknowledge_within:
            return level
    return 0


def _raise(request: Request, level: int, now: datetime, repeat: timedelta) -> Alert | None:
    if level <= request.escalation_level:
        return None
    changed = _conditional(
        request,
        Request.escalation_level == request.escalation_level,
        escalation_level=level,
        next_alert_at=now + repeat,
    )
    return _record(request, level, ACTIONS[level], now) if changed else None


def _repeat(request: Request, now: datetime, repeat: timedelta) -> Alert | None:
    if (
        request.escalation_level == 0
        or request.next_alert_at is None
        or request.next_alert_at > now
    ):
        return None
    changed = _conditional(
        request, Request.next_alert_at == request.next_alert_at, next_alert_at=now + repeat
    )
    return _record(request, request.escalation_level, REPEATED, now) if changed else None


def _conditional(request: Request, unchanged, **values) -> bool:
    result = db.session.execute(
        update(Request)
        .where(Request.id == request.id, Request.state == State.OPEN, unchanged)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    return True


def _record(request: Request, level: int, action: str, now: datetime) -> Alert:
    event = trail.record(request, action, now)
    db.session.commit()
    notify.escalated(request, event, level)
    return Alert(request.id, level, event.id)


def _open_requests() -> list[Request]:
    """Every store's requests nobody has taken, oldest first: one query for the whole sweep
    (a chain's sweep read each store's apart, two queries a store every few seconds)."""
    query = select(Request).where(Request.is_open).order_by(Request.created_at)
    return list(db.session.scalars(query))
