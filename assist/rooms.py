"""Fitting rooms of a store."""

from sqlalchemy import select

from .errors import NotFound, Refused
from .extensions import db
from .models import FittingRoom
from .saving import commit_or_refuse


def add_room(store_id: int, name: str, area: str) -> FittingRoom:
    name, area = name.strip(), area.strip()
    if not name or len(name) > 60 or len(area) > 60:
        raise Refused("Give the room a name (and an area) of at most 60 characters.")
    room = FittingRoom(store_id=store_id, name=name, area=area)
    db.session.add(room)
    commit_or_refuse(f"There is already a room called {name}.")
    return room


def room_of_store(store_id: int, room_id: int) -> FittingRoom:
    room = db.session.get(FittingRoom, room_id)
    if room is None or room.store_id != store_id:
        raise NotFound("No such fitting room in your store.")
    return room


def areas(store_id: int) -> list[str]:
    query = select(FittingRoom.area).where(FittingRoom.store_id == store_id, FittingRoom.area != "")
    return list(db.session.scalars(query.distinct().order_by(FittingRoom.area)))
