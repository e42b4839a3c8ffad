"""The escalation ladder on a controllable clock: levels, repeats, restarts, two sweepers."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from assist import clock, demo, escalation, lifecycle, pairing, standards, visits
from assist.extensions import db
from assist.models import Kind, Request, RequestEvent, Tablet

from .conftest import actions_of, full_scans_of_requests, reads_of_requests, room_named, staff_named

T0 = datetime(2026, 11, 22, 12, 0, 0)


@pytest.fixture
def call(any_db_app):
    """A consultant call opened at T0 in a store whose consultant standard is 60 s / 120 s."""
    store = demo.seed()
    room = room_named(store, "Room 1")
    tablet, _ = pairing.pair(pairing.issue_code(room).code)
    with clock.frozen(T0):
        return lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)


def sweep_at(seconds_after_t0):
    with clock.frozen(T0 + timedelta(seconds=seconds_after_t0)):
        return escalation.sweep()


def test_the_ladder_climbs_and_repeats_until_someone_takes_it(call):
    assert sweep_at(59) == []
    assert [a.level for a in sweep_at(60)] == [1]
    assert sweep_at(75) == []  # the repeat is due 30 s after the alert
    assert [a.level for a in sweep_at(90)] == [1]
    assert [a.level for a in sweep_at(120)] == [2]  # twice the target: the manager
    assert [a.level for a in sweep_at(150)] == [2]
    assert actions_of(call.id) == [
        "created",
        "alerted_floor",
        "alert_repeated",
        "alerted_manager",
        "alert_repeated",
    ]
    store = db.session.get(Request, call.id).room.store
    with clock.frozen(T0 + timedelta(seconds=155)):
        lifecycle.claim(call.id, staff_named(store, "Anna Tamm"))
    assert sweep_at(400) == []  # acknowledged: the alerts stop
    assert db.session.get(Request, call.id).escalation_level == 2


def test_a_store_standard_changes_when_alerts_start(call):
    store_id = db.session.get(Request, call.id).store_id
    standards.set_target(store_id, "consultant", 30, 90)
    assert [a.level for a in sweep_at(30)] == [1]


def test_a_late_sweep_jumps_straight_to_the_level_due(call):
    assert [a.level for a in sweep_at(500)] == [2]
    assert actions_of(call.id) == ["created", "alerted_manager"]


def test_a_restart_between_sweeps_neither_repeats_nor_forgets(call, any_db_app):
    sweep_at(60)
    db.session.remove()  # a new process: nothing in memory, only the database
    db.engine.dispose()
    assert sweep_at(61) == []
    assert [a.level for a in sweep_at(121)] == [2]
    assert actions_of(call.id).count("alerted_floor") == 1


def test_two_sweepers_at_once_alert_once(call, any_db_app):
    start, found = threading.Barrier(2), []

    def sweeper():
        with any_db_app.app_context():
            start.wait()
            found.extend(escalation.sweep())

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    with clock.frozen(T0 + timedelta(seconds=60)):  # one clock for both sweepers
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(found) == 1
    assert actions_of(call.id) == ["created", "alerted_floor"]


def test_a_cancelled_request_is_never_escalated(call):
    tablet_id = db.session.scalars(select(RequestEvent.tablet_id)).first()
    lifecycle.cancel(call.id, db.session.get(Tablet, tablet_id))
    assert sweep_at(600) == []


def test_the_sweep_finds_live_requests_without_reading_the_history(app):
    """The sweeper runs every few seconds in every process, over a history that grows by the
    thousands a day: each of its queries on requests goes through the index of live requests
    (SQLite's own query plan says which)."""
    demo.seed()
    with reads_of_requests() as statements:
        escalation.sweep_once()
    assert len(statements) == 4  # escalation, receipts (both levels), knocks
    assert full_scans_of_requests(statements) == []
