"""The real-time transport: one rendered card per change pushed to every handheld, batched
receipts that boards count, and today's figures kept per store rather than per board."""

from datetime import datetime, timedelta

import pytest

from assist import board, clock, lifecycle, notify, pairing, receipts, standards, team, visits
from assist.extensions import db, socketio
from assist.forms import MAX_ID
from assist.models import Kind, Request

from .conftest import room_named, sign_in, staff_named

T0 = datetime(2026, 11, 22, 12, 0, 0)


def ask(store, room_name="Room 1"):
    room = room_named(store, room_name)
    tablet, _ = pairing.pair(pairing.issue_code(room).code)
    return lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)


def staff_socket(app, store, name, secret):
    client = app.test_client()
    sign_in(client, store, name, secret)
    return socketio.test_client(app, namespace="/staff", flask_test_client=client)


def heard(socket, name="request"):
    return [e["args"][0] for e in socket.get_received("/staff") if e["name"] == name]


def test_a_change_pushes_the_card_itself_to_every_handheld(app, store):
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    boris = staff_socket(app, store, "Boris Ivanov", "2222")
    call = ask(store)
    (created,) = heard(anna)
    assert created == heard(boris)[0]  # the same render for both
    assert created["action"] == "created" and created["request"] == call.id
    assert f'id="request-{call.id}"' in created["html"]
    assert f"/staff/requests/{call.id}/claim" in created["html"]

    lifecycle.claim(call.id, staff_named(store, "Boris Ivanov"))
    (claimed,) = heard(anna)
    boris_id = staff_named(store, "Boris Ivanov").id
    assert f'data-claimed-by="{boris_id}"' in claimed["html"]
    assert "Boris is on it" in claimed["html"]

    lifecycle.complete(call.id, staff_named(store, "Boris Ivanov"))
    (completed,) = heard(anna)
    assert completed["html"] == ""  # closed: the card leaves every queue


def test_a_pushed_card_times_the_request_against_the_stores_own_standard(app, store):
    """Amber at two thirds of the target that matters now, red at the target: the store's own
    (30 s to acknowledge, 90 s to complete), not the default."""
    standards.set_target(store.id, "consultant", 30, 90)
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    call = ask(store)
    (created,) = heard(anna)
    assert 'data-amber="20" data-red="30"' in created["html"]
    lifecycle.claim(call.id, staff_named(store, "Boris Ivanov"))
    (claimed,) = heard(anna)
    assert 'data-amber="60" data-red="90"' in claimed["html"]


def test_a_sweeper_renders_the_card_outside_any_request(app, store):
    """Re-sent by the receipts sweeper, from an app context alone: links are still right."""
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    with clock.frozen(T0):
        call = ask(store)
    heard(anna)
    with clock.frozen(T0 + timedelta(seconds=app.config["RECEIPT_WAIT_SECONDS"])):
        assert receipts.sweep() == 1
    (resent,) = heard(anna)
    assert resent["action"] == "resent"
    assert f'hx-post="/staff/requests/{call.id}/claim"' in resent["html"]


def test_cards_go_to_each_language_of_the_store_in_use(app, store):
    store.language = "et"
    db.session.commit()
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    assert notify.staff_languages(store) == ["et"]
    rooms = socketio.server.manager.rooms["/staff"]
    assert anna.eio_sid in rooms.get(notify.language_room(store.id, "et"), {}).values()
    call = ask(store)
    (created,) = heard(anna)
    assert f'id="request-{call.id}"' in created["html"]


def test_receipts_come_in_batches_and_boards_count_them(app, store):
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    maria = staff_socket(app, store, "Maria Kask", "manager-demo")
    calls = [ask(store, room) for room in ("Room 1", "Room 2", "Room 3")]
    ids = [call.id for call in calls]
    answer = anna.emit("received", {"requests": ids}, namespace="/staff", callback=True)
    assert answer is True
    assert all(receipts.count(i) == 1 for i in ids)
    (counts,) = heard(maria, "receipts")
    assert counts == {"counts": {str(i): 1 for i in ids}}
    # A repeat changes nothing and tells nobody.
    assert anna.emit("received", {"requests": ids}, namespace="/staff", callback=True) is True
    assert heard(maria, "receipts") == []
    assert all(receipts.count(i) == 1 for i in ids)


def test_receipts_as_handhelds_send_them_are_noted_without_an_answer(app, store):
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    boris = staff_socket(app, store, "Boris Ivanov", "2222")
    maria = staff_socket(app, store, "Maria Kask", "manager-demo")
    calls = [ask(store, room) for room in ("Room 1", "Room 2")]
    ids = [call.id for call in calls]
    anna.emit("shown", {"requests": ids}, namespace="/staff")
    boris.emit("shown", {"requests": ids[:1]}, namespace="/staff")
    assert [receipts.count(i) for i in ids] == [2, 1]
    assert heard(maria, "receipts")[-1] == {"counts": {str(ids[0]): 2}}
    # Nonsense, or a session ended elsewhere, notes nothing.
    anna.emit("shown", {"requests": "1,2"}, namespace="/staff")
    team.sign_out_everywhere(
        staff_named(store, "Maria Kask"), staff_named(store, "Boris Ivanov").id
    )
    boris.emit("shown", {"requests": ids}, namespace="/staff")
    assert [receipts.count(i) for i in ids] == [2, 1]


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "1",
        [1],
        {"request": "1"},
        {"request": True},
        {"request": 1.0},
        {"request": MAX_ID + 1},
        {"request": 2**70},
        {"request": -1},
        {"requests": []},
        {"requests": "1,2"},
        {"requests": [1, "2"]},
        {"requests": [1, None]},
        {"requests": [False]},
        {"requests": list(range(1, 1000))},
        {"requests": [2**64]},
    ],
)
def test_a_bad_receipt_gets_a_plain_no_and_changes_nothing(app, store, payload):
    ask(store)
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    assert anna.emit("received", payload, namespace="/staff", callback=True) is False
    assert db.session.query(Request).count() == 1 and receipts.count(1) == 0


def test_a_receipt_for_a_request_that_is_not_there_is_a_plain_no(app, store):
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    assert anna.emit("received", {"requests": [MAX_ID]}, namespace="/staff", callback=True) is False


def test_a_handheld_whose_session_ended_elsewhere_confirms_nothing(app, store):
    anna = staff_socket(app, store, "Anna Tamm", "1111")
    call = ask(store)
    team.sign_out_everywhere(staff_named(store, "Maria Kask"), staff_named(store, "Anna Tamm").id)
    answer = anna.emit("received", {"requests": [call.id]}, namespace="/staff", callback=True)
    assert answer is False and receipts.count(call.id) == 0


def test_todays_figures_are_computed_once_for_all_boards(app, store, monkeypatch):
    computed = []
    real = board.today_so_far
    monkeypatch.setattr(board, "today_so_far", lambda s: computed.append(s) or real(s))
    ask(store)
    for _ in range(5):  # five boards re-reading after the same change
        board.board(store)
    assert len(computed) == 1
