"""Pairing a tablet to one fitting room with a short one-time code.

The tablet then holds a long random token (in a cookie); only its hash is stored.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select, update
from sqlalchemy.orm import joinedload

from . import clock, trail
from .errors import NotFound, Refused
from .extensions import db
from .models import FittingRoom, PairingCode, Tablet

CODE_DIGITS = 6
SEEN_RESOLUTION = timedelta(seconds=10)


def issue_code(room: FittingRoom) -> PairingCode:
    """A fresh code for the room; earlier unused codes of the room stop working."""
    return issue(PairingCode, room_id=room.id)


def pair(code: str) -> tuple[Tablet, str]:
    """Use a code: the room's previous tablet is unpaired, the new one gets a token."""
    issued, now = use_code(PairingCode, code)
    _revoke_room(issued.room_id, now)
    token, token_hash = new_token()
    tablet = Tablet(room_id=issued.room_id, token_hash=token_hash, paired_at=now)
    db.session.add(tablet)
    db.session.commit()
    return tablet, token


def tablet_for_token(token: str | None) -> Tablet | None:
    """With its room and store, which every kiosk request reads next, in the same query."""
    return device_for_token(Tablet, token, joinedload(Tablet.room).joinedload(FittingRoom.store))


def seen(tablet: Tablet) -> None:
    """The tablet is alive."""
    note_seen(Tablet, tablet.id)


def tablet_heartbeat(token: str | None) -> int | None:
    """The tablet holding this token is alive: its room's newest event number (see heartbeat)."""
    return heartbeat(Tablet, holding(Tablet, token), trail.newest_in_room(Tablet.room_id))


def heartbeat(device_model, who, newest) -> int | None:
    """A device is alive (a tablet, a board, a member's handheld): stamp it seen, and answer the
    newest event number of what it follows (`newest`, correlated with the device's row), so that
    it can tell whether it missed a nudge. None when `who` (a condition on the device's row) no
    longer finds it: unpaired, revoked, signed out.

    Every device beats every 20 s, thousands of them on one process: one read for all of that,
    and the stamp's write only once it is SEEN_RESOLUTION old."""
    query = select(device_model.id, _seen_due(device_model, clock.now()), newest).where(who)
    found = db.session.execute(query).one_or_none()
    if found is None:
        return None
    device_id, due, seq = found
    if due:
        note_seen(device_model, device_id)
    return seq or 0


def note_seen(model, row_id: int) -> None:
    """Stamp last_seen_at, at most every SEEN_RESOLUTION seconds, to spare the database."""
    now = clock.now()
    db.session.execute(
        update(model)
        .where(model.id == row_id, _seen_due(model, now))
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def revoke(room: FittingRoom) -> None:
    _revoke_room(room.id, clock.now())
    db.session.commit()


def _revoke_room(room_id: int, now) -> None:
    db.session.execute(
        update(Tablet)
        .where(Tablet.room_id == room_id, Tablet.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# --- one-time codes and device tokens, for tablets and wall boards alike ------------------------


def issue(code_model, **owner):
    """A fresh one-time code for the owner (a room, a store); its earlier unused codes stop
    working. The code model has `code`, `expires_at`, `used_at` and the owner's column."""
    now = clock.now()
    db.session.execute(
        update(code_model)
        .where(*(getattr(code_model, name) == value for name, value in owner.items()))
        .where(code_model.used_at.is_(None))
        .values(used_at=now)
    )
    ttl = timedelta(seconds=current_app.config["PAIRING_CODE_TTL_SECONDS"])
    issued = code_model(**owner, code=_unused_code(code_model), expires_at=now + ttl)
    db.session.add(issued)
    db.session.commit()
    return issued


def use_code(code_model, typed: str):
    """The valid code typed, marked used (uncommitted: the caller adds the device and commits),
    and the time. Of two devices typing one code at once, one gets it."""
    code = "".join(ch for ch in typed if ch.isdecimal())
    now = clock.now()
    issued = _valid_code(code_model, code, now)
    used = db.session.execute(
        update(code_model)
        .where(code_model.id == issued.id, code_model.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        db.session.rollback()
        raise Refused(_l("That code has just been used. Ask for a new one."))
    return issued, now


def new_token() -> tuple[str, str]:
    """A long random token for the device's cookie, and the hash that is all we store."""
    token = secrets.token_urlsafe(32)
    return token, _hash(token)


def _seen_due(model, now):
    """The device's last_seen_at is SEEN_RESOLUTION old, or was never stamped."""
    return model.last_seen_at.is_(None) | (model.last_seen_at <= now - SEEN_RESOLUTION)


def device_for_token(device_model, token: str | None, *options):
    """The paired, not revoked, device (tablet or wall board) holding this token."""
    if not token:
        return None
    return db.session.scalar(
        select(device_model).where(holding(device_model, token)).options(*options)
    )


def holding(device_model, token: str | None):
    """The condition that finds the paired, not revoked, device holding this token."""
    if not token:
        return false()
    return (device_model.token_hash == _hash(token)) & device_model.revoked_at.is_(None)


def _valid_code(code_model, code: str, now):
    if len(code) != CODE_DIGITS:
        raise Refused(_l("The pairing code has %(n)s digits.", n=CODE_DIGITS))
    issued = db.session.scalar(
        select(code_model).where(
            code_model.code == code, code_model.used_at.is_(None), code_model.expires_at > now
        )
    )
    if issued is None:
        raise NotFound(_l("That code is not valid. Check it, or ask for a new one."))
    return issued


def _unused_code(code_model) -> str:
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        taken = db.session.scalar(
            select(code_model.id).where(code_model.code == code, code_model.used_at.is_(None))
        )
        if taken is None:
            return code


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
