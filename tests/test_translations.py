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
    pair_tablet(client, room_named(store, "Room 1"))
    page = client.get("/kiosk/")
    client.post("/kiosk/language", data={"lang": language, "csrf_token": csrf_from(page)})
    menu = client.get("/kiosk/menu").text
    assert call in menu and f'<html lang="{language}"' in menu


def test_a_refusal_reaches_the_customer_in_their_language(client, store):
    pair_tablet(client, room_named(store, "Room 1"))
    page = client.get("/kiosk/")
    client.post("/kiosk/language", data={"lang": "ru", "csrf_token": csrf_from(page)})
    response = client.post(
        "/kiosk/requests",
        data={"kind": "drink", "item": "999"},
        headers={"X-CSRFToken": csrf_from(page), "HX-Request": "true"},
    )
    assert response.status_code == 404 and "Этого нет в меню." in response.text
