"""The manager's live board: open requests against the standard, rooms, duty, recoveries."""

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assist import board as live_board
from assist import recovery, visits
from assist.errors import NotFound
from assist.extensions import db
from assist.models import FittingRoom

from . import bp
from .access import MANAGERS, role_required


@bp.get("/board")
@role_required(*MANAGERS)
def board_page():
    """The whole board; it keeps itself fresh from the server's nudges."""
    return _render("staff/board.html")


@bp.get("/board/live")
@role_required(*MANAGERS)
def board_live():
    """The board's content alone, re-read on every nudge and every few seconds."""
    return _render("staff/_board.html")


@bp.post("/board/rooms/<int:room_id>/reset")
@role_required(*MANAGERS)
def reset_room(room_id: int):
    """End the room's visit by hand (the customer left without saying so)."""
    room = db.session.get(FittingRoom, room_id)
    if room is None or room.store_id != current_user.store_id:
        raise NotFound(_l("No such fitting room in your store."))
    visit = visits.current_visit(room.id)
    if visit:
        visits.end_visit(visit, "reset")
    return _render("staff/_board.html")


@bp.post("/board/recoveries/<int:rating_id>")
@role_required(*MANAGERS)
def record_recovery(rating_id: int):
    """Write down what was done for a customer who rated the visit 1 or 2."""
    form = request.form
    recovery.record(
        current_user.store_id, rating_id, current_user, form.get("action", ""), form.get("note", "")
    )
    return _render("staff/_board.html")


def _render(template: str):
    return render_template(
        template,
        board=live_board.board(current_user.store),
        recovery_actions=recovery.ACTIONS,
        time_to_recovery=recovery.time_to_recovery,
    )
