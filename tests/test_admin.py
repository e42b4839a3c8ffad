"""Administration over HTTP: rooms and pairing, staff, menus, catalogue import, standards, audit."""

import io

import pytest
from sqlalchemy import func, select

from assist import lifecycle, localtime, menus, pairing, standards, visits
from assist.extensions import db
from assist.models import (
    CatalogueItem,
    FittingRoom,
    Kind,
    MenuItem,
    PairingCode,
    Role,
    StaffMember,
    Tablet,
)

from .conftest import csrf_from, outsider, pair_tablet, room_named, sign_in, staff_named

GOOD_CSV = (
    b"code,name,category,colour,size,stock\n"
    b"NEW-1,Rain coat,Coats,Yellow,M,3\n"
    b"JN-501,Slim jeans,Jeans,Blue,28,9\n"
)


@pytest.fixture
def maria(client, store):
    sign_in(client, store, "Maria Kask", "manager-demo")
    return client


@pytest.fixture
def admin(client, store):
    sign_in(client, store, "Admin", "admin-demo")
    return client


def post(client, path, data=None, **kwargs):
    data = {**(data or {}), "csrf_token": csrf_from(client.get("/staff/admin"))}
    return client.post(path, data=data, **kwargs)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_new_pairing_code_pairs_the_tablet_and_unpair_shuts_it_out(maria, app, store):
    room = room_named(store, "Room 2")
    page = post(maria, f"/staff/admin/rooms/{room.id}/pairing-code")
    code = page.text.split('class="pairing-code__digits">')[1][:6]
    assert code.isdigit() and f"/kiosk/pair?code={code}" in page.text

    tablet = app.test_client()
    form = tablet.get("/kiosk/pair")
    tablet.post("/kiosk/pair", data={"code": code, "csrf_token": csrf_from(form)})
    assert tablet.get("/kiosk/").status_code == 200
    assert "paired" in maria.get("/staff/admin").text

    post(maria, f"/staff/admin/rooms/{room.id}/unpair")
    assert tablet.get("/kiosk/").status_code in (302, 303)
    assert count(Tablet, Tablet.room_id == room.id, Tablet.revoked_at.is_(None)) == 0


def test_add_a_room_and_refuse_a_duplicate(maria, store):
    assert "Room 9" in post(maria, "/staff/admin/rooms", {"name": "Room 9", "area": "Men"}).text
    again = post(maria, "/staff/admin/rooms", {"name": "Room 9", "area": "Men"})
    assert again.status_code == 422 and "already a room called Room 9" in again.text


def test_staff_add_deactivate_and_reset_pin(maria, app, store):
    post(maria, "/staff/admin/staff", {"name": "Dina Saar", "role": "consultant", "secret": "4321"})
    dina = staff_named(store, "Dina Saar")
    assert dina.role == Role.CONSULTANT
    handheld = app.test_client()
    assert sign_in(handheld, store, "Dina Saar", "4321").status_code == 302

    post(maria, f"/staff/admin/staff/{dina.id}/secret", {"secret": "8765"})
    assert sign_in(app.test_client(), store, "Dina Saar", "4321").status_code == 401
    assert sign_in(app.test_client(), store, "Dina Saar", "8765").status_code == 302

    post(maria, f"/staff/admin/staff/{dina.id}/active", {"active": "0"})
    assert sign_in(app.test_client(), store, "Dina Saar", "8765").status_code == 401
    assert handheld.get("/staff/").status_code == 302  # her open session ends too


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "Eve", "role": "consultant", "secret": "12a"}, "A PIN is 4 to 6 digits"),
        ({"name": "Eve", "role": "manager", "secret": "long-password"}, "Only an admin"),
        ({"name": "Anna Tamm", "role": "consultant", "secret": "1234"}, "already someone called"),
        ({"name": "", "role": "consultant", "secret": "1234"}, "Give a name"),
    ],
)
def test_bad_staff_forms_are_refused_and_write_nothing(maria, form, message):
    before = count(StaffMember)
    response = post(maria, "/staff/admin/staff", form)
    assert response.status_code == 422 and message in response.text
    assert count(StaffMember) == before


def test_an_admin_may_add_a_manager(admin, store):
    post(
        admin,
        "/staff/admin/staff",
        {"name": "Liis", "role": "manager", "secret": "a-long-password"},
    )
    assert staff_named(store, "Liis").role == Role.MANAGER


def test_menus_add_and_take_off(maria, store):
    post(maria, "/staff/admin/menus", {"kind": "drink", "name": "Prosecco", "age_restricted": "1"})
    prosecco = db.session.scalar(select(MenuItem).where(MenuItem.name == "Prosecco"))
    assert prosecco.age_restricted and prosecco.active
    post(maria, f"/staff/admin/menus/{prosecco.id}/active", {"active": "0"})
    db.session.refresh(prosecco)
    assert not prosecco.active and "not offered" in maria.get("/staff/admin/menus").text


def test_catalogue_import_adds_and_updates(maria, store):
    page = post(maria, "/staff/admin/catalogue", {"file": (io.BytesIO(GOOD_CSV), "c.csv")})
    assert "1 new, 1 updated" in page.text
    jeans = db.session.scalar(
        select(CatalogueItem).where(
            CatalogueItem.code == "JN-501",
            CatalogueItem.colour == "Blue",
            CatalogueItem.size == "28",
        )
    )
    assert jeans.stock == 9


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (
            b"code,name,category,colour,size,stock\nA,B,C,D,E,-1\nA,B,C,D,,1\nA,B,,D,E,1\nOK,B,C,D,E,1\n",
            [
                "<td>2</td>",
                "<td>3</td>",
                "<td>4</td>",
                "stock must be a whole number",
                "size is empty",
            ],
        ),
        (b"code,name,colour\nA,B,C\n", ["missing: category, size, stock"]),
        ("code,name,category,colour,size,stock\nÄ,Ö,Ü,ß,M,1\n".encode("latin-1"), ["not UTF-8"]),
    ],
)
def test_a_bad_csv_reports_every_line_and_imports_nothing(maria, content, shown):
    before = count(CatalogueItem)
    page = post(maria, "/staff/admin/catalogue", {"file": (io.BytesIO(content), "bad.csv")})
    assert "Nothing was imported" in page.text
    for text in shown:
        assert text in page.text
    assert count(CatalogueItem) == before


def test_import_without_a_file_or_too_large_is_refused(maria, app):
    assert "Choose a CSV file" in post(maria, "/staff/admin/catalogue").text
    app.config["CSV_MAX_BYTES"] = 10
    big = post(maria, "/staff/admin/catalogue", {"file": (io.BytesIO(GOOD_CSV), "c.csv")})
    assert big.status_code == 422 and "too large" in big.text


def test_standards_are_edited_and_checked(maria, store):
    post(
        maria,
        "/staff/admin/standards",
        {"kind": "drink", "acknowledge_within": "45", "complete_within": "240"},
    )
    assert standards.targets(store.id)[Kind.DRINK] == standards.Target(45, 240)
    bad = post(
        maria,
        "/staff/admin/standards",
        {"kind": "drink", "acknowledge_within": "300", "complete_within": "60"},
    )
    assert bad.status_code == 422 and standards.targets(store.id)[Kind.DRINK] == standards.Target(
        45, 240
    )


def test_the_audit_trail_shows_who_did_what(maria, app, store):
    room = room_named(store, "Room 1")
    tablet = app.test_client()
    pair_tablet(tablet, room)
    request = lifecycle.open_request(
        visits.start_visit(room), Kind.CONSULTANT, tablet=db.session.scalar(select(Tablet))
    )
    lifecycle.claim(request.id, staff_named(store, "Anna Tamm"))
    page = maria.get(f"/staff/admin/audit?room={room.id}").text
    assert "claimed" in page and "Anna Tamm" in page and "created" in page and "tablet" in page
    assert maria.get("/staff/admin/audit?day=yesterday").status_code == 422


# --- who may do what ---------------------------------------------------------------------------

# Every admin route of the contract, with a form that would succeed for the store's manager.
ADMIN_ROUTES = [
    ("GET", "/staff/admin", None),
    ("POST", "/staff/admin/rooms", {"name": "Room 9", "area": "Men"}),
    ("POST", "/staff/admin/rooms/{room}/pairing-code", {}),
    ("POST", "/staff/admin/rooms/{room}/unpair", {}),
    ("GET", "/staff/admin/staff", None),
    ("POST", "/staff/admin/staff", {"name": "Dina Saar", "role": "consultant", "secret": "4321"}),
    ("POST", "/staff/admin/staff/{member}/active", {"active": "0"}),
    ("POST", "/staff/admin/staff/{member}/secret", {"secret": "8765"}),
    ("GET", "/staff/admin/menus", None),
    ("POST", "/staff/admin/menus", {"kind": "drink", "name": "Juice"}),
    ("POST", "/staff/admin/menus/{item}/active", {"active": "0"}),
    ("GET", "/staff/admin/catalogue", None),
    ("POST", "/staff/admin/catalogue", {"file": GOOD_CSV}),
]
ROUTE_IDS = [f"{method} {path}" for method, path, _ in ADMIN_ROUTES]
SIGN_INS = {
    "consultant": ("Anna Tamm", "1111"),
    "manager": ("Maria Kask", "manager-demo"),
    "admin": ("Admin", "admin-demo"),
}


def ids_of(store) -> dict:
    """A room (paired, so unpair has work), a consultant and a menu item of the store."""
    room = room_named(store, "Room 1")
    pairing.pair(pairing.issue_code(room).code)
    item = db.session.scalar(select(MenuItem).where(MenuItem.store_id == store.id))
    return {"room": room.id, "member": staff_named(store, "Boris Ivanov").id, "item": item.id}


def call(client, method, path, form, token):
    if method == "GET":
        return client.get(path)
    data = {**form, "csrf_token": token}
    if "file" in data:
        data["file"] = (io.BytesIO(data["file"]), "catalogue.csv")
    return client.post(path, data=data)


@pytest.mark.parametrize("visitor", ["anonymous", "consultant", "manager", "admin"])
@pytest.mark.parametrize(("method", "path", "form"), ADMIN_ROUTES, ids=ROUTE_IDS)
def test_admin_routes_by_role(client, store, visitor, method, path, form):
    path = path.format(**ids_of(store))
    if visitor != "anonymous":
        assert sign_in(client, store, *SIGN_INS[visitor]).status_code == 302
    token = csrf_from(client.get("/staff/signin"))
    before = fingerprint()
    response = call(client, method, path, form, token)
    if visitor == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/signin?next=")
    elif visitor == "consultant":
        assert response.status_code == 403
    else:
        assert response.status_code == 200, response.text
        assert 'class="tabs"' in response.text
    if visitor in ("anonymous", "consultant"):
        assert fingerprint() == before


@pytest.mark.parametrize(
    ("method", "path", "form"),
    [route for route in ADMIN_ROUTES if "{" in route[1]],
    ids=[i for i, route in zip(ROUTE_IDS, ADMIN_ROUTES, strict=True) if "{" in route[1]],
)
def test_another_stores_admin_finds_nothing_of_this_store(client, store, method, path, form):
    path = path.format(**ids_of(store))
    stranger = outsider(Role.ADMIN, "stranger-password")
    sign_in(client, stranger.store, "Outsider", "stranger-password")
    token = csrf_from(client.get("/staff/admin"))
    before = fingerprint()
    assert call(client, method, path, form, token).status_code == 404
    assert fingerprint() == before


def test_another_stores_admin_sees_only_their_own_store(client, store):
    stranger = outsider(Role.ADMIN, "stranger-password")
    sign_in(client, stranger.store, "Outsider", "stranger-password")
    for path in ("/staff/admin", "/staff/admin/staff", "/staff/admin/menus"):
        page = client.get(path).text
        assert "Room 1" not in page and "Anna Tamm" not in page and "Champagne" not in page
    assert "0</strong> items" in client.get("/staff/admin/catalogue").text


def test_a_form_without_the_csrf_token_is_refused(maria, store):
    before = fingerprint()
    response = maria.post("/staff/admin/rooms", data={"name": "Room 9", "area": "Men"})
    assert response.status_code == 400 and "reload" in response.text
    assert fingerprint() == before


def fingerprint() -> tuple:
    """What the admin pages can change, counted and summed: any write shows."""
    return (
        count(FittingRoom),
        count(Tablet, Tablet.revoked_at.is_(None)),
        count(PairingCode),
        count(StaffMember, StaffMember.active),
        tuple(db.session.scalars(select(StaffMember.secret_hash).order_by(StaffMember.id))),
        count(MenuItem, MenuItem.active),
        count(CatalogueItem),
        db.session.scalar(select(func.sum(CatalogueItem.stock))),
    )


# --- rooms and tablets -------------------------------------------------------------------------


def test_the_rooms_page_says_which_rooms_are_paired_and_when(maria, app, store):
    paired, unpaired, never = (room_named(store, f"Room {n}") for n in (1, 2, 3))
    for room in (paired, unpaired):
        pair_tablet(app.test_client(), room)
    post(maria, f"/staff/admin/rooms/{unpaired.id}/unpair")
    page = maria.get("/staff/admin").text
    rows = {
        room.id: page.split(f'id="room-{room.id}"')[1].split("</tr>")[0]
        for room in (paired, unpaired, never)
    }
    assert "paired</span>" in rows[paired.id] and "Unpair" in rows[paired.id]
    assert "not paired" in rows[unpaired.id] and "Unpair" not in rows[unpaired.id]
    today = localtime.today(store.timezone).isoformat()
    assert today in rows[paired.id] and today in rows[unpaired.id]  # last paired, kept
    assert "never" in rows[never.id] and "New pairing code" in rows[never.id]


def test_the_pairing_code_shows_its_expiry_in_store_time(maria, store):
    room = room_named(store, "Room 2")
    page = post(maria, f"/staff/admin/rooms/{room.id}/pairing-code").text
    code = db.session.scalar(select(PairingCode).where(PairingCode.room_id == room.id))
    local = localtime.to_local(code.expires_at, store.timezone).strftime("%H:%M")
    assert f"Valid once, until {local}." in page
    assert f"http://localhost/kiosk/pair?code={code.code}" in page
    assert 'aria-current="page">Rooms & tablets' in page  # still on the rooms tab


def test_a_new_code_replaces_the_one_before(maria, app, store):
    room = room_named(store, "Room 2")
    first = post(maria, f"/staff/admin/rooms/{room.id}/pairing-code").text
    first_code = first.split('class="pairing-code__digits">')[1][:6]
    post(maria, f"/staff/admin/rooms/{room.id}/pairing-code")
    tablet = app.test_client()
    page = tablet.get("/kiosk/pair")
    refused = tablet.post("/kiosk/pair", data={"code": first_code, "csrf_token": csrf_from(page)})
    assert refused.status_code == 404 and tablet.get("/kiosk/").status_code in (302, 303)


# --- staff ---------------------------------------------------------------------------------------


def test_a_manager_cannot_touch_an_admins_account(maria, store):
    admin_id = staff_named(store, "Admin").id
    before = fingerprint()
    assert post(maria, f"/staff/admin/staff/{admin_id}/active", {"active": "0"}).status_code == 422
    response = post(maria, f"/staff/admin/staff/{admin_id}/secret", {"secret": "taken-over!"})
    assert response.status_code == 422 and "Only an admin" in response.text
    assert fingerprint() == before
    assert sign_in(maria.application.test_client(), store, "Admin", "admin-demo").status_code == 302


def test_a_bad_new_pin_is_refused_and_the_old_one_still_works(maria, app, store):
    anna = staff_named(store, "Anna Tamm")
    response = post(maria, f"/staff/admin/staff/{anna.id}/secret", {"secret": "12a"})
    assert response.status_code == 422 and "A PIN is 4 to 6 digits" in response.text
    assert sign_in(app.test_client(), store, "Anna Tamm", "1111").status_code == 302


def test_a_deactivated_member_can_be_brought_back(maria, app, store):
    boris = staff_named(store, "Boris Ivanov")
    post(maria, f"/staff/admin/staff/{boris.id}/active", {"active": "0"})
    assert "inactive" in maria.get("/staff/admin/staff").text
    post(maria, f"/staff/admin/staff/{boris.id}/active", {"active": "1"})
    assert sign_in(app.test_client(), store, "Boris Ivanov", "2222").status_code == 302


def test_a_manager_is_offered_only_the_consultant_role(maria):
    page = maria.get("/staff/admin/staff").text
    assert '<option value="consultant">' in page and '<option value="manager">' not in page


def test_an_admin_is_offered_every_role(admin):
    page = admin.get("/staff/admin/staff").text
    for role in ("consultant", "manager", "admin"):
        assert f'<option value="{role}">' in page


# --- menus ---------------------------------------------------------------------------------------


def test_an_amenity_is_added_and_offered_again_after_a_pause(maria, store):
    post(maria, "/staff/admin/menus", {"kind": "amenity", "name": "Umbrella stand"})
    stand = db.session.scalar(select(MenuItem).where(MenuItem.name == "Umbrella stand"))
    assert stand.kind == Kind.AMENITY and not stand.age_restricted
    post(maria, f"/staff/admin/menus/{stand.id}/active", {"active": "0"})
    assert stand not in menus.menu(store.id, Kind.AMENITY)
    post(maria, f"/staff/admin/menus/{stand.id}/active", {"active": "1"})
    assert stand in menus.menu(store.id, Kind.AMENITY)
    assert "Umbrella stand" in maria.get("/staff/admin/menus").text


@pytest.mark.parametrize(
    ("form", "status"),
    [({"kind": "tidy", "name": "Broom"}, 422), ({"kind": "drink", "name": ""}, 422)],
)
def test_a_bad_menu_item_is_refused(maria, form, status):
    before = count(MenuItem)
    assert post(maria, "/staff/admin/menus", form).status_code == status
    assert count(MenuItem) == before


# --- catalogue -----------------------------------------------------------------------------------


def test_re_importing_updates_stock_and_adds_nothing(maria, store):
    post(maria, "/staff/admin/catalogue", {"file": (io.BytesIO(GOOD_CSV), "c.csv")})
    before = count(CatalogueItem)
    again = GOOD_CSV.replace(b"Yellow,M,3", b"Yellow,M,0")
    page = post(maria, "/staff/admin/catalogue", {"file": (io.BytesIO(again), "c.csv")})
    assert page.status_code == 200 and "0 new, 2 updated" in page.text
    assert count(CatalogueItem) == before
    coat = db.session.scalar(select(CatalogueItem).where(CatalogueItem.code == "NEW-1"))
    assert coat.stock == 0


def test_a_file_with_bad_lines_says_how_many_and_answers_422(maria):
    content = b"code,name,category,colour,size,stock\nA,B,C,D,E,x\nA,B,C,D,E,1\nA,B,C,D,E,2\n"
    page = post(maria, "/staff/admin/catalogue", {"file": (io.BytesIO(content), "bad.csv")})
    assert page.status_code == 422 and "2 problems were found" in page.text
    assert "earlier line" in page.text and "stock must be a whole number" in page.text


def test_a_file_larger_than_any_request_gets_the_same_plain_answer(maria, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    huge = GOOD_CSV + b"X,Y,Z,Red,M,1\n" * 200
    response = post(maria, "/staff/admin/catalogue", {"file": (io.BytesIO(huge), "c.csv")})
    assert response.status_code == 413 and "too large" in response.text
    assert "nothing was imported" in response.text


def test_the_catalogue_look_inside_filters_and_stops_at_fifty(maria, store):
    page = maria.get("/staff/admin/catalogue").text
    assert page.count("<tr") - 1 == 50 and "The first 50 lines are shown" in page
    jeans = maria.get("/staff/admin/catalogue?q=slim").text
    assert "JN-501" in jeans and "TS-110" not in jeans
    assert "Nothing matches" in maria.get("/staff/admin/catalogue?q=zzz").text
