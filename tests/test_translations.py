"""The kiosk speaks English, Estonian, Russian, Ukrainian and Chinese."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from .conftest import csrf_from, pair_tablet, room_named

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["et", "ru", "uk", "zh"]
KIOSK_SOURCES = [("kiosk/**.py", "python"), ("templates/kiosk/**.html", "jinja2")]


def kiosk_messages() -> set:
    found = extract_from_dir(
        str(ROOT),
        method_map=KIOSK_SOURCES,
        keywords={"_": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)},
    )
    return {message for _file, _line, message, _comments, _context in found}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kiosk_message_is_translated(language):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    untranslated = []
    for message in kiosk_messages():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        strings = (
            entry.string if entry and isinstance(entry.string, tuple) else (entry and entry.string,)
        )
        if not entry or not all(strings):
            untranslated.append(key)
    assert untranslated == []


def translated(language: str, message: str) -> str:
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)[message].string


def choose_language(client, store, language: str) -> str:
    """Pair Room 1 and tap the language; returns the CSRF token for further taps."""
    pair_tablet(client, room_named(store, "Room 1"))
    token = csrf_from(client.get("/kiosk/"))
    client.post("/kiosk/language", data={"lang": language, "csrf_token": token})
    return token


@pytest.mark.parametrize(
    ("language", "call"),
    [
        ("et", "Kutsu konsultant"),
        ("ru", "Позвать консультанта"),
        ("uk", "Покликати консультанта"),
        ("zh", "呼叫顾问"),
    ],
)
def test_the_customer_switches_language(client, store, language, call):
    choose_language(client, store, language)
    welcome = client.get("/kiosk/").text
    assert translated(language, "Tap to start") in welcome
    assert (
        f'<html lang="{language}"' in welcome
        and f'<main id="screen" class="screen screen--welcome" lang="{language}"' in welcome
    )
    menu = client.get("/kiosk/menu").text
    assert call in menu and f'<html lang="{language}"' in menu
    assert "Call a consultant" not in menu


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tablet_says_in_the_customers_language_that_a_tap_is_not_sent_yet(
    client, store, language
):
    choose_language(client, store, language)
    page = client.get("/kiosk/menu").text
    assert translated(language, "Not sent yet — trying again…") in page
    message = "If nothing happens in a minute, please step out and ask any consultant."
    assert translated(language, message) in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refusal_reaches_the_customer_in_their_language(client, store, language):
    token = choose_language(client, store, language)
    response = client.post(
        "/kiosk/requests",
        data={"kind": "drink", "item": "999"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 404
    assert translated(language, "That is not on the menu.") in response.text
    assert "That is not on the menu." not in response.text


def test_the_rate_limit_speaks_the_customers_language(app, client, store):
    app.config["TABLET_REQUEST_RATE"] = "1 per minute"
    token = choose_language(client, store, "uk")
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    answers = [
        client.post("/kiosk/requests", data={"kind": "consultant"}, headers=headers)
        for _ in range(2)
    ]
    assert answers[-1].status_code == 429
    tap_limit = "That was a lot of taps. Please wait a moment; a consultant has your requests."
    assert translated("uk", tap_limit) in answers[-1].text


def test_a_rating_out_of_range_is_refused_in_the_customers_language(client, store):
    choose_language(client, store, "zh")
    response = client.get("/kiosk/rating/9", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert translated("zh", "Please choose one of the five faces.") in response.text
