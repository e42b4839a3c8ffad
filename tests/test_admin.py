"""Administration over HTTP: rooms and pairing, staff, menus, catalogue import, standards, audit."""

import io

import pytest
from sqlalchemy import func, select

from assist import lifecycle, standards, visits
from assist.extensions import db
from assist.models import CatalogueItem, Kind, MenuItem, Role, StaffMember, Tablet

from .conftest import csrf_from, pair_tablet, room_named, sign_in, staff_named

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
