"""Socket.IO for staff devices: signed-in staff hear about their own store only."""

from flask_login import current_user
from flask_socketio import join_room

from assist.extensions import socketio
from assist.notify import STAFF_NAMESPACE, managers_room, store_room
from staff.access import MANAGERS


@socketio.on("connect", namespace=STAFF_NAMESPACE)
def connect(auth=None):
    """Refuse anyone not signed in; put staff in their store's channel."""
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("Sign in first.")
    join_room(store_room(current_user.store_id))
    if current_user.role in MANAGERS:
        join_room(managers_room(current_user.store_id))
