"""Socket.IO for tablets: a paired tablet hears about its own fitting room, nothing else."""

from flask_socketio import join_room

from assist.extensions import socketio
from assist.notify import KIOSK_NAMESPACE, fitting_room

from .tablet import current_tablet


@socketio.on("connect", namespace=KIOSK_NAMESPACE)
def connect(auth=None):
    """Refuse unpaired devices; put a tablet in its room's channel."""
    tablet = current_tablet()
    if tablet is None:
        raise ConnectionRefusedError("This device is not a paired tablet.")
    join_room(fitting_room(tablet.room_id))
