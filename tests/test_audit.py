"""The audit trail: who did what and when, filtered by room, staff member and local day."""

from datetime import date, datetime

from assist import audit, clock, demo, lifecycle, localtime, pairing, visits
from assist.models import Kind

from .conftest import room_named, staff_named


def test_filters_by_room_staff_and_the_stores_local_day(app):
    store = demo.seed()  # Europe/Tallinn: UTC+2 in winter
    room1, room2 = room_named(store, "Room 1"), room_named(store, "Room 2")
    anna, boris = staff_named(store, "Anna Tamm"), staff_named(store, "Boris Ivanov")
    tablet1, _ = pairing.pair(pairing.issue_code(room1).code)
    tablet2, _ = pairing.pair(pairing.issue_code(room2).code)
    with clock.frozen(datetime(2026, 11, 21, 21, 30)):  # 23:30 local on the 21st
        first = lifecycle.open_request(visits.start_visit(room1), Kind.CONSULTANT, tablet=tablet1)
        lifecycle.claim(first.id, anna)
    with clock.frozen(datetime(2026, 11, 21, 22, 30)):  # 00:30 local on the 22nd
        second = lifecycle.open_request(visits.start_visit(room2), Kind.CONSULTANT, tablet=tablet2)
        lifecycle.claim(second.id, boris)

    def trail(**filters):
        return [(e.request_id, e.action) for e in audit.events(store, audit.Filters(**filters))]

    assert trail() == [
        (second.id, "claimed"),
        (second.id, "created"),
        (first.id, "claimed"),
        (first.id, "created"),
    ]
    assert trail(room_id=room1.id) == [(first.id, "claimed"), (first.id, "created")]
    assert trail(staff_id=boris.id) == [(second.id, "claimed")]
    assert trail(day=date(2026, 11, 21)) == [(first.id, "claimed"), (first.id, "created")]
    assert trail(day=date(2026, 11, 22)) == [(second.id, "claimed"), (second.id, "created")]
    assert trail(day=date(2026, 11, 23)) == []


def test_a_local_day_follows_daylight_saving_time():
    # Europe/Tallinn falls back on 2026-10-25: that local day lasts 25 hours.
    start, end = localtime.utc_bounds(date(2026, 10, 25), date(2026, 10, 25), "Europe/Tallinn")
    assert start == datetime(2026, 10, 24, 21, 0) and end == datetime(2026, 10, 25, 22, 0)
