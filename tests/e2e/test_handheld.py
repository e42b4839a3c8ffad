"""The handheld at 360×640, as a consultant holds it: order, density, the off-screen count, alerts
after a reconnect, sound, notifications and the offline shell. One server and one Chromium."""

import os
import re
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy
from playwright.sync_api import expect

from .browser import chromium, sign_in
from .clients import Handheld, Tablet
from .server import LiveServer, server_env

HANDHELD = {"width": 360, "height": 640}
SHOTS = Path(os.environ.get("HANDHELD_SHOTS", tempfile.gettempdir()))
LANGUAGES = ["en", "et", "ru", "uk", "zh"]
OFFLINE = "net::ERR_INTERNET_DISCONNECTED"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("handheld")
    server = LiveServer(workdir, server_env(workdir)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def tablets(server, staff):
    """Every demo room's tablet, paired once with codes the manager asks for in admin."""
    maria = staff["Maria"]
    made = {}
    for room_id, name in sql(server, "SELECT id, name FROM fitting_rooms"):
        page = maria.post(f"/staff/admin/rooms/{room_id}/pairing-code").text
        code = re.search(r'pairing-code__digits">(\d{6})<', page).group(1)
        made[name] = Tablet(server.base_url).pair(code)
    yield made
    for tablet in made.values():
        tablet.disconnect()


@pytest.fixture(scope="module")
def staff(server):
    """Anna, Boris and their manager, each on a device of their own (Anna's handheld in the
    browser is a second one)."""
    made = {
        "Anna": Handheld(server.base_url).sign_in("Anna Tamm", "1111"),
        "Boris": Handheld(server.base_url).sign_in("Boris Ivanov", "2222"),
        "Maria": Handheld(server.base_url).sign_in("Maria Kask", "manager-demo"),
    }
    yield made
    for handheld in made.values():
        handheld.disconnect()


def clear(server, staff, tablets) -> None:
    """Start from an empty queue: everything live done (before the visits end, so that no card
    says the customer has left), every visit over, and the rooms tidied."""
    manager = staff["Maria"]  # a manager may close what someone else took

    def finish_all() -> None:
        for request_id in sorted(manager.queue_ids()):
            manager.post(f"/staff/requests/{request_id}/claim")
            manager.post(f"/staff/requests/{request_id}/complete")

    finish_all()
    for tablet in tablets.values():
        tablet.post("/kiosk/visit/end")
    finish_all()
    assert server.open_request_ids() == set()


@pytest.fixture(scope="module")
def anna_signed_in(browser, server):
    """Anna's browser session, signed in once (sign-in is rate-limited per name)."""
    context = browser.new_context(viewport=HANDHELD)
    sign_in(context.new_page(), server.base_url, "Anna Tamm", "1111")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def handheld(browser, server, anna_signed_in):
    """A fresh 360×640 handheld with Anna's session; its console must stay clean."""
    problems = []
    page = open_handheld(browser, server, anna_signed_in)
    # While a test has taken the handheld offline, the browser logs each failed reconnect.
    page.on(
        "console",
        lambda m: m.type == "error" and OFFLINE not in m.text and problems.append(m.text),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(server.base_url + "/staff/")
    expect(page.locator("#queue")).to_be_visible()
    yield page
    page.context.close()
    assert problems == [], problems


def open_handheld(browser, server, state, **options):
    context = browser.new_context(viewport=HANDHELD, storage_state=state, **options)
    return context.new_page()


def sql(server, statement: str, **params) -> list:
    engine = sqlalchemy.create_engine(server.env["DATABASE_URL"])
    try:
        with engine.begin() as connection:
            result = connection.execute(sqlalchemy.text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def speak(server, language: str) -> None:
    """The staff's language as the product sets it: the store's default, and the member's own
    choice where the team has one."""
    sql(server, "UPDATE stores SET language = :language", language=language)
    engine = sqlalchemy.create_engine(server.env["DATABASE_URL"])
    try:
        columns = {c["name"] for c in sqlalchemy.inspect(engine).get_columns("staff")}
    finally:
        engine.dispose()
    if "language" in columns:
        sql(server, "UPDATE staff SET language = :language", language=language)


def member_id(server, name: str) -> int:
    return sql(server, "SELECT id FROM staff WHERE name = :name", name=name)[0][0]


def drink_ids(server) -> list[int]:
    return [row[0] for row in sql(server, "SELECT id FROM menu_items WHERE kind = 'drink'")]


def new_request(tablet: Tablet, kind: str = "consultant", **fields) -> None:
    assert tablet.ask(kind, **fields).status_code == 200


def cards(page) -> list[dict]:
    """Each card of the queue, top to bottom, as the person sees it: measured in the same
    moment as the check that every card is laid out (a card being put in its place is briefly
    out of the layout, and a push may move one between two separate looks)."""
    measured = page.wait_for_function(
        """() => {
            const cards = [...document.querySelectorAll('#queue .ticket')];
            const rooms = cards.map(card => card.querySelector('.ticket__room'));
            if (!rooms.every(room => room && room.getClientRects().length > 0)) return null;
            return cards.map((card, n) => {
                const box = card.getBoundingClientRect();
                const room = rooms[n];
                return {id: Number(card.dataset.request), group: card.dataset.group,
                        state: card.dataset.state, claimedBy: card.dataset.claimedBy,
                        top: box.top, bottom: box.bottom, mine: card.classList.contains('is-mine'),
                        roomOneLine: room.getClientRects().length === 1 && room.offsetHeight
                            < 2 * parseFloat(getComputedStyle(room).lineHeight),
                        room: [room.textContent, room.getClientRects().length, room.offsetHeight,
                               getComputedStyle(room).lineHeight],
                        isNew: card.classList.contains('is-new')};
            });
        }"""
    )
    return measured.json_value()


@pytest.fixture(scope="module")
def busy_store(server, staff, tablets):
    """A tidy task older than everything, then four rooms each calling a consultant and asking
    for a drink; Anna has one of the calls and Boris another."""
    clear(server, staff, tablets)
    new_request(tablets["Room 4"])
    tablets["Room 4"].post("/kiosk/visit/end")  # the room needs tidying: the oldest of all
    rooms = ("Room 1", "Room 2", "Room 3", "Room 5")
    for room in rooms:
        new_request(tablets[room])
    for room, drink in zip(rooms, drink_ids(server), strict=False):
        new_request(tablets[room], "drink", item=str(drink))
    ids = sorted(staff["Anna"].queue_ids())
    staff["Anna"].post(f"/staff/requests/{ids[2]}/claim")
    staff["Boris"].post(f"/staff/requests/{ids[3]}/claim")
    return {"anna": ids[2], "boris": ids[3], "tidy": ids[0], "all": ids}


@pytest.fixture(params=LANGUAGES)
def language(request, server):
    """Each staff language in turn, English again afterwards."""
    speak(server, request.param)
    yield request.param
    speak(server, "en")


def test_at_least_four_cards_fit_customers_first_mine_first(busy_store, handheld, language):
    handheld.reload()
    expect(handheld.locator("#queue .ticket")).to_have_count(len(busy_store["all"]))
    shown = cards(handheld)
    bar = handheld.locator("#below")
    expect(bar).to_be_visible()  # with nine cards, some wait out of sight
    bar_top = bar.bounding_box()["y"]
    in_view = [c for c in shown if c["top"] >= 0 and c["bottom"] <= bar_top]
    handheld.screenshot(path=str(SHOTS / f"handheld-{language}.png"))
    assert len(in_view) >= 4, (language, shown)
    assert all(c["roomOneLine"] for c in shown), [c["room"] for c in shown]

    groups = [c["group"] for c in shown]
    assert groups == sorted(groups) and groups[-1] == "staff"  # customer < staff
    assert shown[0]["id"] == busy_store["anna"] and shown[0]["mine"]
    assert [c["state"] for c in shown[1:-2]] == ["open"] * 6  # then the longest waiting …
    assert shown[-2]["id"] == busy_store["boris"] and not shown[-2]["mine"]  # … then others'
    waiting = [c for c in shown if c["state"] == "open"]
    out_of_sight = [c for c in waiting if c["bottom"] > bar_top]
    expect(bar.locator(".below__count")).to_have_text(str(len(out_of_sight)))
    handheld.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(bar).to_be_hidden()  # at the end of the queue nothing waits out of sight
    handheld.screenshot(path=str(SHOTS / f"handheld-{language}-end.png"))


def test_my_card_offers_done_and_others_say_who_has_them(busy_store, handheld):
    mine = handheld.locator(f"#request-{busy_store['anna']}")
    expect(mine.get_by_text("You are on it")).to_be_visible()
    expect(mine.get_by_role("button", name="Done")).to_be_visible()
    boris = handheld.locator(f"#request-{busy_store['boris']}")
    expect(boris.get_by_text("Boris is on it")).to_be_visible()
    expect(boris.get_by_role("button")).to_have_count(0)  # nothing to tap on someone else's
    # Both bottoms in one look: a push may swap the card in between two.
    done, card = mine.get_by_role("button", name="Done").evaluate(
        f"done => [done, done.closest('#request-{busy_store['anna']}')]"
        ".map(element => element.getBoundingClientRect().bottom)"
    )
    assert done > card - 12  # at the thumb's end


def test_the_first_tap_turns_the_sound_on_and_says_so(handheld):
    sound = handheld.locator("#sound")
    expect(sound.locator(".sound__off")).to_be_visible()
    expect(sound.locator(".sound__on")).to_be_hidden()
    handheld.locator(".tally").click()  # any tap on the page
    expect(sound.locator(".sound__on")).to_be_visible()
    expect(sound.locator(".sound__off")).to_be_hidden()
    expect(handheld.locator("body")).to_have_attribute("data-sound", "on")


def alerts(page) -> int:
    return int(page.evaluate("document.body.dataset.alerts || '0'"))


def test_requests_that_came_while_offline_alert_on_return(server, staff, tablets, handheld):
    clear(server, staff, tablets)
    handheld.locator(".tally").click()
    expect(handheld.locator("#queue .ticket")).to_have_count(0)
    before = alerts(handheld)
    handheld.context.set_offline(True)
    expect(handheld.locator("#connection")).to_be_visible()  # the handheld knows it is cut off
    new_request(tablets["Room 1"])
    new_request(tablets["Room 2"])
    handheld.context.set_offline(False)

    expect(handheld.locator("#queue .ticket.is-new")).to_have_count(2)
    assert alerts(handheld) > before
    assert handheld.evaluate("document.body.dataset.lastAlert") == "new"

    # A re-read alone does not ring again for what this device has seen; the marks stay until
    # the card is tapped.
    handheld.reload()
    expect(handheld.locator("#queue .ticket.is-new")).to_have_count(2)
    assert alerts(handheld) == 0
    first = handheld.locator("#queue .ticket").first
    first.locator(".ticket__room").click()
    expect(first).not_to_have_class(re.compile(r"\bis-new\b"))
    handheld.reload()
    expect(handheld.locator("#queue .ticket.is-new")).to_have_count(1)


def controlled_by_the_worker(page) -> None:
    """Wait until the service worker runs this page (the first visit installs it)."""
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def test_without_network_the_last_queue_shows_marked_offline_since(
    server, staff, tablets, handheld
):
    clear(server, staff, tablets)
    new_request(tablets["Room 3"])
    controlled_by_the_worker(handheld)
    handheld.reload()  # now through the worker, which keeps the page
    card = handheld.locator("#queue .ticket", has_text="Room 3")
    expect(card).to_be_visible()
    expect(handheld.locator("#offline-since")).to_be_hidden()

    handheld.context.set_offline(True)
    handheld.reload()
    note = handheld.locator("#offline-since")
    expect(note).to_be_visible()
    expect(note).to_have_text(re.compile(r"^Offline since \d\d:\d\d"))
    expect(card).to_be_visible()  # the last queue, not the browser's error page
    handheld.context.set_offline(False)
    expect(note).to_be_hidden()  # back: the live page again


def test_a_request_while_the_screen_is_off_raises_a_system_notification(
    server, staff, tablets, browser, anna_signed_in
):
    clear(server, staff, tablets)
    page = open_handheld(browser, server, anna_signed_in, permissions=["notifications"])
    page.goto(server.base_url + "/staff/")
    controlled_by_the_worker(page)
    # The screen goes off: as far as the page can tell, it is no longer visible.
    page.evaluate(
        """() => {
            const hidden = (name, value) =>
                Object.defineProperty(document, name, {value: value, configurable: true});
            hidden('visibilityState', 'hidden');
            hidden('hidden', true);
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    new_request(tablets["Room 2"])
    shown = []
    deadline = time.monotonic() + 15
    while not shown and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        shown = page.evaluate(
            """async () => {
                const worker = await navigator.serviceWorker.ready;
                return (await worker.getNotifications()).map(n => [n.title, n.body]);
            }"""
        )
    page.context.close()
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "New request" and "Women · Room 2" in text and "Consultant" in text


def test_signing_out_forgets_the_kept_queue(server, handheld):
    """A shared handheld: the next person, offline, must not see the last one's queue.
    (Last in this module: signing out ends every copy of Anna's session.)"""
    controlled_by_the_worker(handheld)
    handheld.reload()
    assert handheld.evaluate("caches.match('/staff/').then(Boolean)")
    handheld.get_by_role("button", name="Sign out").click()
    expect(handheld.locator("#secret")).to_be_visible()
    assert not handheld.evaluate("caches.match('/staff/').then(Boolean)")
