"""Two server processes behind one store, sharing PostgreSQL and a real Redis: an event
caused through one reaches devices connected to the other; a process keeps serving while
PostgreSQL makes some of its requests wait; and both serve on at once when PostgreSQL restarts."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy

from tests.servers import restart_postgres, running_postgres, running_redis

from .clients import Handheld, Tablet
from .server import LiveServer, server_env

# More than a pool of the usual size (5 + 10) holds, fewer than the app's (assist/config.py).
WAITING_TAPS = 18


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("fanout")
    with running_postgres() as database_url, running_redis() as redis_url:
        env = server_env(
            workdir, database_url, SOCKETIO_MESSAGE_QUEUE=redis_url, RATELIMIT_STORAGE_URI=redis_url
        )
        servers = [LiveServer(workdir, env).start(), LiveServer(workdir, env).start()]
        yield servers
        for server in servers:
            server.stop()


def test_events_cross_between_server_processes(two_servers):
    a, b = two_servers
    anna = Handheld(a.base_url).sign_in("Anna Tamm", "1111")
    anna.connect()
    tablet = Tablet(b.base_url).pair(a.pairing_codes()["Room 1"])
    tablet.connect()
    try:
        assert tablet.ask("consultant").status_code == 200  # through server B
        created = anna.wait_for(lambda e: e["action"] == "created")  # heard on server A
        assert anna.post(f"/staff/requests/{created['request']}/claim").status_code == 200  # via A
        claimed = tablet.wait_for(lambda e: e["action"] == "claimed")  # heard on B
        assert claimed["by"] == "Anna"
    finally:
        anna.disconnect()
        tablet.disconnect()


def test_taps_postgres_keeps_waiting_hold_up_no_other_device(two_servers):
    """While PostgreSQL makes taps wait (here: a lock held elsewhere), the same process still
    answers everyone else at once, and every tap goes through when the lock is gone. psycopg's
    wait in C used to block the whole eventlet process for each query's round trip; and with
    more taps waiting than the pool had connections, the next device waited for one."""
    a, _ = two_servers
    codes = a.pairing_codes()
    tablets = [Tablet(a.base_url).pair(codes[room]) for room in ("Room 2", "Room 3", "Room 4")]
    engine = sqlalchemy.create_engine(a.env["DATABASE_URL"])
    taps = ThreadPoolExecutor(max_workers=WAITING_TAPS)
    try:
        with engine.connect() as lock:
            lock.execute(sqlalchemy.text("LOCK TABLE requests IN ACCESS EXCLUSIVE MODE"))
            waiting = [
                taps.submit(tablets[n % len(tablets)].ask, "consultant")
                for n in range(WAITING_TAPS)
            ]
            time.sleep(1)  # the taps are now waiting for the lock, each holding a connection
            assert not any(tap.done() for tap in waiting)
            started = time.monotonic()
            page = requests.get(a.base_url + "/staff/signin", timeout=5)
            assert page.status_code == 200
            print(f"another device answered in {time.monotonic() - started:.3f} s")
            lock.rollback()
        answers = [tap.result(timeout=30).status_code for tap in waiting]
        assert 200 in answers and all(code < 500 for code in answers), answers
    finally:
        taps.shutdown()
        engine.dispose()


def test_after_postgresql_restarts_the_first_tap_and_claim_go_through(two_servers, tmp_path):
    """A restart (an upgrade, a failover) closes every pooled connection. A process's next
    request used to fail on its dead connection with "Something went wrong" before the pool
    noticed; now a connection is tried before use. This process sweeps for escalations only
    hourly, so that no sweep meets the dead connection first. (Runs last: it restarts the
    module's database.)"""
    env = {**two_servers[0].env, "ESCALATION_SWEEP_SECONDS": "3600"}
    server = LiveServer(tmp_path, env).start()
    try:
        tablet = Tablet(server.base_url).pair(server.pairing_codes()["Room 5"])
        anna = Handheld(server.base_url).sign_in("Anna Tamm", "1111")
        open_before = server.open_request_ids()

        restart_postgres(env["DATABASE_URL"])

        tapped = tablet.ask("consultant")
        assert tapped.status_code == 200, tapped.text
        (request_id,) = server.open_request_ids() - open_before
        claimed = anna.post(f"/staff/requests/{request_id}/claim")
        assert claimed.status_code == 200, claimed.text
        assert "Anna" in tablet.status()
    finally:
        server.stop()
