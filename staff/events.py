"""Socket.IO for staff devices: signed-in staff hear about their own store only."""

from flask_login import current_user
from flask_socketio import disconnect, join_room

from assist import receipts, team, trail, wall
from assist.extensions import socketio
from assist.notify import STAFF_NAMESPACE, managers_room, store_room
from staff.access import MANAGERS
from staff.wall import current_board


@socketio.on("connect", namespace=STAFF_NAMESPACE)
def connect(auth=None):
    """Refuse anyone not signed in; put staff in their store's channel. A wall board hears
    its store's nudges too (it only ever reads the board)."""
    if not current_user.is_authenticated:
        board = current_board()
        if board is None:
            raise ConnectionRefusedError("Sign in first.")
        join_room(store_room(board.store_id))
        return
    join_room(store_room(current_user.store_id))
    if current_user.role in MANAGERS:
        join_room(managers_room(current_user.store_id))


@socketio.on("heartbeat", namespace=STAFF_NAMESPACE)
def heartbeat(_payload=None):
    """The handheld is alive; the answer lets it notice a nudge it missed."""
    if not current_user.is_authenticated and (board := current_board()) is not None:
        wall.seen(board)
        return {"seq": trail.latest_for_store(board.store_id)}
    if not current_user.is_authenticated:  # signed out in another tab
        disconnect()
        return None
    team.seen(current_user)
    return {"seq": trail.latest_for_store(current_user.store_id)}


@socketio.on("received", namespace=STAFF_NAMESPACE)
def received(payload=None):
    """The handheld has the new request on its screen: a delivery receipt."""
    if not current_user.is_authenticated or not isinstance(payload, dict):
        return False
    request_id = payload.get("request")
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        return False
    return receipts.confirm(request_id, current_user)
