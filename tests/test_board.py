"""The manager's board, read from the database: urgency, timers, rooms, duty, recoveries."""

from datetime import datetime, timedelta

import pytest

from assist import board, clock, demo, escalation, lifecycle, menus, pairing, recovery, team, visits
from assist.errors import Refused
from assist.models import Kind

from .conftest import room_named, staff_named

T0 = datetime(2026, 11, 22, 12, 0, 0)


@pytest.fixture
def store(app):
    return demo.seed()


def paired(store, name):
    room = room_named(store, name)
    with clock.frozen(T0):
        tablet, _ = pairing.pair(pairing.issue_code(room).code)
    return room, tablet


def at(seconds):
    return clock.frozen(T0 + timedelta(seconds=seconds))


def test_requests_show_escalated_first_with_timers_coloured_against_the_standard(store):
    room1, tablet1 = paired(store, "Room 1")
    room2, tablet2 = paired(store, "Room 2")
    with at(0):
        early = lifecycle.open_request(visits.start_visit(room1), Kind.CONSULTANT, tablet=tablet1)
    drink = menus.menu(store.id, Kind.DRINK)[0]
    with at(30):
        later = lifecycle.open_request(
            visits.start_visit(room2), Kind.DRINK, tablet=tablet2, menu_item=drink
        )
    with at(45):
        shown = board.board(store)
    assert [live.request.id for live in shown.requests] == [early.id, later.id]
    assert [live.timer.colour for live in shown.requests] == ["amber", "green"]  # 45 s of 60
    with at(200):
        escalation.sweep()
        shown = board.board(store)
    assert [live.timer.colour for live in shown.requests] == ["red", "red"]
    assert {live.request.escalation_level for live in shown.requests} == {2}


def test_a_claimed_request_races_its_complete_target(store):
    room, tablet = paired(store, "Room 1")
    with at(0):
        call = lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)
    with at(50):
        lifecycle.claim(call.id, staff_named(store, "Anna Tamm"))
    with at(90):
        (live,) = board.board(store).requests
    assert live.timer.red_at == 120 and live.timer.colour == "amber"


def test_rooms_show_occupied_tidy_silent_and_uncovered(store):
    room1, tablet1 = paired(store, "Room 1")
    paired(store, "Room 4")
    with at(10):
        lifecycle.open_request(visits.start_visit(room1), Kind.CONSULTANT, tablet=tablet1)
        pairing.seen(tablet1)
    with at(30):
        rooms = {status.room.name: status for status in board.board(store).rooms}
    assert rooms["Room 1"].visit is not None and rooms["Room 1"].uncovered
    assert rooms["Room 1"].tablet == "online" and rooms["Room 3"].tablet == "unpaired"
    with at(65):
        rooms = {status.room.name: status for status in board.board(store).rooms}
    assert rooms["Room 4"].tablet == "silent" and rooms["Room 1"].tablet == "online"

    anna = staff_named(store, "Anna Tamm")
    team.set_duty(anna, "on", "Men")
    assert board.board(store).silent_handhelds == {anna.id}  # on duty, handheld never heard
    assert team.heartbeat(anna.get_id()) == 1  # the request opened above: the one event
    assert board.board(store).silent_handhelds == set()
    assert {s.room.name for s in board.board(store).rooms if s.uncovered} == {"Room 1"}
    team.set_duty(staff_named(store, "Boris Ivanov"), "on", "Women")
    assert not any(s.uncovered for s in board.board(store).rooms)

    visits.end_visit(visits.current_visit(room1.id), "reset")
    rooms = {status.room.name: status for status in board.board(store).rooms}
    assert rooms["Room 1"].needs_tidy and rooms["Room 1"].visit is None


def test_a_low_rating_waits_on_the_board_until_recovered(store):
    room, tablet = paired(store, "Room 1")
    with at(0):
        lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)
        rating = visits.rate_visit(visits.current_visit(room.id), 1, ["felt_ignored"], "", None)
        (case,) = board.board(store).recoveries
    assert case.rating.id == rating.id and case.visit.room.name == "Room 1"
    maria = staff_named(store, "Maria Kask")
    with pytest.raises(Refused):
        recovery.record(store.id, rating.id, maria, "shrugged", "")
    with at(300):
        recovery.record(store.id, rating.id, maria, "apologised", "Offered a coffee")
        shown = board.board(store)
    assert shown.recoveries == [] and [r.id for r in shown.recovered_today] == [rating.id]
    assert recovery.time_to_recovery(shown.recovered_today[0]) == 300
    with pytest.raises(Refused, match="already"):
        recovery.record(store.id, rating.id, maria, "resolved", "")


def test_todays_numbers_so_far(store):
    room, tablet = paired(store, "Room 1")
    anna = staff_named(store, "Anna Tamm")
    with at(0):
        fast = lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)
    with at(42):
        lifecycle.claim(fast.id, anna)
    with at(100):
        lifecycle.complete(fast.id, anna)
        slow = lifecycle.open_request(visits.current_visit(room.id), Kind.CONSULTANT, tablet=tablet)
    with at(200):
        lifecycle.claim(slow.id, anna)  # 100 s: past the 60 s acknowledge target
    with at(210):
        today = board.board(store).today
    assert today.count == 2 and today.within == 1
    assert today.acknowledge.median == 71  # halfway between 42 and 100
