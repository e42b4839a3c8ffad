"""Knock first, and a customer who left while someone was on it: the rules without a browser.

Domain rules run on both databases; the routes through the test client, as the handheld and the
tablet call them.
"""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from assist import board, clock, demo, knock, lifecycle, pairing, visits
from assist.errors import Conflict, NotFound, Refused
from assist.extensions import db, socketio
from assist.models import Kind, Request, RequestEvent, State

from .conftest import (
    actions_of,
    csrf_from,
    full_scans_of_requests,
    pair_tablet,
    reads_of_requests,
    room_named,
    sign_in,
    staff_named,
)

T0 = datetime(2026, 11, 22, 10, 0, 0)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(any_db_app):
    store = demo.seed()
    room = room_named(store, "Room 1")
    tablet, _ = pairing.pair(pairing.issue_code(room).code)
    other_room = room_named(store, "Room 2")
    other_tablet, _ = pairing.pair(pairing.issue_code(other_room).code)
    return {
        "store": store,
        "room": room,
        "tablet": tablet,
        "other_tablet": other_tablet,
        "anna": staff_named(store, "Anna Tamm"),
        "boris": staff_named(store, "Boris Ivanov"),
    }


def claimed_call(world, by="anna") -> Request:
    visit = visits.start_visit(world["room"])
    request = lifecycle.open_request(visit, Kind.CONSULTANT, tablet=world["tablet"])
    return lifecycle.claim(request.id, world[by])


def fresh(request: Request) -> Request:
    db.session.expire_all()
    return db.session.get(Request, request.id)


def test_a_knock_and_its_answer_are_kept_in_the_row_and_the_trail(world):
    with clock.frozen(T0) as advance:
        request = claimed_call(world)
        knock.knock(request.id, world["anna"])
        assert knock.pending(visits.current_visit(world["room"].id)).id == request.id
        advance(timedelta(seconds=4))
        knock.answer(request.id, world["tablet"], "come_in")
    request = fresh(request)
    assert (request.knock_state, request.knocked_at, request.knock_answered_at) == (
        "come_in",
        T0,
        T0 + timedelta(seconds=4),
    )
    assert actions_of(request.id) == ["created", "claimed", "knocked", "come_in"]
    events = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    ).all()
    assert events[2].staff_id == world["anna"].id and events[3].tablet_id == world["tablet"].id
    assert knock.pending(visits.current_visit(world["room"].id)) is None


def test_one_minute_lets_the_consultant_knock_again_only_after_a_short_wait(world, any_db_app):
    wait = any_db_app.config["KNOCK_AGAIN_SECONDS"]
    with clock.frozen(T0) as advance:
        request = claimed_call(world)
        knock.knock(request.id, world["anna"])
        knock.answer(request.id, world["tablet"], "wait_a_minute")
        assert knock.knock_again_in(fresh(request), clock.now()) == wait
        advance(timedelta(seconds=wait - 1))
        with pytest.raises(Conflict, match="Knock again in 1 s"):
            knock.knock(request.id, world["anna"])
        advance(timedelta(seconds=1))
        knock.knock(request.id, world["anna"])
        knock.answer(request.id, world["tablet"], "come_in")
    assert actions_of(request.id)[2:] == ["knocked", "wait_a_minute", "knocked", "come_in"]


def test_an_unanswered_knock_is_marked_once_and_a_late_answer_still_counts(world, any_db_app):
    answer_within = any_db_app.config["KNOCK_ANSWER_SECONDS"]
    with clock.frozen(T0) as advance:
        request = claimed_call(world)
        knock.knock(request.id, world["anna"])
        advance(timedelta(seconds=answer_within - 1))
        assert knock.expire_unanswered() == 0
        advance(timedelta(seconds=1))
        assert knock.expire_unanswered() == 1
        assert knock.expire_unanswered() == 0  # a second sweeper finds nothing left to do
        assert fresh(request).knock_state == "knock_unanswered"
        knock.answer(request.id, world["tablet"], "come_in")
    assert actions_of(request.id)[2:] == ["knocked", "knock_unanswered", "come_in"]


@pytest.mark.parametrize(
    "situation, message",
    [
        ("open", "no longer waiting"),
        ("someone_else", "Only the consultant on it"),
        ("knocking", "Already knocking"),
        ("invited", "already said"),
        ("other_store", "No such request"),
    ],
)
def test_a_knock_out_of_turn_is_refused_and_changes_nothing(world, situation, message):
    visit = visits.start_visit(world["room"])
    request = lifecycle.open_request(visit, Kind.CONSULTANT, tablet=world["tablet"])
    knocker = world["anna"]
    if situation != "open":
        lifecycle.claim(request.id, world["anna"])
    if situation == "someone_else":
        knocker = world["boris"]
    if situation in ("knocking", "invited"):
        knock.knock(request.id, world["anna"])
    if situation == "invited":
        knock.answer(request.id, world["tablet"], "come_in")
    if situation == "other_store":
        from .conftest import outsider

        knocker = outsider()
    before = actions_of(request.id)
    with pytest.raises(Refused, match=message):
        knock.knock(request.id, knocker)
    assert actions_of(request.id) == before


def test_only_the_rooms_tablet_answers_and_only_a_knock(world):
    request = claimed_call(world)
    with pytest.raises(Conflict, match="Nobody is knocking"):
        knock.answer(request.id, world["tablet"], "come_in")
    knock.knock(request.id, world["anna"])
    with pytest.raises(NotFound):
        knock.answer(request.id, world["other_tablet"], "come_in")
    with pytest.raises(Refused, match="Come in"):
        knock.answer(request.id, world["tablet"], "go away")
    assert fresh(request).knock_state == "knocking"


def test_a_tidy_task_needs_no_knock(world):
    visit = visits.start_visit(world["room"])
    visits.end_visit(visit, "done")
    tidy = db.session.scalar(select(Request).where(Request.kind == Kind.TIDY))
    lifecycle.claim(tidy.id, world["anna"])
    with pytest.raises(Refused, match="Nobody is in the room"):
        knock.knock(tidy.id, world["anna"])


def test_the_visit_ending_under_a_consultant_closes_the_request_as_left(world):
    request = claimed_call(world)
    visits.rate_visit(visits.current_visit(world["room"].id), 5, [], "", None)
    request = fresh(request)
    assert request.state == State.LEFT and request.closed_at is not None
    assert actions_of(request.id)[-1] == "left"
    assert [r.id for r in knock.left_unnoted(world["anna"])] == [request.id]
    assert knock.left_unnoted(world["boris"]) == []
    with pytest.raises(Conflict):
        knock.note_left(request.id, world["boris"])
    knock.note_left(request.id, world["anna"])
    knock.note_left(request.id, world["anna"])  # a second tap changes nothing
    assert knock.left_unnoted(world["anna"]) == []


def test_came_in_without_asking_counts_against_whoever_entered_unasked(world):
    request = claimed_call(world)
    visit = visits.current_visit(world["room"].id)
    keys = [tag.key for tag in visits.reasons_for(2, visit)]
    assert knock.CAME_IN_UNASKED in keys
    visits.rate_visit(visit, 2, [knock.CAME_IN_UNASKED], "", None)
    event = db.session.scalar(
        select(RequestEvent).where(RequestEvent.action == knock.ENTERED_UNASKED)
    )
    assert (event.request_id, event.staff_id) == (request.id, world["anna"].id)


def test_after_come_in_the_reason_is_not_offered_yet_a_crafted_one_still_counts(world):
    request = claimed_call(world)
    knock.knock(request.id, world["anna"])
    knock.answer(request.id, world["tablet"], "come_in")
    visit = visits.current_visit(world["room"].id)
    assert knock.CAME_IN_UNASKED not in [tag.key for tag in visits.reasons_for(2, visit)]
    visits.rate_visit(visit, 2, [knock.CAME_IN_UNASKED], "", None)  # sent by hand
    assert actions_of(request.id)[-2:] == [knock.ENTERED_UNASKED, "left"]


def test_knock_share_counts_served_visits_with_a_knock(world):
    for knocked in (True, False):
        request = claimed_call(world)
        if knocked:
            knock.knock(request.id, world["anna"])
        lifecycle.complete(request.id, world["anna"])
        visits.end_visit(visits.current_visit(world["room"].id), "done")
    share = board.knocked_today(world["store"])
    assert (share.knocked_visits, share.served_visits) == (1, 2)


# --- over HTTP, as the devices call it ---------------------------------------------------


@pytest.fixture
def devices(app, store):
    tablet = app.test_client()
    pair_tablet(tablet, room_named(store, "Room 1"))
    anna = app.test_client()
    sign_in(anna, store, "Anna Tamm", "1111")
    boris = app.test_client()
    sign_in(boris, store, "Boris Ivanov", "2222")
    return tablet, anna, boris


def post(client, url, **data):
    headers = {**HTMX, "X-CSRFToken": csrf_from(client.get("/kiosk/pair"))}
    return client.post(url, data=data, headers=headers)


def test_the_knock_on_both_devices_over_http(app, store, devices):
    tablet, anna, boris = devices
    post(tablet, "/kiosk/requests", kind="consultant")
    (request_id,) = db.session.scalars(select(Request.id)).all()
    post(anna, f"/staff/requests/{request_id}/claim")
    assert "May we come in?" not in tablet.get("/kiosk/knock").text
    assert "At the door" in anna.get("/staff/queue").text

    heard = socketio.test_client(app, namespace="/kiosk", flask_test_client=tablet)
    knocked = post(anna, f"/staff/requests/{request_id}/knock")
    assert "Knocking… waiting for an answer" in knocked.text
    nudges = [m["args"][0] for m in heard.get_received("/kiosk") if m["name"] == "request"]
    assert nudges[-1]["action"] == "knocked"
    question = tablet.get("/kiosk/knock")
    assert "May we come in?" in question.text and "Anna is at the door" in question.text

    answered = post(tablet, f"/kiosk/knock/{request_id}/answer", answer="come_in")
    assert answered.status_code == 200 and "May we come in?" not in answered.text
    assert "“Come in”" in anna.get("/staff/queue").text
    heard.disconnect(namespace="/kiosk")


def test_the_rating_screen_offers_came_in_without_asking_only_without_come_in(store, devices):
    tablet, anna, _boris = devices
    post(tablet, "/kiosk/requests", kind="consultant")
    (request_id,) = db.session.scalars(select(Request.id)).all()
    post(anna, f"/staff/requests/{request_id}/claim")
    assert "Someone came in without asking" in tablet.get("/kiosk/rating/2").text
    post(anna, f"/staff/requests/{request_id}/knock")
    post(tablet, f"/kiosk/knock/{request_id}/answer", answer="come_in")
    assert "Someone came in without asking" not in tablet.get("/kiosk/rating/2").text


def test_bad_knock_input_gets_a_clear_message_and_changes_nothing(store, devices):
    tablet, anna, boris = devices
    post(tablet, "/kiosk/requests", kind="consultant")
    (request_id,) = db.session.scalars(select(Request.id)).all()
    post(anna, f"/staff/requests/{request_id}/claim")
    refused = post(boris, f"/staff/requests/{request_id}/knock")
    assert refused.status_code == 409 and "Only the consultant on it knocks" in refused.text
    assert post(anna, "/staff/requests/99999/knock").status_code == 404
    post(anna, f"/staff/requests/{request_id}/knock")
    bad = post(tablet, f"/kiosk/knock/{request_id}/answer", answer="<b>maybe</b>")
    assert bad.status_code == 422 and "<b>" not in bad.text
    assert actions_of(request_id) == ["created", "claimed", "knocked"]


def test_the_consultants_card_says_the_customer_left_until_they_say_ok(store, devices):
    tablet, anna, boris = devices
    post(tablet, "/kiosk/requests", kind="consultant")
    (request_id,) = db.session.scalars(select(Request.id)).all()
    post(anna, f"/staff/requests/{request_id}/claim")
    post(tablet, "/kiosk/visit/end")
    queue = anna.get("/staff/queue").text
    assert "The customer has left — return the items" in queue
    assert 'data-state="left"' in queue
    assert "The customer has left" not in boris.get("/staff/queue").text
    assert post(boris, f"/staff/requests/{request_id}/noted").status_code == 409
    done = post(anna, f"/staff/requests/{request_id}/noted")
    assert done.status_code == 200 and "The customer has left" not in done.text


def test_a_handhelds_queue_is_read_without_reading_the_history(store, devices):
    """A handheld re-reads its queue on every reconnect or missed nudge: its reads of requests,
    the cards of customers who left included, go through indexes (SQLite's own plan says so),
    never through every request the store ever had."""
    tablet, anna, _boris = devices
    post(tablet, "/kiosk/requests", kind="consultant")
    (request_id,) = db.session.scalars(select(Request.id)).all()
    post(anna, f"/staff/requests/{request_id}/claim")
    post(tablet, "/kiosk/visit/end")
    with reads_of_requests() as statements:
        queue = anna.get("/staff/queue").text
    assert "The customer has left — return the items" in queue
    assert statements and full_scans_of_requests(statements) == []
