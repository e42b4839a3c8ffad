"""What goes over the wire: the start page at `/`, compressed answers, static files kept long."""

import gzip
import re

import brotli
import pytest
from flask import url_for

from assist import assets

from .conftest import pair_tablet, room_named, sign_in

BR = {"Accept-Encoding": "br"}
GZIP = {"Accept-Encoding": "gzip"}
TOKEN = re.compile(rb'(csrf_token" value="|"X-CSRFToken": ")[^"]+')
STATIC_URL = re.compile(r'(?:src|href)="(/static/(vendor/(?:htmx|socket\.io)\.min\.js)\?v=(\w+))"')


# --- the start page --------------------------------------------------------------------------


def test_the_start_page_says_what_this_is_and_where_each_device_starts(client, store):
    page = client.get("/")
    assert page.status_code == 200
    assert "Fitting Room Assist" in page.text
    for link in ("/kiosk/pair", "/staff/", "/staff/board", "/staff/admin"):
        assert f'href="{link}"' in page.text


def test_a_paired_tablet_is_sent_to_its_kiosk(client, store):
    pair_tablet(client, room_named(store, "Room 1"))
    assert client.get("/").headers["Location"] == "/kiosk/"


@pytest.mark.parametrize(
    ("name", "secret", "home"),
    [
        ("Anna Tamm", "1111", "/staff/"),
        ("Maria Kask", "manager-demo", "/staff/board"),
        ("Admin", "admin-demo", "/staff/admin"),
    ],
)
def test_a_signed_in_person_is_sent_to_their_page(client, store, name, secret, home):
    sign_in(client, store, name, secret)
    assert client.get("/").headers["Location"] == home


# --- compression ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/kiosk/pair", "/staff/signin"])
def test_pages_carrying_a_csrf_token_are_never_compressed(client, store, url):
    """A secret compressed beside text an attacker chose leaks through the length (BREACH)."""
    for headers in (BR, GZIP):
        page = client.get(url, headers=headers)
        assert TOKEN.search(page.data)
        assert "Content-Encoding" not in page.headers


def test_a_streamed_csv_export_stays_a_stream_and_is_compressed(client, store):
    sign_in(client, store, "Maria Kask", "manager-demo")
    plain = client.get("/staff/reports/requests.csv")
    squeezed = client.get("/staff/reports/requests.csv", headers=GZIP)
    assert squeezed.is_streamed and "Content-Length" not in squeezed.headers
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(squeezed.data) == plain.data


# --- static files ------------------------------------------------------------------------------


def test_htmx_and_socketio_are_compressed_and_kept_for_a_year(client, store):
    page = client.get("/kiosk/pair").text
    found = STATIC_URL.findall(page)
    assert {name for _url, name, _v in found} == {
        "vendor/htmx.min.js",
        "vendor/socket.io.min.js",
    }
    for url, name, version in found:
        with client.application.test_request_context():
            assert version == assets.static_version(name)
        for headers, unpack in ((BR, brotli.decompress), (GZIP, gzip.decompress)):
            response = client.get(url, headers=headers)
            assert response.status_code == 200
            assert response.headers["Content-Encoding"] == next(iter(headers.values()))
            cache = response.cache_control
            assert cache.public and cache.immutable and cache.max_age == 365 * 24 * 3600
            body = unpack(response.data)
            assert len(response.data) < len(body) / 2


def test_an_unversioned_or_stale_static_url_is_revalidated(client, store):
    for url in ("/static/vendor/htmx.min.js", "/static/vendor/htmx.min.js?v=0ld"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.no_cache and not response.cache_control.immutable
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_the_version_changes_with_the_content(app, tmp_path):
    app.static_folder = str(tmp_path)
    script = tmp_path / "glue.js"
    script.write_text("console.log('one');")
    with app.test_request_context():
        first = url_for("static", filename="glue.js")
        script.write_text("console.log('two, longer');")
        second = url_for("static", filename="glue.js")
        missing = url_for("static", filename="nowhere.js")
    assert first != second and first.startswith("/static/glue.js?v=")
    assert missing == "/static/nowhere.js"
    client = app.test_client()
    assert client.get(second).cache_control.immutable
    assert client.get(first).cache_control.no_cache


def test_a_static_file_served_by_a_view_of_its_own_is_the_same(app):
    with app.test_request_context("/sw.js", headers=BR):
        response = app.send_static_file("js/live.js")
        assert response.headers["Content-Encoding"] == "br"
        assert response.cache_control.no_cache
