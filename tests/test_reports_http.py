"""The reports page and its CSV downloads over HTTP: who may see what, periods, escaping."""

import csv
import io
import re
from datetime import datetime

import pytest

from assist import labels
from assist.extensions import db
from assist.models import FittingRoom, Kind, Role, State

from .conftest import room_named, staff_named
from .factories import rating_for, request_at, staff_member, store_with, visit_in

DAY = "2026-10-25"  # Tallinn leaves summer time at 04:00 local (01:00 UTC)


def signed_in(client, member):
    """Act as `member` without going through the sign-in form (Flask-Login's session keys)."""
    with client.session_transaction() as session:
        session["_user_id"] = member.get_id()
        session["_fresh"] = True
    return client


@pytest.fixture
def history(store):
    """A few requests and ratings in the demo store on the day the clocks go back."""
    room, anna = room_named(store, "Room 1"), staff_named(store, "Anna Tamm")
    first = request_at(room, datetime(2026, 10, 25, 0, 30), acknowledged=20, completed=100, by=anna)
    request_at(
        room, datetime(2026, 10, 25, 1, 30), Kind.DRINK, acknowledged=90, completed=400, by=anna
    )
    request_at(room, datetime(2026, 10, 25, 9), state=State.ABANDONED, closed=300)
    rating_for(first.visit, 5, datetime(2026, 10, 25, 0, 50), 10, "fast", '=HYPERLINK("x")')
    db.session.commit()
    return store


@pytest.fixture
def manager(client, store):
    return signed_in(client, staff_named(store, "Maria Kask"))


def test_the_page_shows_figures_charts_and_tables(manager, history):
    response = manager.get(f"/staff/reports?from={DAY}&to={DAY}")
    assert response.status_code == 200
    page = response.text
    assert "Nordlys Tallinn" in page and "Europe/Tallinn" in page
    assert page.count("<svg") >= 5  # histogram, trend, two heat maps, ratings (+ meters)
    assert "Anna Tamm" in page and "Women · Room 1" in page
    assert "+100" in page  # the one NPS answer was a 10
    assert "0.5 × share within standard" in page
    # Both requests of 03:30 (summer time, then winter time) land in Sunday's hour 03.
    assert re.search(r"Sun 03:00–04:00: 2 requests", page)
    # One of the three scored requests met the standard: 33 %, coloured as the lowest band;
    # the heat map's legend gives the bands' thresholds from the code that colours.
    assert "report-card--bad" in page and "33 %" in page
    assert all(f"≥ {lowest * 100:.0f} %" in page for _band, lowest in labels.SHARE_BANDS[:-1])


def test_the_page_obeys_the_content_security_policy(manager, history):
    page = manager.get(f"/staff/reports?from={DAY}&to={DAY}").text
    assert " style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"


def test_an_empty_period_and_the_default_period_render(manager, history):
    empty = manager.get("/staff/reports?from=2026-01-01&to=2026-01-31")
    assert empty.status_code == 200
    assert "No requests in this period" in empty.text
    assert manager.get("/staff/reports").status_code == 200


@pytest.mark.parametrize(
    "path", ["/staff/reports", "/staff/reports/requests.csv", "/staff/reports/ratings.csv"]
)
def test_consultants_may_not_see_reports(client, store, path):
    signed_in(client, staff_named(store, "Anna Tamm"))
    assert client.get(path).status_code == 403


def test_a_manager_sees_only_their_own_store(manager, store):
    other = store_with("Riga", "Europe/Riga")
    own = manager.get(f"/staff/reports?store={store.id}")
    assert own.status_code == 200 and 'value="all"' not in own.text and "Riga" not in own.text
    assert manager.get(f"/staff/reports?store={other.id}").status_code == 404
    assert manager.get(f"/staff/reports/requests.csv?store={other.id}").status_code == 404
    assert manager.get("/staff/reports?store=nonsense").status_code == 404
    chain = manager.get("/staff/reports?store=all")
    assert chain.status_code == 403 and "administrator" in chain.text


def test_an_admin_sees_any_store_and_the_chain(client, history):
    other = store_with("Riga", "Europe/Riga")
    signed_in(client, staff_named(history, "Admin"))
    assert "Riga" in client.get(f"/staff/reports?store={other.id}").text
    chain = client.get(f"/staff/reports?store=all&from={DAY}&to={DAY}")
    assert chain.status_code == 200 and "All stores" in chain.text
    assert "Staffing advice is given per store" in chain.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-02-30&to=2026-03-01", "“from” must be a date"),
        ("from=2026-03-01&to=tomorrow", "“to” must be a date"),
        ("from=2026-03-02&to=2026-03-01", "starts after it ends"),
        ("from=2019-01-01&to=2026-03-01", "at most"),
    ],
)
def test_bad_dates_get_a_clear_400(manager, query, message):
    response = manager.get(f"/staff/reports?{query}")
    assert response.status_code == 400
    assert message in response.text
    assert manager.get(f"/staff/reports/requests.csv?{query}").status_code == 400


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))


def test_requests_csv_has_every_timestamp_in_local_time(manager, history):
    response = manager.get(f"/staff/reports/requests.csv?from={DAY}&to={DAY}")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="requests-nordlys-tallinn-{DAY}-{DAY}.csv"'
    )
    header, *rows = rows_of(response)
    assert header[:4] == ["request_id", "store", "fitting_room", "area"]
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["created_at"] for r in by_column] == [
        "2026-10-25T03:30:00+03:00",
        "2026-10-25T03:30:00+02:00",
        "2026-10-25T11:00:00+02:00",
    ]
    first = by_column[0]
    assert first["acknowledged_at"] == "2026-10-25T03:30:20+03:00"
    assert (first["seconds_to_acknowledge"], first["seconds_to_complete"]) == ("20", "100")
    assert (first["within_standard"], first["claimed_by"]) == ("yes", "Anna Tamm")
    assert first["kind"] == "consultant"
    assert by_column[1]["within_standard"] == "no"  # 90 s to acknowledge a drink
    assert by_column[2]["state"] == "abandoned" and by_column[2]["acknowledged_at"] == ""
    assert by_column[2]["closed_at"] == "2026-10-25T11:05:00+02:00"


def test_ratings_csv_defuses_formulas(manager, history):
    response = manager.get(f"/staff/reports/ratings.csv?from={DAY}&to={DAY}")
    header, row = rows_of(response)
    rating = dict(zip(header, row, strict=True))
    assert rating["comment"] == '\'=HYPERLINK("x")'
    assert (rating["score"], rating["nps"], rating["reasons"]) == ("5", "10", "fast")
    assert rating["created_at"] == "2026-10-25T03:50:00+03:00"


def test_names_that_look_like_formulas_are_defused_in_requests_csv(manager, store):
    room = FittingRoom(store_id=store.id, name="=1+2", area="@SUM(A1)")
    db.session.add(room)
    db.session.flush()
    request_at(room, datetime(2026, 3, 2, 10), acknowledged=5, completed=50)
    db.session.commit()
    header, row = rows_of(manager.get("/staff/reports/requests.csv?from=2026-03-02&to=2026-03-02"))
    assert dict(zip(header, row, strict=True))["fitting_room"] == "'=1+2"
    assert dict(zip(header, row, strict=True))["area"] == "'@SUM(A1)"


def test_a_chain_csv_writes_each_store_on_its_own_clock(client, store):
    admin = staff_member(store, "Chain Admin", Role.ADMIN, "admin-chain-1")
    new_york = store_with("New York", "America/New_York", ("Fit A",))
    at = datetime(2026, 3, 2, 15)
    request_at(room_named(store, "Room 1"), at)
    request_at(room_named(new_york, "Fit A"), at)
    visit_in(room_named(new_york, "Fit A"), at)
    db.session.commit()
    signed_in(client, admin)
    header, *rows = rows_of(
        client.get("/staff/reports/requests.csv?store=all&from=2026-03-02&to=2026-03-02")
    )
    created = {row[header.index("store")]: row[header.index("created_at")] for row in rows}
    assert created == {
        "Nordlys Tallinn": "2026-03-02T17:00:00+02:00",
        "New York": "2026-03-02T10:00:00-05:00",
    }


def test_csv_streams_from_both_databases(any_db_app):
    store = store_with("Tallinn", "Europe/Tallinn", consultants=("Anna",))
    manager = staff_member(store, "Mari", Role.MANAGER, "manager-pass-1")
    room = db.session.scalar(db.select(FittingRoom).where(FittingRoom.store_id == store.id))
    for minute in range(3):
        request_at(room, datetime(2026, 10, 25, 0, 30 + minute), acknowledged=30, completed=90)
    db.session.commit()
    client = signed_in(any_db_app.test_client(), manager)
    header, *rows = rows_of(client.get(f"/staff/reports/requests.csv?from={DAY}&to={DAY}"))
    assert len(rows) == 3
    assert {row[header.index("within_standard")] for row in rows} == {"yes"}
    assert rows[0][header.index("created_at")] == "2026-10-25T03:30:00+03:00"


def test_the_page_reads_a_fixed_number_of_statements(manager, history):
    """The figures are GROUP BYs, not a query per day, room or consultant: a longer period
    with the same rows costs no more statements than one day (but the look for tallies)."""
    from sqlalchemy import event

    statements = []

    def count(*_args):
        statements.append(1)

    def page_statements(query: str) -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert manager.get(f"/staff/reports?{query}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    page_statements(f"from={DAY}&to={DAY}")  # the first request also loads what it keeps
    one_day = page_statements(f"from={DAY}&to={DAY}")
    two_months = page_statements("from=2026-09-01&to=2026-10-31")
    assert two_months == one_day + 1  # whole months: one look for their kept tallies
    assert one_day <= 30
