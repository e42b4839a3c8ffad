"""The handheld: sign-in, duty, and the live queue with one button for the next step."""

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from assist import board, forms, knock, lifecycle, notify, rooms, team
from assist.extensions import htmx, limiter
from assist.models import Duty, Request
from assist.web import show_problem

from . import bp
from .access import EVERYONE, role_required

WRONG_SIGN_IN = _l("Name or PIN/password is wrong.")
TOO_MANY_SIGN_INS = _l("Too many attempts. Please wait a minute, then try again.")


def _signin_rate() -> str:
    return current_app.config["SIGNIN_RATE"]


def _person_key() -> str:
    """Attempts on one name count together, from whatever device they come."""
    return f"signin:{request.form.get('store', '')}:{request.form.get('name', '').strip().lower()}"


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(_signin_rate, methods=["POST"])
@limiter.limit("5 per minute;20 per hour", key_func=_person_key, methods=["POST"])
def signin():
    """Name and PIN for consultants, name and password for managers and admins.
    A wrong name and a wrong secret get the same answer."""
    if request.method == "GET":
        return _signin_page()
    member = team.authenticate(_store_id(), forms.text("name"), request.form.get("secret", ""))
    if member is None:
        current_app.logger.warning("Failed sign-in for %r", _person_key())
        return _signin_page(WRONG_SIGN_IN, 401)
    login_user(member, remember=False)  # shared handhelds: the session ends with the browser
    return redirect(_next_page())


@bp.errorhandler(429)
def too_many(error):
    """The sign-in back-off: say so on the form, not on a bare error page."""
    if request.endpoint == "staff.signin":
        return _signin_page(TOO_MANY_SIGN_INS, 429)
    return show_problem(TOO_MANY_SIGN_INS, 429)


@bp.post("/signout")
@role_required(*EVERYONE)
def signout():
    """Sign out; a consultant leaving the handheld goes off duty. A copy of the session cookie
    stops working too."""
    team.sign_out(current_user)
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
    return _card(lifecycle.claim(request_id, current_user))


@bp.post("/requests/<int:request_id>/complete")
@role_required(*EVERYONE)
def complete(request_id: int):
    """Done."""
    return _card(lifecycle.complete(request_id, current_user))


@bp.post("/requests/<int:request_id>/knock")
@role_required(*EVERYONE)
def knock_at_door(request_id: int):
    """At the door: the room's tablet asks the customer "May we come in?"."""
    return _card(knock.knock(request_id, current_user))


@bp.post("/requests/<int:request_id>/noted")
@role_required(*EVERYONE)
def note_left(request_id: int):
    """The consultant has seen that the customer left: the card goes."""
    return _card(knock.note_left(request_id, current_user))


@bp.post("/duty")
@role_required(*EVERYONE)
def duty():
    """On duty, on break or off, and in which area."""
    team.set_duty(current_user, forms.choice("duty", [d.value for d in Duty]), forms.text("area"))
    return render_template("staff/_duty.html", **_duty())


@bp.after_request
def resync_after_conflict(response):
    """A tap refused because someone else was quicker means the screen is out of date:
    the queue re-reads itself while the message says who took it."""
    if response.status_code == 409 and htmx:
        response.headers["HX-Trigger"] = "live:resync"
    return response


def _signin_page(problem: str | None = None, status: int = 200):
    with_password = request.values.get("with") == "password"
    page = render_template(
        "staff/signin.html",
        stores=team.stores(),
        problem=problem,
        with_password=with_password,
        name=request.form.get("name", ""),
        chosen_store=request.form.get("store", ""),
        next_page=request.values.get("next", ""),
    )
    return page, status


def _store_id() -> int:
    """The store picked on the form; with a single store there is nothing to pick."""
    picked = forms.integer("store", optional=True)
    if picked is not None:
        return picked
    stores = team.stores()
    return stores[0].id if len(stores) == 1 else 0


def _next_page() -> str:
    """Back to the staff page that sent the person to sign in; never to another site."""
    wanted = request.form.get("next", "")
    if wanted.startswith("/staff/") and "//" not in wanted and "\\" not in wanted:
        return wanted
    return url_for("staff.queue_page")


def _card(moved: Request) -> str:
    """The answer to a tap on a card: that card as every handheld now has it (htmx swaps it in
    place; empty when it has left the queue). The rest of the queue comes by push."""
    return notify.card(moved, str(get_locale()))


def _queue() -> dict:
    return {"cards": board.handheld_queue(current_user)}


def _duty() -> dict:
    return {"areas": rooms.areas(current_user.store_id), "duties": list(Duty)}
