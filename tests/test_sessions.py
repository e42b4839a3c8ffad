"""A staff session ends when it should: at sign-out, at a new PIN or password, and when a
manager signs the person out everywhere. A copy of the cookie (a stolen handheld) ends with
it, over HTTP and over Socket.IO."""

import pytest

from assist.extensions import socketio

from .conftest import _forget_g, csrf_from, sign_in, staff_named


def copy_of(app, client):
    """Another device holding the same session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def post(client, path: str, data: dict | None = None):
    token = csrf_from(client.get("/staff/"))
    return client.post(path, data=data or {}, headers={"X-CSRFToken": token})


@pytest.fixture
def anna(app, store):
    client = app.test_client()
    sign_in(client, store, "Anna Tamm", "1111")
    return client


@pytest.fixture
def maria(app, store):
    client = app.test_client()
    sign_in(client, store, "Maria Kask", "manager-demo")
    return client


def member_path(store, name: str, action: str) -> str:
    return f"/staff/admin/staff/{staff_named(store, name).id}/{action}"


def ends_session(app, store, anna, maria):
    """The ways a session of Anna's ends, each as a function of the test's devices."""
    return {
        "sign-out": lambda: post(anna, "/staff/signout"),
        "new PIN": lambda: post(
            maria, member_path(store, "Anna Tamm", "secret"), {"secret": "2468"}
        ),
        "sign out everywhere": lambda: post(maria, member_path(store, "Anna Tamm", "signout")),
        "deactivation": lambda: post(
            maria, member_path(store, "Anna Tamm", "active"), {"active": 0}
        ),
    }


@pytest.mark.parametrize("how", ["sign-out", "new PIN", "sign out everywhere", "deactivation"])
def test_a_copied_cookie_stops_working_when_the_session_ends(app, store, anna, maria, how):
    thief = copy_of(app, anna)
    assert thief.get("/staff/queue").status_code == 200
    response = ends_session(app, store, anna, maria)[how]()
    assert response.status_code in (200, 302), response.text
    answer = thief.get("/staff/queue")
    assert answer.status_code == 302 and "/staff/signin" in answer.headers["Location"]
    assert anna.get("/staff/queue").status_code == 302  # the device itself too


def test_signing_in_again_gives_a_working_session(app, store, anna, maria):
    post(maria, member_path(store, "Anna Tamm", "signout"))
    sign_in(anna, store, "Anna Tamm", "1111")
    assert anna.get("/staff/queue").status_code == 200


def test_sign_out_everywhere_is_on_the_staff_page_and_says_so(app, store, maria):
    page = maria.get("/staff/admin/staff").text
    assert member_path(store, "Anna Tamm", "signout") in page
    response = post(maria, member_path(store, "Anna Tamm", "signout"))
    assert "Anna Tamm is signed out on every device" in response.text
    assert staff_named(store, "Anna Tamm").duty == "off"
    assert maria.get("/staff/queue").status_code == 200  # only Anna's sessions ended


def test_a_consultant_cannot_sign_others_out(app, store, anna):
    response = post(anna, member_path(store, "Maria Kask", "signout"))
    assert response.status_code == 403


def test_an_ended_session_cannot_use_or_open_a_socket(app, store, anna, maria):
    _forget_g(None)  # Maria signed in last: her member must not stay in `g` for Anna's socket
    socket = socketio.test_client(app, namespace="/staff", flask_test_client=anna)
    assert socket.is_connected("/staff")
    assert socket.emit("heartbeat", {}, namespace="/staff", callback=True) is not None
    post(maria, member_path(store, "Anna Tamm", "signout"))
    _forget_g(None)  # the tests share one app context; a server has one per event
    socket.emit("heartbeat", {}, namespace="/staff")
    assert not socket.is_connected("/staff")  # its next event finds the session over
    _forget_g(None)
    again = socketio.test_client(app, namespace="/staff", flask_test_client=copy_of(app, anna))
    assert not again.is_connected("/staff")
