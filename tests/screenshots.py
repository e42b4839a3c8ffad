"""`python -m tests.screenshots`: play a short story on a fresh server and photograph it for the
README (docs/screenshots/*.png)."""

import tempfile
from pathlib import Path

from tests.e2e import kiosk_tour
from tests.e2e.browser import DESKTOP, TABLET, chromium, sign_in, watched_page
from tests.e2e.server import ROOT, LiveServer, server_env
from tests.e2e.stories import pair_wall

OUT = ROOT / "docs" / "screenshots"
HANDHELD = {"width": 360, "height": 640}  # the size the handheld is designed for


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for story in (photograph, photograph_kiosk_screens):
        with tempfile.TemporaryDirectory() as workdir:
            server = LiveServer(Path(workdir), server_env(Path(workdir))).start()
            try:
                story(server)
            finally:
                server.stop()
    print(f"screenshots written to {OUT}")


def photograph(server: LiveServer) -> None:
    problems: list[str] = []
    codes = server.pairing_codes()
    with chromium() as browser:
        kiosks = {room: kiosk(browser, server, codes[room], problems) for room in codes}
        shoot(kiosks["Room 1"], "kiosk-menu")
        ask_for_size(kiosks["Room 3"])
        shoot(kiosks["Room 3"], "kiosk-size")
        kiosks["Room 3"].get_by_role("link", name="28 Not in stock").first.click()
        shoot(kiosks["Room 3"], "kiosk-instead")
        kiosks["Room 3"].locator(".tile--pick").first.click()
        kiosks["Room 5"].get_by_text("A drink").first.click()
        kiosks["Room 5"].get_by_text("Champagne").click()
        kiosks["Room 4"].get_by_text("Something for the room").first.click()
        kiosks["Room 4"].get_by_text("Foot covers").click()
        kiosks["Room 1"].get_by_text("Call a consultant").first.click()
        kiosks["Room 2"].get_by_text("Call a consultant").first.click()

        phone = watched_page(browser, HANDHELD, problems)
        sign_in(phone, server.base_url, "Anna Tamm", "1111")
        shoot(phone, "handheld-sound-off")
        phone.get_by_text("On duty").click()
        phone.locator("article", has_text="Room 1").get_by_role("button", name="I'm on it").click()
        phone.wait_for_timeout(800)
        phone.evaluate("window.scrollTo(0, 0)")
        shoot(phone, "handheld-queue")
        kiosks["Room 1"].wait_for_timeout(500)
        shoot(kiosks["Room 1"], "kiosk-status-claimed")

        manager = watched_page(browser, DESKTOP, problems)
        sign_in(manager, server.base_url, "Maria Kask", "manager-demo")
        manager.goto(server.base_url + "/staff/board")
        manager.wait_for_timeout(800)
        shoot(manager, "board", full_page=True)
        manager.goto(server.base_url + "/staff/admin")
        shoot(manager, "admin-rooms", full_page=True)
        photograph_knock_and_wall(browser, server, kiosks["Room 1"], phone)
        handheld_offline(phone, server)
    problems = [p for p in problems if "ERR_INTERNET_DISCONNECTED" not in p]  # while offline
    if problems:
        raise SystemExit(f"the pages reported errors: {problems}")


def handheld_offline(phone, server) -> None:
    """The network is gone: the service worker shows the last queue, marked."""
    phone.evaluate("navigator.serviceWorker.ready")
    phone.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.reload()  # through the worker, which keeps it
    phone.wait_for_timeout(800)
    phone.context.set_offline(True)
    phone.reload()
    phone.wait_for_selector("#offline-since:not([hidden])")
    shoot(phone, "handheld-offline")
    phone.context.set_offline(False)


def photograph_knock_and_wall(browser, server, tablet, phone) -> None:
    """Knock first on both devices (Anna is on Room 1's call); the customer leaves; the wall."""
    card = phone.locator("article", has_text="Room 1").filter(has_text="You are on it").first
    card = phone.locator(f"#request-{card.get_attribute('data-request')}")
    card.get_by_role("button", name="At the door").click()
    tablet.locator(".knock-question").wait_for()
    phone.evaluate("window.scrollTo(0, 0)")
    shoot(phone, "handheld-knocking")
    shoot(tablet, "kiosk-knock")
    tablet.get_by_role("button", name="Come in").click()
    card.get_by_text("“Come in”").wait_for()
    phone.evaluate("window.scrollTo(0, 0)")
    shoot(phone, "handheld-knock-answer")
    tablet.get_by_text("I'm done").click()
    tablet.get_by_role("button", name="Skip").click()
    card.get_by_text("The customer has left").wait_for()
    phone.evaluate("window.scrollTo(0, 0)")
    shoot(phone, "handheld-left")
    wall = pair_wall(browser, server, {"width": 1920, "height": 1080})
    wall.wait_for_timeout(800)
    shoot(wall, "wall-board")


# The tablet's screens at their fullest, in both orientations: a visit holding as many
# requests as it may, and the longest rating form (Russian).
KIOSK_SCREENS = {
    ("en", "status"): ("kiosk-status-full", ("landscape", "portrait")),
    ("ru", "rating-details"): ("kiosk-rating-ru", ("landscape", "portrait")),
}


def photograph_kiosk_screens(server: LiveServer) -> None:
    """On a server of their own: the tour needs rooms where no visit has begun."""
    problems: list[str] = []

    def watch(page):
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        return page

    with chromium() as browser:
        tablets = kiosk_tour.open_tablets(browser, server, watch)
        photograph_tour(tablets, server)
    if problems:
        raise SystemExit(f"the kiosk reported errors: {problems}")


def photograph_tour(tablets, server: LiveServer) -> None:
    for language in sorted({language for language, _screen in KIOSK_SCREENS}):
        for screen, page in kiosk_tour.tour(tablets, server.base_url, language):
            name, orientations = KIOSK_SCREENS.get((language, screen), (None, ()))
            for orientation in orientations:
                page.set_viewport_size(kiosk_tour.ORIENTATIONS[orientation])
                shoot(page, f"{name}-{orientation}")
            page.set_viewport_size(kiosk_tour.LANDSCAPE)


def kiosk(browser, server, code, problems):
    page = watched_page(browser, TABLET, problems)
    page.goto(f"{server.base_url}/kiosk/pair?code={code}")
    page.get_by_text("Tap to start").click()
    return page


def ask_for_size(page) -> None:
    page.get_by_text("Another size or colour").first.click()
    page.get_by_text("Slim jeans").first.click()
    page.wait_for_timeout(300)


def shoot(page, name: str, full_page: bool = False) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)


if __name__ == "__main__":
    main()
