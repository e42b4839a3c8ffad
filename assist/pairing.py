"""Pairing a tablet to one fitting room with a short one-time code.

The tablet then holds a long random token (in a cookie); only its hash is stored.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from . import clock
from .errors import NotFound, Refused
from .extensions import db
from .models import FittingRoom, PairingCode, Tablet

CODE_DIGITS = 6
SEEN_RESOLUTION = timedelta(seconds=10)


def issue_code(room: FittingRoom) -> PairingCode:
    """A fresh code for the room; earlier unused codes of the room stop working."""
    now = clock.now()
    db.session.execute(
        update(PairingCode)
        .where(PairingCode.room_id == room.id, PairingCode.used_at.is_(None))
        .values(used_at=now)
    )
    ttl = timedelta(seconds=current_app.config["PAIRING_CODE_TTL_SECONDS"])
    pairing = PairingCode(room_id=room.id, code=_unused_code(), expires_at=now + ttl)
    db.session.add(pairing)
    db.session.commit()
    return pairing


def pair(code: str) -> tuple[Tablet, str]:
    """Use a code: the room's previous tablet is unpaired, the new one gets a token."""
    code = "".join(ch for ch in code if ch.isdigit())
    now = clock.now()
    pairing = _valid_code(code, now)
    used = db.session.execute(
        update(PairingCode)
        .where(PairingCode.id == pairing.id, PairingCode.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        db.session.rollback()
        raise Refused(_l("That code has just been used. Ask for a new one."))
    _revoke_room(pairing.room_id, now)
    token = secrets.token_urlsafe(32)
    tablet = Tablet(room_id=pairing.room_id, token_hash=_hash(token), paired_at=now)
    db.session.add(tablet)
    db.session.commit()
    return tablet, token


def tablet_for_token(token: str | None) -> Tablet | None:
    if not token:
        return None
    return db.session.scalar(
        select(Tablet).where(Tablet.token_hash == _hash(token), Tablet.revoked_at.is_(None))
    )


def seen(tablet: Tablet) -> None:
    """The tablet is alive."""
    note_seen(Tablet, tablet.id)


def note_seen(model, row_id: int) -> None:
    """Stamp last_seen_at, at most every SEEN_RESOLUTION seconds, to spare the database."""
    now = clock.now()
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .where(model.last_seen_at.is_(None) | (model.last_seen_at < now - SEEN_RESOLUTION))
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


def _valid_code(code: str, now) -> PairingCode:
    if len(code) != CODE_DIGITS:
        raise Refused(_l("The pairing code has %(n)s digits.", n=CODE_DIGITS))
    pairing = db.session.scalar(
        select(PairingCode).where(
            PairingCode.code == code, PairingCode.used_at.is_(None), PairingCode.expires_at > now
        )
    )
    if pairing is None:
        raise NotFound(_l("That code is not valid. Check it, or ask for a new one."))
    return pairing


def _unused_code() -> str:
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        taken = db.session.scalar(
            select(PairingCode.id).where(PairingCode.code == code, PairingCode.used_at.is_(None))
        )
        if taken is None:
            return code


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
