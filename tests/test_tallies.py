"""Kept tallies of settled months give a report the very figures every request gives, on
SQLite and PostgreSQL; a month is tallied only once nothing in it can change, and tallies
judged by other standards are not used."""

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from assist import clock, metrics, standards
from assist.extensions import db
from assist.metrics import tallies
from assist.models import Kind, Request, RequestEvent, State, Tally, TallyRow, Visit

from .factories import request_at, store_with
from .test_metrics import NEW_YORK, TALLINN, random_history, rooms_of

TODAY = datetime(2026, 12, 15, 12)  # naive UTC, as the app keeps time
OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def chain(any_db_app):
    """Two stores in two time zones with random history from 20 October to 12 December.
    What was still live before December has since ended, as it would in a store; some
    completed requests were knocked for."""
    stores = (store_with("Tallinn", TALLINN), store_with("New York", NEW_YORK, ("Fit A",)))
    rng = random.Random(20261204)
    random_history(rng, list(stores), datetime(2026, 10, 20), days=53, count=500)
    for request in db.session.scalars(select(Request).where(Request.is_live)):
        if request.local_day < date(2026, 12, 1):
            request.state = State.ABANDONED if request.state == State.OPEN else State.LEFT
            request.closed_at = request.created_at + timedelta(minutes=5)
    for request in db.session.scalars(select(Request).where(Request.state == State.COMPLETED)):
        if rng.random() < 0.3:
            db.session.add(knocked_for(request))
    db.session.commit()
    return stores


def knocked_for(request: Request) -> RequestEvent:
    return RequestEvent(
        request_id=request.id,
        store_id=request.store_id,
        room_id=request.room_id,
        action="knocked",
        at=request.created_at + timedelta(seconds=20),
    )


def chain_report(stores, first: date, last: date) -> metrics.Report:
    return metrics.report(metrics.Scope(tuple(stores), first, last, True))


@pytest.mark.parametrize(
    ("first", "last", "whole"),
    [
        (date(2026, 10, 22), date(2026, 12, 10), [NOVEMBER]),  # raw days on both sides
        (OCTOBER, date(2026, 11, 30), [OCTOBER, NOVEMBER]),  # nothing raw
    ],
)
def test_a_report_over_tallied_months_is_the_report_over_every_request(chain, first, last, whole):
    with clock.frozen(TODAY):
        every_request = chain_report(chain, first, last)
        assert tallies.tally_settled() == 4  # October and November of both stores
        assert tallies.tally_settled() == 0  # and only once
        from_tallies = chain_report(chain, first, last)
    assert from_tallies.scope.tallied == {month: [s.id for s in chain] for month in whole}
    assert every_request.overall.count > 100
    assert every_request.knocks.knocked_visits > 0
    assert from_tallies == every_request


def test_a_month_is_tallied_once_nothing_in_it_can_change(any_db_app):
    store = store_with("Tallinn", TALLINN)
    room = rooms_of(store)[0]
    waiting = request_at(room, datetime(2026, 10, 5, 9))  # still open
    request_at(room, datetime(2026, 11, 5, 9), acknowledged=20, completed=90)
    request_at(room, datetime(2026, 12, 5, 9), acknowledged=20, completed=90)
    db.session.commit()
    with clock.frozen(datetime(2026, 11, 30, 23)):  # 1 December, 01:00 in Tallinn
        assert tallies.settled_months(store) == []  # November: a whole day's grace first
    with clock.frozen(TODAY):
        assert tallies.settled_months(store) == [NOVEMBER]  # October waits; December runs
        waiting.state, waiting.closed_at = State.ABANDONED, datetime(2026, 10, 5, 9, 10)
        db.session.commit()
        assert tallies.settled_months(store) == [OCTOBER, NOVEMBER]
        open_visit = Visit(room_id=rooms_of(store)[1].id, started_at=datetime(2026, 11, 30, 15))
        db.session.add(open_visit)
        db.session.commit()
        assert tallies.settled_months(store) == [OCTOBER]  # its rating may still come
        open_visit.ended_at = datetime(2026, 11, 30, 16)
        db.session.commit()
        assert tallies.settled_months(store) == [OCTOBER, NOVEMBER]


def test_new_standards_read_the_months_raw_until_they_are_tallied_again(chain):
    tallinn = chain[0]
    with clock.frozen(TODAY):
        tallies.tally_settled()
        before = chain_report(chain, OCTOBER, date(2026, 11, 30))
        standards.set_target(tallinn.id, Kind.CONSULTANT, 20, 60)
        judged_anew = chain_report(chain, OCTOBER, date(2026, 11, 30))
        assert tallinn.id not in sum(judged_anew.scope.tallied.values(), [])
        assert judged_anew.overall.within < before.overall.within
        assert tallies.tally_settled() == 2  # Tallinn's two months
        tallied_anew = chain_report(chain, OCTOBER, date(2026, 11, 30))
    assert tallied_anew.scope.tallied == {m: [s.id for s in chain] for m in (OCTOBER, NOVEMBER)}
    assert tallied_anew == judged_anew
    kept = db.session.scalar(select(Tally).where(Tally.store_id == tallinn.id).limit(1))
    assert "consultant:20/60" in kept.standards


def test_the_nightly_command_tallies_and_says_how_many(any_db_app, chain):
    with clock.frozen(TODAY):
        result = any_db_app.test_cli_runner().invoke(args=["reports", "tally"])
    assert result.exit_code == 0, result.output
    assert "Tallied 4 store-months." in result.output
    assert db.session.scalar(select(TallyRow.id).limit(1)) is not None
