"""Nothing below the fold: on every kiosk screen, in every language, in landscape 1280×800 and
portrait 800×1280, every primary action is wholly on screen and nothing covers it — with as
many requests on the status screen as a visit may hold, plus some done and cancelled.

One server and one browser for the module; each screen is measured in both orientations.
"""

import pytest
import requests

from .browser import chromium
from .kiosk_tour import LANGUAGES, ORIENTATIONS, open_tablets, tour
from .server import LiveServer, server_env

# The primary actions of the kiosk's screens: what a customer must reach without scrolling.
PRIMARY = ", ".join(
    [
        ".topbar__back",
        ".actions .action",
        ".actions .languages__choice",
        ".welcome__start",
        ".tiles--menu .tile",
        ".tiles--instead .tile",
        ".tiles--offer .tile",
        ".faces__choice",
        ".thanks .action",
        ".pair__code",
        ".pair__submit",
        ".keypad__key",
        ".search input",
    ]
)
# How many of them each screen has in the demo store: a screen that lost its actions fails.
EXPECTED = {
    "pair": 14,  # code, Pair, twelve keys
    "welcome": 6,  # start, five languages
    "thanks": 1,
    "status": 2,  # ask for something else, I'm done
    "menu": 11,  # four tiles, my requests, I'm done, five languages
    "size": 2,  # back, search
    "item": 1,
    "instead": 5,  # back, three nearest sizes, leave it to the consultant
    "drinks": 7,
    "amenities": 7,
    "rating": 7,  # back, five faces, skip
    "rating-details": 3,  # back (change), send, skip
}
MEASURE = """selector => {
  const width = innerWidth, height = innerHeight, problems = [];
  const found = [...document.querySelectorAll(selector)];
  for (const el of found) {
    const box = el.getBoundingClientRect();
    const name = (el.innerText || el.placeholder || el.getAttribute("aria-label") || "")
      .trim().replace(/\\s+/g, " ").slice(0, 40) || el.className;
    if (box.left < -0.5 || box.top < -0.5 || box.right > width + 0.5 || box.bottom > height + 0.5
        || box.width === 0 || box.height === 0) {
      const [l, t, r, b] = [box.left, box.top, box.right, box.bottom].map(Math.round);
      problems.push(`"${name}" is not wholly on screen: ${l},${t} to ${r},${b}`);
      continue;
    }
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!hit || !(hit === el || el.contains(hit) || (el.labels && [...el.labels].includes(hit)))) {
      problems.push(`"${name}" is covered by ${hit ? hit.outerHTML.slice(0, 80) : "nothing"}`);
    }
  }
  const page = document.scrollingElement;
  if (page.scrollHeight > height + 1 || page.scrollWidth > width + 1) {
    problems.push(`the page itself scrolls: ${page.scrollWidth}×${page.scrollHeight}`);
  }
  return {count: found.length, problems};
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("fit")
    server = LiveServer(workdir, server_env(workdir)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def console():
    return []


@pytest.fixture(scope="module")
def tablets(server, console):
    def watch(page):
        page.on("console", lambda m: m.type == "error" and console.append(m.text))
        page.on("pageerror", lambda e: console.append(str(e)))
        return page

    with chromium() as browser:
        yield open_tablets(browser, server, watch)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_primary_action_is_on_screen(tablets, server, console, language):
    problems, seen = [], set()
    for screen, page in tour(tablets, server.base_url, language):
        seen.add(screen)
        for orientation, viewport in ORIENTATIONS.items():
            page.set_viewport_size(viewport)
            found = page.evaluate(MEASURE, PRIMARY)
            where = f"{screen}, {orientation}"
            if found["count"] != EXPECTED[screen]:
                problems.append(f"{where}: {found['count']} actions, not {EXPECTED[screen]}")
            problems += [f"{where}: {problem}" for problem in found["problems"]]
        page.set_viewport_size(ORIENTATIONS["landscape"])
    assert seen == set(EXPECTED)
    assert not problems, "\n".join(problems)
    assert console == []


def test_the_tablet_loads_its_scripts_compressed_and_keeps_them(tablets, server):
    """On the real eventlet server, as a tablet's browser asks for them."""
    page = tablets.busy
    page.goto(server.base_url + "/kiosk/")
    scripts = page.eval_on_selector_all("script[src]", "all => all.map(s => s.src)")
    vendor = [src for src in scripts if "/vendor/" in src]
    assert len(vendor) == 2 and all("?v=" in src for src in vendor)
    for src in vendor:
        answer = requests.get(src, headers={"Accept-Encoding": "br"}, timeout=10)
        assert answer.headers["Content-Encoding"] == "br"
        assert "immutable" in answer.headers["Cache-Control"]
        assert int(answer.headers["Content-Length"]) < len(answer.content) / 2
    html = requests.get(server.base_url + "/", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert "Content-Encoding" not in html.headers  # it carries the CSRF token: see assets.py


def test_a_pick_tapped_on_the_tablet_reaches_its_status(tablets, server, console):
    """The pick is the tapped button's value: it must ride along (the outbox keeps it too)."""
    page = tablets.fresh
    page.goto(f"{server.base_url}/kiosk/size/instead/{tablets.sold_out}")
    choice = page.locator(".tile--pick").first
    size, colour = choice.locator(".tile__size").inner_text(), choice.locator(".tile__label")
    colour = colour.inner_text()
    choice.click()
    page.wait_for_selector(".screen--status")
    assert f"you picked {colour}, size {size} instead" in page.locator("#status").inner_text()
    assert console == []
