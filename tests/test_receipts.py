"""Delivery receipts: what no on-duty handheld confirmed is sent again, then reported."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from assist import clock, demo, lifecycle, pairing, receipts, team, visits
from assist.models import Kind, Receipt

from .conftest import actions_of, outsider, room_named, staff_named

T0 = datetime(2026, 11, 22, 12, 0, 0)


@pytest.fixture
def world(any_db_app):
    store = demo.seed()
    room = room_named(store, "Room 1")
    tablet, _ = pairing.pair(pairing.issue_code(room).code)
    anna = staff_named(store, "Anna Tamm")
    with clock.frozen(T0):
        call = lifecycle.open_request(visits.start_visit(room), Kind.CONSULTANT, tablet=tablet)
    return {"call": call, "anna": anna, "store": store}


def sweep_at(seconds):
    with clock.frozen(T0 + timedelta(seconds=seconds)):
        return receipts.sweep()


def test_unconfirmed_request_is_resent_then_reported_once(world):
    assert sweep_at(4) == 0
    assert sweep_at(5) == 1
    assert sweep_at(6) == 0
    assert sweep_at(10) == 1
    assert sweep_at(60) == 0
    assert actions_of(world["call"].id) == ["created", "resent", "undelivered"]


def test_a_receipt_from_a_handheld_on_duty_settles_it(world):
    team.set_duty(world["anna"], "on")
    assert receipts.confirm(world["call"].id, world["anna"])
    assert receipts.confirm(world["call"].id, world["anna"])  # a repeat is harmless
    assert receipts.count(world["call"].id) == 1
    assert sweep_at(60) == 0


def test_a_receipt_from_someone_off_duty_does_not_count(world):
    receipts.confirm(world["call"].id, world["anna"])
    assert sweep_at(5) == 1


def test_a_stranger_cannot_confirm(world):
    assert receipts.confirm(world["call"].id, outsider()) is False
    assert receipts.count(world["call"].id) == 0


def test_a_receipt_written_meanwhile_by_another_writer_is_no_failure(world):
    """The member's other handheld (on another process, or in a batch still writing here) may
    write the same receipt between this batch's look and its write: still one receipt, and
    this handheld's is noted. Before, the write failed, and did so on every attempt."""
    call, anna = world["call"], world["anna"]
    meanwhile = []

    def another_writer(state):
        if state.is_insert and not meanwhile:
            meanwhile.append(True)
            state.session.execute(
                insert(Receipt).values(request_id=call.id, staff_id=anna.id, at=clock.now())
            )

    event.listen(Session, "do_orm_execute", another_writer)
    try:
        assert receipts.confirm(call.id, anna)
    finally:
        event.remove(Session, "do_orm_execute", another_writer)
    assert meanwhile and receipts.count(call.id) == 1
