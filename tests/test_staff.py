"""The handheld over HTTP and Socket.IO: sign-in, duty, the queue, claiming, completing."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from assist import catalogue, clock, lifecycle, menus, pairing, rooms, trail, visits
from assist.extensions import db, socketio
from assist.models import Duty, Kind, Request, State

from .conftest import (
    csrf_from,
    outsider,
    pair_tablet,
    room_named,
    sign_in,
    staff_named,
    statements_run,
)

HTMX = {"HX-Request": "true"}


def htmx_post(client, path, data=None):
    token = csrf_from(client.get("/staff/"))
    return client.post(path, data=data or {}, headers={**HTMX, "X-CSRFToken": token})


def ask(store, room_name="Room 1", kind=Kind.CONSULTANT, **what):
    room = room_named(store, room_name)
    tablet = room.tablet or pairing.pair(pairing.issue_code(room).code)[0]
    return lifecycle.open_request(visits.start_visit(room), kind, tablet=tablet, **what)


def request_elsewhere() -> Request:
    """An open request in another store."""
    member = outsider()
    room = rooms.add_room(member.store_id, "Far away", "")
    tablet, _ = pairing.pair(pairing.issue_code(room).code)
    return lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)


@pytest.fixture
def anna(client, store):
    assert sign_in(client, store, "Anna Tamm", "1111").status_code == 302
    return client


def test_sign_in_with_the_right_pin_opens_the_queue(anna):
    page = anna.get("/staff/")
    assert page.status_code == 200 and "Waiting" in page.text and 'data-live="/staff"' in page.text


@pytest.mark.parametrize(("name", "secret"), [("Anna Tamm", "1112"), ("Nobody", "1111"), ("", "")])
def test_a_wrong_name_or_pin_gets_one_plain_answer(client, store, name, secret):
    response = sign_in(client, store, name, secret)
    assert response.status_code == 401 and "Name or PIN/password is wrong" in response.text
    assert client.get("/staff/").status_code == 302


def test_a_deactivated_member_cannot_sign_in(client, store):
    staff_named(store, "Anna Tamm").active = False
    db.session.commit()
    assert sign_in(client, store, "Anna Tamm", "1111").status_code == 401


def test_repeated_wrong_pins_lock_the_name_out(client, store):
    for _ in range(5):
        sign_in(client, store, "Anna Tamm", "0000")
    response = sign_in(client, store, "Anna Tamm", "1111")
    assert response.status_code == 429  # even the right PIN waits out the back-off


def test_the_queue_shows_the_stores_live_requests_oldest_first_with_details(anna, store):
    first = ask(store, "Room 1")
    sold_out = next(v for v in catalogue.variants(store.id, "JN-501") if v.stock == 0)
    second = ask(store, "Room 2", Kind.SIZE, variant=sold_out)
    champagne = next(i for i in menus.menu(store.id, Kind.DRINK) if i.age_restricted)
    third = ask(store, "Room 3", Kind.DRINK, menu_item=champagne)
    foreign = request_elsewhere()
    html = anna.get("/staff/queue", headers=HTMX).text
    positions = [html.index(f'id="request-{r.id}"') for r in (first, second, third)]
    assert positions == sorted(positions)
    assert "Women · Room 2" in html and "Slim jeans" in html and "Not in stock — bring:" in html
    assert "check age" in html and "Champagne" in html
    assert html.count("<article") == 3 and f'id="request-{foreign.id}"' not in html


def test_claim_shows_on_it_and_a_second_claim_names_the_winner(anna, app, store):
    call = ask(store)
    response = htmx_post(anna, f"/staff/requests/{call.id}/claim")
    assert (
        response.status_code == 200 and "You are on it" in response.text and "Done" in response.text
    )

    boris = app.test_client()
    sign_in(boris, store, "Boris Ivanov", "2222")
    late = htmx_post(boris, f"/staff/requests/{call.id}/claim")
    assert late.status_code == 409 and "Anna is already on it" in late.text
    assert "Anna is on it" in boris.get("/staff/queue").text

    done = htmx_post(anna, f"/staff/requests/{call.id}/complete")
    assert done.status_code == 200 and f'id="request-{call.id}"' not in done.text
    assert db.session.get(Request, call.id).state == State.COMPLETED


def test_a_card_is_the_same_for_everyone_and_says_who_has_it(anna, app, store):
    """Cards are rendered once per store: whether it is mine is data-claimed-by against the
    page's data-me (the browser test checks what each person then sees)."""
    other = app.test_client()
    sign_in(other, store, "Boris Ivanov", "2222")
    with clock.frozen(datetime(2026, 5, 4, 12, 0)):  # both read it at the same second waited
        call = ask(store)
        boris = staff_named(store, "Boris Ivanov")
        lifecycle.claim(call.id, boris)
        annas, boriss = (cards_of(c.get("/staff/queue").text)[call.id] for c in (anna, other))
    assert annas == boriss and f'data-claimed-by="{boris.id}"' in annas
    assert "Boris is on it" in annas and 'data-state="acknowledged"' in annas
    assert f'data-me="{staff_named(store, "Anna Tamm").id}"' in anna.get("/staff/").text


@pytest.mark.parametrize("action", ["claim", "complete"])
def test_another_stores_request_is_not_found(anna, action):
    foreign = request_elsewhere()
    assert htmx_post(anna, f"/staff/requests/{foreign.id}/{action}").status_code == 404
    assert htmx_post(anna, f"/staff/requests/999999/{action}").status_code == 404
    assert db.session.get(Request, foreign.id).state == State.OPEN


def test_duty_switch_and_area(anna, store):
    response = htmx_post(anna, "/staff/duty", {"duty": "on", "area": "Women"})
    assert response.status_code == 200 and 'value="on" checked' in response.text
    member = staff_named(store, "Anna Tamm")
    assert (member.duty, member.duty_area) == (Duty.ON, "Women")
    assert htmx_post(anna, "/staff/duty", {"duty": "asleep"}).status_code == 422
    assert staff_named(store, "Anna Tamm").duty == Duty.ON


def test_signing_out_takes_a_consultant_off_duty(anna, store):
    htmx_post(anna, "/staff/duty", {"duty": "on"})
    anna.post("/staff/signout", data={"csrf_token": csrf_from(anna.get("/staff/"))})
    assert staff_named(store, "Anna Tamm").duty == Duty.OFF
    assert anna.get("/staff/").status_code == 302


def test_socket_refuses_anonymous_and_tells_staff_of_their_store_only(app, client, store):
    assert not socketio.test_client(app, namespace="/staff", flask_test_client=client).is_connected(
        "/staff"
    )
    sign_in(client, store, "Anna Tamm", "1111")
    socket = socketio.test_client(app, namespace="/staff", flask_test_client=client)
    assert socket.is_connected("/staff")
    call = ask(store)
    events = [e for e in socket.get_received("/staff") if e["name"] == "request"]
    assert [e["args"][0]["request"] for e in events] == [call.id]
    assert events[0]["args"][0]["action"] == "created"


def test_socket_of_another_store_hears_nothing(app, store):
    member = outsider()
    other = app.test_client()
    sign_in(other, member.store, "Outsider", "1111")
    socket = socketio.test_client(app, namespace="/staff", flask_test_client=other)
    assert socket.is_connected("/staff")
    ask(store)
    assert socket.get_received("/staff") == []


def test_a_handheld_confirms_receipt_over_the_socket(app, client, store):
    sign_in(client, store, "Anna Tamm", "1111")
    socket = socketio.test_client(app, namespace="/staff", flask_test_client=client)
    call = ask(store)
    assert socket.emit("received", {"request": call.id}, namespace="/staff", callback=True) is True
    assert socket.emit("received", {"request": "x"}, namespace="/staff", callback=True) is False
    assert socket.emit("heartbeat", namespace="/staff", callback=True)["seq"] > 0


def test_a_heartbeat_is_one_read_and_stamps_the_handheld_seen_every_10_s_at_most(
    app, client, store
):
    """Every device beats every 20 s, thousands per process: a beat must stay this cheap."""
    sign_in(client, store, "Anna Tamm", "1111")
    socket = socketio.test_client(app, namespace="/staff", flask_test_client=client)
    ask(store)
    with clock.frozen(datetime(2026, 6, 1, 12, 0)) as advance:
        with statements_run() as first:
            answer = socket.emit("heartbeat", namespace="/staff", callback=True)
        with statements_run() as soon_after:
            socket.emit("heartbeat", namespace="/staff", callback=True)
        advance(timedelta(seconds=10))
        with statements_run() as later:
            socket.emit("heartbeat", namespace="/staff", callback=True)
    assert answer == {"seq": trail.latest_for_store(store.id)}
    assert [_verb(sql) for sql, _ in first] == ["SELECT", "UPDATE"]
    assert [_verb(sql) for sql, _ in soon_after] == ["SELECT"]
    assert [_verb(sql) for sql, _ in later] == ["SELECT", "UPDATE"]
    anna = staff_named(store, "Anna Tamm")
    db.session.refresh(anna)
    assert anna.last_seen_at == datetime(2026, 6, 1, 12, 0, 10)


def _verb(sql: str) -> str:
    return sql.split(None, 1)[0].upper()


def test_a_comment_with_markup_shows_as_text_on_the_board(client, store):
    room = room_named(store, "Room 1")
    tablet, _ = pairing.pair(pairing.issue_code(room).code)
    lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)
    visits.rate_visit(visits.current_visit(room.id), 1, [], "<script>alert('x')</script>", None)
    sign_in(client, store, "Maria Kask", "manager-demo")
    board = client.get("/staff/board").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in board
    assert "<script>alert" not in board


# --- sign-in -------------------------------------------------------------------------------


def test_the_sign_in_form_asks_for_a_pin_with_the_number_pad(client, store):
    page = client.get("/staff/signin").text
    assert 'name="secret"' in page and 'inputmode="numeric"' in page
    assert f'type="hidden" name="store" value="{store.id}"' in page  # one store: nothing to pick
    password = client.get("/staff/signin?with=password").text
    assert 'name="secret" type="password"' in password and 'inputmode="numeric"' not in password


def test_with_several_stores_the_form_asks_which_one(client, store):
    other = outsider().store
    page = client.get("/staff/signin").text
    assert '<select id="store" name="store">' in page
    assert f'value="{store.id}"' in page and f'value="{other.id}"' in page


def test_a_wrong_pin_shows_the_form_again_with_the_name_kept(client, store):
    response = sign_in(client, store, "Anna Tamm", "9876")
    assert response.status_code == 401 and 'value="Anna Tamm"' in response.text
    assert "9876" not in response.text and 'name="secret"' in response.text


def test_the_same_name_on_another_stores_form_is_refused(client, store):
    member = outsider()
    assert sign_in(client, member.store, "Anna Tamm", "1111").status_code == 401


def test_the_back_off_is_said_on_the_form(client, store):
    for _ in range(5):
        sign_in(client, store, "Anna Tamm", "0000")
    response = sign_in(client, store, "Anna Tamm", "1111")
    assert response.status_code == 429 and "Too many attempts" in response.text
    assert 'name="secret"' in response.text


def test_sign_in_is_not_remembered_beyond_the_browser_session(client, store):
    response = sign_in(client, store, "Anna Tamm", "1111")
    assert not any("remember_token" in c for c in response.headers.getlist("Set-Cookie"))


def test_signing_in_returns_to_the_staff_page_asked_for_and_never_elsewhere(client, store):
    asked = client.get("/staff/admin")
    assert asked.status_code == 302 and "/staff/signin?next=" in asked.headers["Location"]
    page = client.get(asked.headers["Location"])
    token = csrf_from(page)
    form = {"store": store.id, "name": "Maria Kask", "secret": "manager-demo", "csrf_token": token}
    assert 'name="next" value="/staff/admin"' in page.text
    landed = client.post("/staff/signin", data={**form, "next": "/staff/admin"})
    assert landed.headers["Location"] == "/staff/admin"
    client.post("/staff/signout", data={"csrf_token": token})
    for elsewhere in ("https://evil.example/", "//evil.example/staff/", "/staff/\\evil"):
        token = csrf_from(client.get("/staff/signin"))
        landed = client.post("/staff/signin", data={**form, "csrf_token": token, "next": elsewhere})
        assert landed.headers["Location"] == "/staff/", elsewhere
        client.post("/staff/signout", data={"csrf_token": token})


def test_a_paired_tablet_is_a_stranger_to_the_staff_side(client, store):
    pair_tablet(client, room_named(store, "Room 1"))
    assert client.get("/kiosk/").status_code == 200
    for path in ("/staff/", "/staff/queue", "/staff/admin"):
        response = client.get(path)
        assert response.status_code == 302 and "/staff/signin" in response.headers["Location"]


def test_signing_out_leaves_a_managers_duty_alone(client, store):
    sign_in(client, store, "Maria Kask", "manager-demo")
    htmx_post(client, "/staff/duty", {"duty": "on"})
    client.post("/staff/signout", data={"csrf_token": csrf_from(client.get("/staff/"))})
    assert staff_named(store, "Maria Kask").duty == Duty.ON


# --- the queue -------------------------------------------------------------------------------


def test_the_handheld_page_listens_for_news_and_alerts(anna):
    page = anna.get("/staff/").text
    assert 'class="handheld"' in page and "/js/handheld" in page
    assert 'rel="manifest" href="/staff/manifest.webmanifest"' in page
    assert 'data-worker="/staff/sw.js"' in page and 'id="sound"' in page
    assert 'hx-trigger="live:resync from:body"' in page  # pushed cards are swapped in
    assert 'id="duty"' in page and 'id="queue"' in page


def test_each_card_names_its_kind_and_details(anna, store):
    in_stock = next(v for v in catalogue.variants(store.id, "TS-110") if v.stock > 0)
    size = ask(store, "Room 1", Kind.SIZE, variant=in_stock)
    foot_covers = next(i for i in menus.menu(store.id, Kind.AMENITY) if i.name == "Foot covers")
    amenity = ask(store, "Room 2", Kind.AMENITY, menu_item=foot_covers)
    coffee = next(i for i in menus.menu(store.id, Kind.DRINK) if i.name == "Coffee")
    drink = ask(store, "Room 3", Kind.DRINK, menu_item=coffee)
    cards = cards_of(anna.get("/staff/queue").text)
    assert "Size" in cards[size.id] and "TS-110" in cards[size.id] and "in stock" in cards[size.id]
    assert f"size {in_stock.size}" in cards[size.id] and "Not in stock" not in cards[size.id]
    assert "Amenity" in cards[amenity.id] and "Foot covers" in cards[amenity.id]
    assert "Coffee" in cards[drink.id] and "check age" not in cards[drink.id]
    for card in cards.values():
        assert 'class="timer' in card and "data-waited=" in card and "I'm on it" in card


def test_the_alternatives_are_the_nearest_sizes_in_stock(anna, store):
    wanted = next(v for v in catalogue.variants(store.id, "JN-501") if v.stock == 0)
    call = ask(store, "Room 2", Kind.SIZE, variant=wanted)
    card = cards_of(anna.get("/staff/queue").text)[call.id]
    nearest = catalogue.alternatives(wanted)[0]
    assert f"Not in stock — bring:</strong>\n        {nearest.colour} {nearest.size}" in card


def test_a_tidy_request_shows_like_any_other(anna, store):
    room = room_named(store, "Room 4")
    ask(store, "Room 4")
    visits.end_visit(visits.current_visit(room.id), "done")
    tidy = db.session.scalar(select(Request).where(Request.kind == Kind.TIDY))
    card = cards_of(anna.get("/staff/queue").text)[tidy.id]
    assert "Men · Room 4" in card and "Tidy" in card and "/claim" in card


def test_the_claimers_card_comes_first_and_says_so(anna, store):
    older, mine = ask(store, "Room 1"), ask(store, "Room 2")
    answer = htmx_post(anna, f"/staff/requests/{mine.id}/claim").text
    assert list(cards_of(answer)) == [mine.id]  # the tap gets its card back; the rest is pushed
    html = anna.get("/staff/queue").text
    assert html.index(f'id="request-{mine.id}"') < html.index(f'id="request-{older.id}"')
    card = cards_of(answer)[mine.id]
    assert f'data-claimed-by="{staff_named(store, "Anna Tamm").id}"' in card
    assert "You are on it" in card and "Done" in card and "I'm on it" not in card


def test_customers_come_before_staff_work_then_mine_then_the_longest_waiting(anna, store):
    room = room_named(store, "Room 4")
    ask(store, "Room 4")
    visits.end_visit(visits.current_visit(room.id), "done")
    (tidy,) = db.session.scalars(select(Request).where(Request.kind == Kind.TIDY))
    oldest, taken, newest, mine = (ask(store, f"Room {n}") for n in (1, 2, 3, 5))
    lifecycle.claim(taken.id, staff_named(store, "Boris Ivanov"))
    lifecycle.claim(mine.id, staff_named(store, "Anna Tamm"))
    html = anna.get("/staff/queue").text
    expected = [mine, oldest, newest, taken, tidy]  # the tidy task is the oldest of all
    customer = [r for r in db.session.scalars(select(Request)) if r.kind != Kind.TIDY]
    assert list(cards_of(html)) == [r.id for r in expected] and len(customer) == 5
    assert 'data-group="staff"' in cards_of(html)[tidy.id]


def test_the_waiting_count_is_what_nobody_has_taken(anna, store):
    ask(store, "Room 1")
    taken = ask(store, "Room 2")
    lifecycle.claim(taken.id, staff_named(store, "Boris Ivanov"))
    html = anna.get("/staff/").text
    assert 'data-tally="open">1</b>' in html


def test_a_refused_claim_makes_the_queue_read_itself_again(anna, app, store):
    call = ask(store)
    lifecycle.claim(call.id, staff_named(store, "Boris Ivanov"))
    late = htmx_post(anna, f"/staff/requests/{call.id}/claim")
    assert late.status_code == 409 and "Boris is already on it" in late.text
    assert late.headers["HX-Trigger"] == "live:resync"
    assert "<article" not in late.text  # the message alone, for #problem


def test_only_the_claimer_may_say_done_but_a_manager_may_close_it(anna, app, store):
    call = ask(store)
    lifecycle.claim(call.id, staff_named(store, "Boris Ivanov"))
    response = htmx_post(anna, f"/staff/requests/{call.id}/complete")
    assert response.status_code == 409 and "Boris is already on it" in response.text
    assert db.session.get(Request, call.id).state == State.ACKNOWLEDGED

    maria = app.test_client()
    sign_in(maria, store, "Maria Kask", "manager-demo")
    assert htmx_post(maria, f"/staff/requests/{call.id}/complete").status_code == 200
    assert db.session.get(Request, call.id).state == State.COMPLETED


def test_a_cancelled_request_cannot_be_claimed(anna, store):
    call = ask(store)
    lifecycle.cancel(call.id, room_named(store, "Room 1").tablet)
    response = htmx_post(anna, f"/staff/requests/{call.id}/claim")
    assert response.status_code == 409 and "cancelled" in response.text
    assert f'id="request-{call.id}"' not in anna.get("/staff/queue").text


def test_a_tap_without_the_csrf_token_is_refused(anna, store):
    call = ask(store)
    response = anna.post(f"/staff/requests/{call.id}/claim", headers=HTMX)
    assert response.status_code == 400
    assert db.session.get(Request, call.id).state == State.OPEN
    assert anna.post("/staff/duty", data={"duty": "on"}, headers=HTMX).status_code == 400


def test_the_duty_partial_shows_the_choice_and_the_areas(anna, store):
    html = htmx_post(anna, "/staff/duty", {"duty": "break", "area": ""}).text
    assert html.startswith('<form id="duty"') and 'value="break" checked' in html
    assert "<option>Men</option>" in html and "<option>Women</option>" in html
    assert staff_named(store, "Anna Tamm").duty == Duty.BREAK


def test_a_new_request_nudges_the_handheld_with_one_payload_shape(app, client, store):
    sign_in(client, store, "Anna Tamm", "1111")
    socket = socketio.test_client(app, namespace="/staff", flask_test_client=client)
    call = ask(store)
    lifecycle.claim(call.id, staff_named(store, "Boris Ivanov"))
    events = [e["args"][0] for e in socket.get_received("/staff") if e["name"] == "request"]
    assert [(e["action"], e["state"], e["by"]) for e in events] == [
        ("created", "open", None),
        ("claimed", "acknowledged", "Boris"),
    ]


def test_the_handheld_installs_as_an_app_that_opens_on_the_queue(client):
    """Manifest and worker need no session: the browser fetches them on its own."""
    manifest = client.get("/staff/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    app = manifest.get_json()
    assert app["start_url"] == "/staff/" and app["scope"] == "/staff/"
    assert app["display"] == "standalone"
    for icon in app["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200 and image.mimetype == icon["type"]
    with client.get("/staff/sw.js") as worker:
        assert worker.status_code == 200 and worker.mimetype == "text/javascript"
        assert worker.headers["Service-Worker-Allowed"] == "/staff/"
        assert "no-cache" in worker.headers["Cache-Control"]


def cards_of(html: str) -> dict[int, str]:
    """Each request card of a queue, by request id."""
    parts = html.split('<article id="request-')[1:]
    return {int(part.split('"', 1)[0]): part.split("</article>", 1)[0] for part in parts}
