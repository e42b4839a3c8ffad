"""Socket.IO for tablets: a paired tablet hears about its own fitting room, nothing else."""

from flask import request
from flask_socketio import disconnect, join_room

from assist import pairing
from assist.extensions import socketio
from assist.notify import KIOSK_NAMESPACE, fitting_room

from .tablet import TABLET_COOKIE, current_tablet


@socketio.on("connect", namespace=KIOSK_NAMESPACE)
def connect(auth=None):
    """Refuse unpaired devices; put a tablet in its room's channel."""
    tablet = current_tablet()
    if tablet is None:
        raise ConnectionRefusedError("This device is not a paired tablet.")
    join_room(fitting_room(tablet.room_id))
    pairing.seen(tablet)


@socketio.on("heartbeat", namespace=KIOSK_NAMESPACE)
def heartbeat(_payload=None):
    """The tablet is alive; the answer lets it notice a nudge it missed."""
    seq = pairing.tablet_heartbeat(request.cookies.get(TABLET_COOKIE))
    if seq is None:  # unpaired while connected
        disconnect()
        return None
    return {"seq": seq}
