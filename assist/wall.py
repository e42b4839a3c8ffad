"""Wall boards: a screen that shows one store's board all day, without a person signed in.

A manager issues a one-time code; the screen types it (or opens its link) and gets a long random
token in a cookie, as a tablet does. The token lets the screen read that store's board and
nothing else — the board role. Only the token's hash is stored; revoking a board stops it at once.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from . import board as live_board
from . import clock, pairing, trail
from .errors import NotFound
from .extensions import db
from .models import Board, BoardCode, Store


def issue_code(store: Store) -> BoardCode:
    """A fresh code for a new wall board of the store; earlier unused codes stop working."""
    return pairing.issue(BoardCode, store_id=store.id)


def pair(code: str) -> tuple[Board, str]:
    """Use a code: this screen becomes a wall board of the code's store."""
    issued, now = pairing.use_code(BoardCode, code)
    token, token_hash = pairing.new_token()
    board = Board(store_id=issued.store_id, token_hash=token_hash, paired_at=now)
    db.session.add(board)
    db.session.commit()
    return board, token


def board_for_token(token: str | None) -> Board | None:
    return pairing.device_for_token(Board, token)


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


def heartbeat(token: str | None) -> int | None:
    """The board holding this token is alive: its store's newest event number (see
    pairing.heartbeat); None once it is unpaired."""
    return pairing.heartbeat(
        Board, pairing.holding(Board, token), trail.newest_in_store(Board.store_id)
    )


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
