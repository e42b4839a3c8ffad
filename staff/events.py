"""Socket.IO for staff devices: signed-in staff hear about their own store only."""

from flask import Flask, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_socketio import disconnect, join_room

from assist import notify, receipts, team, wall
from assist.extensions import socketio
from assist.forms import MAX_ID
from assist.notify import STAFF_NAMESPACE, language_room, managers_room, store_room
from staff.access import MANAGERS
from staff.wall import BOARD_COOKIE, current_board

# One burst of cards on one screen; a longer list is not a handheld's.
MAX_RECEIPTS = 200
# The connection's own session (Flask-SocketIO keeps one per connection) remembers who signed in,
# so that a burst of receipts costs no sign-in lookup per device (receipts check it per batch).
SIGNED_IN_AS = "signed_in_as"


@socketio.on("connect", namespace=STAFF_NAMESPACE)
def connect(auth=None):
    """Refuse anyone not signed in; put staff in their store's channels, the cards' in the
    language their pages are in. A wall board hears its store's nudges too (it only reads)."""
    if not current_user.is_authenticated:
        board = current_board()
        if board is None:
            raise ConnectionRefusedError("Sign in first.")
        join_room(store_room(board.store_id))
        return
    store = current_user.store
    session[SIGNED_IN_AS] = current_user.get_id()
    join_room(store_room(store.id))
    join_room(language_room(store.id, notify.device_language(store, str(get_locale()))))
    if current_user.role in MANAGERS:
        join_room(managers_room(store.id))


@socketio.on("heartbeat", namespace=STAFF_NAMESPACE)
def heartbeat(_payload=None):
    """The handheld (or wall board) is alive; the answer lets it notice a nudge it missed. One
    whose session has ended (signed out in another tab) or that was unpaired is disconnected.

    Who it is comes from the connection's own session (`SIGNED_IN_AS`) and is checked in the
    heartbeat's one query, not by loading the signed-in member: at 2,000 handhelds, heartbeats
    were 15 % of the server's time."""
    signed_in_as = session.get(SIGNED_IN_AS)
    if signed_in_as is not None:
        seq = team.heartbeat(signed_in_as)
    else:
        seq = wall.heartbeat(request.cookies.get(BOARD_COOKIE))
    if seq is None:
        disconnect()
        return None
    return {"seq": seq}


@socketio.on("received", namespace=STAFF_NAMESPACE)
def received(payload=None):
    """The handheld shows these requests: delivery receipts, one list per burst of cards.
    Answers True when noted, False (and changes nothing) for anything that is not a list of
    request ids, or once the session has ended; `{"request": id}` alone is one receipt, as
    older pages send it."""
    receipt = _receipt(payload)
    return receipts.confirm_many(*receipt) if receipt else False


def init_app(app: Flask) -> None:
    """Handlers that python-socketio calls directly, once socketio.init_app made its server."""
    socketio.server.on("shown", shown, namespace=STAFF_NAMESPACE)


def shown(sid: str, payload=None, *_more) -> None:
    """The same receipts as `received`, as live.js sends them: unanswered, so that a store's
    burst of them holds no handler waiting for the batch's write (see receipts.note_many).

    A burst brings one from every handheld of the store, so this one skips Flask-SocketIO's
    per-event request context (URL routing, the session, the signed-in member): building it was
    three quarters of a receipt's cost, and 11 % of the server's time at 500 handhelds. Who sent
    it is in the connection's own session, set at connect (`SIGNED_IN_AS`); the batch's write
    checks that the session still holds."""
    environ = socketio.server.get_environ(sid, namespace=STAFF_NAMESPACE)
    connection = (environ or {}).get("saved_session") or {}
    receipt = _receipt(payload, connection)
    if receipt:
        with environ["flask.app"].app_context():
            receipts.note_many(*receipt)


def _receipt(payload, connection=session) -> tuple[list[int], str] | None:
    """The request ids of a receipt and who sent it; None for a bad one or an ended session."""
    request_ids = _request_ids(payload)
    signed_in_as = connection.get(SIGNED_IN_AS)
    if request_ids is None or signed_in_as is None:
        return None
    return request_ids, signed_in_as


def _request_ids(payload) -> list[int] | None:
    """The ids in a `received` payload, each a database id; None for anything else."""
    if not isinstance(payload, dict):
        return None
    ids = payload["requests"] if "requests" in payload else [payload.get("request")]
    if not isinstance(ids, list) or not 0 < len(ids) <= MAX_RECEIPTS:
        return None
    if not all(type(i) is int and 0 < i <= MAX_ID for i in ids):  # no bools, no floats
        return None
    return ids
