"""The store's drink and amenity menus."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import forms
from .errors import NotFound, Refused
from .extensions import db
from .models import Kind, MenuItem

MENU_KINDS = (Kind.DRINK, Kind.AMENITY)


def menu(store_id: int, kind: Kind, *, include_inactive: bool = False) -> list[MenuItem]:
    query = select(MenuItem).where(MenuItem.store_id == store_id, MenuItem.kind == kind)
    if not include_inactive:
        query = query.where(MenuItem.active)
    return list(db.session.scalars(query.order_by(MenuItem.name)))


def offered_item(store_id: int, kind: Kind, item_id: int | None) -> MenuItem:
    """The menu item a customer picked, if the store offers it now."""
    item = db.session.get(MenuItem, item_id) if item_id else None
    if item is None or item.store_id != store_id or item.kind != kind or not item.active:
        raise NotFound(_l("That is not on the menu."))
    return item


def add_item(store_id: int, kind: Kind, name: str, age_restricted: bool) -> MenuItem:
    if kind not in MENU_KINDS:
        raise Refused(_l("A menu is for drinks or amenities."))
    name = forms.fitting(name, MenuItem.name, required=True)
    item = MenuItem(store_id=store_id, kind=kind, name=name, age_restricted=age_restricted)
    db.session.add(item)
    db.session.commit()
    return item


def set_active(store_id: int, item_id: int, active: bool) -> MenuItem:
    item = db.session.get(MenuItem, item_id)
    if item is None or item.store_id != store_id:
        raise NotFound(_l("No such menu item."))
    item.active = active
    db.session.commit()
    return item
