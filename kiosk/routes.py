"""The tablet's screens. Each view reads the form, asks the domain, and shows one screen.

A screen is a `templates/kiosk/_*.html` partial whose root is `<main id="screen">`: htmx swaps it
in on its own, a plain request gets it inside `kiosk/page.html`.
"""

import uuid

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_htmx import make_response
from flask_limiter.util import get_remote_address

from assist import catalogue, forms, knock, lifecycle, menus, pairing, visits
from assist.errors import NotFound
from assist.extensions import htmx, limiter
from assist.models import Kind, Request, Visit

from . import bp
from .tablet import current_tablet, remember_tablet

REQUEST_KINDS = (Kind.CONSULTANT, Kind.SIZE, Kind.DRINK, Kind.AMENITY)
TOO_MANY_TAPS = _l("That was a lot of taps. Please wait a moment; a consultant has your requests.")
TOO_MANY_CODES = _l("Too many pairing attempts. Please wait a minute and try again.")


def _tablet_key() -> str:
    """Rate limits count per tablet, so one busy room does not slow down the next."""
    tablet = current_tablet()
    return f"tablet:{tablet.id}" if tablet else get_remote_address()


def _pairing_rate() -> str:
    return current_app.config["PAIRING_RATE"]


def _request_rate() -> str:
    return current_app.config["TABLET_REQUEST_RATE"]


@bp.before_request
def require_tablet():
    """Only a paired tablet sees the customer's screens; anything else is sent to pairing."""
    if request.endpoint == "kiosk.pair" or current_tablet() is not None:
        return None
    return _go_to(url_for("kiosk.pair"))


@bp.context_processor
def tap_keys() -> dict:
    """Each form that asks for something carries a key of its own, made when it is drawn: the
    tablet re-sends a lost tap with the same key, so the server makes it only once."""
    return {"new_client_key": lambda: uuid.uuid4().hex}


# --- screens --------------------------------------------------------------------------------


@bp.get("/")
def home():
    """Where the tablet stands: welcome, the menu of a fresh visit, or what is on its way."""
    visit = _visit()
    if visit is None:
        return _show("_welcome.html")
    if visit.requests:
        return _show_status(visit)
    return _show_menu(visit)


@bp.post("/visit")
def start_visit():
    """The customer's first tap: the visit begins."""
    return _show_menu(visits.start_visit(current_tablet().room))


@bp.get("/menu")
def menu():
    """The four big choices."""
    return _show_menu(_visit())


@bp.get("/size")
def size():
    """Pick an item: browse the categories or search by name or code."""
    return _show("_size.html", **_browse(category="", q=""))


@bp.get("/size/items")
def size_items():
    """The items of a category or matching the search, for the live search to swap in."""
    context = _browse(request.args.get("category", ""), request.args.get("q", ""))
    if htmx:
        return render_template("kiosk/_items.html", **context)
    return _show("_size.html", **context)


@bp.get("/size/items/<path:code>")
def size_item(code: str):
    """One item's colours and sizes, with what this store has in stock."""
    return _show("_item.html", variants=catalogue.variants(_store_id(), code))


@bp.get("/size/instead/<int:variant_id>")
def size_instead(variant_id: int):
    """A size not in stock: the nearest ones we have, to pick from or leave to the consultant."""
    wanted = catalogue.variant_by_id(_store_id(), variant_id)
    return _show("_instead.html", wanted=wanted, choices=catalogue.choices_instead(wanted))


@bp.get("/drinks")
def drinks():
    """The store's drink menu."""
    return _show_offer(Kind.DRINK)


@bp.get("/amenities")
def amenities():
    """Things for the room: shoes, foot covers, tissues…"""
    return _show_offer(Kind.AMENITY)


@bp.get("/status")
def status():
    """Every request of this visit, newest first, with where each one is."""
    visit = _visit()
    if visit is None:
        return _back_to_welcome()
    if htmx and htmx.target != "screen":
        return render_template("kiosk/_status.html", visit=visit)
    return _show_status(visit)


# --- requests -------------------------------------------------------------------------------


@bp.post("/requests")
@limiter.limit(_request_rate, key_func=_tablet_key, error_message=TOO_MANY_TAPS)
def send_request():
    """Ask for something. Everything is checked before anything is written."""
    tablet = current_tablet()
    kind = Kind(forms.choice("kind", REQUEST_KINDS))
    store_id = tablet.room.store_id
    menu_item = variant = picked = None
    if kind in menus.MENU_KINDS:
        menu_item = menus.offered_item(store_id, kind, forms.integer("item"))
    elif kind == Kind.SIZE:
        variant = catalogue.variant(
            store_id, forms.text("code"), forms.text("colour"), forms.text("size")
        )
        pick = forms.integer("pick", optional=True)
        picked = catalogue.picked_instead(variant, pick) if pick else None
    # The same tap, sent again, carries the same key.
    client_key = forms.text("client_key", column=Request.client_key) or None
    visit = visits.ask(
        tablet.room,
        kind,
        tablet=tablet,
        menu_item=menu_item,
        variant=variant,
        picked=picked,
        client_key=client_key,
    )
    if not htmx:
        return redirect(url_for("kiosk.status"), 303)
    return _show_status(visit)


@bp.post("/requests/<int:request_id>/cancel")
def cancel_request(request_id: int):
    """The customer no longer needs it."""
    lifecycle.cancel(request_id, current_tablet())
    visit = _visit()
    if visit is None:
        return _back_to_welcome()
    if htmx:
        return render_template("kiosk/_status.html", visit=visit)
    return _show_status(visit)


# --- the knock at the door -----------------------------------------------------------------


@bp.get("/knock")
def knock_question():
    """ "May we come in?" over the whole screen while a consultant is at the door, else nothing.
    Re-read when a knock comes or while one shows, and after a reconnect or a missed nudge
    (live.js), so a knock is never missed."""
    return render_template("kiosk/_knock.html", knocking=knock.pending(_visit()))


@bp.post("/knock/<int:request_id>/answer")
def answer_knock(request_id: int):
    """Come in, or one minute please: the consultant's handheld hears it at once."""
    knock.answer(request_id, current_tablet(), request.form.get("answer", ""))
    return render_template("kiosk/_knock.html", knocking=None)


# --- the end of a visit ---------------------------------------------------------------------


@bp.get("/rating")
def rating():
    """Five faces."""
    return _show("_rating.html")


@bp.get("/rating/<int:score>")
def rating_details(score: int):
    """Why, in a few taps; a comment and the "would you recommend us" question if they like."""
    if score not in range(1, 6):
        raise NotFound(_l("Please choose one of the five faces."))
    reasons = visits.reasons_for(score, _visit())
    return _show("_rating_details.html", score=score, reasons=reasons)


@bp.post("/rating")
def rate():
    """Record the rating; the visit ends."""
    score = forms.integer("score")
    nps = forms.integer("nps", optional=True)
    visit = _visit()
    if visit is not None:
        reasons = request.form.getlist("reasons")
        visits.rate_visit(visit, score, reasons, request.form.get("comment", ""), nps)
    return _thank_and_forget()


@bp.post("/visit/end")
def end_visit():
    """I'm done, without a rating."""
    visit = _visit()
    if visit is not None:
        visits.end_visit(visit, "done")
    return _thank_and_forget()


@bp.post("/visit/idle")
def idle():
    """Nobody touched the tablet for a while: forget the visit, unless someone is awaited."""
    visit = _visit()
    if visit is not None and not visits.end_idle_visit(visit):
        return _show_status(visit)
    session.pop("lang", None)
    return _show("_welcome.html")


# --- language and pairing -------------------------------------------------------------------


@bp.post("/language")
def language():
    """Switch the tablet's language for this customer; the whole page is drawn again."""
    session["lang"] = forms.choice("lang", current_app.config["LANGUAGES"])
    return _go_to(url_for("kiosk.home"))


@bp.route("/pair", methods=["GET", "POST"])
@limiter.limit(_pairing_rate, methods=["POST"], error_message=TOO_MANY_CODES)
def pair():
    """Make this device the tablet of the fitting room whose code is typed in."""
    if request.method == "GET":
        code = "".join(ch for ch in request.args.get("code", "") if ch.isdecimal())[:12]
        return render_template("kiosk/page.html", screen="kiosk/_pair.html", code=code, live=False)
    _tablet, token = pairing.pair(request.form.get("code", "")[:40])
    return remember_tablet(_go_to(url_for("kiosk.home")), token)


# --- helpers --------------------------------------------------------------------------------


def _visit() -> Visit | None:
    return visits.current_visit(current_tablet().room_id)


def _store_id() -> int:
    return current_tablet().room.store_id


def _show(screen: str, **context):
    """One screen: on its own for htmx, else as a whole page."""
    if htmx:
        return render_template(f"kiosk/{screen}", **context)
    return render_template("kiosk/page.html", screen=f"kiosk/{screen}", live=True, **context)


def _show_menu(visit: Visit | None):
    return _show("_menu.html", visit=visit)


def _show_status(visit: Visit):
    return _show("_status_screen.html", visit=visit)


def _browse(category: str, q: str) -> dict:
    category, q = category[: forms.MAX_TEXT], q[: forms.MAX_TEXT]
    store_id = _store_id()
    return dict(
        categories=catalogue.categories(store_id),
        category=category,
        q=q,
        items=catalogue.items(store_id, category=category, text=q),
    )


def _show_offer(kind: Kind):
    return _show("_offer.html", kind=kind, offer=menus.menu(_store_id(), kind))


def _back_to_welcome():
    """The visit is over (a consultant reset the room, or it timed out): start afresh."""
    if htmx:
        return make_response(_show("_welcome.html"), retarget="#screen", reswap="outerHTML")
    return redirect(url_for("kiosk.home"))


def _thank_and_forget():
    """Thank the customer in their language, then let the next one start in the store's."""
    page = _show("_thanks.html")
    session.pop("lang", None)
    return page


def _go_to(url: str):
    """A whole-page move: htmx is told to load it, a plain request is redirected."""
    if htmx:
        return make_response("", redirect=url)
    return redirect(url, 303)
