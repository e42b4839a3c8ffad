"""The one place real-time events leave the server. Call only after the change is committed.

An event is a nudge; the database stays the truth. A request nudge to the staff carries the
changed card, rendered here once per (store, language) for every handheld: a device swaps it in
instead of re-reading its whole queue. A device that missed a nudge (a gap in `seq`, or a
reconnect) re-reads its view over HTTP. Tablets, one per fitting room, re-read their own status.
"""

from collections.abc import Iterable
from contextlib import nullcontext
from functools import cache
from typing import NamedTuple

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.orm import joinedload

from . import board, standards
from .config import Config
from .extensions import db, socketio
from .models import FittingRoom, Rating, Receipt, Request, RequestEvent, StaffMember, Store

STAFF_NAMESPACE = "/staff"
KIOSK_NAMESPACE = "/kiosk"
CARD_TEMPLATE = "staff/_request.html"
# What a card and a nudge read of a request besides its own columns.
CARD_RELATIONS = (
    joinedload(Request.room).joinedload(FittingRoom.store),
    joinedload(Request.claimed_by),
    joinedload(Request.menu_item),
    joinedload(Request.variant),
    joinedload(Request.picked),
)


def store_room(store_id: int) -> str:
    return f"store:{store_id}"


def language_room(store_id: int, language: str) -> str:
    """The store's staff devices that read `language`: they get cards rendered in it."""
    return f"store:{store_id}:lang:{language}"


def fitting_room(room_id: int) -> str:
    return f"room:{room_id}"


def managers_room(store_id: int) -> str:
    return f"store:{store_id}:managers"


def staff_languages(store: Store, chosen: Iterable[str] | None = None) -> list[str]:
    """The languages a store's staff pages can be in: the store's, and any a member chose.
    `chosen`: the members' choices where they were read already (the card's query reads them)."""
    if chosen is None:
        query = select(StaffMember.language).where(
            StaffMember.store_id == store.id, StaffMember.active
        )
        chosen = db.session.scalars(query.distinct())
    languages = {store.language, *chosen}
    found = sorted(lang for lang in languages if lang in Config.LANGUAGES)
    return found or [Config.BABEL_DEFAULT_LOCALE]


def device_language(store: Store, locale: str) -> str:
    """The language room a staff device joins: its page's, when cards are made in it."""
    return _language_among(staff_languages(store), store, locale)


def _language_among(languages: list[str], store: Store, locale: str) -> str:
    if locale in languages:
        return locale
    return store.language if store.language in languages else languages[0]


class CardRead(NamedTuple):
    """What _reload_for_card reads with a request, besides the request itself."""

    receipts: int
    target: standards.Target
    languages: list[str]  # the store's staff languages: one render each


def request_changed(request: Request, event: RequestEvent) -> None:
    """Push the changed card to the store's staff devices; nudge the room's tablet."""
    read = _reload_for_card(request)
    payload = _about(request, event)
    _to_staff("request", request, payload, read)
    socketio.emit("request", payload, to=fitting_room(request.room_id), namespace=KIOSK_NAMESPACE)
    # Let the sends go out now, before the request that made the change goes on to answer.
    socketio.sleep(0)


def _reload_for_card(request: Request) -> CardRead:
    """The commit expired the request: read it back with all its card shows in one query,
    instead of a reload and a lazy load for each of room, store and claimer, and a query each
    for its receipts, its target and its store's staff languages. Every push of a request does
    this, so its callers need not refresh it."""
    (request_id,) = inspect(request).identity  # request.id would reload it first
    row = db.session.execute(_card_query(), {"request_id": request_id}).unique().one()
    loaded, receipts, chosen, *target = row  # loaded is request, read afresh
    languages = staff_languages(loaded.room.store, (chosen or "").split(","))
    return CardRead(receipts, standards.target_from(loaded.kind, *target), languages)


@cache
def _card_query():
    """_reload_for_card's query, built once: every push runs it, and building it anew (and its
    cache key, which SQLAlchemy keeps on the statement) cost more than looking it up."""
    return standards.with_target(
        select(Request, board.receipts_of_request(), _chosen_languages())
        .where(Request.id == bindparam("request_id"))
        .options(*CARD_RELATIONS)
    )


def _chosen_languages():
    """The languages the request's store's staff chose, as one comma-separated column."""
    return (
        select(func.aggregate_strings(StaffMember.language, ","))
        .where(StaffMember.store_id == Request.store_id, StaffMember.active)
        .correlate(Request)
        .scalar_subquery()
    )


def card(request: Request, locale: str) -> str:
    """The card as the store's handhelds were just sent it, for the answer to the tap that moved
    it ("" once it has left the handheld): the push's own render ({language: card}) when this
    request made one, so the answer costs no second render and no second look at languages."""
    store = request.room.store
    pushed = g.get("cards", {}).get(request.id)
    if pushed is not None:
        return pushed[_language_among(list(pushed), store, locale)]
    if not request.on_handheld:
        return ""
    read = _reload_for_card(request)
    return _card_html(_live(request, read), _language_among(read.languages, store, locale))


def escalated(request: Request, event: RequestEvent, level: int) -> None:
    """A request waited too long: the floor hears it again; level 2 means the manager too."""
    read = _reload_for_card(request)
    _to_staff("alert", request, {**_about(request, event), "level": level}, read)


def _to_staff(name: str, request: Request, payload: dict, read: CardRead) -> None:
    """One render per language in use, each emitted to that language's room of the store."""
    live = _live(request, read)
    rendered = {}
    for language in read.languages:
        html = rendered[language] = _card_html(live, language)
        socketio.emit(
            name,
            {**payload, "html": html},
            to=language_room(request.store_id, language),
            namespace=STAFF_NAMESPACE,
        )
    if has_request_context():  # the tap that made the change is answered with these
        g.setdefault("cards", {})[request.id] = rendered


def _live(request: Request, read: CardRead) -> "board.LiveRequest | None":
    return board.live_request(request, read.receipts, read.target) if request.on_handheld else None


def _card_html(live: "board.LiveRequest | None", language: str) -> str:
    """The card as every handheld shows it ("" once it has left the handheld); nothing in it
    depends on who is looking."""
    if live is None:
        return ""
    with _request_for_links(), force_locale(language):
        return render_template(CARD_TEMPLATE, live=live)


def _request_for_links():
    """A sweeper renders outside any request, where url_for would build absolute URLs on a host
    it does not know. The card's links must be paths from the app's root, the same whichever
    host (or proxy) a device came through: render them as for a request to that root."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(current_app.config["APPLICATION_ROOT"])


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


def receipts_changed(store_id: int, request_ids: list[int]) -> None:
    """Handhelds confirmed requests: boards show how many devices have each one."""
    rows = db.session.execute(
        select(Receipt.request_id, func.count())
        .where(Receipt.request_id.in_(request_ids))
        .group_by(Receipt.request_id)
    )
    counts = {str(request_id): count for request_id, count in rows}
    socketio.emit(
        "receipts", {"counts": counts}, to=managers_room(store_id), namespace=STAFF_NAMESPACE
    )


def low_rating(rating: Rating) -> None:
    """A customer rated 1 or 2: the managers hear at once, while the customer may still be here."""
    room = rating.visit.room
    payload = {"rating": rating.id, "room": room.id, "score": rating.score}
    socketio.emit("recovery", payload, to=managers_room(room.store_id), namespace=STAFF_NAMESPACE)


def staff_changed(store_id: int) -> None:
    """Duty or team changed: boards re-read who is on the floor."""
    socketio.emit("staff", {"store": store_id}, to=store_room(store_id), namespace=STAFF_NAMESPACE)
