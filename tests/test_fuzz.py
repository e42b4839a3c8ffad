"""Thousands of generated inputs against every form: never a 5xx, never a half-written row.

Each example posts one generated form (or query) to one route as a paired tablet or a
signed-in staff member, then checks the invariants every committed state must keep.
"""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, func, select

from assist import demo, forms
from assist.extensions import db, limiter, socketio
from assist.models import Rating, Request, RequestEvent, State, Visit

from .conftest import csrf_from, pair_tablet, room_named, sign_in

# Text a customer or an attacker might send: ordinary words, digits, markup, control characters.
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e9",
            "99999999999999999999",
            "<script>x</script>",
            "' OR 1=1--",
            "consultant",
            "size",
            "drink",
            "amenity",
            "tidy",
            "JN-501",
            "Blue",
            "32",
            "\x00",
            "１２",
            "²",
            "NaN",
            "5",
            "7",
            "10",
            "11",
        ]
    ),
    st.integers(min_value=-5, max_value=2**40).map(str),
)
FIELDS = [
    "kind",
    "item",
    "code",
    "colour",
    "size",
    "score",
    "reasons",
    "comment",
    "nps",
    "lang",
    "client_key",
    "room",
    "room_id",
    "code",
]
RANDOM_FORMS = st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=6)
# Forms close to what the screens send, so the fuzzer reaches the paths that write.
NEAR_VALID = st.fixed_dictionaries(
    {"kind": st.sampled_from(["consultant", "size", "drink", "amenity", "tidy"])},
    optional={
        "item": st.integers(-1, 40).map(str),
        "code": st.sampled_from(["JN-501", "TS-110", "DR-220", "NOPE", ""]),
        "colour": st.sampled_from(["Blue", "Black", "White", "Red", "Pink"]),
        "size": st.sampled_from(["28", "32", "36", "S", "M", "XXL", ""]),
        "client_key": st.sampled_from(["a", "b", "c"]) | TEXT,
        "score": st.integers(-1, 7).map(str),
        "reasons": st.sampled_from(["had_to_wait", "fast", "friendly", "bogus"]),
        "comment": TEXT,
        "nps": st.integers(-1, 11).map(str) | st.just(""),
    },
)
FORMS = st.one_of(RANDOM_FORMS, NEAR_VALID)
KIOSK_POSTS = [
    "/kiosk/requests",
    "/kiosk/rating",
    "/kiosk/visit",
    "/kiosk/visit/end",
    "/kiosk/visit/idle",
    "/kiosk/language",
    "/kiosk/pair",
]
KIOSK_GETS = [
    "/kiosk/",
    "/kiosk/menu",
    "/kiosk/size",
    "/kiosk/size/items",
    "/kiosk/drinks",
    "/kiosk/amenities",
    "/kiosk/status",
    "/kiosk/rating",
]
FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def tablet(client, store, app):
    limiter.enabled = False  # the fuzzer taps faster than any child; rate limits have own tests
    pair_tablet(client, room_named(store, "Room 1"))
    yield client, csrf_from(client.get("/kiosk/"))
    limiter.enabled = True


def assert_consistent():
    """What every committed state keeps, whatever was sent."""
    db.session.expire_all()
    requests = db.session.scalar(select(func.count()).select_from(Request))
    created = db.session.scalar(
        select(func.count()).select_from(RequestEvent).where(RequestEvent.action == "created")
    )
    assert requests == created, "a request without its created event, or the reverse"
    rated_open = db.session.scalar(
        select(func.count()).select_from(Rating).join(Visit).where(Visit.ended_at.is_(None))
    )
    assert rated_open == 0, "a rating on a visit that did not end"
    live_in_ended = db.session.scalar(
        select(func.count())
        .select_from(Request)
        .join(Visit)
        .where(Visit.ended_at.is_not(None), Request.state == "open", Request.kind != "tidy")
    )
    assert live_in_ended == 0, "an open request left behind by a visit that ended"
    assert all(
        r.state in set(State)  # every state the lifecycle knows, skipped and left included
        for r in db.session.scalars(select(Request))
    )


@FUZZ
@given(path=st.sampled_from(KIOSK_POSTS), form=FORMS, htmx=st.booleans())
def test_kiosk_forms_never_fail_or_half_write(tablet, path, form, htmx):
    client, token = tablet
    headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
    response = client.post(path, data=form, headers=headers)
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert_consistent()


@FUZZ
@given(path=st.sampled_from(KIOSK_GETS), query=FORMS)
def test_kiosk_pages_never_fail(tablet, path, query):
    client, _ = tablet
    response = client.get(path, query_string=query)
    assert response.status_code < 500, response.text


@FUZZ
@given(request_id=st.integers(min_value=-1, max_value=2**70), score=st.integers(-3, 12))
def test_kiosk_ids_in_paths_never_fail(tablet, request_id, score):
    client, token = tablet
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    assert client.post(f"/kiosk/requests/{request_id}/cancel", headers=headers).status_code < 500
    assert client.get(f"/kiosk/rating/{score}").status_code < 500
    assert_consistent()


STAFF_POSTS = [
    "/staff/duty",
    "/staff/admin/rooms",
    "/staff/admin/staff",
    "/staff/admin/menus",
    "/staff/admin/standards",
    "/staff/admin/staff/1/active",
    "/staff/admin/staff/1/secret",
    "/staff/admin/menus/1/active",
    "/staff/board/recoveries/1",
    "/staff/board/rooms/1/reset",
    "/staff/requests/1/claim",
    "/staff/requests/1/complete",
    "/staff/admin/rooms/1/pairing-code",
]
STAFF_FIELDS = [
    "duty",
    "area",
    "name",
    "role",
    "secret",
    "kind",
    "age_restricted",
    "active",
    "acknowledge_within",
    "complete_within",
    "action",
    "note",
]
STAFF_FORMS = st.dictionaries(st.sampled_from(STAFF_FIELDS), TEXT, max_size=6)
STAFF_GETS = ["/staff/reports", "/staff/admin/audit", "/staff/admin/catalogue"]
QUERY_FIELDS = ["store", "from", "to", "room", "staff", "day", "page", "q"]


@pytest.fixture
def manager(client, store, app):
    limiter.enabled = False
    sign_in(client, store, "Maria Kask", "manager-demo")
    yield client, csrf_from(client.get("/staff/"))
    limiter.enabled = True


@FUZZ
@given(path=st.sampled_from(STAFF_POSTS), form=STAFF_FORMS)
def test_staff_forms_never_fail_or_half_write(manager, path, form):
    client, token = manager
    response = client.post(path, data=form, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code < 500, response.text
    assert_consistent()


@FUZZ
@given(path=st.sampled_from(STAFF_GETS), query=st.dictionaries(st.sampled_from(QUERY_FIELDS), TEXT))
def test_staff_pages_never_fail_on_odd_queries(manager, path, query):
    client, _ = manager
    assert client.get(path, query_string=query).status_code < 500


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@FUZZ
@given(
    event=st.sampled_from(["received", "shown", "heartbeat", "claim", "nonsense"]), payload=JSONISH
)
def test_socket_events_never_break_the_connection(manager, app, event, payload):
    client, _ = manager
    socket = socketio.test_client(app, namespace="/staff", flask_test_client=client)
    socket.emit(event, payload, namespace="/staff")
    assert socket.is_connected("/staff")
    socket.disconnect(namespace="/staff")
    assert_consistent()


# --- hostile values, on SQLite and PostgreSQL ----------------------------------------------

# The kinds of value that once ended in a 500: NULs, the calendar's edges, numbers too large
# for the database or written in other scripts' digits, and text longer than any column.
NUL_TEXT = st.text(max_size=10).map(lambda t: f"{t}\x00{t}")
EDGE_DAYS = st.one_of(
    st.sampled_from(
        [
            date.min.isoformat(),
            date.max.isoformat(),
            "0001-01-01",
            "9999-12-31",
            "0000-01-01",
            "10000-01-01",
            "1970-01-01",
            "2026-02-29",
            "２０２６-03-01",
        ]  # fmt: skip
    ),
    st.dates().map(date.isoformat),
)
HUGE_NUMBERS = st.one_of(
    st.integers(min_value=2**31 - 2, max_value=2**80).map(str),
    st.integers(max_value=-(2**31)).map(str),
    st.sampled_from(["²", "１２", "٣", "߁߂", "1_000", "1e309", "-0", "+5"]),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=12),
)
LONG_TEXT = st.integers(min_value=41, max_value=1200).flatmap(
    lambda n: st.sampled_from(["x" * n, "ü" * n, "漢" * n])
)
HOSTILE = st.one_of(NUL_TEXT, EDGE_DAYS, HUGE_NUMBERS, LONG_TEXT, TEXT)
# Every form field of the app, with the pages that take it.
HOSTILE_POSTS = [
    ("tablet", "/kiosk/requests", ["kind", "item", "code", "colour", "size", "client_key"]),
    ("tablet", "/kiosk/rating", ["score", "reasons", "comment", "nps"]),
    ("tablet", "/kiosk/language", ["lang"]),
    ("manager", "/staff/duty", ["duty", "area"]),
    ("manager", "/staff/admin/rooms", ["name", "area"]),
    ("manager", "/staff/admin/staff", ["name", "role", "secret"]),
    ("manager", "/staff/admin/menus", ["kind", "name", "age_restricted"]),
    ("manager", "/staff/admin/standards", ["kind", "acknowledge_within", "complete_within"]),
    ("manager", "/staff/admin/staff/2/secret", ["secret"]),
    ("manager", "/staff/board/recoveries/1", ["action", "note"]),
]
HOSTILE_GETS = [
    ("tablet", "/kiosk/size/items", ["q", "category"]),
    ("manager", "/staff/admin/audit", ["day", "room", "staff", "page"]),
    ("manager", "/staff/admin/catalogue", ["q"]),
]
HOSTILE_FUZZ = settings(FUZZ, max_examples=40)


@st.composite
def hostile_forms(draw, targets):
    who, path, fields = draw(st.sampled_from(targets))
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, unique=True))
    return who, path, {field: draw(HOSTILE) for field in chosen}


@pytest.fixture
def devices(any_db_app):
    """A paired tablet with a visit under way, and a signed-in manager, on either database."""
    store = demo.seed()
    limiter.enabled = False
    tablet, manager = any_db_app.test_client(), any_db_app.test_client()
    pair_tablet(tablet, room_named(store, "Room 1"))
    sign_in(manager, store, "Maria Kask", "manager-demo")
    yield {
        "tablet": (tablet, csrf_from(tablet.get("/kiosk/"))),
        "manager": (manager, csrf_from(manager.get("/staff/"))),
    }
    limiter.enabled = True


def assert_text_fits():
    """No NUL stored, and no text longer than its column takes (SQLite would keep it)."""
    db.session.rollback()
    nul_possible = db.engine.dialect.name == "sqlite"  # PostgreSQL cannot even be asked about one
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            limit = column.type.length or column.info.get("max_chars", forms.FREE_TEXT_LIMIT)
            wrong = func.length(column) > limit
            if nul_possible:
                wrong |= func.instr(column, "\x00") > 0
            count = db.session.scalar(select(func.count()).select_from(table).where(wrong))
            assert count == 0, f"{table.name}.{column.name}"


@HOSTILE_FUZZ
@given(target=hostile_forms(HOSTILE_POSTS), htmx=st.booleans())
def test_hostile_values_in_any_form_on_either_database(devices, target, htmx):
    who, path, form = target
    client, token = devices[who]
    headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
    response = client.post(path, data=form, headers=headers)
    assert response.status_code < 500, response.text
    assert_consistent()
    assert_text_fits()


@HOSTILE_FUZZ
@given(target=hostile_forms(HOSTILE_GETS))
def test_hostile_values_in_any_query_on_either_database(devices, target):
    who, path, query = target
    client, _ = devices[who]
    assert client.get(path, query_string=query).status_code < 500
