"""The one place real-time events leave the server. Call only after the change is committed.

An event is a nudge to look again, never the truth: every client re-reads its view over HTTP.
"""

from .extensions import socketio
from .models import Request, RequestEvent

STAFF_NAMESPACE = "/staff"
KIOSK_NAMESPACE = "/kiosk"


def store_room(store_id: int) -> str:
    return f"store:{store_id}"


def fitting_room(room_id: int) -> str:
    return f"room:{room_id}"


def request_changed(request: Request, event: RequestEvent) -> None:
    """Tell the store's handhelds and the room's tablet that a request moved."""
    payload = {
        "seq": event.id,
        "request": request.id,
        "room": request.room_id,
        "kind": request.kind,
        "action": event.action,
        "state": request.state,
        "by": request.claimed_by.first_name if request.claimed_by else None,
    }
    socketio.emit("request", payload, to=store_room(request.store_id), namespace=STAFF_NAMESPACE)
    socketio.emit("request", payload, to=fitting_room(request.room_id), namespace=KIOSK_NAMESPACE)


def staff_changed(store_id: int) -> None:
    """Duty or team changed: boards re-read who is on the floor."""
    socketio.emit("staff", {"store": store_id}, to=store_room(store_id), namespace=STAFF_NAMESPACE)
