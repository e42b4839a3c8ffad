"""Thousands of generated inputs against every form: never a 5xx, never a half-written row.

Each example posts one generated form (or query) to one route as a paired tablet or a
signed-in staff member, then checks the invariants every committed state must keep.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from assist.extensions import db, limiter
from assist.models import LIVE_STATES, Rating, Request, RequestEvent, Visit

from .conftest import csrf_from, pair_tablet, room_named

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
        r.state in (*LIVE_STATES, "completed", "cancelled", "abandoned")
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
@given(request_id=st.integers(min_value=-1, max_value=2**31), score=st.integers(-3, 12))
def test_kiosk_ids_in_paths_never_fail(tablet, request_id, score):
    client, token = tablet
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    assert client.post(f"/kiosk/requests/{request_id}/cancel", headers=headers).status_code < 500
    assert client.get(f"/kiosk/rating/{score}").status_code < 500
    assert_consistent()
