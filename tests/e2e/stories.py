"""Scenes the browser tests and the README screenshots share: a busy store, a paired wall."""

import re

from .clients import Handheld, Tablet

DIGITS = re.compile(r'class="pairing-code__digits">(\d+)<')


def room_codes(server) -> dict[str, str]:
    """Fresh pairing codes for every demo room by its name, issued as a manager does in admin
    (quicker than the `flask demo` command)."""
    maria = Handheld(server.base_url).sign_in("Maria Kask", "manager-demo")
    rooms = server._column("SELECT id FROM fitting_rooms ORDER BY id")
    names = server._column("SELECT name FROM fitting_rooms ORDER BY id")
    codes = {}
    for room_id, name in zip(rooms, names, strict=True):
        page = maria.post(f"/staff/admin/rooms/{room_id}/pairing-code").text
        codes[name] = DIGITS.search(page).group(1)
    maria.disconnect()
    return codes


def busy_store(server, codes: dict[str, str]) -> list:
    """Every room in `codes` calls a consultant, three also want a drink and something for the
    room; Anna takes one call; the consultant standard is tightened so that some tiles turn
    amber or red. Returns the devices (the caller disconnects them)."""
    maria = Handheld(server.base_url).sign_in("Maria Kask", "manager-demo")
    maria.post(
        "/staff/admin/standards",
        {"kind": "consultant", "acknowledge_within": "3", "complete_within": "600"},
    )
    drink = server._column("SELECT id FROM menu_items WHERE kind = 'drink' ORDER BY id")[0]
    amenity = server._column("SELECT id FROM menu_items WHERE kind = 'amenity' ORDER BY id")[0]
    tablets = [Tablet(server.base_url).pair(code) for code in codes.values()]
    for tablet in tablets:
        tablet.ask("consultant")
    for tablet in tablets[:3]:
        tablet.ask("drink", item=drink)
        tablet.ask("amenity", item=amenity)
    anna = Handheld(server.base_url).sign_in("Anna Tamm", "1111")
    first = min(server.open_request_ids())
    anna.post(f"/staff/requests/{first}/claim")
    return [maria, anna, *tablets]


def pair_wall(browser, server, viewport) -> object:
    """A manager issues a wall-board code in admin; a fresh screen types it. The screen's page."""
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    admin.goto(server.base_url + "/staff/signin")
    admin.fill("#name", "Maria Kask")
    admin.fill("#secret", "manager-demo")
    admin.click("button:has-text('Sign in')")
    admin.goto(server.base_url + "/staff/admin/boards")
    admin.get_by_role("button", name="New pairing code").click()
    code = admin.locator(".pairing-code__digits").inner_text().strip()
    admin.context.close()
    screen = browser.new_context(viewport=viewport).new_page()
    screen.goto(server.base_url + "/staff/board/pair")
    screen.fill("#code", code)
    screen.get_by_role("button", name="Show the board here").click()
    screen.wait_for_url("**/staff/board/wall")
    return screen
