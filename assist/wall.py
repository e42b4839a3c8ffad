"""Wall boards: a screen that shows one store's board all day, without a person signed in.

A manager issues a one-time code; the screen types it (or opens its link) and gets a long random
token in a cookie, as a tablet does. The token lets the screen read that store's board and
nothing else — the board role. Only the token's hash is stored; revoking a board stops it at once.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from . import board as live_board
from . import clock, pairing
from .errors import NotFound, Refused
from .extensions import db
from .models import Board, BoardCode, Store


def issue_code(store: Store) -> BoardCode:
    """A fresh code for a new wall board of the store; earlier unused codes stop working."""
    now = clock.now()
    db.session.execute(
        update(BoardCode)
        .where(BoardCode.store_id == store.id, BoardCode.used_at.is_(None))
        .values(used_at=now)
    )
    ttl = timedelta(seconds=current_app.config["PAIRING_CODE_TTL_SECONDS"])
    code = BoardCode(store_id=store.id, code=_unused_code(), expires_at=now + ttl)
    db.session.add(code)
    db.session.commit()
    return code


def pair(code: str) -> tuple[Board, str]:
    """Use a code: this screen becomes a wall board of the code's store."""
    code = "".join(ch for ch in code if ch.isdecimal())
    now = clock.now()
    issued = _valid_code(code, now)
    used = db.session.execute(
        update(BoardCode)
        .where(BoardCode.id == issued.id, BoardCode.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        db.session.rollback()
        raise Refused(_l("That code has just been used. Ask for a new one."))
    token = secrets.token_urlsafe(32)
    board = Board(store_id=issued.store_id, token_hash=_hash(token), paired_at=now)
    db.session.add(board)
    db.session.commit()
    return board, token


def board_for_token(token: str | None) -> Board | None:
    if not token:
        return None
    return db.session.scalar(
        select(Board).where(Board.token_hash == _hash(token), Board.revoked_at.is_(None))
    )


def boards(store_id: int) -> list[Board]:
    """The store's working wall boards, newest first."""
    query = select(Board).where(Board.store_id == store_id, Board.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(Board.paired_at.desc())))


def revoke(store_id: int, board_id: int) -> None:
    """The screen stops showing the board at once (moved, stolen, replaced)."""
    done = db.session.execute(
        update(Board)
        .where(Board.id == board_id, Board.store_id == store_id, Board.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise NotFound(_l("No such wall board in your store."))
    db.session.commit()


def seen(board: Board) -> None:
    pairing.note_seen(Board, board.id)


def _valid_code(code: str, now) -> BoardCode:
    if len(code) != pairing.CODE_DIGITS:
        raise Refused(_l("The pairing code has %(n)s digits.", n=pairing.CODE_DIGITS))
    issued = db.session.scalar(
        select(BoardCode).where(
            BoardCode.code == code, BoardCode.used_at.is_(None), BoardCode.expires_at > now
        )
    )
    if issued is None:
        raise NotFound(_l("That code is not valid. Check it, or ask for a new one."))
    return issued


def _unused_code() -> str:
    while True:
        code = f"{secrets.randbelow(10**pairing.CODE_DIGITS):0{pairing.CODE_DIGITS}d}"
        taken = db.session.scalar(
            select(BoardCode.id).where(BoardCode.code == code, BoardCode.used_at.is_(None))
        )
        if taken is None:
            return code


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- what the wall shows --------------------------------------------------------------------

TILES = 9  # 3 × 3 tiles fill a 16:9 screen at the wall's type size; more become "+N more"


@dataclass(frozen=True)
class WallView:
    board: live_board.Board

    @property
    def tiles(self) -> list[live_board.LiveRequest]:
        """Waiting customers first, then waiting tidy tasks, then what someone is on; oldest
        first within each (the board's order)."""
        requests = sorted(
            self.board.requests,
            key=lambda live: (live.request.state != "open", live.request.kind == "tidy"),
        )
        return requests[: TILES if len(requests) <= TILES else TILES - 1]

    @property
    def more(self) -> int:
        return len(self.board.requests) - len(self.tiles)

    @property
    def waiting(self) -> int:
        return sum(live.request.state == "open" for live in self.board.requests)

    @property
    def late(self) -> int:
        """Waiting past the acknowledge standard: the figure turns red."""
        return sum(
            live.request.state == "open" and live.timer.colour == "red"
            for live in self.board.requests
        )


def view(store: Store) -> WallView:
    return WallView(board=live_board.board(store))
