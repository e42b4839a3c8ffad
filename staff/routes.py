"""The handheld: sign-in, duty, and the live queue with one button for the next step."""

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from assist import board, forms, lifecycle, rooms, team
from assist.errors import Unauthorized
from assist.extensions import limiter
from assist.models import Duty

from . import bp
from .access import EVERYONE, role_required

WRONG_SIGN_IN = "Name or PIN/password is wrong."


def _signin_rate() -> str:
    return current_app.config["SIGNIN_RATE"]


def _person_key() -> str:
    """Attempts on one name count together, from whatever device they come."""
    return f"signin:{request.form.get('store', '')}:{request.form.get('name', '').strip().lower()}"


@bp.get("/signin")
def signin():
    """The sign-in form: name and PIN for consultants, password for managers and admins."""
    return render_template("staff/signin.html", stores=team.stores())


@bp.post("/signin")
@limiter.limit(_signin_rate, methods=["POST"])
@limiter.limit("5 per minute;20 per hour", key_func=_person_key, methods=["POST"])
def signin_post():
    """Check the secret; a wrong name and a wrong secret get the same answer."""
    stores = team.stores()
    store_id = forms.integer("store", optional=True) or (stores[0].id if stores else 0)
    member = team.authenticate(store_id, forms.text("name"), request.form.get("secret", ""))
    if member is None:
        current_app.logger.warning("Failed sign-in for %r in store %s", _person_key(), store_id)
        raise Unauthorized(WRONG_SIGN_IN)
    login_user(member)
    return redirect(url_for("staff.queue_page"))


@bp.post("/signout")
@role_required(*EVERYONE)
def signout():
    """Sign out; a consultant leaving the handheld goes off duty."""
    if current_user.signs_in_with_pin:
        team.set_duty(current_user, Duty.OFF)
    logout_user()
    return redirect(url_for("staff.signin"))


@bp.get("/")
@role_required(*EVERYONE)
def queue_page():
    """The handheld: duty switch and the live queue."""
    return render_template("staff/queue.html", **_queue(), **_duty())


@bp.get("/queue")
@role_required(*EVERYONE)
def queue():
    """The queue alone; it re-reads itself on every nudge and after a reconnect."""
    return render_template("staff/_queue.html", **_queue())


@bp.post("/requests/<int:request_id>/claim")
@role_required(*EVERYONE)
def claim(request_id: int):
    """I'm on it. Of two taps at once, one wins; the other is told who."""
    lifecycle.claim(request_id, current_user)
    return render_template("staff/_queue.html", **_queue())


@bp.post("/requests/<int:request_id>/complete")
@role_required(*EVERYONE)
def complete(request_id: int):
    """Done."""
    lifecycle.complete(request_id, current_user)
    return render_template("staff/_queue.html", **_queue())


@bp.post("/duty")
@role_required(*EVERYONE)
def duty():
    """On duty, on break or off, and in which area."""
    team.set_duty(current_user, forms.choice("duty", [d.value for d in Duty]), forms.text("area"))
    return render_template("staff/_duty.html", **_duty())


def _queue() -> dict:
    mine, waiting = board.handheld_queue(current_user)
    return {"mine": mine, "waiting": waiting}


def _duty() -> dict:
    return {"areas": rooms.areas(current_user.store_id), "duties": list(Duty)}
