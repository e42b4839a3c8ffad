"""A real eventlet server for the whole end-to-end session, and its devices."""

import contextlib
import sqlite3

import pytest

from .clients import Handheld, Tablet
from .server import LiveServer, seeded_env, server_env


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    server = LiveServer(workdir, server_env(workdir)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """A migrated SQLite database with the demo store, made once: tests that need a server of
    their own copy it (server.copied_env) rather than migrate and seed again."""
    workdir = tmp_path_factory.mktemp("seeded")
    _env, codes = seeded_env(workdir)
    database = workdir / "e2e.db"
    with contextlib.closing(sqlite3.connect(database)) as connection:  # all of it in one file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database, codes


@pytest.fixture
def own_server(tmp_path):
    """A fresh server of the test's own: nothing left by other tests, and it may be killed."""
    server = LiveServer(tmp_path, server_env(tmp_path)).start()
    yield server
    server.stop()


@pytest.fixture
def devices(live_server):
    """Make tablets and handhelds; their sockets are closed after the test."""
    made = []

    def make(kind, *args):
        device = {"tablet": Tablet, "handheld": Handheld}[kind](live_server.base_url)
        made.append(device)
        return device

    yield make
    for device in made:
        device.disconnect()
