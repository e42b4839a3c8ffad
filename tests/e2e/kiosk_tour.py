"""Every kiosk screen, in any language, on three tablets of one demo server: one not paired
yet, one in a fresh room, and one whose visit holds as many requests as a visit may.

The fit test measures each screen; `make screenshots` photographs them.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .clients import Handheld, Tablet
from .server import LiveServer

LANGUAGES = ("en", "et", "ru", "uk", "zh")
LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}
ORIENTATIONS = {"landscape": LANDSCAPE, "portrait": PORTRAIT}
ITEM = "TE-770"  # three colours × five sizes: the longest list of sizes in the demo
SIZES_OF = "JN-501"  # an item with sizes not in stock in the demo, and sizes near them that are
INSTEAD = re.compile(r'href="/kiosk/size/instead/(\d+)"')
ITEM_ID = re.compile(r'name="item" value="(\d+)"')
PAIRING_CODE = re.compile(r'pairing-code__digits">(\d{6})<')
PICK_ID = re.compile(r'name="pick" value="(\d+)"')
SIZE_FIELD = re.compile(r'name="(code|colour|size)" value="([^"]*)"')


@dataclass
class Tablets:
    unpaired: object  # Playwright pages
    fresh: object
    busy: object
    sold_out: int  # the variant whose "not in stock" screen the tour shows


def open_tablets(browser, server: LiveServer, watch) -> Tablets:
    """Three tablets as browser pages; `watch(page)` collects the console errors."""
    manager = Handheld(server.base_url).sign_in("Maria Kask", "manager-demo")
    codes = [pairing_code(manager, room_id) for room_id in (1, 2)]  # the demo's Rooms 1 and 2
    manager.disconnect()
    busy_cookie, sold_out = fill_a_visit(server, codes[0])
    pages = []
    for _ in range(3):
        context = browser.new_context(viewport=LANDSCAPE, reduced_motion="reduce")
        pages.append(watch(context.new_page()))
    unpaired, fresh, busy = pages
    fresh.goto(f"{server.base_url}/kiosk/pair?code={codes[1]}")
    fresh.wait_for_selector(".screen--welcome")
    busy.context.add_cookies([{"name": "fra_tablet", "value": busy_cookie, "url": server.base_url}])
    return Tablets(unpaired, fresh, busy, sold_out)


def pairing_code(manager: Handheld, room_id: int) -> str:
    """A fresh code from Admin → Fitting rooms (quicker than another `flask demo`)."""
    page = manager.post(f"/staff/admin/rooms/{room_id}/pairing-code").text
    return PAIRING_CODE.search(page).group(1)


def fill_a_visit(server: LiveServer, code: str) -> tuple[str, int]:
    """Room 1's visit: as many requests waiting as a visit may hold (one of them being brought,
    one a size not in stock with the customer's pick), plus two done and two cancelled.
    Returns the tablet's cookie and the size not in stock it asked for."""
    tablet = Tablet(server.base_url).pair(code)
    drinks = ITEM_ID.findall(tablet.get("/kiosk/drinks").text)
    amenities = ITEM_ID.findall(tablet.get("/kiosk/amenities").text)
    sold_out = int(INSTEAD.search(tablet.get(f"/kiosk/size/items/{SIZES_OF}").text).group(1))
    instead = tablet.get(f"/kiosk/size/instead/{sold_out}").text
    pick = PICK_ID.search(instead).group(1)
    wanted = dict(SIZE_FIELD.findall(instead))  # the fields of the size the customer wanted
    before = server.open_request_ids()
    for item in drinks[:4]:
        assert tablet.ask("drink", item=item).ok
    for request_id in sorted(server.open_request_ids() - before)[:2]:
        assert tablet.post(f"/kiosk/requests/{request_id}/cancel").ok
    handheld = Handheld(server.base_url).sign_in("Anna Tamm", "1111")
    for request_id in sorted(server.open_request_ids() - before):
        assert handheld.post(f"/staff/requests/{request_id}/claim").ok
        assert handheld.post(f"/staff/requests/{request_id}/complete").ok
    assert tablet.ask("size", **wanted, pick=pick).ok
    for item in amenities[:3]:
        assert tablet.ask("amenity", item=item).ok
    assert tablet.ask("drink", item=drinks[-1]).ok
    assert tablet.ask("consultant").ok
    newest = max(server.open_request_ids())
    assert handheld.post(f"/staff/requests/{newest}/claim").ok
    cookie = tablet.http.cookies["fra_tablet"]
    tablet.disconnect()
    handheld.disconnect()
    return cookie, sold_out


def speak(page, base_url: str, language: str) -> None:
    """The customer's language switch, as the tablet's language buttons send it."""
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    answer = page.request.post(
        f"{base_url}/kiosk/language", form={"lang": language}, headers={"X-CSRFToken": token}
    )
    assert answer.ok, answer.text()


def tour(tablets: Tablets, base_url: str, language: str) -> Iterator[tuple[str, object]]:
    """Go to each screen in turn; yield (screen name, page) once it is on show."""
    page = tablets.unpaired
    page.set_extra_http_headers({"Accept-Language": language})
    yield _at(page, base_url + "/kiosk/pair", "pair"), page

    page = tablets.fresh
    speak(page, base_url, language)
    yield _at(page, base_url + "/kiosk/", "welcome"), page
    # "I'm done" on a tablet with no visit running: the thanks screen, as htmx shows it.
    page.evaluate(
        "htmx.ajax('POST', '/kiosk/visit/end', "
        "{source: document.body, target: '#screen', swap: 'outerHTML'})"
    )
    page.wait_for_selector(".screen--thanks")
    yield "thanks", page

    page = tablets.busy
    if not page.url.startswith(base_url):
        page.goto(base_url + "/kiosk/")
    speak(page, base_url, language)
    page.goto(base_url + "/kiosk/")  # the whole page in the new language, then screen by screen
    screens = [
        ("/kiosk/", "status", "status"),
        ("/kiosk/menu", "menu", "menu"),
        ("/kiosk/size", "size", "size"),
        (f"/kiosk/size/items/{ITEM}", "item", "item"),
        (f"/kiosk/size/instead/{tablets.sold_out}", "instead", "instead"),
        ("/kiosk/drinks", "offer", "drinks"),
        ("/kiosk/amenities", "offer", "amenities"),
        ("/kiosk/rating", "rating", "rating"),
        ("/kiosk/rating/2", "rating-details", "rating-details"),
    ]
    for path, screen, name in screens:
        page.evaluate(SWAP, path)  # as a tap on the tablet does: htmx swaps the screen
        page.wait_for_selector(f".screen--{screen}")
        yield name, page


SWAP = "path => htmx.ajax('GET', path, {target: '#screen', swap: 'outerHTML'})"


def _at(page, url: str, screen: str) -> str:
    page.goto(url)
    page.wait_for_selector(f".screen--{screen}")
    page.evaluate("document.fonts.ready")
    return screen
