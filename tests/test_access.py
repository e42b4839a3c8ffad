"""Who may do what: every route of the app × every kind of visitor, and every Socket.IO
namespace × every kind of visitor. A refused visitor changes nothing in the database.

The routes come from the app's URL map, so a new route without a rule here fails the test.
"""

import hashlib
import io

import pytest
from sqlalchemy import text

from assist import lifecycle, pairing, visits, wall
from assist.extensions import db, limiter, socketio
from assist.models import Kind, Role

from .conftest import csrf_from, outsider, pair_tablet, room_named, sign_in

VISITORS = [
    "anonymous",
    "tablet_a",
    "tablet_b",
    "wall_board",
    "consultant",
    "manager",
    "stranger_admin",
]
PUBLIC = {"static", "start.start", "kiosk.pair", "staff.signin", "staff.pair_board"}
# The handheld's manifest and service worker: the browser fetches them without a session.
PUBLIC |= {"staff.manifest", "staff.service_worker"}
# The wall board: a paired wall screen (the board role) reads it, and so may managers.
WALL = {"staff.wall_page", "staff.wall_live"}
STAFF_ANY_STORE = {
    "staff.queue_page",
    "staff.queue",
    "staff.duty",
    "staff.signout",
    "staff.choose_language",
}
# Managers' pages about their own store: an admin of another store sees their own store there.
MANAGER_OWN_STORE = {
    "staff.admin",
    "staff.audit_page",
    "staff.catalogue_page",
    "staff.import_catalogue",
    "staff.menus_page",
    "staff.add_menu_item",
    "staff.add_room",
    "staff.staff_list",
    "staff.add_staff",
    "staff.standards_page",
    "staff.set_standard",
    "staff.set_store_language",
    "staff.board_page",
    "staff.board_live",
    "staff.reports",
    "staff.reports_requests_csv",
    "staff.reports_ratings_csv",
    "staff.boards_page",
    "staff.board_code",
}
# Managers' actions on one of this store's things, named by id in the path.
MANAGER_THIS_STORE = {
    "staff.set_menu_item_active",
    "staff.pairing_code",
    "staff.unpair",
    "staff.set_staff_active",
    "staff.reset_secret",
    "staff.sign_out_everywhere",
    "staff.record_recovery",
    "staff.reset_room",
    "staff.set_member_language",
    "staff.revoke_board",
}
CONSULTANT_THIS_STORE = {"staff.claim", "staff.complete", "staff.knock_at_door", "staff.note_left"}
ROOM_A_TABLET = {"kiosk.cancel_request", "kiosk.answer_knock"}


def allowed(endpoint: str, visitor: str) -> bool:
    if endpoint.startswith("kiosk."):
        if endpoint in ROOM_A_TABLET:  # room A's request: room A's tablet only
            return visitor == "tablet_a"
        return visitor in ("tablet_a", "tablet_b")
    if endpoint in WALL:
        return visitor in ("wall_board", "manager", "stranger_admin")
    if endpoint in STAFF_ANY_STORE:
        return visitor in ("consultant", "manager", "stranger_admin")
    if endpoint in CONSULTANT_THIS_STORE:
        return visitor in ("consultant", "manager")
    if endpoint in MANAGER_OWN_STORE:
        return visitor in ("manager", "stranger_admin")
    if endpoint in MANAGER_THIS_STORE:
        return visitor == "manager"
    raise AssertionError(f"{endpoint} has no access rule in this test: add one")


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def world(app, client, store):
    limiter.enabled = False
    room_a, room_b = room_named(store, "Room 1"), room_named(store, "Room 2")
    tablet_a, _ = pairing.pair(pairing.issue_code(room_a).code)
    call = lifecycle.open_request(visits.start_visit(room_a), Kind.CONSULTANT, tablet=tablet_a)
    board, board_token = wall.pair(wall.issue_code(store).code)
    other = visits.start_visit(room_named(store, "Room 3"))
    rating = visits.rate_visit(other, 1, [], "", None)
    ids = {
        "request_id": call.id,
        "room_id": room_a.id,
        "item_id": 1,
        "score": 3,
        "code": "JN-501",
        "variant_id": 1,
        "member_id": 1,
        "rating_id": rating.id,
        "filename": "css/app.css",
        "board_id": board.id,
    }
    yield {
        "store": store,
        "ids": ids,
        "room_a": room_a,
        "room_b": room_b,
        "board_token": board_token,
    }
    limiter.enabled = True


def visitor_client(app, world, visitor):
    client = app.test_client()
    store = world["store"]
    if visitor == "tablet_a":
        pair_tablet(client, world["room_a"])
    elif visitor == "tablet_b":
        pair_tablet(client, world["room_b"])
    elif visitor == "wall_board":
        client.set_cookie("fra_board", world["board_token"])
    elif visitor == "consultant":
        sign_in(client, store, "Anna Tamm", "1111")
    elif visitor == "manager":
        sign_in(client, store, "Maria Kask", "manager-demo")
    elif visitor == "stranger_admin":
        member = outsider(Role.ADMIN, "stranger-password")
        sign_in(client, member.store, "Outsider", "stranger-password")
    return client


PAYLOADS = {
    "kiosk.send_request": {"kind": "consultant"},
    "kiosk.rate": {"score": "4"},
    "kiosk.language": {"lang": "et"},
    "staff.duty": {"duty": "on"},
    "staff.add_room": {"name": "Room 9", "area": "Men"},
    "staff.add_staff": {"name": "New Person", "role": "consultant", "secret": "4321"},
    "staff.set_staff_active": {"active": "0"},
    "staff.reset_secret": {"secret": "9876"},
    "staff.add_menu_item": {"kind": "drink", "name": "Juice"},
    "staff.set_menu_item_active": {"active": "0"},
    "staff.set_standard": {"kind": "drink", "acknowledge_within": "30", "complete_within": "90"},
    "staff.record_recovery": {"action": "apologised", "note": "sorry"},
    "kiosk.answer_knock": {"answer": "come_in"},
}


def fingerprint() -> str:
    """Everything the database holds, hashed: any change shows."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(text(f"SELECT * FROM {table.name} ORDER BY 1")).all()
        digest.update(repr((table.name, rows)).encode())
    return digest.hexdigest()


def call_route(client, rule, method, ids):
    url = rule.rule
    for name, value in ids.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<path:{name}>", str(value))
    headers = {"X-CSRFToken": csrf_from(client.get("/kiosk/pair"))}
    if method == "GET":
        response = client.get(url)
        response.get_data()  # a streamed download holds its request context until read
        response.close()
        return response
    data = dict(PAYLOADS.get(rule.endpoint, {}))
    if rule.endpoint == "staff.import_catalogue":
        data["file"] = (
            io.BytesIO(b"code,name,category,colour,size,stock\nZZ-1,Z,Z,Red,M,1\n"),
            "c.csv",
        )
    return client.post(url, data=data, headers=headers)


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    location = response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
    sent_to_sign_in = "/staff/signin?next=" in location  # Flask-Login's refusal, not a sign-out
    sent_to_pair = "/kiosk/pair" in location or "/staff/board/pair" in location
    return response.status_code in (204, 302, 303) and (sent_to_sign_in or sent_to_pair)


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_route_lets_in_exactly_who_it_should(app, world, visitor):
    bypasses, lockouts = [], []
    for rule, method in routes(app):
        client = visitor_client(app, world, visitor)
        before = fingerprint()
        response = call_route(client, rule, method, world["ids"])
        assert response.status_code < 500, (rule.rule, response.text)
        if allowed(rule.endpoint, visitor):
            if refused(response):
                lockouts.append((method, rule.rule, response.status_code))
        elif not refused(response):
            bypasses.append((method, rule.rule, response.status_code))
        elif method == "POST" and fingerprint() != before:
            bypasses.append((method, rule.rule, "refused, but the database changed"))
        db.session.rollback()
    assert bypasses == [], f"{visitor} got through where it must not"
    assert lockouts == [], f"{visitor} was refused where it belongs"


@pytest.mark.parametrize("visitor", VISITORS)
def test_socket_namespaces_admit_only_their_devices(app, world, visitor):
    client = visitor_client(app, world, visitor)
    expected = {
        "/kiosk": visitor in ("tablet_a", "tablet_b"),
        "/staff": visitor in ("wall_board", "consultant", "manager", "stranger_admin"),
    }
    for namespace, admitted in expected.items():
        socket = socketio.test_client(app, namespace=namespace, flask_test_client=client)
        assert socket.is_connected(namespace) is admitted, (visitor, namespace)
        if admitted:
            socket.disconnect(namespace=namespace)
