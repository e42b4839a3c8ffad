"""Fixtures: an app built from the factory on a fresh database, the demo store, and helpers
for the two kinds of device: a paired tablet and a signed-in staff handheld."""

import re
from contextlib import contextmanager

import pytest
from flask import g, request_started
from sqlalchemy import event, select

from assist import create_app, demo, pairing
from assist.config import TestConfig
from assist.extensions import db, limiter
from assist.models import FittingRoom, RequestEvent, Role, StaffMember, Store


@pytest.fixture(scope="session")
def postgres_url():
    from .servers import running_postgres

    with running_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Both storage engines the product supports, each fresh."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assist.db'}"
    url = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def app():
    yield from _app_on("sqlite://")


@pytest.fixture
def any_db_app(database_url):
    """The app on SQLite (a file) and on PostgreSQL in turn."""
    yield from _app_on(database_url)


@pytest.fixture
def postgres_app(postgres_url):
    """The app on PostgreSQL alone, for what only PostgreSQL does."""
    yield from _app_on(postgres_url)


@pytest.fixture
def one_connection_app(tmp_path):
    """The app with a pool of one connection that is given up on after a fifth of a second."""
    yield from _app_on(
        f"sqlite:///{tmp_path / 'assist.db'}",
        DATABASE_POOL_SIZE=1,
        DATABASE_POOL_OVERFLOW=0,
        DATABASE_POOL_TIMEOUT=0.2,
    )


def _app_on(url: str, **settings):
    config = type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **settings})
    app = create_app(config)
    limiter.reset()  # its memory storage outlives an app; each test starts with no attempts
    # The test keeps one app context open, and Flask reuses it for every request the test
    # client makes; `g` (the tablet, the signed-in user, the locale) must not outlive a request.
    request_started.connect(_forget_g, app)
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _forget_g(_sender, **_extra):
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app) -> Store:
    return demo.seed()


def room_named(store: Store, name: str) -> FittingRoom:
    return db.session.scalar(
        select(FittingRoom).where(FittingRoom.store_id == store.id, FittingRoom.name == name)
    )


def staff_named(store: Store, name: str) -> StaffMember:
    return db.session.scalar(
        select(StaffMember).where(StaffMember.store_id == store.id, StaffMember.name == name)
    )


def actions_of(request_id: int) -> list[str]:
    """What happened to a request, in order, as the event trail has it."""
    query = select(RequestEvent.action).where(RequestEvent.request_id == request_id)
    return list(db.session.scalars(query.order_by(RequestEvent.id)))


def outsider(role: Role = Role.CONSULTANT, secret: str = "1111") -> StaffMember:
    """A staff member of another store, who must never reach this store's data."""
    store = Store(name="Elsewhere", timezone="Europe/Riga")
    db.session.add(store)
    db.session.flush()
    member = StaffMember(store_id=store.id, name="Outsider", role=role)
    member.set_secret(secret)
    db.session.add(member)
    db.session.commit()
    return member


def pair_tablet(client, room: FittingRoom):
    """Pair the test client as the tablet of `room`, the way a person would with a code."""
    code = pairing.issue_code(room).code
    page = client.get("/kiosk/pair")
    response = client.post("/kiosk/pair", data={"code": code, "csrf_token": csrf_from(page)})
    assert response.status_code in (200, 302, 303), response.text
    return response


def sign_in(client, store: Store, name: str, secret: str):
    page = client.get("/staff/signin")
    return client.post(
        "/staff/signin",
        data={"store": store.id, "name": name, "secret": secret, "csrf_token": csrf_from(page)},
    )


def csrf_from(response) -> str:
    """The CSRF token a page carries, as a browser would send it back."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text) or re.search(
        r'"X-CSRFToken": "([^"]+)"', response.text
    )
    assert match, "page carries no CSRF token"
    return match.group(1)


def reads_of_requests():
    """The SELECTs on requests run inside the block, each with its parameters."""
    return statements_run(
        lambda sql: sql.lstrip().upper().startswith("SELECT") and "FROM requests" in sql
    )


@contextmanager
def statements_run(wanted=lambda _sql: True):
    """The statements run inside the block (those `wanted`), each with its parameters."""
    seen = []

    def note(_conn, _cursor, statement, parameters, _context, _many):
        if wanted(statement):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def full_scans_of_requests(statements) -> list[tuple[str, list[str]]]:
    """Those statements whose SQLite plan reads every request ever made: what runs on every
    device's read or every few seconds must find its rows through an index, whatever the
    history's length."""
    scans = []
    with db.engine.connect() as connection:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            steps = [row[-1] for row in plan]
            if "SCAN requests" in steps:
                scans.append((statement, steps))
    return scans
