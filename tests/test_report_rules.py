"""What a manager reads on the reports page, the board and the CSV, rule by rule (issue 8's
points 1–9, and the calendar's edges), on SQLite and PostgreSQL."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from assist import clock, escalation, staffing, trail, visits
from assist.extensions import db
from assist.metrics import figures, ranking
from assist.models import FittingRoom, Kind, Request, Role, StaffMember, State

from .factories import (
    rating_for,
    request_at,
    set_standard,
    staff_member,
    store_with,
    visit_in,
)

DAY = datetime(2026, 3, 2, 10)  # a Monday; Tallinn is UTC+2 in winter
DATE = "2026-03-02"


def signed_in(client, member):
    with client.session_transaction() as session:
        session["_user_id"] = member.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def shop(any_db_app):
    store = store_with("Nordlys", "Europe/Tallinn")
    staff_member(store, "Mari", Role.MANAGER, "manager-pass-1")
    return store


@pytest.fixture
def manager(any_db_app, shop):
    return signed_in(any_db_app.test_client(), people(shop)["Mari"])


def people(store):
    query = select(StaffMember).where(StaffMember.store_id == store.id).order_by(StaffMember.id)
    return {m.name: m for m in db.session.scalars(query)}


def rooms(store):
    query = select(FittingRoom).where(FittingRoom.store_id == store.id).order_by(FittingRoom.id)
    return list(db.session.scalars(query))


def page(client, first=DATE, last=DATE) -> str:
    response = client.get(f"/staff/reports?from={first}&to={last}")
    assert response.status_code == 200, response.text
    return response.text


def row(html: str, element_id: str) -> str:
    match = re.search(rf'<tr id="{element_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {element_id}"
    return re.sub(r"\s+", " ", match.group(1))


def cells(html: str, element_id: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row(html, element_id), re.S)
    ]


# 1. Tidy work never counts among customer requests ----------------------------------------------


def test_tidy_tasks_stay_out_of_customer_figures(manager, shop):
    room = rooms(shop)[0]
    for n in range(5):
        state = State.ABANDONED if n < 3 else None
        at = DAY + timedelta(minutes=10 * n)
        if state:
            request_at(room, at, state=state, closed=200)
        else:
            request_at(room, at, acknowledged=20, completed=60)
    for n in range(4):
        request_at(
            room, DAY + timedelta(hours=2, minutes=n), Kind.TIDY, acknowledged=30, completed=90
        )
    db.session.commit()
    html = page(manager)
    total = cells(html, "kind-customer")
    assert total[1] == "5" and "60 % (3 / 5)" in total
    tidy = cells(html, "tidy-line")
    assert tidy[1:4] == ["4", "4", "0"] and tidy[-1].startswith("100 %")


# 2. One tidy task per room; the next visit skips it ----------------------------------------------


def test_a_room_holds_one_tidy_and_the_next_visit_skips_it(manager, shop):
    room = rooms(shop)[0]
    with clock.frozen(datetime(2026, 3, 2, 9)) as advance:
        for _ in range(3):
            visit = visits.start_visit(room)
            advance(timedelta(minutes=5))
            visits.end_visit(visit, "done")
            advance(timedelta(minutes=5))
            live = db.session.scalar(
                select(func.count()).where(
                    Request.room_id == room.id,
                    Request.kind == Kind.TIDY,
                    Request.state.in_((State.OPEN, State.ACKNOWLEDGED)),
                )
            )
            assert live == 1
        visits.start_visit(room)
    tidy = cells(page(manager), "tidy-line")
    # Three tidy tasks; each next visit began first: all skipped, all missed the standard.
    assert tidy[1:4] == ["3", "0", "3"] and tidy[-1].startswith("0 %")


# 3. Ratings go to those who served the customer ----------------------------------------------


def test_a_rating_goes_to_the_consultant_who_served_not_the_one_who_tidied(manager, shop):
    room, staff = rooms(shop)[0], people(shop)
    visit = visit_in(room, DAY)
    request_at(room, DAY, acknowledged=20, completed=60, by=staff["Anna"], visit=visit)
    request_at(room, DAY + timedelta(minutes=21), Kind.TIDY, acknowledged=20, completed=60,
               by=staff["Boris"], visit=visit)  # fmt: skip
    rating_for(visit, 2, DAY + timedelta(minutes=20))
    db.session.commit()
    html = page(manager)
    anna = cells(html, f"consultant-{staff['Anna'].id}")
    assert "2.0 (1)" in anna
    assert f'id="consultant-{staff["Boris"].id}"' not in html


# 4. Cancellations are the customer's -------------------------------------------------------------


def test_a_cancellation_after_im_on_it_never_scores_the_consultant(manager, shop):
    room, anna = rooms(shop)[0], people(shop)["Anna"]
    request_at(room, DAY, acknowledged=10, by=anna, state=State.CANCELLED, closed=30)
    request_at(room, DAY + timedelta(hours=1), acknowledged=10, completed=50, by=anna)
    db.session.commit()
    anna_row = cells(page(manager), f"consultant-{anna.id}")
    handled, cancelled, within = anna_row[2], anna_row[4], anna_row[5]
    assert (handled, cancelled, within) == ("2", "1", "100 %")


# 5. "So far" means decided so far ---------------------------------------------------------------


def test_a_request_within_its_target_is_not_a_failure_so_far(any_db_app, shop):
    client = signed_in(any_db_app.test_client(), people(shop)["Mari"])
    room = rooms(shop)[0]
    now = datetime(2026, 3, 2, 10)
    request_at(room, now - timedelta(seconds=5))  # 5 s old, target 60 s
    request_at(room, now - timedelta(minutes=30), acknowledged=10, completed=50)
    db.session.commit()
    with clock.frozen(now):
        board = client.get("/staff/board").text
        report = page(client)
    assert re.search(r"Met the standard so far</span>\s*<div class=\"figure\">1 / 1<", board)
    assert "100 % (1 / 1)" in cells(report, "kind-customer")
    with clock.frozen(now + timedelta(minutes=2)):  # now past its target: a breach
        assert "50 % (1 / 2)" in cells(page(client), "kind-customer")


# 6. Ratings across midnight: the visit's service day ---------------------------------------------


def test_a_rating_after_midnight_belongs_to_the_visits_day_everywhere(manager, shop):
    room, anna = rooms(shop)[0], people(shop)["Anna"]
    begun = datetime(2026, 3, 2, 21, 50)  # 23:50 in Tallinn, Monday
    visit = visit_in(room, begun)
    request_at(room, begun + timedelta(minutes=15), acknowledged=10, completed=60, by=anna,
               visit=visit)  # 00:05 on Tuesday  # fmt: skip
    rating_for(visit, 5, begun + timedelta(minutes=25))  # 00:15 on Tuesday
    db.session.commit()
    monday = page(manager)
    assert cells(monday, f"room-{room.id}")[5] == "5.0 (1)"
    assert "5.0 (1)" in cells(monday, f"consultant-{anna.id}")
    assert re.search(r'id="csat">100 % · 1 / 1<', monday)
    tuesday = page(manager, "2026-03-03", "2026-03-03")
    assert re.search(r'id="csat">— · 0 / 0<', tuesday)
    assert cells(tuesday, f"room-{room.id}")[5] == "—"
    ratings_csv = manager.get(f"/staff/reports/ratings.csv?from={DATE}&to={DATE}").text
    assert ratings_csv.count("\r\n") == 2 and ",2026-03-02," in ratings_csv


# 7. CSAT per store, consultant and room, with its target ----------------------------------------


def test_csat_is_the_share_of_fours_and_fives_with_its_goal(manager, shop):
    room, anna = rooms(shop)[0], people(shop)["Anna"]
    for n, score in enumerate([5, 4, 3, 2, 5]):
        at = DAY + timedelta(hours=n)
        visit = visit_in(room, at)
        request_at(room, at, acknowledged=10, completed=60, by=anna, visit=visit)
        rating_for(visit, score, at + timedelta(minutes=10))
    db.session.commit()
    html = page(manager)
    assert re.search(r'id="csat">60 % · 3 / 5<', html)
    assert f"goal {round(100 * figures.CSAT_TARGET)} %" in re.sub(r"\s+", " ", html)
    assert cells(html, f"room-{room.id}")[-1] == "60 %"
    assert cells(html, f"consultant-{anna.id}")[7] == "60 %"


# 8. Staffing advice: robust handling time, outliers flagged, no exception beyond range ----------


def test_one_forgotten_done_neither_sways_staffing_nor_hides(manager, shop):
    room, anna = rooms(shop)[0], people(shop)["Anna"]
    for n in range(9):
        request_at(room, DAY + timedelta(minutes=5 * n), acknowledged=20, completed=120, by=anna)
    request_at(room, DAY + timedelta(minutes=50), acknowledged=20, completed=16 * 3600, by=anna)
    db.session.commit()
    html = page(manager)
    assert "each takes\n    1:40" in html  # the median of 100 s, not a mean of 1.7 hours
    assert re.search(r'id="handling-outliers">1 requests took longer than', html)


def test_demand_beyond_the_model_is_said_not_raised(manager, shop):
    room = rooms(shop)[0]
    for n in range(80):  # 80 an hour, each handled for ~14 hours: above 300 Erlangs per minute
        request_at(room, DAY + timedelta(seconds=40 * n), acknowledged=5, completed=50_000)
    db.session.commit()
    html = page(manager)
    assert f"more than {staffing.MAX_AGENTS} consultants" in html


# 9. Small things: colours per kind, the last instant of a day, definitions from the code --------


def test_the_histogram_colours_each_kind_by_its_own_target(manager, shop):
    room = rooms(shop)[0]
    set_standard(shop, Kind.SIZE, 120, 300)
    request_at(room, DAY, Kind.SIZE, acknowledged=95, completed=200)  # within size's 120 s
    request_at(room, DAY + timedelta(minutes=5), acknowledged=95, completed=200)  # over 60 s
    db.session.commit()
    html = page(manager)
    assert "1:30–1:45: 1 within their target" in html
    assert "1:30–1:45: 1 later than their target" in html


def test_the_last_instant_of_a_day_stays_on_that_day(manager, shop):
    room = rooms(shop)[0]
    request_at(room, datetime(2026, 3, 2, 21, 59, 59, 999600))  # 23:59:59.9996 in Tallinn
    db.session.commit()
    html = page(manager, DATE, "2026-03-03")
    assert re.search(r"Mon 23:00–00:00: 1 requests", html)
    csv_text = manager.get(f"/staff/reports/requests.csv?from={DATE}&to=2026-03-03").text
    (line,) = list(csv.DictReader(io.StringIO(csv_text.removeprefix("\ufeff"))))
    assert line["local_day"] == DATE


def test_the_definitions_come_from_the_code_that_applies_them(manager, shop):
    html = re.sub(r"\s+", " ", page(manager))
    assert f"{ranking.SERVICE_WEIGHT} × share within standard" in html
    assert f"+ {ranking.RATING_WEIGHT} × (average rating − 1) / 4" in html
    assert f"Bars of {figures.BIN_SECONDS} seconds" in html
    floor = escalation.TARGETS_UNTIL[escalation.FLOOR]
    assert f"After {floor}× the acknowledge target" in html
    assert f"Above {staffing.MAX_AGENTS} consultants" in html
    assert "Roles: Manager, Admin." in html


# Knocks: the share of served visits where staff knocked first ------------------------------------


def test_the_share_of_visits_where_staff_knocked_first(manager, shop):
    room, anna = rooms(shop)[0], people(shop)["Anna"]
    served = [request_at(room, DAY + timedelta(hours=n), acknowledged=9, completed=60, by=anna)
              for n in range(4)]  # fmt: skip
    request_at(room, DAY + timedelta(hours=5), state=State.CANCELLED, closed=9)  # not served
    for request in served[:3]:
        trail.record(request, "knocked", request.acknowledged_at, staff_id=anna.id)
    db.session.commit()
    html = re.sub(r"\s+", " ", page(manager))
    assert re.search(r'id="knock-card">.*?75 %.*?3 of 4 visits served', html)


# The calendar's edges (issue 10): a page or a clear message, never a 500 ----------------------


EDGES = [
    "from=0001-01-01&to=0001-01-07",
    "from=9999-12-25&to=9999-12-31",
    "to=0001-01-01",
    "to=9999-12-31",
    "from=0001-01-01&to=0001-01-01",
]
BEYOND = ["from=10000-01-01&to=10000-01-02", "from=0000-12-31&to=0001-01-01", "to=-1-01-01"]


def test_the_calendars_edges_give_a_page_or_a_clear_message(manager, shop):
    for query in EDGES:
        assert manager.get(f"/staff/reports?{query}").status_code == 200, query
        for path in ("requests.csv", "ratings.csv"):
            response = manager.get(f"/staff/reports/{path}?{query}")
            assert response.status_code == 200 and response.text.startswith("\ufeff"), query
    for query in BEYOND:
        for path in ("", "/requests.csv", "/ratings.csv"):
            response = manager.get(f"/staff/reports{path}?{query}")
            assert response.status_code == 400 and "must be a date" in response.text, query
