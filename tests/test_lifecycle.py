"""The request lifecycle, without HTTP: every transition, every refusal, on both databases."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from assist import catalogue, clock, demo, lifecycle, menus, pairing, visits
from assist.errors import Conflict, NotFound, Refused, TooMany
from assist.extensions import db
from assist.models import Kind, Request, State, Visit

from .conftest import actions_of, outsider, room_named, staff_named

T0 = datetime(2026, 11, 22, 10, 0, 0)


@pytest.fixture
def world(any_db_app):
    store = demo.seed()
    room = room_named(store, "Room 1")
    other_room = room_named(store, "Room 2")
    tablet, _ = pairing.pair(pairing.issue_code(room).code)
    return {
        "store": store,
        "room": room,
        "other_room": other_room,
        "tablet": tablet,
        "anna": staff_named(store, "Anna Tamm"),
        "boris": staff_named(store, "Boris Ivanov"),
    }


def ask(world, kind=Kind.CONSULTANT, **what):
    visit = visits.start_visit(world["room"])
    return lifecycle.open_request(visit, kind, tablet=world["tablet"], **what)


def test_open_claim_complete_records_times_and_events(world):
    with clock.frozen(T0) as advance:
        request = ask(world)
        advance(timedelta(seconds=42))
        lifecycle.claim(request.id, world["anna"])
        advance(timedelta(seconds=60))
        lifecycle.complete(request.id, world["anna"])
    request = db.session.get(Request, request.id)
    assert request.state == State.COMPLETED
    assert request.acknowledged_at - request.created_at == timedelta(seconds=42)
    assert request.completed_at - request.created_at == timedelta(seconds=102)
    assert request.claimed_by.name == "Anna Tamm"
    assert actions_of(request.id) == ["created", "claimed", "completed"]


@pytest.mark.parametrize("state_before", ["open", "acknowledged"])
def test_customer_can_cancel_while_live(world, state_before):
    request = ask(world)
    if state_before == "acknowledged":
        lifecycle.claim(request.id, world["anna"])
    lifecycle.cancel(request.id, world["tablet"])
    assert db.session.get(Request, request.id).state == State.CANCELLED
    assert actions_of(request.id)[-1] == "cancelled"


def test_second_claim_is_refused_naming_who_has_it(world):
    request = ask(world)
    lifecycle.claim(request.id, world["anna"])
    with pytest.raises(Conflict, match="Anna is already on it"):
        lifecycle.claim(request.id, world["boris"])
    assert db.session.get(Request, request.id).claimed_by.name == "Anna Tamm"
    assert actions_of(request.id) == ["created", "claimed"]


@pytest.mark.parametrize(
    ("setup", "refused", "message"),
    [
        ([], "complete", "Nobody has taken"),
        (["claim", "complete"], "claim", "already done"),
        (["claim", "complete"], "cancel", "already done"),
        (["cancel"], "claim", "customer cancelled"),
        (["cancel"], "complete", "customer cancelled"),
        (["cancel"], "cancel", "customer cancelled"),
    ],
)
def test_refused_transitions_change_nothing(world, setup, refused, message):
    request = ask(world)
    do = {
        "claim": lambda: lifecycle.claim(request.id, world["anna"]),
        "complete": lambda: lifecycle.complete(request.id, world["anna"]),
        "cancel": lambda: lifecycle.cancel(request.id, world["tablet"]),
    }
    for step in setup:
        do[step]()
    before = (db.session.get(Request, request.id).state, actions_of(request.id))
    with pytest.raises(Conflict, match=message):
        do[refused]()
    db.session.expire_all()
    assert (db.session.get(Request, request.id).state, actions_of(request.id)) == before


def test_ending_the_visit_abandons_open_requests_and_closes_claimed_ones_as_left(world):
    waiting = ask(world)
    drink = menus.menu(world["store"].id, Kind.DRINK)[0]
    claimed = ask(world, Kind.DRINK, menu_item=drink)
    lifecycle.claim(claimed.id, world["anna"])
    visits.end_visit(visits.current_visit(world["room"].id), "done")
    assert db.session.get(Request, waiting.id).state == State.ABANDONED
    assert db.session.get(Request, claimed.id).state == State.LEFT  # nobody to bring it to
    assert actions_of(claimed.id)[-1] == "left"
    with pytest.raises(Conflict, match="customer has left"):
        lifecycle.claim(waiting.id, world["boris"])
    with pytest.raises(Conflict, match="customer has left"):
        lifecycle.complete(claimed.id, world["anna"])


def test_repeated_taps_make_one_request(world):
    first, second = ask(world), ask(world)
    assert first.id == second.id
    variant = catalogue.variant(world["store"].id, "JN-501", "Blue", "32")
    assert ask(world, Kind.SIZE, variant=variant).id == ask(world, Kind.SIZE, variant=variant).id
    assert db.session.scalar(select(func.count()).select_from(Request)) == 2


def test_a_new_call_is_possible_once_the_last_one_is_done(world):
    first = ask(world)
    lifecycle.claim(first.id, world["anna"])
    lifecycle.complete(first.id, world["anna"])
    assert ask(world).id != first.id


def test_a_visit_cannot_flood_the_queue(world, any_db_app):
    limit = any_db_app.config["MAX_LIVE_REQUESTS_PER_VISIT"]
    items = menus.menu(world["store"].id, Kind.DRINK) + menus.menu(world["store"].id, Kind.AMENITY)
    for item in items[:limit]:
        ask(world, item.kind, menu_item=item)
    with pytest.raises(TooMany):
        ask(world, items[limit].kind, menu_item=items[limit])
    assert db.session.scalar(select(func.count()).select_from(Request)) == limit


def test_out_of_stock_size_is_still_requested_with_alternatives(world):
    sold_out = next(v for v in catalogue.variants(world["store"].id, "JN-501") if v.stock == 0)
    request = ask(world, Kind.SIZE, variant=sold_out)
    assert request.in_stock is False
    alternatives = catalogue.alternatives(sold_out)
    assert alternatives and all(v.stock > 0 and v.code == "JN-501" for v in alternatives)
    gaps = [abs(float(v.size) - float(sold_out.size)) for v in alternatives]
    assert gaps == sorted(gaps)  # the nearest fit first, whatever the colour
    first = alternatives[0]  # here the same size is in stock in the other colour
    assert first.size == sold_out.size and first.colour != sold_out.colour


def test_staff_and_tablets_cannot_reach_other_rooms_or_stores(world):
    request = ask(world)
    other_tablet, _ = pairing.pair(pairing.issue_code(world["other_room"]).code)
    with pytest.raises(NotFound):
        lifecycle.cancel(request.id, other_tablet)
    stranger = outsider()
    with pytest.raises(NotFound):
        lifecycle.claim(request.id, stranger)
    assert db.session.get(Request, request.id).state == State.OPEN


def test_concurrent_claims_have_exactly_one_winner(world, any_db_app):
    """Eight consultants' taps at the same moment, each in its own thread and connection."""
    request = ask(world)
    contenders = [world["anna"].id, world["boris"].id] * 4
    start, results = threading.Barrier(len(contenders)), []

    def tap(staff_id):
        with any_db_app.app_context():
            member = db.session.get(type(world["anna"]), staff_id)
            start.wait()
            try:
                lifecycle.claim(request.id, member)
                results.append("won")
            except Conflict:
                results.append("lost")

    threads = [threading.Thread(target=tap, args=(sid,)) for sid in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["lost"] * 7 + ["won"]
    assert actions_of(request.id).count("claimed") == 1


def test_rating_ends_the_visit_and_is_validated(world):
    ask(world)
    visit = visits.current_visit(world["room"].id)
    for score, reasons, comment, nps in [
        (0, [], "", None),
        (7, [], "", None),
        (5, ["had_to_wait"], "", None),
        (2, ["no_such_reason"], "", None),
        (4, [], "x" * 5000, None),
        (4, [], "", 11),
    ]:
        with pytest.raises(Refused):
            visits.rate_visit(visit, score, reasons, comment, nps)
        assert db.session.get(Visit, visit.id).ended_at is None
    visits.rate_visit(visit, 2, ["had_to_wait", "felt_ignored"], " slow ", 3)
    visit = db.session.get(Visit, visit.id)
    assert visit.end_reason == "rated" and visit.rating.reason_list == [
        "had_to_wait",
        "felt_ignored",
    ]
    assert visit.rating.comment == "slow"
    assert visits.current_visit(world["room"].id) is None


def test_a_retried_tap_returns_the_request_it_made_whatever_happened_since(world):
    visit = visits.start_visit(world["room"])
    first = lifecycle.open_request(visit, Kind.CONSULTANT, tablet=world["tablet"], client_key="k1")
    lifecycle.claim(first.id, world["anna"])
    lifecycle.complete(first.id, world["anna"])
    retry = lifecycle.open_request(visit, Kind.CONSULTANT, tablet=world["tablet"], client_key="k1")
    assert retry.id == first.id
    fresh = lifecycle.open_request(visit, Kind.CONSULTANT, tablet=world["tablet"], client_key="k2")
    assert fresh.id != first.id
