"""Every screen speaks the reader's language: the kiosk the customer's, staff screens the staff
member's (or the store's). The catalogs are complete, consistent with the code, and compile."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from assist.extensions import db
from assist.models import Role, StaffMember, Store

from .conftest import csrf_from, outsider, pair_tablet, room_named, sign_in, staff_named

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["et", "ru", "uk", "zh"]
# The same keywords scripts/i18n.sh extracts with (Babel's defaults, plus the lazy ones).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def method_map() -> list:
    """What babel.cfg says to extract from: the one list the script and this test share."""
    with open(ROOT / "babel.cfg") as cfg:
        return parse_mapping_cfg(cfg)[0]


def app_messages() -> dict:
    """msgid (a tuple for plurals) → the first file that uses it, from every template and every
    Python module of the app."""
    found = extract_from_dir(str(ROOT), method_map=method_map(), keywords=KEYWORDS)
    messages = {}
    for filename, _line, message, _comments, _context in found:
        messages.setdefault(message, filename)
    return messages


def catalog(language: str):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, abort_invalid=True)


def _forms(entry) -> tuple:
    return entry.string if isinstance(entry.string, tuple) else (entry.string,)


def test_babel_cfg_covers_every_package_and_template_of_the_app():
    patterns = {pattern for pattern, _method in method_map()}
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in ("tests", "bench", "migrations")
    }
    assert {f"{package}/**.py" for package in packages} <= patterns
    assert "templates/**.html" in patterns


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_staff_and_kiosk_message_is_translated(language):
    """Fails on any string a person reads that the catalog lacks or leaves empty. After adding
    strings, `make translations` lists them with an empty msgstr to fill in."""
    translations = catalog(language)
    untranslated = []
    for message, filename in app_messages().items():
        key = message[0] if isinstance(message, tuple) else message
        entry = translations.get(key)
        if entry is None or entry.fuzzy or not all(_forms(entry)):
            untranslated.append(f"{filename}: {key}")
    assert sorted(untranslated) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_english(language):
    """%(name)s must survive translation, and a literal % must be written %% wherever the
    English has one (templates format every string), never where it has none."""
    wrong = []
    for entry in catalog(language):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        wanted = set().union(*(PLACEHOLDER.findall(text) for text in ids))
        # A plural form may leave out the count only where the English singular does ("My request").
        needed = set(PLACEHOLDER.findall(ids[0])) if len(ids) > 1 else wanted
        for text in _forms(entry):
            if not text:
                continue
            if "%" not in ids[-1]:
                if "%" in text:
                    wrong.append((ids[0], text))
                continue
            try:
                text % dict.fromkeys(wanted, 1)
            except (KeyError, ValueError, TypeError):
                wrong.append((ids[0], text))
                continue
            if not needed <= set(PLACEHOLDER.findall(text)) <= wanted:
                wrong.append((ids[0], text))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_compiles(language):
    translations = catalog(language)
    problems = [(message.id, errors) for message, errors in translations.check()]
    assert problems == []
    compiled = io.BytesIO()
    write_mo(compiled, translations)
    assert compiled.getbuffer().nbytes > 0


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


# --- staff screens ------------------------------------------------------------------------------


def speak(member: StaffMember, language: str | None) -> None:
    member.language = language
    db.session.commit()


def test_a_consultant_reads_the_handheld_in_their_own_language(client, store):
    speak(staff_named(store, "Anna Tamm"), "ru")
    sign_in(client, store, "Anna Tamm", "1111")
    page = client.get("/staff/").text
    assert '<html lang="ru"' in page
    assert translated("ru", "Sign out") in page and "Sign out" not in page
    assert translated("ru", "No one is waiting. New requests appear here at once.") in page


def test_staff_who_chose_no_language_read_the_stores(client, store):
    store.language = "et"
    db.session.commit()
    sign_in(client, store, "Boris Ivanov", "2222")
    page = client.get("/staff/").text
    assert '<html lang="et"' in page and translated("et", "On duty") in page


def test_the_switch_in_the_header_redraws_the_page_in_the_chosen_language(client, store):
    sign_in(client, store, "Anna Tamm", "1111")
    page = client.get("/staff/")
    assert 'name="language"' in page.text
    response = client.post(
        "/staff/language",
        data={"language": "uk"},
        headers={"X-CSRFToken": csrf_from(page), "HX-Request": "true"},
    )
    assert response.status_code == 204 and response.headers["HX-Refresh"] == "true"
    assert staff_named(store, "Anna Tamm").language == "uk"
    assert '<html lang="uk"' in client.get("/staff/").text
    client.post("/staff/language", data={"language": "", "csrf_token": csrf_from(page)})
    assert staff_named(store, "Anna Tamm").language is None  # back to the store's
    assert '<html lang="en"' in client.get("/staff/").text


@pytest.mark.parametrize("bad", ["xx", "de", "ru\x00", "e" * 200])
def test_a_language_not_offered_is_refused_and_nothing_changes(client, store, bad):
    speak(staff_named(store, "Anna Tamm"), "et")
    sign_in(client, store, "Anna Tamm", "1111")
    token = csrf_from(client.get("/staff/"))
    response = client.post("/staff/language", data={"language": bad, "csrf_token": token})
    assert response.status_code in (400, 422)  # a NUL is refused by the form layer itself
    assert staff_named(store, "Anna Tamm").language == "et"
    if bad.isalpha() and len(bad) < 10:
        assert translated("et", "Choose one of the languages in the list.") in response.text


def test_a_manager_chooses_a_consultants_language_and_the_stores(client, store):
    sign_in(client, store, "Maria Kask", "manager-demo")
    page = client.get("/staff/admin/staff")
    token = csrf_from(page)
    anna = staff_named(store, "Anna Tamm")
    assert f'action="/staff/admin/staff/{anna.id}/language"' in page.text
    response = client.post(
        f"/staff/admin/staff/{anna.id}/language", data={"language": "zh", "csrf_token": token}
    )
    assert response.status_code == 303 and staff_named(store, "Anna Tamm").language == "zh"
    response = client.post(
        "/staff/admin/store/language", data={"language": "et", "csrf_token": token}
    )
    assert response.status_code == 303 and db.session.get(Store, store.id).language == "et"
    assert '<html lang="et"' in client.get("/staff/admin/staff").text  # Maria chose none


def test_a_manager_may_not_choose_for_an_admin_nor_for_another_store(client, store):
    sign_in(client, store, "Maria Kask", "manager-demo")
    token = csrf_from(client.get("/staff/admin/staff"))
    admin = db.session.scalar(
        select(StaffMember).where(StaffMember.store_id == store.id, StaffMember.role == Role.ADMIN)
    )
    stranger = outsider()
    for member in (admin, stranger):
        response = client.post(
            f"/staff/admin/staff/{member.id}/language", data={"language": "ru", "csrf_token": token}
        )
        assert response.status_code in (404, 422)
        assert db.session.get(StaffMember, member.id).language is None


def test_a_consultant_may_not_change_the_stores_language(client, store):
    sign_in(client, store, "Anna Tamm", "1111")
    token = csrf_from(client.get("/staff/"))
    response = client.post(
        "/staff/admin/store/language", data={"language": "zh", "csrf_token": token}
    )
    assert response.status_code == 403 and db.session.get(Store, store.id).language == "en"


def test_the_domains_refusals_reach_staff_in_their_language(client, store):
    speak(staff_named(store, "Anna Tamm"), "uk")
    sign_in(client, store, "Anna Tamm", "1111")
    token = csrf_from(client.get("/staff/"))
    response = client.post(
        "/staff/requests/999/claim", headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == 404
    assert translated("uk", "No such request in your store.") in response.text


def test_a_wrong_sign_in_is_told_in_the_browsers_language(client, store):
    page = client.get("/staff/signin", headers={"Accept-Language": "ru,en;q=0.5"})
    assert '<html lang="ru"' in page.text
    response = client.post(
        "/staff/signin",
        data={"store": store.id, "name": "Anna Tamm", "secret": "0000"},
        headers={"Accept-Language": "ru,en;q=0.5", "X-CSRFToken": csrf_from(page)},
    )
    assert response.status_code == 401
    assert translated("ru", "Name or PIN/password is wrong.") in response.text


def test_the_customers_pick_stays_on_the_tablet(client, store):
    """One browser as tablet and handheld: the tablet keeps the customer's language, the staff
    pages keep the member's."""
    speak(staff_named(store, "Anna Tamm"), "et")
    choose_language(client, store, "zh")
    sign_in(client, store, "Anna Tamm", "1111")
    assert '<html lang="et"' in client.get("/staff/").text
    assert '<html lang="zh"' in client.get("/kiosk/").text
