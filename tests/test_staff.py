"""The handheld over HTTP and Socket.IO: sign-in, duty, the queue, claiming, completing."""

import pytest

from assist import catalogue, lifecycle, menus, pairing, rooms, visits
from assist.extensions import db, socketio
from assist.models import Duty, Kind, Request, State

from .conftest import csrf_from, outsider, room_named, sign_in, staff_named

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


def test_only_the_claimer_sees_done(anna, app, store):
    call = ask(store)
    lifecycle.claim(call.id, staff_named(store, "Boris Ivanov"))
    html = anna.get("/staff/queue").text
    assert "Boris is on it" in html and f"/staff/requests/{call.id}/complete" not in html


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


def test_a_comment_with_markup_shows_as_text_on_the_board(client, store):
    room = room_named(store, "Room 1")
    tablet, _ = pairing.pair(pairing.issue_code(room).code)
    lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)
    visits.rate_visit(visits.current_visit(room.id), 1, [], "<script>alert('x')</script>", None)
    sign_in(client, store, "Maria Kask", "manager-demo")
    board = client.get("/staff/board").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in board
    assert "<script>alert" not in board
