"""The story in two browsers, as people play it: no reloads, no console errors."""

import time

from playwright.sync_api import expect

from .browser import PHONE, TABLET, chromium, sign_in, watched_page
from .clients import Tablet

# In the tablet's page, in order: the tidy nudges it hears (before live.js acts on them) and the
# re-reads of its status and knock slot that htmx starts.
WATCH_REREADS = """
window.seen = [];
window.liveSocket.prependAny((name, p) => p && p.kind === "tidy" && seen.push("tidy " + p.action));
document.body.addEventListener("htmx:beforeRequest", event => {
  const path = event.detail.requestConfig.path;
  if (path === "/kiosk/status" || path === "/kiosk/knock") seen.push("GET " + path);
});
"""


def test_kiosk_and_handheld_follow_each_other_live(own_server):
    problems = []
    code = own_server.pairing_codes()["Room 2"]
    with chromium() as browser:
        kiosk = watched_page(browser, TABLET, problems)
        kiosk.goto(f"{own_server.base_url}/kiosk/pair?code={code}")
        kiosk.get_by_text("Tap to start").click()
        kiosk.wait_for_function("() => window.liveSocket && window.liveSocket.connected")
        kiosk.evaluate(WATCH_REREADS)

        phone = watched_page(browser, PHONE, problems)
        sign_in(phone, own_server.base_url, "Anna Tamm", "1111")
        phone.get_by_text("On duty").click()
        expect(phone.locator("#duty .is-chosen")).to_have_text("On duty")

        kiosk.get_by_text("Call a consultant").first.click()
        expect(kiosk.locator("#status")).to_contain_text("Sent")

        card = phone.locator("article", has_text="Women · Room 2")
        expect(card).to_be_visible()  # arrived without a reload
        card.get_by_role("button", name="I'm on it").click()
        expect(kiosk.locator("#status")).to_contain_text("Anna is on the way")

        phone.locator("article", has_text="Women · Room 2").get_by_role(
            "button", name="Done"
        ).click()
        expect(kiosk.locator("#status")).to_contain_text("Done")
        # The claim and the completion re-read the status; no knock came, so the knock slot
        # was left alone.
        assert "GET /kiosk/status" in kiosk.evaluate("seen")

        # The customer leaves; the room's tidy task is staff work, and the tablet re-reads
        # nothing for it, though it hears its nudges.
        kiosk.get_by_text("I'm done").click()
        kiosk.get_by_role("button", name="Skip").click()
        tidy = phone.locator("article", has_text="Tidy")
        tidy.get_by_role("button", name="I'm on it").click()
        tidy.get_by_role("button", name="Done").click()
        kiosk.wait_for_function("() => seen.includes('tidy completed')")
        kiosk.wait_for_timeout(500)  # a re-read would have started within 100 ms
        seen = kiosk.evaluate("seen")
        since_tidy = seen[seen.index("tidy created") :]
        assert [x for x in since_tidy if x.startswith("tidy")] == [
            "tidy created",
            "tidy claimed",
            "tidy completed",
        ]
        assert [x for x in since_tidy if x.startswith("GET")] == []
        assert "GET /kiosk/knock" not in seen
    assert problems == []


def test_a_handheld_confirms_requests_it_finds_on_loading(own_server):
    """Receipts are not only for pushed requests: one already waiting is confirmed on sight."""
    tablet = Tablet(own_server.base_url).pair(own_server.pairing_codes()["Room 3"])
    tablet.ask("consultant")
    (request_id,) = own_server.open_request_ids()
    problems = []
    with chromium() as browser:
        phone = watched_page(browser, PHONE, problems)
        sign_in(phone, own_server.base_url, "Anna Tamm", "1111")
        expect(phone.locator(f"#request-{request_id}")).to_be_visible()
        deadline = time.monotonic() + 10
        while own_server.receipts_of(request_id) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert own_server.receipts_of(request_id) == 1
    assert problems == []


def test_a_tap_before_the_scripts_ran_is_never_lost(own_server):
    """On a slow handheld the page shows before its scripts run. A tap on *On duty* then must
    still be sent; a card's buttons take no tap until it can be sent (greyed), then do. The test
    holds htmx back until after the taps."""
    Tablet(own_server.base_url).pair(own_server.pairing_codes()["Room 3"]).ask("consultant")
    held = []
    with chromium() as browser:
        phone = browser.new_page(viewport=PHONE)
        phone.goto(own_server.base_url + "/staff/signin")
        phone.fill("#name", "Anna Tamm")
        phone.fill("#secret", "1111")
        phone.route("**/vendor/htmx.min.js*", lambda route: held.append(route))
        phone.click("button:has-text('Sign in')")
        phone.get_by_text("On duty").click()  # htmx is not there yet
        card = phone.locator("article", has_text="Women · Room 3")
        claim = card.get_by_role("button", name="I'm on it")
        assert claim.evaluate("button => getComputedStyle(button).pointerEvents") == "none"
        assert held, "htmx was not held back: the taps came after the scripts"
        for route in held:
            route.continue_()
        expect(phone.locator("#duty .is-chosen")).to_have_text("On duty")
        claim.click()
        expect(card).to_contain_text("You are on it")
        phone.reload()
        expect(phone.locator("#duty .is-chosen")).to_have_text("On duty")  # saved, not only shown
