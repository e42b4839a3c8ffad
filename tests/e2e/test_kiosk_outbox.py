"""The tablet outbox in a real browser: the network drops a tap twice; the tablet says so,
tries again with the same key, and exactly one request arrives."""

from playwright.sync_api import expect

from .browser import TABLET, chromium, watched_page


def test_a_tap_lost_on_the_network_is_sent_again_and_made_once(own_server):
    code = own_server.pairing_codes()["Room 5"]
    problems, attempts, keys = [], [], []
    with chromium() as browser:
        kiosk = watched_page(browser, TABLET, problems)
        kiosk.goto(f"{own_server.base_url}/kiosk/pair?code={code}")
        kiosk.get_by_text("Tap to start").click()
        before = own_server.open_request_ids()

        def flaky_network(route):
            attempts.append(1)
            keys.append(route.request.post_data)
            if len(attempts) <= 2:
                route.abort("connectionrefused")
            else:
                route.continue_()

        kiosk.route("**/kiosk/requests", flaky_network)
        kiosk.get_by_text("Call a consultant").first.click()
        expect(kiosk.locator("#problem")).to_contain_text("Not sent yet")
        expect(kiosk.locator("#status")).to_contain_text("Sent", timeout=15000)
        expect(kiosk.locator("#problem")).not_to_contain_text("Not sent yet")
    new = own_server.open_request_ids() - before
    assert len(attempts) == 3 and len(new) == 1
    sent_keys = {
        part for body in keys for part in body.split("&") if part.startswith("client_key=")
    }
    assert len(sent_keys) == 1  # every attempt carried the same key
    # While the network is down, Chromium and htmx log each failed send; nothing else may appear.
    expected = ("ERR_CONNECTION_REFUSED", "htmx:sendError", "htmx:afterRequest")
    assert [p for p in problems if not p.startswith(expected) and expected[0] not in p] == []
