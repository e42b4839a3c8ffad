"""Which tablet is asking: the token in its cookie, checked against the database each time."""

from flask import current_app, g, request

from assist import pairing
from assist.models import Tablet
from assist.web import remember_device

TABLET_COOKIE = "fra_tablet"


def current_tablet() -> Tablet | None:
    if "tablet" not in g:
        g.tablet = pairing.tablet_for_token(request.cookies.get(TABLET_COOKIE))
        g.store = g.tablet.room.store if g.tablet else None
    return g.tablet


def remember_tablet(response, token: str):
    days = current_app.config["TABLET_COOKIE_DAYS"]
    return remember_device(response, TABLET_COOKIE, token, days)
