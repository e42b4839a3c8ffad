"""Knock first on both devices, and the wall board, in Chromium against one real server.

Knock: the handheld taps *At the door*, the tablet's screen is covered by "May we come in?", the
customer answers, the handheld says it in words (and asks for its own vibration pattern); an
unanswered knock says "No answer"; a customer who leaves turns the card into "return the items".

Wall: paired by a code, readable from 5 m. The stated minimum (static/css/board.css, README):
every text at least 4.44 % of the screen's height — 48 px on 1920×1080, 96 px on 3840×2160 —
and nothing overflows or scrolls.
"""

import pytest
from playwright.sync_api import expect

from .browser import PHONE, TABLET, chromium, sign_in, watched_page
from .server import LiveServer, server_env
from .stories import busy_store, pair_wall, room_codes

MIN_TEXT_SHARE = 0.0444  # of the screen's height
SCREENS = [{"width": 1920, "height": 1080}, {"width": 3840, "height": 2160}]

# Every visible text node: its font size, and whether it stays inside the screen and inside
# every ancestor that clips its content.
MEASURE = """() => {
  const W = innerWidth, H = innerHeight, found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (!text) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    const style = getComputedStyle(node.parentElement);
    if (!rects.length || style.visibility === "hidden") continue;
    let outside = rects.some(r => r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1);
    for (let box = node.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflow === "visible") continue;
      const b = box.getBoundingClientRect();
      if (rects.some(r => r.left < b.left - 1 || r.right > b.right + 1 ||
                          r.top < b.top - 1 || r.bottom > b.bottom + 1)) outside = true;
    }
    found.push({text: text.slice(0, 40), size: parseFloat(style.fontSize), outside});
  }
  const page = document.documentElement;
  return {texts: found, scrolls: page.scrollWidth > W || page.scrollHeight > H};
}"""


# navigator.vibrate does nothing on a desktop Chromium: note what the page asks for instead.
NOTE_VIBRATIONS = """window.vibrations = [];
navigator.vibrate = function (pattern) { window.vibrations.push(pattern); return true; };
document.addEventListener("knock:answered", e => window.vibrations.push(e.detail.answer));"""


@pytest.fixture(scope="module")
def codes(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("knock")
    env = server_env(workdir, KNOCK_ANSWER_SECONDS="3", KNOCK_AGAIN_SECONDS="2")
    server = LiveServer(workdir, env).start()
    codes = room_codes(server)
    yield server, codes
    server.stop()


@pytest.fixture(scope="module")
def server(codes):
    live_server, room_codes_ = codes
    busy = {room: code for room, code in room_codes_.items() if room != "Room 5"}
    devices = busy_store(live_server, busy)
    yield live_server
    for device in devices:
        device.disconnect()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def actions_of(server, request_id: int) -> list[str]:
    sql = f"SELECT action FROM request_events WHERE request_id = {int(request_id)} ORDER BY id"
    return server._column(sql)


def test_the_knock_on_both_devices(server, codes, browser):
    problems = []
    kiosk = watched_page(browser, TABLET, problems)
    kiosk.goto(f"{server.base_url}/kiosk/pair?code={codes[1]['Room 5']}")
    kiosk.get_by_text("Tap to start").click()
    kiosk.get_by_text("Call a consultant").first.click()
    expect(kiosk.locator("#status")).to_contain_text("Sent")

    phone = watched_page(browser, PHONE, problems)
    phone.add_init_script(NOTE_VIBRATIONS)
    sign_in(phone, server.base_url, "Anna Tamm", "1111")
    card = phone.locator("article", has_text="Men · Room 5").filter(has_text="Consultant")
    card.get_by_role("button", name="I'm on it").click()
    request_id = int(card.get_attribute("data-request"))
    phone.evaluate("window.vibrations = []")  # only the knock's from here (not a new card's)
    card.get_by_role("button", name="At the door").click()
    expect(card).to_contain_text("Knocking… waiting for an answer")

    # The tablet: the question covers the whole screen; the screen under it does not move.
    before = kiosk.locator("#screen").bounding_box()
    question = kiosk.locator(".knock-question")
    expect(question).to_contain_text("May we come in?")
    expect(question).to_contain_text("Anna is at the door")
    assert question.bounding_box() == {"x": 0, "y": 0, **TABLET}
    assert kiosk.locator("#screen").bounding_box() == before
    kiosk.get_by_role("button", name="Come in").click()
    expect(question).to_have_count(0)
    expect(kiosk.locator("#status")).to_be_visible()

    expect(card).to_contain_text("“Come in”")
    assert phone.evaluate("window.vibrations") == [[120, 80, 120], "come_in"]
    assert actions_of(server, request_id) == ["created", "claimed", "knocked", "come_in"]

    # A second request: nobody answers; then "one minute"; then the customer leaves.
    kiosk.get_by_text("Ask for something else").click()
    kiosk.get_by_text("A drink").first.click()
    kiosk.get_by_role("button", name="Still water").click()
    drink = phone.locator("article", has_text="Men · Room 5").filter(has_text="Drink")
    drink.get_by_role("button", name="I'm on it").click()
    drink_id = int(drink.get_attribute("data-request"))
    drink.get_by_role("button", name="At the door").click()
    expect(question).to_be_visible()
    expect(drink).to_contain_text("No answer", timeout=15000)  # KNOCK_ANSWER_SECONDS=3
    expect(question).to_have_count(0)
    drink.get_by_role("button", name="Knock again").click()
    kiosk.get_by_role("button", name="One minute, please").click()
    expect(drink).to_contain_text("“One minute, please”")
    expect(drink.get_by_role("button", name="Knock again")).to_be_enabled(timeout=10000)
    assert actions_of(server, drink_id)[2:] == [
        "knocked",
        "knock_unanswered",
        "knocked",
        "wait_a_minute",
    ]

    kiosk.get_by_text("I'm done").click()
    kiosk.get_by_role("button", name="Skip").click()
    expect(drink).to_contain_text("The customer has left — return the items")
    assert actions_of(server, drink_id)[-1] == "left"
    drink.get_by_role("button", name="OK, returning them").click()
    expect(phone.locator(f"#request-{drink_id}")).to_have_count(0)
    assert problems == []
    kiosk.context.close()
    phone.context.close()


def test_the_wall_board_is_readable_from_five_metres_on_both_screens(server, browser):
    page = pair_wall(browser, server, SCREENS[0])
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    expect(page.locator(".wall-tile--more")).to_contain_text("more")  # full: 8 tiles + "+N"
    expect(page.locator(".wall-tile.is-red").first).to_be_visible()  # past the standard
    for screen in SCREENS:
        page.set_viewport_size(screen)
        page.wait_for_timeout(200)  # layout settles
        measured = page.evaluate(MEASURE)
        smallest = MIN_TEXT_SHARE * screen["height"]
        assert len(measured["texts"]) >= 20, measured
        too_small = [t for t in measured["texts"] if t["size"] < smallest - 0.5]
        assert too_small == [], (screen, smallest, too_small)
        assert [t for t in measured["texts"] if t["outside"]] == [], screen
        assert not measured["scrolls"], screen
    assert problems == []
    page.context.close()


def test_a_wall_board_reads_only_its_board(server, browser):
    page = pair_wall(browser, server, SCREENS[0])
    for elsewhere in ("/staff/", "/staff/board", "/staff/reports", "/staff/admin", "/kiosk/"):
        page.goto(server.base_url + elsewhere)
        assert "/signin" in page.url or "/pair" in page.url, (elsewhere, page.url)
    page.goto(server.base_url + "/staff/board/wall")
    expect(page.locator("#wall")).to_be_visible()  # and still its own board, signed in by itself
    page.context.close()
