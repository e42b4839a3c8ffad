"""Fitting rooms of a store."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from . import forms
from .errors import NotFound
from .extensions import db
from .models import FittingRoom, Tablet
from .saving import commit_or_refuse


@dataclass(frozen=True)
class RoomOverview:
    """A room as the admin sees it: its tablet now, and when a tablet was last paired to it."""

    room: FittingRoom
    tablet: Tablet | None  # the paired one; None when the room has none now
    last_paired_at: datetime | None  # of any tablet, revoked ones too; None if never paired

    @property
    def ever_paired(self) -> bool:
        return self.last_paired_at is not None


def add_room(store_id: int, name: str, area: str) -> FittingRoom:
    name = forms.fitting(name, FittingRoom.name, required=True)
    area = forms.fitting(area, FittingRoom.area)
    room = FittingRoom(store_id=store_id, name=name, area=area)
    db.session.add(room)
    commit_or_refuse(_l("There is already a room called %(name)s.", name=name))
    return room


def room_of_store(store_id: int, room_id: int) -> FittingRoom:
    room = db.session.get(FittingRoom, room_id)
    if room is None or room.store_id != store_id:
        raise NotFound(_l("No such fitting room in your store."))
    return room


def overview(store_id: int) -> list[RoomOverview]:
    """Every room of the store, by area and name, with its pairing state."""
    last_paired = dict(
        db.session.execute(
            select(Tablet.room_id, func.max(Tablet.paired_at))
            .join(FittingRoom)
            .where(FittingRoom.store_id == store_id)
            .group_by(Tablet.room_id)
        ).all()
    )
    rooms = db.session.scalars(
        select(FittingRoom)
        .where(FittingRoom.store_id == store_id)
        .order_by(FittingRoom.area, FittingRoom.name)
    )
    return [RoomOverview(room, room.tablet, last_paired.get(room.id)) for room in rooms]


def areas(store_id: int) -> list[str]:
    query = select(FittingRoom.area).where(FittingRoom.store_id == store_id, FittingRoom.area != "")
    return list(db.session.scalars(query.distinct().order_by(FittingRoom.area)))
