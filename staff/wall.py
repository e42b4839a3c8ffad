"""The board for the wall: full screen, read from across the shop floor, signed in by itself.

A wall board is a screen paired to one store with a one-time code (assist.wall); its token
cookie lets it read that store's wall board and nothing else. A signed-in manager may open the
same page. Anyone else is sent to pair the screen.
"""

from functools import wraps

from flask import current_app, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from assist import wall
from assist.errors import Refused
from assist.extensions import htmx, limiter
from assist.models import Board, Store
from assist.web import remember_device, show_problem

from . import bp
from .access import MANAGERS, role_required

BOARD_COOKIE = "fra_board"


def current_board() -> Board | None:
    """The wall board this device is, by its cookie; also sets the store for the locale."""
    if "board" not in g:
        g.board = wall.board_for_token(request.cookies.get(BOARD_COOKIE))
        if g.board is not None:
            g.store = g.board.store
    return g.board


def _wall_store() -> Store | None:
    board = current_board()
    if board is not None:
        return board.store
    if current_user.is_authenticated and current_user.role in MANAGERS:
        return current_user.store
    return None


def wall_reader(view):
    """A paired wall board, or a signed-in manager; anyone else is sent to pair the screen."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        store = _wall_store()
        if store is None:
            target = url_for("staff.pair_board")
            return ("", 204, {"HX-Redirect": target}) if htmx else redirect(target)
        return view(store, *args, **kwargs)

    return wrapped


def _pairing_rate() -> str:
    return current_app.config["PAIRING_RATE"]


@bp.get("/board/wall")
@wall_reader
def wall_page(store: Store):
    """The wall board, full screen; it keeps itself fresh from the server's nudges."""
    if board := current_board():
        wall.seen(board)
    return render_template("staff/wall.html", wall=wall.view(store))


@bp.get("/board/wall/live")
@wall_reader
def wall_live(store: Store):
    """The wall's content alone, re-read on every nudge and every 10 s."""
    return render_template("staff/_wall.html", wall=wall.view(store))


@bp.route("/board/pair", methods=["GET", "POST"])
@limiter.limit(_pairing_rate, methods=["POST"], key_func=get_remote_address)
def pair_board():
    """Make this screen a wall board, with the code a manager issued."""
    if request.method == "GET":
        code = "".join(ch for ch in request.args.get("code", "") if ch.isdecimal())[:12]
        return render_template("staff/board_pair.html", code=code)
    _board, token = wall.pair(request.form.get("code", "")[:40])
    response = redirect(url_for("staff.wall_page"), 303)
    return remember_device(response, BOARD_COOKIE, token, current_app.config["BOARD_COOKIE_DAYS"])


@bp.get("/admin/boards")
@role_required(*MANAGERS)
def boards_page():
    """The store's wall boards, and a code to pair another screen."""
    return _boards_page()


@bp.post("/admin/boards/code")
@role_required(*MANAGERS)
def board_code():
    """A fresh one-time code to type on the wall screen."""
    return _boards_page(code=wall.issue_code(current_user.store))


@bp.post("/admin/boards/<int:board_id>/revoke")
@role_required(*MANAGERS)
def revoke_board(board_id: int):
    """The screen stops showing the board at once."""
    wall.revoke(current_user.store_id, board_id)
    return _boards_page()


def _boards_page(code=None):
    return render_template(
        "staff/admin/boards.html", boards=wall.boards(current_user.store_id), code=code
    )


@bp.errorhandler(Refused)
def refused_pairing(error):
    """A wrong code: say so on the pairing page itself."""
    if request.endpoint == "staff.pair_board":
        page = render_template("staff/board_pair.html", code="", problem=error.message)
        return page, error.status
    return show_problem(error.message, error.status)
