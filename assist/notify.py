"""The one place real-time events leave the server. Call only after the change is committed.

An event is a nudge to look again, never the truth: every client re-reads its view over HTTP.
"""

from .extensions import socketio
from .models import Rating, Request, RequestEvent

STAFF_NAMESPACE = "/staff"
KIOSK_NAMESPACE = "/kiosk"


def store_room(store_id: int) -> str:
    return f"store:{store_id}"


def fitting_room(room_id: int) -> str:
    return f"room:{room_id}"


def managers_room(store_id: int) -> str:
    return f"store:{store_id}:managers"


def request_changed(request: Request, event: RequestEvent) -> None:
    """Tell the store's handhelds and the room's tablet that a request moved."""
    payload = _about(request, event)
    socketio.emit("request", payload, to=store_room(request.store_id), namespace=STAFF_NAMESPACE)
    socketio.emit("request", payload, to=fitting_room(request.room_id), namespace=KIOSK_NAMESPACE)


def escalated(request: Request, event: RequestEvent, level: int) -> None:
    """A request waited too long: the floor hears it again; level 2 means the manager too."""
    payload = {**_about(request, event), "level": level}
    socketio.emit("alert", payload, to=store_room(request.store_id), namespace=STAFF_NAMESPACE)


def _about(request: Request, event: RequestEvent) -> dict:
    """The one shape of every request nudge; `seq` lets a device notice one it missed."""
    return {
        "seq": event.id,
        "request": request.id,
        "room": request.room_id,
        "kind": request.kind,
        "action": event.action,
        "state": request.state,
        "by": request.claimed_by.first_name if request.claimed_by else None,
    }


def low_rating(rating: Rating) -> None:
    """A customer rated 1 or 2: the managers hear at once, while the customer may still be here."""
    room = rating.visit.room
    payload = {"rating": rating.id, "room": room.id, "score": rating.score}
    socketio.emit("recovery", payload, to=managers_room(room.store_id), namespace=STAFF_NAMESPACE)


def staff_changed(store_id: int) -> None:
    """Duty or team changed: boards re-read who is on the floor."""
    socketio.emit("staff", {"store": store_id}, to=store_room(store_id), namespace=STAFF_NAMESPACE)
