"""The fitting-room tablet through HTTP, as a customer (and a curious child) would use it."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from assist import clock, lifecycle, pairing, visits
from assist.extensions import db, socketio
from assist.models import (
    CatalogueItem,
    Kind,
    MenuItem,
    PairingCode,
    Rating,
    Request,
    RequestEvent,
    State,
    Store,
    Tablet,
    Visit,
)

from .conftest import _forget_g, csrf_from, pair_tablet, room_named, sign_in, staff_named

HTMX = {"HX-Request": "true"}
NEAREST = "A consultant will bring the nearest sizes/colours we have"


class Kiosk:
    """A test client paired as the tablet of one fitting room, tapping like a customer."""

    def __init__(self, client, room):
        self.client, self.room = client, room
        pair_tablet(client, room)
        self.csrf = csrf_from(client.get("/kiosk/"))

    def get(self, url: str, htmx: bool = False, **headers):
        return self.client.get(url, headers={**(HTMX if htmx else {}), **headers})

    def tap(self, url: str, htmx: bool = True, **data):
        """A POST as htmx sends it (token in a header), or as a plain form (token in a field)."""
        if htmx:
            return self.client.post(url, data=data, headers={**HTMX, "X-CSRFToken": self.csrf})
        return self.client.post(url, data={**data, "csrf_token": self.csrf})

    def ask(self, kind: str, **fields):
        return self.tap("/kiosk/requests", kind=kind, **fields)

    def status(self) -> str:
        response = self.get("/kiosk/status", htmx=True)
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture
def kiosk(client, store):
    return Kiosk(client, room_named(store, "Room 1"))


@pytest.fixture
def other_kiosk(app, store):
    return Kiosk(app.test_client(), room_named(store, "Room 2"))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def menu_item(store: Store, name: str) -> MenuItem:
    return db.session.scalar(
        select(MenuItem).where(MenuItem.store_id == store.id, MenuItem.name == name)
    )


def variant_with_stock(store: Store, in_stock: bool) -> CatalogueItem:
    stock = CatalogueItem.stock > 0 if in_stock else CatalogueItem.stock == 0
    return db.session.scalar(
        select(CatalogueItem)
        .where(CatalogueItem.store_id == store.id, stock)
        .order_by(CatalogueItem.id)
    )


def size_fields(variant: CatalogueItem) -> dict:
    return {"code": variant.code, "colour": variant.colour, "size": variant.size}


def only_request() -> Request:
    requests = db.session.scalars(select(Request)).all()
    assert len(requests) == 1
    return requests[0]


def current_visit(room) -> Visit | None:
    return visits.current_visit(room.id)


# --- pairing --------------------------------------------------------------------------------

KIOSK_ROUTES = [
    ("get", "/kiosk/"),
    ("get", "/kiosk/menu"),
    ("get", "/kiosk/status"),
    ("get", "/kiosk/size"),
    ("get", "/kiosk/size/items?q=jeans"),
    ("get", "/kiosk/size/items/JN-501"),
    ("get", "/kiosk/drinks"),
    ("get", "/kiosk/amenities"),
    ("get", "/kiosk/rating"),
    ("get", "/kiosk/rating/4"),
    ("post", "/kiosk/visit"),
    ("post", "/kiosk/requests"),
    ("post", "/kiosk/requests/1/cancel"),
    ("post", "/kiosk/rating"),
    ("post", "/kiosk/visit/end"),
    ("post", "/kiosk/visit/idle"),
    ("post", "/kiosk/language"),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("method", "url"), KIOSK_ROUTES)
def test_an_unpaired_device_is_sent_to_pairing_everywhere(client, store, method, url, htmx):
    token = csrf_from(client.get("/kiosk/pair"))
    headers = {**HTMX, "X-CSRFToken": token} if htmx else {}
    form = {"kind": "consultant", "score": "5", "lang": "et", "csrf_token": token}
    extra = {"data": form} if method == "post" else {}
    response = getattr(client, method)(url, headers=headers, **extra)
    if htmx:
        assert response.headers["HX-Redirect"] == "/kiosk/pair"
    else:
        assert response.status_code in (302, 303)
        assert response.headers["Location"] == "/kiosk/pair"
    assert count(Visit) == count(Request) == 0


def test_pairing_page_has_a_keypad_and_no_live_connection(client, store):
    page = client.get("/kiosk/pair")
    assert page.status_code == 200
    assert page.text.count('data-key="') == 12
    assert 'name="code"' in page.text
    assert "js/kiosk.js" in page.text
    assert "data-live" not in page.text  # the socket refuses unpaired devices anyway
    assert 'hx-trigger="submit"' in page.text  # nothing to send by itself


def test_a_pairing_link_fills_the_code_and_sends_it_once_on_load(client, store):
    page = client.get("/kiosk/pair?code=123456")
    assert 'value="123456"' in page.text
    assert 'hx-trigger="load, submit"' in page.text


def test_pairing_makes_the_device_the_rooms_tablet(client, store):
    room = room_named(store, "Room 3")
    code = pairing.issue_code(room).code
    token = csrf_from(client.get("/kiosk/pair"))
    response = client.post(
        "/kiosk/pair", data={"code": code}, headers={**HTMX, "X-CSRFToken": token}
    )
    assert response.headers["HX-Redirect"] == "/kiosk/"
    assert "fra_tablet=" in response.headers["Set-Cookie"]
    welcome = client.get("/kiosk/")
    assert welcome.status_code == 200
    assert "Room 3" in welcome.text
    assert 'data-live="/kiosk"' in welcome.text


def test_pairing_by_plain_form_redirects_to_the_welcome(client, store):
    response = pair_tablet(client, room_named(store, "Room 1"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/kiosk/"


def _wrong_code(room) -> str:
    issued = pairing.issue_code(room).code
    return f"{(int(issued) + 1) % 10**6:06d}"


def _expired_code(room) -> str:
    code = pairing.issue_code(room).code
    db.session.execute(
        PairingCode.__table__.update().values(expires_at=clock.now() - timedelta(seconds=1))
    )
    db.session.commit()
    return code


def _used_code(room) -> str:
    code = pairing.issue_code(room).code
    pairing.pair(code)
    return code


@pytest.mark.parametrize(
    ("make_code", "status", "message"),
    [
        pytest.param(_wrong_code, 404, "That code is not valid", id="wrong"),
        pytest.param(_expired_code, 404, "That code is not valid", id="expired"),
        pytest.param(_used_code, 404, "That code is not valid", id="used"),
        pytest.param(lambda room: "12", 422, "6 digits", id="short"),
        pytest.param(lambda room: "", 422, "6 digits", id="empty"),
    ],
)
def test_a_bad_pairing_code_is_refused_and_pairs_nothing(client, store, make_code, status, message):
    code = make_code(room_named(store, "Room 1"))
    tablets = count(Tablet)
    token = csrf_from(client.get("/kiosk/pair"))
    response = client.post(
        "/kiosk/pair", data={"code": code}, headers={**HTMX, "X-CSRFToken": token}
    )
    assert response.status_code == status
    assert message in response.text
    assert "fra_tablet" not in response.headers.get("Set-Cookie", "")
    assert count(Tablet) == tablets
    assert client.get("/kiosk/").headers["Location"] == "/kiosk/pair"


def test_pairing_the_room_again_unpairs_the_old_tablet(app, client, store):
    room = room_named(store, "Room 1")
    old = Kiosk(client, room)
    new = Kiosk(app.test_client(), room)
    assert old.get("/kiosk/").headers["Location"] == "/kiosk/pair"
    assert new.get("/kiosk/").status_code == 200
    assert old.ask("consultant").headers["HX-Redirect"] == "/kiosk/pair"
    assert count(Request) == 0


def test_pairing_attempts_are_rate_limited(app, client, store):
    token = csrf_from(client.get("/kiosk/pair"))
    limit = int(app.config["PAIRING_RATE"].split()[0])
    answers = [
        client.post("/kiosk/pair", data={"code": "000000", "csrf_token": token}).status_code
        for _ in range(limit + 1)
    ]
    assert answers[-1] == 429
    assert 429 not in answers[:-1]


# --- screens --------------------------------------------------------------------------------


def test_home_shows_welcome_then_menu_then_status(kiosk):
    welcome = kiosk.get("/kiosk/")
    assert "Welcome" in welcome.text and "Tap to start" in welcome.text
    menu = kiosk.tap("/kiosk/visit")
    assert 'id="screen"' in menu.text and "Call a consultant" in menu.text
    assert "Call a consultant" in kiosk.get("/kiosk/").text
    kiosk.ask("consultant")
    assert 'id="status"' in kiosk.get("/kiosk/").text


def test_every_kiosk_page_is_ready_for_live_updates_idle_and_lost_connections(app, kiosk):
    page = kiosk.get("/kiosk/menu").text
    assert 'class="kiosk"' in page
    assert 'data-live="/kiosk"' in page
    assert f'data-idle-seconds="{app.config["KIOSK_IDLE_SECONDS"]}"' in page
    assert 'hx-post="/kiosk/visit/idle" hx-trigger="kiosk:idle from:body"' in page
    assert '<template id="send-error">' in page
    assert "Not sent — we could not reach the shop's system." in page
    assert "css/kiosk.css" in page and "js/kiosk.js" in page


def test_htmx_gets_the_screen_alone(kiosk):
    screen = kiosk.get("/kiosk/menu", htmx=True).text
    assert screen.lstrip().startswith('<main id="screen"')
    assert "<html" not in screen


def test_menu_links_to_the_four_choices_and_done(kiosk):
    menu = kiosk.get("/kiosk/menu").text
    for text in (
        "Call a consultant",
        "Another size or colour",
        "A drink",
        "Something for the room",
        "m done",
    ):
        assert text in menu


def test_search_finds_items_by_name_or_code(kiosk):
    by_name = kiosk.get("/kiosk/size/items?q=JEA", htmx=True).text
    assert by_name.lstrip().startswith('<section id="items"')
    assert "Slim jeans" in by_name and "Linen shirt" not in by_name
    by_code = kiosk.get("/kiosk/size/items?q=ts-110", htmx=True).text
    assert "Linen shirt" in by_code and "Slim jeans" not in by_code


def test_browsing_a_category_shows_only_its_items(kiosk):
    page = kiosk.get("/kiosk/size/items?category=Dresses", htmx=True).text
    assert "Wrap dress" in page and "Slim jeans" not in page


def test_the_size_picker_has_live_search_and_the_categories(kiosk):
    page = kiosk.get("/kiosk/size").text
    assert 'hx-trigger="input changed delay:300ms"' in page
    for category in ("Jeans", "Dresses", "Coats"):
        assert f">{category}</a>" in page


def test_an_item_shows_its_sizes_with_honest_stock(kiosk, store):
    sold_out = variant_with_stock(store, in_stock=False)
    page = kiosk.get(f"/kiosk/size/items/{sold_out.code}").text
    assert "In stock" in page and "Not in stock" in page
    assert "have your size" not in page


def test_an_items_sizes_come_in_size_order(kiosk):
    page = kiosk.get("/kiosk/size/items/DR-220").text
    red = page[page.index(">Red</h2>") :]
    positions = [red.index(f'size__label">{size}<') for size in ("XS", "S", "M", "L")]
    assert positions == sorted(positions)


def test_an_unknown_item_is_not_found(kiosk):
    response = kiosk.get("/kiosk/size/items/NOPE-1", htmx=True)
    assert response.status_code == 404
    assert "We could not find that item." in response.text


def test_drinks_warn_that_age_is_checked(kiosk):
    page = kiosk.get("/kiosk/drinks").text
    assert "Champagne" in page and "Coffee" in page
    assert page.count("A consultant will check your age") == 1


def test_amenities_list_the_stores_menu(kiosk):
    page = kiosk.get("/kiosk/amenities").text
    assert "Shoes to try on" in page and "Coffee" not in page


def test_store_data_is_escaped(kiosk, store):
    db.session.add(MenuItem(store_id=store.id, kind=Kind.DRINK, name="<script>alert(1)</script>"))
    db.session.commit()
    assert "<script>alert(1)" not in kiosk.get("/kiosk/drinks").text
    found = kiosk.get("/kiosk/size/items?q=<script>x</script>", htmx=True).text
    assert "<script>x" not in found and "&lt;script&gt;x" in found


# --- requests -------------------------------------------------------------------------------


@pytest.fixture
def fields_for(store):
    def fields(kind: str) -> dict:
        if kind == "size":
            return size_fields(variant_with_stock(store, in_stock=True))
        if kind == "drink":
            return {"item": menu_item(store, "Coffee").id}
        if kind == "amenity":
            return {"item": menu_item(store, "Tissues").id}
        return {}

    return fields


@pytest.mark.parametrize("kind", ["consultant", "size", "drink", "amenity"])
def test_a_request_goes_from_sent_to_on_the_way_to_done(kiosk, store, fields_for, kind):
    sent = kiosk.ask(kind, **fields_for(kind))
    assert sent.status_code == 200
    assert sent.text.lstrip().startswith('<main id="screen"')
    request = only_request()
    assert (request.kind, request.room_id, request.state) == (kind, kiosk.room.id, State.OPEN)
    assert f'id="request-{request.id}"' in sent.text
    assert "Sent" in sent.text and "Cancel" in sent.text

    lifecycle.claim(request.id, staff_named(store, "Anna Tamm"))
    on_the_way = kiosk.status()
    assert "Anna is on the way" in on_the_way and "Cancel" in on_the_way

    lifecycle.complete(request.id, staff_named(store, "Anna Tamm"))
    done = kiosk.status()
    assert "Done" in done and "Anna is on the way" not in done
    assert "Cancel" not in done


def test_the_first_tap_after_an_untidied_visit_skips_the_tidy_and_rings_on_the_handhelds(
    app, kiosk, store
):
    """The tap begins the visit: the room's waiting tidy task closes as skipped and the request
    is made, written together; the handhelds hear both, the tablet shows the request."""
    visits.end_visit(visits.start_visit(kiosk.room), "done")  # nobody tidied after it
    staff = app.test_client()
    sign_in(staff, store, "Anna Tamm", "1111")
    handheld = socketio.test_client(app, namespace="/staff", flask_test_client=staff)
    sent = kiosk.ask("consultant")
    assert sent.status_code == 200 and "Sent" in sent.text
    heard = [
        (e["args"][0]["kind"], e["args"][0]["action"])
        for e in handheld.get_received("/staff")
        if e["name"] == "request"
    ]
    assert heard == [("tidy", "skipped"), ("consultant", "created")]
    visit = current_visit(kiosk.room)
    assert [(r.kind, r.state) for r in visit.requests] == [(Kind.CONSULTANT, State.OPEN)]


def test_a_plain_form_is_redirected_to_the_status(kiosk):
    response = kiosk.tap("/kiosk/requests", htmx=False, kind="consultant")
    assert response.status_code == 303
    assert response.headers["Location"] == "/kiosk/status"
    assert "Sent" in kiosk.get("/kiosk/status").text


def test_the_status_partial_refreshes_itself_on_nudges(kiosk):
    kiosk.ask("consultant")
    partial = kiosk.status()
    assert partial.lstrip().startswith('<section id="status"')
    assert 'hx-trigger="live:resync from:body"' in partial  # live.js: on nudges, coalesced


def test_the_status_shows_the_time_waited(kiosk):
    with clock.frozen(datetime(2026, 5, 4, 12, 0)) as advance:
        kiosk.ask("consultant")
        advance(timedelta(seconds=75))
        status = kiosk.status()
    assert '<span class="timer" data-waited="75">1:15</span>' in status


def test_the_status_lists_the_visits_requests_newest_first(kiosk, store):
    kiosk.ask("drink", item=menu_item(store, "Coffee").id)
    kiosk.ask("amenity", item=menu_item(store, "Tissues").id)
    status = kiosk.status()
    assert status.index("Tissues") < status.index("Coffee")


def test_a_repeated_tap_is_one_request(kiosk):
    first = kiosk.ask("consultant")
    again = kiosk.ask("consultant")
    assert first.status_code == again.status_code == 200
    assert count(Request) == 1
    assert again.text.count('id="request-') == 1


def test_a_retried_tap_with_its_client_key_is_one_request(kiosk, store):
    item = menu_item(store, "Coffee").id
    kiosk.ask("drink", item=item, client_key="tap-1")
    kiosk.tap(f"/kiosk/requests/{only_request().id}/cancel")
    kiosk.ask("drink", item=item, client_key="tap-1")  # the late retry of a tap already made
    assert count(Request) == 1


def test_a_request_starts_the_visit(kiosk):
    assert current_visit(kiosk.room) is None
    kiosk.ask("consultant")
    assert current_visit(kiosk.room).requests[0].kind == Kind.CONSULTANT


def test_an_out_of_stock_size_is_still_asked_for_honestly(kiosk, store):
    sold_out = variant_with_stock(store, in_stock=False)
    response = kiosk.ask("size", **size_fields(sold_out))
    assert NEAREST in response.text
    assert "have your size" not in response.text
    request = only_request()
    assert request.variant_id == sold_out.id and request.in_stock is False


def test_an_in_stock_size_says_so(kiosk, store):
    response = kiosk.ask("size", **size_fields(variant_with_stock(store, in_stock=True)))
    assert "in stock in this store" in response.text and NEAREST not in response.text
    assert only_request().in_stock is True


def test_an_age_restricted_drink_says_the_age_is_checked(kiosk, store):
    response = kiosk.ask("drink", item=menu_item(store, "Champagne").id)
    assert "A consultant will check your age" in response.text


def _other_store_drink(store):
    elsewhere = Store(name="Elsewhere")
    db.session.add(elsewhere)
    db.session.flush()
    item = MenuItem(store_id=elsewhere.id, kind=Kind.DRINK, name="Coffee")
    db.session.add(item)
    db.session.commit()
    return {"kind": "drink", "item": item.id}


def _inactive_drink(store):
    item = menu_item(store, "Coffee")
    item.active = False
    db.session.commit()
    return {"kind": "drink", "item": item.id}


def _amenity_as_drink(store):
    return {"kind": "drink", "item": menu_item(store, "Tissues").id}


def _size_not_in_catalogue(store):
    return {"kind": "size", "code": "JN-501", "colour": "Blue", "size": "XXL"}


def _colour_not_in_catalogue(store):
    return {"kind": "size", "code": "JN-501", "colour": "Pink", "size": "30"}


def _other_store_item(store):
    elsewhere = Store(name="Elsewhere")
    db.session.add(elsewhere)
    db.session.flush()
    item = CatalogueItem(
        store_id=elsewhere.id, code="ZZ-1", name="Secret", category="Coats", colour="Red", size="M"
    )
    db.session.add(item)
    db.session.commit()
    return {"kind": "size", "code": "ZZ-1", "colour": "Red", "size": "M"}


BUTTONS = "Please choose one of the buttons"
NOT_ON_MENU = "That is not on the menu."
NOT_IN_CATALOGUE = "not in our catalogue"


@pytest.mark.parametrize(
    ("make_form", "status", "message"),
    [
        pytest.param(lambda store: {"kind": "massage"}, 422, BUTTONS, id="unknown-kind"),
        pytest.param(lambda store: {"kind": "tidy"}, 422, BUTTONS, id="tidy"),
        pytest.param(lambda store: {}, 422, BUTTONS, id="no-kind"),
        pytest.param(lambda store: {"kind": "drink"}, 422, BUTTONS, id="no-item"),
        pytest.param(
            lambda store: {"kind": "drink", "item": "abc"}, 422, BUTTONS, id="not-a-number"
        ),
        pytest.param(lambda store: {"kind": "drink", "item": "-3"}, 422, BUTTONS, id="negative"),
        pytest.param(
            lambda store: {"kind": "drink", "item": "99999"}, 404, NOT_ON_MENU, id="unknown"
        ),
        pytest.param(_amenity_as_drink, 404, NOT_ON_MENU, id="amenity-as-drink"),
        pytest.param(_inactive_drink, 404, NOT_ON_MENU, id="inactive-item"),
        pytest.param(_other_store_drink, 404, NOT_ON_MENU, id="other-stores-drink"),
        pytest.param(
            lambda store: {"kind": "size", "code": "NOPE"}, 404, NOT_IN_CATALOGUE, id="code"
        ),
        pytest.param(_size_not_in_catalogue, 404, NOT_IN_CATALOGUE, id="size-not-in-catalogue"),
        pytest.param(_colour_not_in_catalogue, 404, NOT_IN_CATALOGUE, id="colour-not-in-catalogue"),
        pytest.param(_other_store_item, 404, NOT_IN_CATALOGUE, id="other-stores-item"),
        pytest.param(
            lambda store: {"kind": "size", "code": "x" * 500}, 422, "under 120", id="huge"
        ),
    ],
)
def test_a_bad_request_is_refused_and_writes_nothing(kiosk, store, make_form, status, message):
    form = make_form(store)
    before = (count(Request), count(Visit))
    response = kiosk.tap("/kiosk/requests", **form)
    assert response.status_code == status
    assert 'class="problem__message"' in response.text
    assert message in response.text
    assert (count(Request), count(Visit)) == before


def test_a_forged_room_in_the_form_is_ignored(kiosk, store):
    other = room_named(store, "Room 2")
    kiosk.ask("consultant", room=other.id, room_id=other.id)
    assert only_request().room_id == kiosk.room.id
    assert current_visit(other) is None


def test_too_many_waiting_requests_are_refused(app, kiosk, store):
    limit = app.config["MAX_LIVE_REQUESTS_PER_VISIT"]
    items = db.session.scalars(select(MenuItem).where(MenuItem.store_id == store.id)).all()
    for item in items[:limit]:
        assert kiosk.ask(str(item.kind), item=item.id).status_code == 200
    refused = kiosk.ask(str(items[limit].kind), item=items[limit].id)
    assert refused.status_code == 429
    assert "please wait for them or cancel one" in refused.text
    assert count(Request) == limit


def test_a_child_tapping_away_is_slowed_down(app, kiosk):
    limit = int(app.config["TABLET_REQUEST_RATE"].split()[0])
    answers = [kiosk.ask("consultant").status_code for _ in range(limit + 1)]
    assert answers[-1] == 429
    assert 429 not in answers[:-1]
    assert count(Request) == 1


def test_the_rate_limit_is_per_tablet(app, kiosk, other_kiosk):
    limit = int(app.config["TABLET_REQUEST_RATE"].split()[0])
    for _ in range(limit):
        kiosk.ask("consultant")
    assert other_kiosk.ask("consultant").status_code == 200


def test_a_request_without_csrf_token_is_refused(kiosk):
    response = kiosk.client.post("/kiosk/requests", data={"kind": "consultant"}, headers=HTMX)
    assert response.status_code == 400
    assert count(Request) == count(Visit) == 0


# --- cancelling -----------------------------------------------------------------------------


def test_the_customer_can_cancel(kiosk):
    kiosk.ask("consultant")
    request = only_request()
    response = kiosk.tap(f"/kiosk/requests/{request.id}/cancel")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="status"')
    assert "Cancelled" in response.text and "Cancel</button>" not in response.text
    assert db.session.get(Request, request.id).state == State.CANCELLED


def test_a_request_on_its_way_can_still_be_cancelled(kiosk, store):
    kiosk.ask("consultant")
    request = only_request()
    lifecycle.claim(request.id, staff_named(store, "Boris Ivanov"))
    assert kiosk.tap(f"/kiosk/requests/{request.id}/cancel").status_code == 200
    assert db.session.get(Request, request.id).state == State.CANCELLED


def test_a_done_request_cannot_be_cancelled(kiosk, store):
    kiosk.ask("consultant")
    request = only_request()
    lifecycle.claim(request.id, staff_named(store, "Boris Ivanov"))
    lifecycle.complete(request.id, staff_named(store, "Boris Ivanov"))
    response = kiosk.tap(f"/kiosk/requests/{request.id}/cancel")
    assert response.status_code == 409
    assert "already done" in response.text


def test_another_rooms_request_cannot_be_cancelled(kiosk, other_kiosk):
    other_kiosk.ask("consultant")
    theirs = only_request()
    response = kiosk.tap(f"/kiosk/requests/{theirs.id}/cancel")
    assert response.status_code == 404
    assert "not one of this fitting room" in response.text
    assert db.session.get(Request, theirs.id).state == State.OPEN


def test_a_visit_ended_by_staff_takes_the_tablet_back_to_welcome(kiosk):
    kiosk.ask("consultant")
    visits.end_visit(current_visit(kiosk.room), "reset")
    response = kiosk.get("/kiosk/status", htmx=True, **{"HX-Target": "status"})
    assert response.headers["HX-Retarget"] == "#screen"
    assert "Welcome" in response.text and "A consultant" not in response.text


# --- the end of a visit ---------------------------------------------------------------------


def test_rating_shows_five_faces(kiosk):
    page = kiosk.get("/kiosk/rating").text
    assert page.count('class="faces__choice"') == 5
    assert "Skip" in page


@pytest.mark.parametrize(
    ("score", "tag"), [(2, "had_to_wait"), (3, "felt_ignored"), (4, "great_advice"), (5, "fast")]
)
def test_the_reasons_follow_the_score(kiosk, score, tag):
    page = kiosk.get(f"/kiosk/rating/{score}").text
    assert f'value="{tag}"' in page
    assert ('value="great_advice"' in page) == (score >= 4)
    assert page.count('name="nps"') == 11
    assert 'maxlength="500"' in page


@pytest.mark.parametrize("score", [0, 6, 9])
def test_there_are_only_five_faces(kiosk, score):
    assert kiosk.get(f"/kiosk/rating/{score}").status_code == 404


def test_a_rating_ends_the_visit_and_forgets_it_on_screen(app, kiosk, store):
    kiosk.ask("drink", item=menu_item(store, "Green tea").id)
    visit = current_visit(kiosk.room)
    thanks = kiosk.tap(
        "/kiosk/rating",
        score="5",
        reasons=["fast", "friendly"],
        comment="Lovely fitting room",
        nps="9",
    )
    assert thanks.status_code == 200
    assert "Thank you" in thanks.text
    delay = f'hx-trigger="click, load delay:{app.config["KIOSK_THANKS_SECONDS"]}s"'
    assert 'hx-get="/kiosk/"' in thanks.text and delay in thanks.text
    rating = db.session.scalar(select(Rating))
    assert (rating.visit_id, rating.score, rating.reason_list, rating.comment, rating.nps) == (
        visit.id,
        5,
        ["fast", "friendly"],
        "Lovely fitting room",
        9,
    )
    assert db.session.get(Visit, visit.id).end_reason == "rated"
    for screen in (thanks.text, kiosk.get("/kiosk/", htmx=True).text, kiosk.get("/kiosk/").text):
        assert "Green tea" not in screen and "Lovely" not in screen
    assert "Welcome" in kiosk.get("/kiosk/").text


def test_nps_may_be_left_unanswered(kiosk):
    kiosk.tap("/kiosk/visit")
    assert kiosk.tap("/kiosk/rating", score="3", nps="", comment="").status_code == 200
    assert db.session.scalar(select(Rating)).nps is None


@pytest.mark.parametrize(
    ("form", "message"),
    [
        pytest.param({"score": "0"}, "five faces", id="score-0"),
        pytest.param({"score": "7"}, "five faces", id="score-7"),
        pytest.param({"score": "x"}, "Please choose one of the buttons", id="score-text"),
        pytest.param({"score": ""}, "Please choose one of the buttons", id="no-score"),
        pytest.param({"score": "5", "nps": "11"}, "from 0 to 10", id="nps-11"),
        pytest.param(
            {"score": "5", "nps": "-1"}, "Please choose one of the buttons", id="nps-negative"
        ),
        pytest.param(
            {"score": "5", "reasons": ["fast", "free_money"]},
            "reasons from the list",
            id="unknown-reason",
        ),
        pytest.param(
            {"score": "5", "reasons": ["had_to_wait"]},
            "reasons from the list",
            id="low-reason-for-high-score",
        ),
        pytest.param(
            {"score": "4", "comment": "x" * 5000}, "under 500 characters", id="long-comment"
        ),
    ],
)
def test_a_bad_rating_is_refused_and_writes_nothing(kiosk, form, message):
    kiosk.ask("consultant")
    response = kiosk.tap("/kiosk/rating", **form)
    assert 400 <= response.status_code < 500
    assert message in response.text
    assert count(Rating) == 0
    assert current_visit(kiosk.room) is not None


def test_a_comment_with_a_script_is_kept_as_text(kiosk):
    kiosk.tap("/kiosk/visit")
    thanks = kiosk.tap("/kiosk/rating", score="1", comment="<script>alert('x')</script>")
    assert "<script>" not in thanks.text
    assert db.session.scalar(select(Rating)).comment == "<script>alert('x')</script>"


def test_skip_ends_the_visit_without_a_rating(kiosk):
    kiosk.ask("consultant")
    visit, request = current_visit(kiosk.room), only_request()
    response = kiosk.tap("/kiosk/visit/end")
    assert "Thank you" in response.text
    assert db.session.get(Visit, visit.id).end_reason == "done"
    assert db.session.get(Request, request.id).state == State.ABANDONED
    assert count(Rating) == 0


def test_rating_twice_records_one_rating(kiosk):
    kiosk.tap("/kiosk/visit")
    kiosk.tap("/kiosk/rating", score="4")
    assert kiosk.tap("/kiosk/rating", score="2").status_code == 200
    assert count(Rating) == 1


# --- idle -----------------------------------------------------------------------------------


def test_idle_does_not_end_a_visit_while_someone_is_awaited(kiosk):
    kiosk.ask("consultant")
    response = kiosk.tap("/kiosk/visit/idle")
    assert response.status_code == 200
    assert 'id="status"' in response.text and "Sent" in response.text
    assert current_visit(kiosk.room) is not None


def test_idle_ends_a_visit_with_nothing_waiting(kiosk):
    kiosk.ask("consultant")
    visit = current_visit(kiosk.room)
    kiosk.tap(f"/kiosk/requests/{only_request().id}/cancel")
    response = kiosk.tap("/kiosk/visit/idle")
    assert "Welcome" in response.text and "A consultant" not in response.text
    assert db.session.get(Visit, visit.id).end_reason == "idle"


def test_idle_without_a_visit_shows_the_welcome(kiosk):
    assert "Welcome" in kiosk.tap("/kiosk/visit/idle").text
    assert count(Visit) == 0


# --- language -------------------------------------------------------------------------------


def test_the_language_switch_changes_the_page_language(kiosk):
    assert '<html lang="en">' in kiosk.get("/kiosk/").text
    response = kiosk.tap("/kiosk/language", htmx=False, lang="et")
    assert response.headers["Location"] == "/kiosk/"
    page = kiosk.get("/kiosk/").text
    assert '<html lang="et">' in page
    assert 'aria-pressed="true">Eesti' in page


def test_an_unknown_language_is_refused(kiosk):
    assert kiosk.tap("/kiosk/language", lang="xx").status_code == 422
    assert '<html lang="en">' in kiosk.get("/kiosk/").text


def test_the_next_customer_starts_in_the_stores_language(kiosk):
    kiosk.tap("/kiosk/language", lang="uk")
    kiosk.tap("/kiosk/visit/end")
    assert '<html lang="en">' in kiosk.get("/kiosk/").text


# --- the outbox: a tap sent again is made once -----------------------------------------------

REQUEST_FORM = re.compile(r'<form[^>]*action="/kiosk/requests".*?</form>', re.S)
CLIENT_KEY = re.compile(r'name="client_key" value="([^"]*)"')
PAGES_WITH_REQUEST_FORMS = [
    "/kiosk/menu",
    "/kiosk/drinks",
    "/kiosk/amenities",
    "/kiosk/size/items/JN-501",
    "/kiosk/size/items?q=nothing-like-this",
]


def keys_of_request_forms(page: str) -> list[str]:
    """The client_key of every form on the page that asks for something, one per form."""
    forms = REQUEST_FORM.findall(page)
    assert forms, "no request form on this page"
    keys = [CLIENT_KEY.findall(form) for form in forms]
    assert all(len(found) == 1 for found in keys), "a request form without exactly one key"
    return [found[0] for found in keys]


def form_asking_for(page: str, button_value: str) -> dict:
    """The fields the tablet sends when the customer taps the button with this value."""
    form = next(f for f in REQUEST_FORM.findall(page) if f'value="{button_value}"' in f)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    button = re.search(rf'<button[^>]*name="(\w+)" value="{re.escape(button_value)}"', form)
    return {**fields, button[1]: button_value}


@pytest.mark.parametrize("url", PAGES_WITH_REQUEST_FORMS)
def test_every_request_form_carries_a_key_of_its_own(kiosk, url):
    first = keys_of_request_forms(kiosk.get(url).text)
    again = keys_of_request_forms(kiosk.get(url, htmx=True).text)
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in first + again)
    assert len(set(first + again)) == len(first) + len(again)  # new with every form and render


def test_request_forms_give_up_waiting_and_are_left_to_the_outbox(kiosk):
    for form in REQUEST_FORM.findall(kiosk.get("/kiosk/drinks").text):
        assert "data-outbox" in form and """hx-request='{"timeout": 8000}'""" in form


def test_a_form_sent_again_after_its_request_was_done_shows_that_request(kiosk, store):
    tap = form_asking_for(kiosk.get("/kiosk/drinks").text, str(menu_item(store, "Coffee").id))
    assert kiosk.tap("/kiosk/requests", **tap).status_code == 200
    request = only_request()
    anna = staff_named(store, "Anna Tamm")
    lifecycle.claim(request.id, anna)
    lifecycle.complete(request.id, anna)
    again = kiosk.tap("/kiosk/requests", **tap)  # the answer to the first was lost
    assert again.status_code == 200
    assert f'id="request-{request.id}"' in again.text and "Done" in again.text
    assert count(Request) == 1


def test_a_retry_with_the_same_key_is_one_request_even_after_it_was_done(kiosk, store):
    tap = {"kind": "consultant", "client_key": "tap-1"}
    assert kiosk.tap("/kiosk/requests", **tap).status_code == 200
    request = only_request()
    anna = staff_named(store, "Anna Tamm")
    lifecycle.claim(request.id, anna)
    lifecycle.complete(request.id, anna)
    again = kiosk.tap("/kiosk/requests", **tap)
    assert again.status_code == 200 and "Done" in again.text
    assert again.text.count('id="request-') == 1 and count(Request) == 1


def test_a_new_tap_after_the_request_was_done_is_a_new_request(kiosk, store):
    first = form_asking_for(kiosk.get("/kiosk/menu").text, "consultant")
    kiosk.tap("/kiosk/requests", **first)
    request = only_request()
    anna = staff_named(store, "Anna Tamm")
    lifecycle.claim(request.id, anna)
    lifecycle.complete(request.id, anna)
    second = form_asking_for(kiosk.get("/kiosk/menu").text, "consultant")
    assert second["client_key"] != first["client_key"]
    response = kiosk.tap("/kiosk/requests", **second)
    assert response.status_code == 200 and response.text.count('id="request-') == 2
    assert count(Request) == 2


def test_a_tablets_heartbeat_answers_its_own_rooms_newest_event_until_it_is_unpaired(
    app, kiosk, other_kiosk
):
    _forget_g(None)  # Room 2's tablet was paired last: its tablet must not stay in `g`
    socket = socketio.test_client(app, namespace="/kiosk", flask_test_client=kiosk.client)
    other_kiosk.ask("consultant")
    assert socket.emit("heartbeat", namespace="/kiosk", callback=True) == {"seq": 0}
    kiosk.ask("consultant")
    room_events = select(func.max(RequestEvent.id)).where(RequestEvent.room_id == kiosk.room.id)
    assert socket.emit("heartbeat", namespace="/kiosk", callback=True) == {
        "seq": db.session.scalar(room_events)
    }
    pairing.revoke(kiosk.room)
    socket.emit("heartbeat", namespace="/kiosk")
    assert not socket.is_connected("/kiosk")
