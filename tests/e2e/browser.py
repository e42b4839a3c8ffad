"""Debian's Chromium driven by Playwright (its own browser download does not work here)."""

from contextlib import contextmanager

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@contextmanager
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watched_page(browser, viewport, problems: list):
    """A page whose console errors and page errors (CSP violations among them) are collected."""
    page = browser.new_context(viewport=viewport).new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


def sign_in(page, base_url, name, secret):
    page.goto(base_url + "/staff/signin")
    page.fill("#name", name)
    page.fill("#secret", secret)
    page.click("button:has-text('Sign in')")
