"""axe-core in Chromium over every page a customer or a staff member opens, in two languages:
no serious or critical violation.

axe comes from npm (package.json) and is read from node_modules/: it is injected by the test
only, never served to the pages. The strict CSP (no inline script) would block the injected
script, so only these browser contexts bypass the CSP.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .browser import DESKTOP, PHONE, TABLET, chromium
from .clients import Handheld, Tablet

AXE_SOURCE = (
    Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
).read_text()
PAIRING_CODE = re.compile(r'class="pairing-code__digits">(\d{6})<')
SERIOUS = ("serious", "critical")
# Moderate in axe, but the issue asks for it: every page has a level-one heading.
ALSO = ("page-has-heading-one",)
# A screen fading in has its text at part opacity: measure contrast once it has arrived.
SETTLED = """() => Promise.all(document.getAnimations()
    .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity)
    .map(a => a.finished.catch(() => null)))"""
LOCALES = {"en": "en-GB", "ru": "ru-RU"}
BACK_OFFICE = [
    "/staff/",
    "/staff/board",
    "/staff/reports",
    "/staff/admin",
    "/staff/admin/staff",
    "/staff/admin/menus",
    "/staff/admin/catalogue",
    "/staff/admin/standards",
    "/staff/admin/audit",
    "/staff/admin/boards",
    "/staff/board/wall",
    "/staff/no-such-page",
]
KIOSK_PAGES = [
    "/kiosk/size",
    "/kiosk/size/items?category=Jeans",
    "/kiosk/size/items/JN-501",
    "/kiosk/drinks",
    "/kiosk/amenities",
]


@pytest.fixture(scope="module")
def store_in_use(live_server):
    """The shared server's store, mid-shift: a request waiting, one being handled, a visit rated
    2 (a service-recovery case, a tidy task, figures for the reports). Afterwards the visits
    end, the staff go off duty and back to the store's language, as the next tests expect."""
    server = live_server
    maria = Handheld(server.base_url).sign_in("Maria Kask", "manager-demo")
    boris = Handheld(server.base_url).sign_in("Boris Ivanov", "2222")
    anna = Handheld(server.base_url).sign_in("Anna Tamm", "1111")

    def pairing_code(room: int) -> str:
        return PAIRING_CODE.search(maria.post(f"/staff/admin/rooms/{room}/pairing-code").text)[1]

    # The kiosk pages take rooms 4 (en) and 5 (ru), from their welcome: end whatever visit an
    # earlier test left there (each tablet paired takes a code; the browsers get fresh ones).
    for room in (4, 5):
        ending = Tablet(server.base_url).pair(pairing_code(room))
        assert ending.post("/kiosk/visit/end").status_code < 500
        ending.disconnect()
    server.codes = [pairing_code(room) for room in range(1, 6)]  # rooms 1-5 of the demo store
    tablets = [Tablet(server.base_url).pair(code) for code in server.codes[:3]]
    try:
        before = boris.queue_ids()
        for tablet in tablets:
            tablet.ask("consultant")
        mine = sorted(boris.queue_ids() - before)
        boris.post(f"/staff/requests/{mine[-2]}/claim")
        boris.post(f"/staff/requests/{mine[-1]}/claim")
        boris.post(f"/staff/requests/{mine[-1]}/complete")
        tablets[2].post("/kiosk/rating", {"score": 2, "reasons": "had_to_wait", "nps": 3})
        yield server
    finally:
        for tablet in tablets[:2]:
            tablet.post("/kiosk/visit/end")
        for member in (boris, maria, anna):
            member.post("/staff/language", {"language": ""})
            member.post("/staff/duty", {"duty": "off"})
        for device in (*tablets, boris, maria, anna):
            device.disconnect()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def violations(page) -> list[str]:
    """Serious and critical findings on the page as it stands, one line each."""
    page.wait_for_load_state("load")
    page.evaluate(SETTLED)
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{page.url} [{v['impact']}] {v['id']}: {v['help']} — "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in found
        if v["impact"] in SERIOUS or v["id"] in ALSO
    ]


def context(browser, viewport, language):
    """A browser context that loads axe into every page it opens (the test's pages only)."""
    made = browser.new_context(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
    made.add_init_script(script=AXE_SOURCE)
    return made


def speak(page, language: str) -> None:
    """The language switch in the staff header; the page is drawn again in that language.

    htmx listens for the switch's change only once the page has loaded."""
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.locator(".language-switch select:visible").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_no_serious_accessibility_problem_on_any_page(store_in_use, browser, language):
    base = store_in_use.base_url
    found = []

    kiosk = context(browser, TABLET, language).new_page()
    kiosk.goto(base + "/kiosk/pair")
    found += violations(kiosk)
    code = store_in_use.codes[{"en": 3, "ru": 4}[language]]
    kiosk.goto(f"{base}/kiosk/pair?code={code}")
    kiosk.locator(f".languages__choice[lang='{language}']").click()
    expect(kiosk.locator("html")).to_have_attribute("lang", language)
    found += violations(kiosk)  # welcome
    kiosk.locator(".welcome__start").click()
    expect(kiosk.locator(".tile--consultant")).to_be_visible()
    found += violations(kiosk)  # the menu
    for path in KIOSK_PAGES:
        kiosk.goto(base + path)
        found += violations(kiosk)
    kiosk.locator(".tile--offer").first.click()  # a drink: the status screen follows
    expect(kiosk.locator("#status")).to_be_visible()
    found += violations(kiosk)
    kiosk.goto(base + "/kiosk/rating")
    found += violations(kiosk)
    kiosk.goto(base + "/kiosk/rating/2")
    found += violations(kiosk)
    kiosk.locator(".action--primary").click()
    expect(kiosk.locator("#screen")).to_have_class(re.compile("thanks"))
    found += violations(kiosk)
    kiosk.context.close()

    handheld = context(browser, PHONE, language).new_page()
    for path in ("/", "/staff/board/pair", "/staff/signin"):  # nobody signed in yet
        handheld.goto(base + path)
        found += violations(handheld)
    sign_in(handheld, "Anna Tamm", "1111")
    speak(handheld, language)
    expect(handheld.locator(".ticket").first).to_be_visible()
    found += violations(handheld)
    handheld.context.close()

    office = context(browser, DESKTOP, language).new_page()
    office.goto(base + "/staff/signin")
    sign_in(office, "Maria Kask", "manager-demo")
    speak(office, language)
    for path in BACK_OFFICE:
        office.goto(base + path)
        expect(office.locator("html")).to_have_attribute("lang", language)
        found += violations(office)
    office.context.close()

    assert found == [], "\n".join(found)


def sign_in(page, name: str, secret: str) -> None:
    page.fill("#name", name)
    page.fill("#secret", secret)
    page.locator("#signin button").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
