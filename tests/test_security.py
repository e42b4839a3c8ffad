"""Security that holds for every page: the secret key, headers, cookies, CSRF."""

import pytest

from assist import create_app, demo
from assist.config import DEV_SECRET, Config, TestConfig
from assist.extensions import db

from .conftest import csrf_from, pair_tablet, room_named


def test_refuses_to_start_with_the_development_secret_outside_debug():
    config = type(
        "Production", (Config,), {"SECRET_KEY": DEV_SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


@pytest.mark.parametrize("path", ["/kiosk/pair", "/staff/signin", "/kiosk/", "/no-such-page"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client, store):
    pair_tablet(client, room_named(store, "Room 1"))
    for path in ["/kiosk/", "/kiosk/pair", "/staff/signin"]:
        html = client.get(path).text
        assert "<script>" not in html and " style=" not in html and "<style" not in html


def test_cookies_are_httponly_and_samesite(client, store):
    response = pair_tablet(client, room_named(store, "Room 1"))
    cookies = response.headers.getlist("Set-Cookie")
    tablet = next(c for c in cookies if c.startswith("fra_tablet="))
    assert "HttpOnly" in tablet and "SameSite=Lax" in tablet and "Secure" not in tablet


def test_cookies_are_secure_behind_tls():
    config = type("Tls", (TestConfig,), {"SESSION_COOKIE_SECURE": True})
    app = create_app(config)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        response = pair_tablet(client, room_named(demo.seed(), "Room 1"))
        assert all("Secure" in c for c in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("path", ["/kiosk/pair", "/staff/signin"])
def test_a_post_without_csrf_token_is_refused_plainly(client, path):
    client.get(path)
    response = client.post(path, data={"code": "123456", "name": "Anna Tamm", "secret": "1111"})
    assert response.status_code == 400
    assert "reload" in response.text.lower() and "Traceback" not in response.text


def test_an_htmx_post_with_the_token_from_the_page_passes_csrf(client, store):
    page = client.get("/kiosk/pair")
    response = client.post(
        "/kiosk/pair",
        data={"code": "000000"},
        headers={"X-CSRFToken": csrf_from(page), "HX-Request": "true"},
    )
    assert response.status_code != 400
