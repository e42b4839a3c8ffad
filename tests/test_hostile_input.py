"""Hostile input, one failure kind at a time, on SQLite and PostgreSQL: a clear answer, never a
500, and nothing changed. The fuzzer (test_fuzz.py) throws the same kinds at random."""

import hashlib
import io

import pytest
from sqlalchemy import String, Text, select, text

from assist import demo, forms, visits
from assist.extensions import db, limiter
from assist.models import CatalogueItem, Kind, Rating, Request, StaffMember

from .conftest import csrf_from, pair_tablet, room_named, sign_in, staff_named


def fingerprint() -> str:
    """Everything the database holds, hashed: any change shows."""
    db.session.rollback()
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(text(f"SELECT * FROM {table.name} ORDER BY 1")).all()
        digest.update(repr((table.name, rows)).encode())
    return digest.hexdigest()


@pytest.fixture
def people(any_db_app, store):
    """A paired tablet with a visit under way, a manager, a consultant and a stranger."""
    limiter.enabled = False
    tablet = any_db_app.test_client()
    pair_tablet(tablet, room_named(store, "Room 1"))
    visits.start_visit(room_named(store, "Room 1"))  # so that a rating has a visit to go to
    manager, consultant = any_db_app.test_client(), any_db_app.test_client()
    sign_in(manager, store, "Maria Kask", "manager-demo")
    sign_in(consultant, store, "Anna Tamm", "1111")
    rated = visits.start_visit(room_named(store, "Room 2"))
    low = visits.rate_visit(rated, 1, [], "", None)
    clients = {
        "tablet": (tablet, csrf_from(tablet.get("/kiosk/"))),
        "manager": (manager, csrf_from(manager.get("/staff/"))),
        "consultant": (consultant, csrf_from(consultant.get("/staff/"))),
        "anonymous": (any_db_app.test_client(), None),
    }
    yield {"clients": clients, "store": store, "low_rating": low.id}
    limiter.enabled = True


@pytest.fixture
def store(any_db_app):
    return demo.seed()


def send(people, who: str, method: str, path: str, form: dict, cookie: str | None = None):
    client, token = people["clients"][who]
    if who == "anonymous" and method == "POST":
        token = csrf_from(client.get("/staff/signin"))
    if cookie:
        client.set_cookie(*cookie.split("=", 1))
    headers = {"HX-Request": "true", **({"X-CSRFToken": token} if token else {})}
    if method == "GET":
        return client.get(path, query_string=form, headers=headers)
    return client.post(path, data=form, headers=headers)


# (who, method, path, the form with a placeholder X where the hostile text goes)
TEXT_FIELDS = [
    ("anonymous", "POST", "/staff/signin", {"store": "1", "name": "X", "secret": "1111"}),
    ("tablet", "POST", "/kiosk/requests", {"kind": "consultant", "client_key": "X"}),
    ("tablet", "POST", "/kiosk/rating", {"score": "4", "comment": "X"}),
    ("tablet", "GET", "/kiosk/size/items", {"q": "X"}),
    (
        "tablet",
        "POST",
        "/kiosk/requests",
        {"kind": "size", "code": "X", "colour": "X", "size": "X"},
    ),
    ("consultant", "POST", "/staff/duty", {"duty": "on", "area": "X"}),
    ("manager", "POST", "/staff/admin/rooms", {"name": "X", "area": "Men"}),
    ("manager", "POST", "/staff/admin/rooms", {"name": "Room 9", "area": "X"}),
    (
        "manager",
        "POST",
        "/staff/admin/staff",
        {"name": "X", "role": "consultant", "secret": "4321"},
    ),
    ("manager", "POST", "/staff/admin/menus", {"kind": "drink", "name": "X"}),
    ("manager", "POST", "/staff/board/recoveries/RATING", {"action": "apologised", "note": "X"}),
    ("manager", "GET", "/staff/admin/catalogue", {"q": "X"}),
    ("manager", "GET", "/staff/admin/audit", {"day": "X"}),
]


def _fill(form: dict, value: str, people) -> dict:
    return {k: (value if v == "X" else v) for k, v in form.items()}


def _path(path: str, people) -> str:
    return path.replace("RATING", str(people["low_rating"]))


def test_a_nul_anywhere_is_refused_plainly_and_changes_nothing(people):
    for who, method, path, form in TEXT_FIELDS:
        before = fingerprint()
        response = send(people, who, method, _path(path, people), _fill(form, "a\x00b", people))
        assert response.status_code == 400, (path, form, response.status_code)
        assert "NUL" in response.text and response.headers["X-Refused"] == "1"
        assert fingerprint() == before, (path, form)


def test_a_nul_in_a_cookie_or_a_path_is_refused_too(people):
    before = fingerprint()
    for cookie in ["fra_tablet=a\x00b", "session=\x00"]:
        response = send(people, "tablet", "GET", "/kiosk/", {}, cookie=cookie)
        assert response.status_code == 400 and "NUL" in response.text
    people["clients"]["tablet"][0].delete_cookie("session")
    response = send(people, "manager", "GET", "/kiosk/size/items/JN%00501", {})
    assert response.status_code == 400 and "NUL" in response.text
    assert fingerprint() == before


def _stored_text_columns():
    """Every String or Text column a person's words go into."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text) and not column.foreign_keys:
                yield table.name, column


def test_text_longer_than_its_column_is_refused_and_never_stored(people):
    for who, method, path, form in TEXT_FIELDS:
        if method == "GET" or path == "/staff/signin":
            continue  # searches and sign-in store nothing
        before = fingerprint()
        long = "ü" * 1001  # over every limit, in characters and in bytes
        response = send(people, who, method, _path(path, people), _fill(form, long, people))
        assert 400 <= response.status_code < 500, (path, form, response.status_code)
        assert fingerprint() == before, (path, form)
    for table, column in _stored_text_columns():
        limit = column.type.length or column.info.get("max_chars", forms.FREE_TEXT_LIMIT)
        too_long = db.session.scalar(
            select(text("1")).select_from(column.table).where(db.func.length(column) > limit)
        )
        assert too_long is None, f"{table}.{column.name} holds more than {limit} characters"


def test_text_at_its_column_limit_is_saved_whole(people):
    area = "A" * forms.limit_of(StaffMember.duty_area)
    response = send(people, "consultant", "POST", "/staff/duty", {"duty": "on", "area": area})
    assert response.status_code == 200
    db.session.expire_all()
    assert staff_named(people["store"], "Anna Tamm").duty_area == area
    too_long = {"duty": "on", "area": area + "A"}
    response = send(people, "consultant", "POST", "/staff/duty", too_long)
    assert response.status_code == 422 and "under 60 characters" in response.text


def test_every_text_limit_comes_from_its_column():
    assert forms.limit_of(StaffMember.duty_area) == StaffMember.__table__.c.duty_area.type.length
    assert forms.limit_of(CatalogueItem.code) == 40
    assert forms.limit_of(Rating.comment) == 500 and forms.limit_of(Rating.recovery_note) == 1000


HEADER = "code,name,category,colour,size,stock\n"


BAD_LINES = [
    ("A1,Jeans,Jeans,Blue,M,²\n", "digits 0-9"),
    ("A1,Jeans,Jeans,Blue,M,１２\n", "digits 0-9"),
    ("A1,Jeans,Jeans,Blue,M,٣\n", "digits 0-9"),
    ("A1,Jeans,Jeans,Blue,M,1_000\n", "digits 0-9"),
    ("A1,Jeans,Jeans,Blue,M,2147483648\n", "2,147,483,647"),
    ("A1,Jeans,Jeans,Blue,M,99999999999999999999999\n", "2,147,483,647"),
    ("A1,Jeans,Jeans,Blue,M,-1\n", "whole number"),
    ('A1,"' + "x" * 200_000 + '",Jeans,Blue,M,1\n', "cannot be read"),
    ("A1,Je\x00ans,Jeans,Blue,M,1\n", "NUL"),
    ("A1," + "n" * 121 + ",Jeans,Blue,M,1\n", "longer than 120"),
]


def import_csv(people, body: str):
    client, token = people["clients"]["manager"]
    return client.post(
        "/staff/admin/catalogue",
        data={"file": (io.BytesIO(body.encode()), "catalogue.csv")},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )


def test_every_bad_catalogue_line_is_reported_and_nothing_is_written(people):
    before = fingerprint()
    good = "B2,Shirt,Shirts,White,L,3\n"
    for line, problem in BAD_LINES:  # each alone between good lines
        response = import_csv(people, HEADER + good + line + good.replace("B2", "B3"))
        assert response.status_code == 422 and problem in response.text, line[:40]
        assert "Nothing was imported" in response.text
    # All of them in one file: one report line each, with its line number.
    body = HEADER + "".join(f"Z{n},{line[3:]}" for n, (line, _) in enumerate(BAD_LINES))
    response = import_csv(people, body)
    assert response.status_code == 422
    assert f"{len(BAD_LINES)} problems were found" in response.text
    assert fingerprint() == before


def test_the_largest_stock_the_database_holds_is_imported(people):
    response = import_csv(people, HEADER + f"A1,Jeans,Jeans,Blue,M,{forms.MAX_INTEGER}\n")
    assert response.status_code == 200, response.text
    assert "All or nothing" in response.text
    db.session.expire_all()
    assert db.session.scalar(select(CatalogueItem.stock).where(CatalogueItem.code == "A1")) == (
        forms.MAX_INTEGER
    )


def test_a_day_at_the_calendar_edge_in_the_audit_filter_gets_a_message(people):
    for day in [
        "0001-01-01",
        "9999-12-31",
        "1969-12-31",
        "10000-01-01",
        "2026-02-30",
        "２０２６-01-01",
    ]:
        response = send(people, "manager", "GET", "/staff/admin/audit", {"day": day})
        assert response.status_code == 422 and "YYYY-MM-DD" in response.text, day
    for day in ["1970-01-01", "9998-12-31", "2026-03-29"]:
        response = send(people, "manager", "GET", "/staff/admin/audit", {"day": day})
        assert response.status_code == 200, day


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        (1, 1),
        ("42", 42),
        (2**31 - 1, 2**31 - 1),
        (2**31, None),
        (2**70, None),
        ("99999999999999999999", None),
        (0, None),
        (-1, None),
        (True, None),
        (1.0, None),
        ("１２", None),
        ("²", None),
        (None, None),
        ({"id": 1}, None),
        ([1], None),
    ],
)
def test_one_bounded_id_parser_for_socket_payloads_and_queries(value, parsed):
    assert forms.bounded_id(value) == parsed


def test_the_client_key_is_measured_against_its_column(people):
    key = "k" * forms.limit_of(Request.client_key)
    tap = {"kind": Kind.CONSULTANT.value, "client_key": key}
    assert send(people, "tablet", "POST", "/kiosk/requests", tap).status_code == 200
    tap = {"kind": Kind.DRINK.value, "item": "1", "client_key": key + "k"}
    assert send(people, "tablet", "POST", "/kiosk/requests", tap).status_code == 422
