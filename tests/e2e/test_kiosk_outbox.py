"""The tablet outbox in a real browser: the network loses a tap; the tablet says so, sends the
same tap again with the key the server drew into its form, and exactly one request arrives."""

from urllib.parse import parse_qs

from playwright.sync_api import expect

from .browser import TABLET, chromium, watched_page

# While the network is down, Chromium and htmx log each failed send; nothing else may appear.
NETWORK_NOISE = (
    "ERR_CONNECTION_REFUSED",
    "ERR_FAILED",
    "htmx:sendError",
    "htmx:timeout",
    "htmx:afterRequest",
)


def open_menu(browser, server, room: str, problems: list):
    kiosk = watched_page(browser, TABLET, problems)
    kiosk.goto(f"{server.base_url}/kiosk/pair?code={server.pairing_codes()[room]}")
    kiosk.get_by_text("Tap to start").click()
    expect(kiosk.get_by_text("Call a consultant")).to_be_visible()
    return kiosk


def sent_key(route) -> str:
    return parse_qs(route.request.post_data)["client_key"][0]


def only_noise(problems: list) -> list:
    return [p for p in problems if not any(noise in p for noise in NETWORK_NOISE)]


def test_a_tap_lost_on_the_network_is_sent_again_and_made_once(own_server):
    problems, keys = [], []
    with chromium() as browser:
        kiosk = open_menu(browser, own_server, "Room 5", problems)
        drawn = kiosk.locator("form[data-outbox] input[name=client_key]").first.input_value()
        before = own_server.open_request_ids()

        def flaky_network(route):
            keys.append(sent_key(route))
            if len(keys) <= 2:
                route.abort("connectionrefused")
            else:
                route.continue_()

        kiosk.route("**/kiosk/requests", flaky_network)
        kiosk.get_by_text("Call a consultant").first.click()
        expect(kiosk.locator("#problem")).to_contain_text("Not sent yet")
        expect(kiosk.locator("#status")).not_to_be_attached()  # never "Sent" before an answer
        expect(kiosk.locator("#status")).to_contain_text("Sent", timeout=15000)
        expect(kiosk.locator("#problem")).not_to_contain_text("Not sent yet")
        assert kiosk.evaluate("sessionStorage.getItem('kiosk-outbox')") is None
    assert len(keys) == 3 and set(keys) == {drawn}  # every attempt carried the form's key
    assert len(own_server.open_request_ids() - before) == 1
    assert only_noise(problems) == []


def test_a_lost_answer_and_a_reload_while_offline_still_make_one_request(own_server):
    """The first attempt reaches the server but its answer is lost; the page is reloaded while
    the network is still down; once it is back, the same tap is answered with the same request."""
    problems, keys, network = [], [], {"up": False}
    with chromium() as browser:
        kiosk = open_menu(browser, own_server, "Room 4", problems)
        before = own_server.open_request_ids()

        def lossy_network(route):
            keys.append(sent_key(route))
            if network["up"]:
                route.continue_()
            elif len(keys) == 1:
                route.fetch()  # the server makes the request…
                route.abort("connectionrefused")  # …and its answer never arrives
            else:
                route.abort("connectionrefused")

        kiosk.route("**/kiosk/requests", lossy_network)
        kiosk.locator(".tile--drink").click()
        kiosk.locator(".tile--offer", has_text="Coffee").click()
        expect(kiosk.locator("#problem")).to_contain_text("Not sent yet")
        kiosk.reload()
        expect(kiosk.locator("#problem")).to_contain_text("Not sent yet")
        attempts_before_reconnect = len(keys)
        network["up"] = True
        expect(kiosk.locator("#problem")).not_to_contain_text("Not sent yet", timeout=20000)
        expect(kiosk.locator("#status")).to_contain_text("Coffee")
        assert kiosk.evaluate("sessionStorage.getItem('kiosk-outbox')") is None
    assert attempts_before_reconnect >= 2 and len(keys) > attempts_before_reconnect
    assert len(set(keys)) == 1
    assert len(own_server.open_request_ids() - before) == 1
    assert only_noise(problems) == []


def test_a_tap_the_server_does_not_answer_in_time_is_sent_again(own_server):
    """No answer at all (a dead Wi-Fi that drops nothing): the form's timeout gives up waiting."""
    problems, keys = [], []
    with chromium() as browser:
        kiosk = open_menu(browser, own_server, "Room 3", problems)
        before = own_server.open_request_ids()

        def silent_network(route):
            keys.append(sent_key(route))
            if len(keys) > 1:
                route.continue_()
            # the first attempt is left hanging: no answer, no error

        kiosk.route("**/kiosk/requests", silent_network)
        kiosk.get_by_text("Call a consultant").first.click()
        expect(kiosk.locator("#problem")).to_contain_text("Not sent yet", timeout=12000)
        expect(kiosk.locator("#status")).to_contain_text("Sent", timeout=15000)
        expect(kiosk.locator("#problem")).to_be_empty()
    assert len(keys) == 2 and len(set(keys)) == 1
    assert len(own_server.open_request_ids() - before) == 1
    assert only_noise(problems) == []
