"""Report figures from SQL, checked against figures worked out by hand and against a plain
Python computation (zoneinfo, statistics) over random history, on SQLite and PostgreSQL."""

import random
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from assist import clock, metrics, staffing, standards
from assist.extensions import db
from assist.metrics.period import hours_per_slot
from assist.models import (
    CUSTOMER_KINDS,
    FittingRoom,
    Kind,
    Rating,
    Request,
    StaffMember,
    State,
    Visit,
)
from assist.visits import HIGH_SCORE_REASONS, LOW_SCORE_REASONS

from .factories import rating_for, request_at, set_standard, store_with, visit_in

TALLINN = "Europe/Tallinn"
NEW_YORK = "America/New_York"
# Tallinn leaves summer time on 2026-10-25: 04:00 EEST (+3) becomes 03:00 EET (+2) at 01:00 UTC.
DST_DAY = date(2026, 10, 25)


@pytest.fixture
def shop(any_db_app):
    return store_with("Nordlys Tallinn", TALLINN)


def rooms_of(store):
    return db.session.scalars(
        select(FittingRoom).where(FittingRoom.store_id == store.id).order_by(FittingRoom.id)
    ).all()


def staff_of(store):
    return db.session.scalars(
        select(StaffMember).where(StaffMember.store_id == store.id).order_by(StaffMember.id)
    ).all()


def scope(store, first, last=None):
    return metrics.Scope((store,), first, last or first)


def utc(*args):
    return datetime(*args)


# --- local time ------------------------------------------------------------------------------


def test_the_dst_day_has_twenty_five_hours_and_hour_three_twice():
    hours = hours_per_slot([DST_DAY], TALLINN)
    assert sum(hours.values()) == 25 and hours[6, 3] == 2
    assert sum(hours_per_slot([date.min, date.max], TALLINN).values()) == 48


def test_hours_and_days_are_local_across_the_change(shop):
    room = rooms_of(shop)[0]
    request_at(room, utc(2026, 10, 24, 20, 30))  # 23:30 on the 24th: outside
    request_at(room, utc(2026, 10, 24, 21, 30))  # 00:30 on the 25th
    request_at(room, utc(2026, 10, 25, 0, 30))  # 03:30 EEST
    request_at(room, utc(2026, 10, 25, 1, 30))  # 03:30 EET, the second 03:30
    request_at(room, utc(2026, 10, 25, 21, 59))  # 23:59 EET
    request_at(room, utc(2026, 10, 25, 22, 0))  # midnight of the 26th: outside
    db.session.commit()
    heat = metrics.heat_map(scope(shop, DST_DAY))
    sunday = 6
    assert {key: cell.count for key, cell in heat.cells.items()} == {
        (sunday, 0): 1,
        (sunday, 3): 2,
        (sunday, 23): 1,
    }
    assert [
        (d.day, d.count) for d in metrics.trend(scope(shop, DST_DAY - timedelta(1), DST_DAY))
    ] == [
        (date(2026, 10, 24), 1),
        (date(2026, 10, 25), 4),
    ]


def test_a_chain_counts_each_store_in_its_own_time_zone(any_db_app):
    tallinn = store_with("Tallinn", TALLINN)
    new_york = store_with("New York", NEW_YORK)
    request_at(rooms_of(tallinn)[0], utc(2026, 3, 1, 22, 30))  # 00:30 on 2 March in Tallinn
    request_at(rooms_of(new_york)[0], utc(2026, 3, 2, 4, 30))  # 23:30 on 1 March in New York
    request_at(rooms_of(new_york)[0], utc(2026, 3, 2, 5, 30))  # 00:30 on 2 March in New York
    db.session.commit()
    chain = metrics.Scope((tallinn, new_york), date(2026, 3, 2), date(2026, 3, 2), True)
    assert metrics.overall(chain, metrics.kind_figures(chain)).count == 2
    assert set(metrics.heat_map(chain).cells) == {(0, 0)}  # a Monday, half past midnight, twice


# --- per kind and overall ----------------------------------------------------------------------


def test_percentiles_interpolate_like_percentile_cont_with_ties(shop):
    room = rooms_of(shop)[0]
    t0 = utc(2026, 5, 4, 9)
    for n, seconds in enumerate([20, 10, 20, 50, 20]):  # sorted: 10 20 20 20 50
        request_at(room, t0 + timedelta(minutes=n), acknowledged=seconds, completed=seconds + 30)
    for n, seconds in enumerate([1, 2, 3, 10]):
        request_at(room, t0 + timedelta(hours=1, minutes=n), Kind.DRINK, acknowledged=seconds)
    db.session.commit()
    by_kind = {k.kind: k for k in metrics.kind_figures(scope(shop, t0.date()))}
    # h = 1 + 4·0.9 = 4.6: 20 + 0.6·(50 − 20)
    assert by_kind["consultant"].acknowledge == metrics.Durations(20, pytest.approx(38))
    assert by_kind["consultant"].complete == metrics.Durations(50, pytest.approx(68))
    # h = 1 + 3·0.5 = 2.5 and 1 + 3·0.9 = 3.7
    assert by_kind["drink"].acknowledge == metrics.Durations(2.5, pytest.approx(7.9))
    assert by_kind["drink"].complete == metrics.Durations(None, None)


def test_percentiles_take_whole_seconds_and_the_definitions_say_so(shop):
    room = rooms_of(shop)[0]
    request_at(room, utc(2026, 5, 4, 9), acknowledged=10.9, completed=40)
    request_at(room, utc(2026, 5, 4, 10), acknowledged=20.4, completed=40)
    db.session.commit()
    (figures,) = metrics.kind_figures(scope(shop, date(2026, 5, 4)))
    assert figures.acknowledge.median == 15  # 10 and 20 s; over milliseconds it would be 15.65
    (median,) = [d for d in metrics.definitions() if str(d.term) == "Median and 90th percentile"]
    assert "whole seconds, rounded down" in str(median.text)
    assert "at most 1 s below" in str(median.text)


def test_one_value_is_its_own_median_and_percentile(shop):
    request_at(rooms_of(shop)[0], utc(2026, 5, 4, 9), acknowledged=42, completed=99)
    db.session.commit()
    (figures,) = metrics.kind_figures(scope(shop, date(2026, 5, 4)))
    assert figures.acknowledge == metrics.Durations(42, 42)


def test_an_empty_period_has_zero_counts_and_no_times(shop):
    request_at(rooms_of(shop)[0], utc(2026, 5, 4, 9), acknowledged=5, completed=50)
    db.session.commit()
    report = metrics.report(scope(shop, date(2026, 5, 10), date(2026, 5, 16)))
    assert report.kinds == [] and report.overall.count == 0
    assert report.overall.share_within is None and report.overall.acknowledge.median is None
    assert report.ratings.count == 0 and report.ratings.average is None
    assert report.ratings.nps is None and report.ranking == [] and report.rooms == []
    assert [d.count for d in report.trend] == [0] * 7
    assert sum(b.count for b in report.acknowledge_bins) == 0
    (now,) = report.staffing.hours.values()  # only the current hour, with who is on duty now
    assert (now.arrivals, now.needed, now.on_duty_now) == (0, 0, 0)
    assert not report.staffing.handle_measured
    assert report.staffing.handle_seconds == 135  # (60+120+240+120) / 4, the standard's


def test_the_target_staffing_must_meet_is_the_shortest_among_what_was_asked(any_db_app):
    """The histogram's line and staffing's goal: the shortest acknowledge target among the kinds
    (of each store) requested in the period; among all customer kinds when none was."""
    shop, other = store_with("Tallinn", TALLINN), store_with("New York", NEW_YORK, ("Fit A",))
    set_standard(shop, Kind.CONSULTANT, 20, 90)  # shortest, but nobody in Tallinn asks for one
    set_standard(shop, Kind.DRINK, 45, 300)
    set_standard(other, Kind.SIZE, 30, 180)
    day = date(2026, 5, 4)
    assert metrics.acknowledge_target(scope(shop, day)) == 20  # nothing asked: all kinds
    request_at(rooms_of(shop)[0], utc(2026, 5, 4, 9), Kind.DRINK, acknowledged=10)
    request_at(rooms_of(other)[0], utc(2026, 5, 4, 15), Kind.SIZE, acknowledged=10)
    request_at(rooms_of(other)[0], utc(2026, 5, 4, 16), Kind.AMENITY, acknowledged=10)
    db.session.commit()
    assert metrics.acknowledge_target(scope(shop, day)) == 45
    assert metrics.acknowledge_target(scope(other, day)) == 30
    chain = metrics.Scope((shop, other), day, day, True)
    assert metrics.acknowledge_target(chain) == 30  # not Tallinn's 20 s: nobody asked for it
    assert metrics.acknowledge_target(scope(other, day + timedelta(days=1))) == 30


def test_within_standard_needs_both_targets_including_the_stores_own(shop):
    room = rooms_of(shop)[0]
    set_standard(shop, Kind.DRINK, 30, 600)
    t0 = utc(2026, 5, 4, 9)
    cases = [
        (Kind.CONSULTANT, 60, 120),  # exactly on both targets: within
        (Kind.CONSULTANT, 61, 100),  # late to acknowledge
        (Kind.CONSULTANT, 10, 121),  # late to complete
        (Kind.CONSULTANT, 10, None),  # not completed yet
        (Kind.DRINK, 30, 590),  # the store's own 30 s / 600 s: within
        (Kind.DRINK, 45, 100),  # within the default, not the store's
        (Kind.TIDY, 120, 300),  # tidy's default is 120 s / 300 s
    ]
    for n, (kind, acknowledged, completed) in enumerate(cases):
        created = t0 + timedelta(minutes=n)
        request_at(room, created, kind, acknowledged=acknowledged, completed=completed)
    request_at(room, t0 + timedelta(hours=1), state=State.CANCELLED, closed=20)
    request_at(room, t0 + timedelta(hours=2), state=State.ABANDONED, closed=300)
    db.session.commit()
    period = scope(shop, t0.date())
    by_kind = {k.kind: (k.count, k.within) for k in metrics.kind_figures(period)}
    assert by_kind == {"consultant": (6, 1), "drink": (2, 1)}  # tidy is on its own line
    assert (metrics.tidy(period).count, metrics.tidy(period).within) == (1, 1)
    total = metrics.overall(period, metrics.kind_figures(period))
    assert (total.count, total.within, total.cancelled, total.abandoned) == (8, 2, 1, 1)
    # The cancellation is the customer's: shown, never scored; the open one is past its target.
    assert total.scored == 7 and total.share_within == pytest.approx(2 / 7)
    assert total.abandoned_share == pytest.approx(1 / 8)


def test_acknowledge_times_fall_into_fifteen_second_bins(shop):
    room = rooms_of(shop)[0]
    t0 = utc(2026, 5, 4, 9)
    for n, seconds in enumerate([0, 14.5, 15, 59, 60, 299, 300, 4000]):
        request_at(room, t0 + timedelta(minutes=n), acknowledged=seconds)
    request_at(room, t0 + timedelta(hours=1))  # never acknowledged: in no bin
    db.session.commit()
    bins = metrics.acknowledge_histogram(scope(shop, t0.date()))
    counts = {b.lower: b.count for b in bins if b.count}
    assert counts == {0: 2, 15: 1, 45: 1, 60: 1, 285: 1, 300: 2}
    assert bins[-1].upper is None and len(bins) == 21


# --- ratings -----------------------------------------------------------------------------------


def test_ratings_average_distribution_nps_and_reasons(shop):
    room = rooms_of(shop)[0]
    t0 = utc(2026, 5, 4, 9)
    given = [
        (5, 10, "fast,friendly"),
        (5, 9, "friendly"),
        (4, 8, ""),
        (2, 6, "had_to_wait,felt_ignored"),
        (1, 0, "had_to_wait"),
        (3, None, "had_to_wait"),
    ]
    for n, (score, nps, reasons) in enumerate(given):
        rating_for(
            visit_in(room, t0 + timedelta(hours=n)), score, t0 + timedelta(hours=n), nps, reasons
        )
    rating_for(visit_in(room, t0 - timedelta(days=2)), 1, t0 - timedelta(days=2), 0)  # outside
    db.session.commit()
    figures = metrics.ratings(scope(shop, t0.date()))
    assert figures.count == 6 and figures.average == pytest.approx(20 / 6)
    assert figures.distribution == {1: 1, 2: 1, 3: 1, 4: 1, 5: 2}
    # Five answered: promoters 10 and 9, detractors 6 and 0: (2 − 2) / 5 = 0.
    assert (figures.nps_answers, figures.promoters, figures.detractors) == (5, 2, 2)
    assert figures.nps == 0
    assert figures.reasons == [
        ("had_to_wait", 3),
        ("friendly", 2),
        ("fast", 1),
        ("felt_ignored", 1),
    ]


def test_nps_of_only_promoters_is_a_hundred(shop):
    room = rooms_of(shop)[0]
    t0 = utc(2026, 5, 4, 9)
    rating_for(visit_in(room, t0), 5, t0, 10)
    rating_for(visit_in(room, t0 + timedelta(hours=1)), 5, t0 + timedelta(hours=1))
    db.session.commit()
    assert metrics.ratings(scope(shop, t0.date())).nps == 100


# --- consultants and their ranking ----------------------------------------------------------


def test_consultants_handled_within_median_and_rating_of_visits_served(shop):
    room1, room2 = rooms_of(shop)
    anna, boris = staff_of(shop)
    t0 = utc(2026, 5, 4, 9)
    visit = visit_in(room1, t0)
    request_at(room1, t0, acknowledged=10, completed=60, by=anna, visit=visit)
    request_at(room1, t0, Kind.DRINK, acknowledged=30, completed=100, by=anna, visit=visit)
    request_at(room1, t0 + timedelta(hours=1), acknowledged=90, completed=200, by=anna)
    request_at(room2, t0 + timedelta(hours=2), acknowledged=20, completed=50, by=boris)
    rating_for(visit, 4, t0 + timedelta(minutes=20))  # Anna served this visit twice: counted once
    db.session.commit()
    figures = {c.name: c for c in metrics.consultants(scope(shop, t0.date()))}
    assert (figures["Anna"].handled, figures["Anna"].within) == (3, 2)
    assert figures["Anna"].acknowledge_median == 30
    assert (figures["Anna"].average_rating, figures["Anna"].rated_visits) == (4, 1)
    assert (figures["Boris"].handled, figures["Boris"].average_rating) == (1, None)


def test_ranking_weighs_service_rating_and_volume():
    def person(name, handled, within, rating, rated):
        return metrics.ConsultantFigures(
            count=handled,
            within=within,
            name=name,
            acknowledge_median=30.0,
            average_rating=rating,
            rated_visits=rated,
        )

    busy = person("Busy", 40, 20, 3.0, 10)  # half within, middling ratings, the most volume
    careful = person("Careful", 20, 19, 5.0, 8)
    new = person("New", 5, 5, None, 0)  # no ratings: the period's average (4.0) stands in
    ranked = metrics.rank([busy, careful, new], period_average=4.0)
    scores = {r.consultant.name: r.score for r in ranked}
    assert scores["Busy"] == pytest.approx(0.5 * 0.5 + 0.3 * 0.5 + 0.2 * 1)
    assert scores["Careful"] == pytest.approx(0.5 * 0.95 + 0.3 * 1 + 0.2 * 0.5)
    assert scores["New"] == pytest.approx(0.5 * 1 + 0.3 * 0.75 + 0.2 * 0.125)
    assert [r.consultant.name for r in ranked] == ["Careful", "New", "Busy"]
    assert ranked[1].rating_assumed and not ranked[0].rating_assumed
    lonely = metrics.rank([new], period_average=None)[0]
    assert lonely.rating == 0.5 and lonely.volume == 1


# --- rooms, staffing -------------------------------------------------------------------------


def test_rooms_show_requests_and_ratings_even_without_requests(shop):
    room1, room2 = rooms_of(shop)
    t0 = utc(2026, 5, 4, 9)
    request_at(room1, t0, acknowledged=10, completed=60)
    request_at(room1, t0 + timedelta(hours=1), state=State.ABANDONED, closed=200)
    rating_for(visit_in(room2, t0), 2, t0)
    db.session.commit()
    figures = {r.label: r for r in metrics.rooms(scope(shop, t0.date()))}
    one, two = figures["Women · Room 1"], figures["Women · Room 2"]
    assert (one.count, one.within, one.abandoned, one.acknowledge_median) == (2, 1, 1, 10)
    assert (two.count, two.average_rating, two.ratings) == (0, 2, 1)


def test_staffing_counts_the_doubled_hour_and_staff_now(any_db_app, shop):
    room = rooms_of(shop)[0]
    anna, boris = staff_of(shop)
    request_at(room, utc(2026, 10, 25, 0, 30), acknowledged=30, completed=330, by=anna)
    request_at(room, utc(2026, 10, 25, 1, 30), acknowledged=30, completed=130, by=boris)
    anna.duty = "on"
    db.session.commit()
    with clock.frozen(utc(2026, 10, 25, 1, 45)):  # 03:45 EET, Sunday
        advice = metrics.staffing_advice(scope(shop, DST_DAY))
    hour = advice.hour(6, 3)
    assert (hour.arrivals, hour.hours, hour.arrivals_per_hour) == (2, 2, 1.0)
    assert advice.handle_seconds == 200 and advice.handle_measured
    assert advice.target_seconds == 60 and advice.level == 0.8
    assert hour.traffic == pytest.approx(200 / 3600)
    assert hour.needed == staffing.agents_needed(200 / 3600, 60, 200, 0.8) == 1
    assert hour.staffed == 2  # two consultants claimed in that hour, on the one Sunday
    assert hour.on_duty_now == 1 and advice.now == (6, 3)


# --- random history against a plain Python computation ------------------------------------

REASON_TAGS = [tag.key for tag in LOW_SCORE_REASONS + HIGH_SCORE_REASONS]


def random_history(rng: random.Random, stores, start: datetime, days: int, count: int):
    """`count` requests at random seconds over `days` days, with every outcome, many ties on
    whole seconds, and ratings for about a third of the visits."""
    for _ in range(count):
        store = rng.choice(stores)
        room, person = rng.choice(rooms_of(store)), rng.choice(staff_of(store))
        created = start + timedelta(seconds=rng.randrange(days * 86400))
        request = _random_request(rng, room, person, created)
        if rng.random() < 0.35:
            _random_rating(rng, request)
    db.session.commit()


def _random_request(rng, room, person, created):
    kind = rng.choice(list(Kind))
    acknowledged = rng.choice([rng.randint(1, 400), 60, 120, 30, 61])
    completed = acknowledged + rng.choice([rng.randint(5, 400), 60, 120])
    draw = rng.random()
    if kind == Kind.TIDY and 0.22 <= draw < 0.3:
        draw = 1  # a room holds at most one live tidy task: this one is done
    if draw < 0.1:
        return request_at(room, created, kind, state=State.ABANDONED, closed=rng.randint(30, 900))
    if draw < 0.18:
        return request_at(room, created, kind, state=State.CANCELLED, closed=rng.randint(1, 200))
    if draw < 0.22:
        return request_at(
            room,
            created,
            kind,
            acknowledged=acknowledged,
            by=person,
            state=State.CANCELLED,
            closed=acknowledged + 5,
        )
    if draw < 0.25:
        return request_at(room, created, kind)  # still open
    if draw < 0.3:
        return request_at(room, created, kind, acknowledged=acknowledged, by=person)
    return request_at(
        room, created, kind, acknowledged=acknowledged, completed=completed, by=person
    )


def _random_rating(rng, request):
    reasons = ",".join(rng.sample(REASON_TAGS, rng.randint(0, 3)))
    nps = rng.choice([None, *range(11)])
    at = request.created_at + timedelta(minutes=rng.randint(1, 40))
    rating_for(db.session.get(Visit, request.visit_id), rng.randint(1, 5), at, nps, reasons)


class Plain:
    """The report's figures the straightforward way: every row in Python."""

    def __init__(self, stores, first: date, last: date):
        self.zones = {s.id: ZoneInfo(s.timezone) for s in stores}
        self.targets = {s.id: standards.targets(s.id) for s in stores}
        self.first, self.last = first, last
        everything = [r for r in db.session.scalars(select(Request)) if self.inside(r)]
        self.requests = [r for r in everything if r.kind in CUSTOMER_KINDS]
        self.tidies = [r for r in everything if r.kind == Kind.TIDY]
        # A rating belongs to its visit's service day: the local day the visit began.
        self.ratings = [
            r
            for r in db.session.scalars(select(Rating))
            if self.local(r.visit.started_at, r.visit.room.store_id).date() in self.days()
        ]

    def local(self, at, store_id):
        return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(self.zones[store_id])

    def days(self):
        return {self.first + timedelta(n) for n in range((self.last - self.first).days + 1)}

    def inside(self, request):
        return self.local(request.created_at, request.store_id).date() in self.days()

    def within(self, request):
        return standards.meets(request, self.targets[request.store_id][request.kind])

    def scored(self, rows):
        """Cancelled requests are the customer's; every other one here is decided (old)."""
        return [r for r in rows if r.state not in (State.CANCELLED, State.LEFT)]


def acknowledge(r):
    return (r.acknowledged_at - r.created_at).total_seconds()


def complete(r):
    return (r.completed_at - r.created_at).total_seconds()


def percentile(values, fraction: Fraction):
    """percentile_cont by the statistics module's 'inclusive' quantiles (R type 7)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=fraction.denominator, method="inclusive")
    return cuts[fraction.numerator - 1]


def durations(values):
    return (percentile(values, Fraction(1, 2)), percentile(values, Fraction(9, 10)))


def check_kinds(report, plain):
    by_kind = defaultdict(list)
    for r in plain.requests:
        by_kind[str(r.kind)].append(r)
    for figures in [*report.kinds, report.overall]:
        rows = plain.requests if figures.kind == "customer" else by_kind[figures.kind]
        assert figures.count == len(rows)
        assert figures.within == sum(plain.within(r) for r in rows)
        assert figures.scored == len(plain.scored(rows))
        assert figures.cancelled == sum(r.state == State.CANCELLED for r in rows)
        assert figures.abandoned == sum(r.state == State.ABANDONED for r in rows)
        acked = [acknowledge(r) for r in rows if r.acknowledged_at]
        done = [complete(r) for r in rows if r.completed_at]
        assert (figures.acknowledge.median, figures.acknowledge.p90) == pytest.approx(
            durations(acked)
        )
        assert (figures.complete.median, figures.complete.p90) == pytest.approx(durations(done))
    assert {k.kind for k in report.kinds} == set(by_kind)
    assert report.tidy.count == len(plain.tidies)
    assert report.tidy.within == sum(plain.within(r) for r in plain.tidies)


def check_histogram(report, plain):
    bands = Counter(min(int(acknowledge(r) // 15), 20) for r in plain.requests if r.acknowledged_at)
    assert [b.count for b in report.acknowledge_bins] == [bands[n] for n in range(21)]


def check_ratings(report, plain):
    scores = [r.score for r in plain.ratings]
    answers = [r.nps for r in plain.ratings if r.nps is not None]
    figures = report.ratings
    assert figures.average == pytest.approx(statistics.mean(scores))
    assert figures.csat == pytest.approx(sum(s >= 4 for s in scores) / len(scores))
    assert figures.distribution == {s: scores.count(s) for s in range(1, 6)}
    promoters = sum(a >= 9 for a in answers) / len(answers)
    detractors = sum(a <= 6 for a in answers) / len(answers)
    assert figures.nps == pytest.approx(100 * (promoters - detractors))
    tags = Counter(tag for r in plain.ratings for tag in r.reason_list)
    assert dict(figures.reasons) == dict(tags)
    assert [n for _, n in figures.reasons] == sorted(tags.values(), reverse=True)


def check_consultants(report, plain):
    claimed = defaultdict(list)
    for r in plain.requests:
        if r.claimed_by_id:
            claimed[r.claimed_by_id].append(r)
    # Ratings of the period go to whoever claimed a customer request in the rated visit.
    served_by = defaultdict(set)
    for r in db.session.scalars(select(Request)):
        if r.claimed_by_id and r.kind in CUSTOMER_KINDS:
            served_by[r.claimed_by_id].add(r.visit_id)
    scores = {r.visit_id: r.score for r in plain.ratings}
    rated = {staff for staff, visits in served_by.items() if visits & set(scores)}
    assert {r.consultant.staff_id for r in report.ranking} == set(claimed) | rated
    for ranked in report.ranking:
        figures, rows = ranked.consultant, claimed[ranked.consultant.staff_id]
        assert figures.handled == len(rows)
        assert figures.within == sum(plain.within(r) for r in rows)
        assert figures.scored == len(plain.scored(rows))
        assert figures.acknowledge_median == (
            pytest.approx(statistics.median(acknowledge(r) for r in rows)) if rows else None
        )
        served = [scores[v] for v in served_by[figures.staff_id] if v in scores]
        assert figures.rated_visits == len(served)
        assert figures.average_rating == (
            pytest.approx(statistics.mean(served)) if served else None
        )
    most = max((len(rows) for rows in claimed.values()), default=0)
    for ranked in report.ranking:
        assert ranked.volume == pytest.approx(ranked.consultant.handled / most if most else 0)
    assert [r.score for r in report.ranking] == sorted(
        (r.score for r in report.ranking), reverse=True
    )


def check_rooms(report, plain):
    by_room = defaultdict(list)
    for r in plain.requests:
        by_room[r.room_id].append(r)
    rated = defaultdict(list)
    for r in plain.ratings:
        rated[r.visit.room_id].append(r.score)
    assert {room.room_id for room in report.rooms} == set(by_room) | set(rated)
    for room in report.rooms:
        rows = by_room[room.room_id]
        assert (room.count, room.within) == (len(rows), sum(plain.within(r) for r in rows))
        acked = [acknowledge(r) for r in rows if r.acknowledged_at]
        assert room.acknowledge_median == (
            pytest.approx(statistics.median(acked)) if acked else None
        )
        scores = rated[room.room_id]
        assert room.average_rating == (pytest.approx(statistics.mean(scores)) if scores else None)
        assert room.csat == (
            pytest.approx(sum(s >= 4 for s in scores) / len(scores)) if scores else None
        )


def check_heat_and_trend(report, plain):
    cells, days = Counter(), Counter()
    within_cells = Counter()
    for r in plain.requests:
        local = plain.local(r.created_at, r.store_id)
        cells[local.weekday(), local.hour] += 1
        within_cells[local.weekday(), local.hour] += plain.within(r)
        days[local.date()] += 1
    assert {k: c.count for k, c in report.heat.cells.items()} == dict(cells)
    assert {k: c.within for k, c in report.heat.cells.items()} == dict(within_cells)
    assert [(d.day, d.count) for d in report.trend] == [(d, days[d]) for d in sorted(plain.days())]


def check_staffing(report, plain, store):
    advice = report.staffing
    handled = [
        (r.completed_at - r.acknowledged_at).total_seconds()
        for r in plain.requests
        if r.completed_at
    ]
    assert advice.handle_seconds == pytest.approx(statistics.median(handled))
    target = min(
        plain.targets[store.id][k].acknowledge_within for k in {r.kind for r in plain.requests}
    )
    assert advice.target_seconds == target
    hours = wall_clock_hours(plain, store)
    arrivals = Counter()
    for r in plain.requests:
        local = plain.local(r.created_at, r.store_id)
        arrivals[local.weekday(), local.hour] += 1
    for key, n in arrivals.items():
        hour = advice.hour(*key)
        assert (hour.arrivals, hour.hours) == (n, hours[key])
        load = n / hours[key] * advice.handle_seconds / 3600
        assert hour.needed == staffing.agents_needed(load, target, advice.handle_seconds, 0.8)
    check_staffed(advice, plain)


def wall_clock_hours(plain, store):
    """How many real hours each (weekday, hour) of the wall clock had: an hour repeated at a
    DST change happened twice (fold 0 and 1 are different instants), a skipped one never."""
    zone, hours = ZoneInfo(store.timezone), Counter()
    for day in plain.days():
        for hour in range(24):
            wall = datetime(day.year, day.month, day.day, hour)
            instants = {
                wall.replace(tzinfo=zone, fold=f).astimezone(ZoneInfo("UTC")) for f in (0, 1)
            }
            real = [i for i in instants if i.astimezone(zone).replace(tzinfo=None) == wall]
            hours[day.weekday(), hour] += len(real)
    return hours


def check_staffed(advice, plain):
    slots = {
        (local.date(), local.weekday(), local.hour, r.claimed_by_id)
        for r in plain.requests
        if r.claimed_by_id
        for local in [plain.local(r.created_at, r.store_id)]
    }
    weekdays = Counter(day.weekday() for day in plain.days())
    per_hour = Counter((weekday, hour) for _, weekday, hour, _ in slots)
    for key, n in per_hour.items():
        if weekdays[key[0]]:
            assert advice.hour(*key).staffed == pytest.approx(n / weekdays[key[0]])


def test_random_history_of_one_store_matches_plain_python(any_db_app, shop):
    set_standard(shop, Kind.SIZE, 45, 150)
    rng = random.Random(20261025)
    random_history(rng, [shop], utc(2026, 10, 12), days=24, count=400)
    first, last = date(2026, 10, 15), date(2026, 10, 31)  # across the change of 25 October
    with clock.frozen(utc(2026, 11, 22, 12)):
        report = metrics.report(scope(shop, first, last))
    plain = Plain([shop], first, last)
    assert 200 < len(plain.requests) < 400
    check_kinds(report, plain)
    check_histogram(report, plain)
    check_ratings(report, plain)
    check_consultants(report, plain)
    check_rooms(report, plain)
    check_heat_and_trend(report, plain)
    check_staffing(report, plain, shop)


def test_random_history_of_a_chain_matches_plain_python(any_db_app):
    stores = [store_with("Tallinn", TALLINN), store_with("New York", NEW_YORK, ("Fit A",), ("Cy",))]
    set_standard(stores[1], Kind.CONSULTANT, 30, 90)
    rng = random.Random(7)
    random_history(rng, stores, utc(2026, 10, 20), days=16, count=300)
    first, last = date(2026, 10, 22), date(2026, 11, 2)  # New York changes on 1 November
    report = metrics.report(metrics.Scope(tuple(stores), first, last, True))
    plain = Plain(stores, first, last)
    assert report.staffing is None
    check_kinds(report, plain)
    check_histogram(report, plain)
    check_ratings(report, plain)
    check_consultants(report, plain)
    check_rooms(report, plain)
    check_heat_and_trend(report, plain)


# --- the period -------------------------------------------------------------------------------


def test_the_default_period_is_the_last_seven_local_days():
    with clock.frozen(utc(2026, 3, 1, 22, 30)):  # already 2 March in Tallinn
        assert metrics.period(None, None, TALLINN) == (date(2026, 2, 24), date(2026, 3, 2))
        assert metrics.period("", "", "America/New_York") == (date(2026, 2, 23), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-13-01", "2026-12-31", "“from” must be a date"),
        ("2026-01-01", "yesterday", "“to” must be a date"),
        ("2026-02-01", "2026-01-01", "starts after it ends"),
        ("2020-01-01", "2026-01-01", "at most"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(first, last, message):
    with pytest.raises(metrics.BadPeriod, match=message) as refused:
        metrics.period(first, last, TALLINN)
    assert refused.value.status == 400
