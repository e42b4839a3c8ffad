"""A size not in stock: the customer sees the nearest ones we have, picks one or leaves it to the
consultant, and the consultant's card says what they picked. On SQLite and PostgreSQL."""

import re

import pytest
from sqlalchemy import func, select

from assist import catalogue, demo
from assist.extensions import db
from assist.models import CatalogueItem, Request, Store

from .conftest import outsider, room_named, sign_in
from .test_kiosk import Kiosk, size_fields

PICK = re.compile(r'name="pick" value="(\d+)"')


@pytest.fixture
def store(any_db_app) -> Store:
    return demo.seed()


@pytest.fixture
def kiosk(any_db_app, store):
    return Kiosk(any_db_app.test_client(), room_named(store, "Room 1"))


@pytest.fixture
def sold_out(store) -> CatalogueItem:
    """Slim jeans, Blue 28: not in stock in the demo, with sizes near it that are."""
    return catalogue.variant(store.id, "JN-501", "Blue", "28")


def requests_made() -> list[Request]:
    return list(db.session.scalars(select(Request).order_by(Request.id)))


def instead_page(kiosk, wanted: CatalogueItem) -> str:
    response = kiosk.get(f"/kiosk/size/instead/{wanted.id}")
    assert response.status_code == 200, response.text
    return response.text


def test_a_size_not_in_stock_leads_to_the_nearest_ones_we_have(kiosk, sold_out):
    item = kiosk.get(f"/kiosk/size/items/{sold_out.code}").text
    assert f'href="/kiosk/size/instead/{sold_out.id}"' in item
    page = instead_page(kiosk, sold_out)
    offered = [int(i) for i in PICK.findall(page)]
    nearest = catalogue.alternatives(sold_out)
    assert offered == [v.id for v in nearest[: catalogue.CUSTOMER_CHOICES]]
    assert len(offered) == 3
    assert "Blue, size 28 is not in stock" in page and "Let the consultant choose" in page
    assert requests_made() == []  # looking is not asking


def test_a_size_in_stock_offers_nothing_instead(kiosk, store):
    in_stock = catalogue.variant(store.id, "JN-501", "Blue", "30")
    assert in_stock.stock > 0
    assert PICK.findall(instead_page(kiosk, in_stock)) == []


def test_the_pick_reaches_the_consultants_card(any_db_app, kiosk, store, sold_out):
    pick = catalogue.choices_instead(sold_out)[1]
    status = kiosk.ask("size", **size_fields(sold_out), pick=pick.id, client_key="k1").text
    (request,) = requests_made()
    assert (request.variant_id, request.picked_id, request.in_stock) == (
        sold_out.id,
        pick.id,
        False,
    )
    assert f"you picked {pick.colour}, size {pick.size} instead" in status

    handheld = any_db_app.test_client()
    sign_in(handheld, store, "Anna Tamm", "1111")
    card = handheld.get("/staff/queue").text
    assert f"The customer picked:</strong> {pick.colour} {pick.size} ({pick.stock})" in card


def test_leaving_it_to_the_consultant_asks_for_the_size_with_no_pick(kiosk, sold_out):
    status = kiosk.ask("size", **size_fields(sold_out)).text
    (request,) = requests_made()
    assert request.variant_id == sold_out.id and request.picked_id is None
    assert "A consultant will bring the nearest sizes/colours we have" in status


def test_a_pick_sent_again_or_changed_makes_no_second_request(kiosk, sold_out):
    first, second = catalogue.choices_instead(sold_out)[:2]
    kiosk.ask("size", **size_fields(sold_out), pick=first.id, client_key="tap-1")
    kiosk.ask("size", **size_fields(sold_out), pick=first.id, client_key="tap-1")  # a re-send
    kiosk.ask("size", **size_fields(sold_out), pick=second.id, client_key="tap-2")  # a new tap
    (request,) = requests_made()
    assert request.picked_id == first.id  # the request waiting is the one the consultant saw


def test_a_pick_that_is_not_an_alternative_is_refused_and_nothing_is_made(kiosk, store, sold_out):
    in_stock = catalogue.variant(store.id, "JN-501", "Blue", "30")
    other_item = catalogue.variant(store.id, "TS-110", "White", "M")
    elsewhere = outsider().store
    foreign = CatalogueItem(
        store_id=elsewhere.id, code="JN-501", name="Slim jeans", category="Jeans", colour="Blue",
        size="30", stock=5,
    )  # fmt: skip
    db.session.add(foreign)
    db.session.commit()
    cases = [
        (sold_out, other_item.id),  # another item
        (sold_out, foreign.id),  # the same item in another store
        (sold_out, sold_out.id),  # the size itself
        (sold_out, 999_999_999),  # nothing at all
        (in_stock, sold_out.id),  # a size in stock needs no pick
    ]
    for wanted, pick in cases:
        response = kiosk.ask("size", **size_fields(wanted), pick=pick)
        assert response.status_code == 404, (wanted.size, pick)
        assert "not one of the sizes we can offer instead" in response.text
    for pick in ("x", "-1", "1e3", "9" * 12, "²"):
        response = kiosk.ask("size", **size_fields(sold_out), pick=pick)
        assert response.status_code == 422, pick
    assert db.session.scalar(select(func.count()).select_from(Request)) == 0
