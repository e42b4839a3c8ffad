"""Which tablet is asking: the token in its cookie, checked against the database each time."""

from dataclasses import dataclass

from flask import current_app, g, request

from assist import pairing
from assist.models import Tablet
from assist.web import remember_device

TABLET_COOKIE = "fra_tablet"


@dataclass(frozen=True)
class Names:
    """The store's and the room's names, as the screens' top bar shows them: kept as read with
    the tablet, so that a screen drawn after a commit does not read the tablet again for them."""

    store: str
    room: str


def current_tablet() -> Tablet | None:
    if "tablet" not in g:
        g.tablet = pairing.tablet_for_token(request.cookies.get(TABLET_COOKIE))
        g.store = g.tablet.room.store if g.tablet else None
        g.names = Names(g.store.name, g.tablet.room.label) if g.tablet else None
    return g.tablet


def remember_tablet(response, token: str):
    days = current_app.config["TABLET_COOKIE_DAYS"]
    return remember_device(response, TABLET_COOKIE, token, days)
