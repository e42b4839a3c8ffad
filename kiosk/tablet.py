"""Which tablet is asking: the token in its cookie, checked against the database each time."""

from functools import wraps

from flask import current_app, g, redirect, request, url_for

from assist import pairing
from assist.models import Tablet

TABLET_COOKIE = "fra_tablet"


def current_tablet() -> Tablet | None:
    if "tablet" not in g:
        g.tablet = pairing.tablet_for_token(request.cookies.get(TABLET_COOKIE))
        g.store = g.tablet.room.store if g.tablet else None
    return g.tablet


def tablet_required(view):
    """Kiosk views act only for the fitting room of the paired tablet asking."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_tablet() is None:
            return redirect(url_for("kiosk.pair"))
        return view(*args, **kwargs)

    return wrapped


def remember_tablet(response, token: str):
    response.set_cookie(
        TABLET_COOKIE,
        token,
        max_age=current_app.config["TABLET_COOKIE_DAYS"] * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
