"""Wall boards over HTTP: pairing by code, what the board role may read, and unpairing."""

import pytest

from assist import clock, wall
from assist.errors import NotFound, Refused
from assist.extensions import db, socketio
from assist.models import Board, BoardCode

from .conftest import csrf_from, sign_in


def pair_screen(client, code: str):
    page = client.get("/staff/board/pair")
    return client.post("/staff/board/pair", data={"code": code, "csrf_token": csrf_from(page)})


def test_a_code_from_admin_makes_the_screen_a_wall_board_of_that_store(app, client, store):
    manager = app.test_client()
    sign_in(manager, store, "Maria Kask", "manager-demo")
    page = manager.post(
        "/staff/admin/boards/code",
        data={"csrf_token": csrf_from(manager.get("/staff/admin/boards"))},
    )
    code = db.session.scalars(db.select(BoardCode)).one().code
    assert code in page.text and "/staff/board/pair?code=" in page.text
    answer = pair_screen(client, code)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/staff/board/wall")
    shown = client.get("/staff/board/wall")
    assert shown.status_code == 200 and store.name in shown.text and "Knocked first" in shown.text
    assert client.get("/").headers["Location"] == "/staff/board/wall"  # the start page knows it
    assert client.get("/staff/board/wall/live").status_code == 200
    socket = socketio.test_client(app, namespace="/staff", flask_test_client=client)
    assert socket.is_connected("/staff")
    assert socket.emit("heartbeat", namespace="/staff", callback=True)["seq"] >= 0
    socket.disconnect(namespace="/staff")
    (board,) = wall.boards(store.id)
    assert board.last_seen_at is not None


@pytest.mark.parametrize("code, message", [("12", "6 digits"), ("000000", "not valid")])
def test_a_bad_code_says_so_on_the_pairing_page_and_pairs_nothing(client, store, code, message):
    answer = pair_screen(client, code)
    assert answer.status_code in (404, 422) and message in answer.text
    assert 'id="pair-board"' in answer.text
    assert db.session.scalars(db.select(Board)).all() == []


def test_a_code_works_once_and_an_unpaired_board_stops_at_once(app, client, store):
    code = wall.issue_code(store).code
    assert pair_screen(client, code).status_code == 303
    with pytest.raises(NotFound):
        wall.pair(code)
    (board,) = wall.boards(store.id)
    wall.revoke(store.id, board.id)
    assert client.get("/staff/board/wall").headers["Location"].endswith("/staff/board/pair")
    with pytest.raises(NotFound):
        wall.revoke(store.id, board.id)


def test_an_expired_code_is_refused(store):
    code = wall.issue_code(store)
    with clock.frozen(code.expires_at), pytest.raises(Refused, match="not valid"):
        wall.pair(code.code)
