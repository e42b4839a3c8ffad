"""The tablet outbox in a real browser: an answer that is neither a success nor the server's
deliberate refusal (a 500 while the database or the rate-limit store is down) saved nothing,
so the tap goes again with the same key, and the customer is told, as for a lost network."""

from urllib.parse import parse_qs

from playwright.sync_api import expect

from .browser import TABLET, chromium, watched_page

# Chromium logs the failed answer; htmx logs its response error. Nothing else may appear.
SERVER_ERROR_NOISE = ("status of 500", "htmx:responseError", "htmx:afterRequest")


def start_visit(browser, server, code: str, problems: list):
    kiosk = watched_page(browser, TABLET, problems)
    kiosk.goto(f"{server.base_url}/kiosk/pair?code={code}")
    kiosk.get_by_text("Tap to start").click()
    return kiosk


def test_only_a_success_or_a_deliberate_refusal_settles_a_tap(own_server):
    """One server for both halves: starting one is the slow part."""
    problems, keys, codes = [], [], own_server.pairing_codes()
    with chromium() as browser:
        kiosk = start_visit(browser, own_server, codes["Room 5"], problems)
        before = own_server.open_request_ids()

        def failing_server(route):
            keys.append(parse_qs(route.request.post_data)["client_key"][0])
            if len(keys) == 1:
                route.fulfill(status=500, content_type="text/html", body="<p>Server error</p>")
            else:
                route.continue_()

        kiosk.route("**/kiosk/requests", failing_server)
        kiosk.get_by_text("Call a consultant").first.click()
        expect(kiosk.locator("#problem")).to_contain_text("Not sent yet")
        expect(kiosk.locator("#status")).to_contain_text("Sent", timeout=15000)
        expect(kiosk.locator("#problem")).not_to_contain_text("Not sent yet")
        assert kiosk.evaluate("sessionStorage.getItem('kiosk-outbox')") is None
        assert len(keys) == 2 and keys[0] == keys[1]  # sent again, with the same key
        assert len(own_server.open_request_ids() - before) == 1

        # A refusal of the server's own (X-Refused) is shown, and the tap is settled.
        refused = []
        kiosk = start_visit(browser, own_server, codes["Room 4"], problems)

        def refusing_server(route):
            refused.append(route.request.post_data)
            route.fulfill(
                status=429,
                content_type="text/html",
                headers={"X-Refused": "1"},
                body='<div class="problem__message"><p>That was a lot of taps.</p></div>',
            )

        kiosk.route("**/kiosk/requests", refusing_server)
        kiosk.get_by_text("Call a consultant").first.click()
        expect(kiosk.locator("#problem")).to_contain_text("That was a lot of taps")
        kiosk.wait_for_function("sessionStorage.getItem('kiosk-outbox') === null")
        expect(kiosk.locator("#problem")).not_to_contain_text("Not sent yet")
    assert len(refused) == 1
    noise = SERVER_ERROR_NOISE + ("status of 429",)
    assert [p for p in problems if not any(n in p for n in noise)] == []
