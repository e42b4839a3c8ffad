"""Nothing lost: a server killed mid-burst, restarted; many writers on SQLite under eventlet.

Each test prints its tally (sent / answered / stored / lost) so a run shows the figures.
"""

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy

from .clients import Handheld, Tablet

ROOMS = ["Room 1", "Room 2", "Room 3", "Room 4", "Room 5"]


def tablets(server):
    codes = server.pairing_codes()
    return [Tablet(server.base_url).pair(codes[room]) for room in ROOMS]


def tap_until_stopped(tablet, stop, answered, failed):
    """A customer tapping different things, each tap with its own idempotency key."""
    kinds = [
        ("consultant", {}),
        ("drink", {"item": "1"}),
        ("drink", {"item": "2"}),
        ("amenity", {"item": "7"}),
        ("amenity", {"item": "8"}),
    ]
    n = 0
    while not stop.is_set():
        kind, fields = kinds[n % len(kinds)]
        key = f"{tablet.base_url}-{id(tablet)}-{n}"
        try:
            response = tablet.ask(kind, client_key=key, **fields)
            if response.status_code == 200:
                answered.append(key)
        except requests.RequestException:
            failed.append(key)
        n += 1
        if n % len(kinds) == 0:  # the visit's limit: end it and start over, as customers do
            with contextlib.suppress(requests.RequestException):
                tablet.post("/kiosk/visit/end")


def stored_keys(server) -> set[str]:
    engine = sqlalchemy.create_engine(server.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(sqlalchemy.text("SELECT client_key FROM requests"))
            return {row.client_key for row in rows if row.client_key}
    finally:
        engine.dispose()


def test_sigkill_mid_burst_loses_no_committed_request_and_clients_reconnect(own_server):
    devices = tablets(own_server)
    handheld = Handheld(own_server.base_url, reconnection=True, reconnection_delay=0.2)
    handheld.sign_in("Anna Tamm", "1111")
    handheld.connect()

    stop, answered, failed = threading.Event(), [], []
    workers = [
        threading.Thread(target=tap_until_stopped, args=(t, stop, answered, failed))
        for t in devices
    ]
    for worker in workers:
        worker.start()
    time.sleep(1.5)
    own_server.kill()  # in the middle of the burst
    time.sleep(0.5)
    stop.set()
    for worker in workers:
        worker.join()
    answered_before_kill = list(answered)

    own_server.start()  # same database, same port
    kept = stored_keys(own_server)
    lost = [key for key in answered_before_kill if key not in kept]
    print(
        f"\nSIGKILL mid-burst: sent {len(answered) + len(failed)}, answered "
        f"{len(answered_before_kill)}, stored {len(kept)}, lost {len(lost)}"
    )
    assert answered_before_kill and lost == []

    deadline = time.monotonic() + 20  # the handheld's socket finds the new server by itself
    while not handheld.socket.connected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert handheld.socket.connected
    devices[0].post("/kiosk/visit/end")
    devices[0].ask("consultant", client_key="after-restart")
    handheld.wait_for(lambda e: e["action"] == "created" and e["room"])
    handheld.disconnect()


def test_a_retry_after_the_kill_does_not_duplicate(own_server):
    tablet = tablets(own_server)[0]
    first = tablet.ask("consultant", client_key="same-tap")
    own_server.kill()
    own_server.start()
    again = tablet.ask("consultant", client_key="same-tap")
    assert first.status_code == again.status_code == 200
    assert list(stored_keys(own_server)).count("same-tap") == 1


def test_concurrent_writers_on_sqlite_under_eventlet_neither_deadlock_nor_lose(own_server):
    devices = tablets(own_server)
    staff = [
        Handheld(own_server.base_url).sign_in(name, pin)
        for name, pin in (("Anna Tamm", "1111"), ("Boris Ivanov", "2222"), ("Chen Li", "3333"))
    ]
    stop, answered, failed = threading.Event(), [], []
    workers = [
        threading.Thread(target=tap_until_stopped, args=(t, stop, answered, failed))
        for t in devices
    ]
    claims = {"won": 0, "lost": 0, "errors": 0}

    def claim_everything(handheld):
        while not stop.is_set():
            for request_id in handheld.queue_ids():
                response = handheld.post(f"/staff/requests/{request_id}/claim")
                key = {200: "won", 409: "lost"}.get(response.status_code, "errors")
                claims[key] += 1
                if response.status_code == 200:
                    handheld.post(f"/staff/requests/{request_id}/complete")

    claimers = [threading.Thread(target=claim_everything, args=(h,)) for h in staff]
    for thread in workers + claimers:
        thread.start()
    pings = []
    with ThreadPoolExecutor(1) as pool:  # the server keeps answering while writers hammer it
        for _ in range(10):
            pings.append(pool.submit(requests.get, own_server.base_url + "/kiosk/pair", timeout=10))
            time.sleep(0.3)
    stop.set()
    for thread in workers + claimers:
        thread.join()
    assert all(p.result().status_code == 200 for p in pings)
    kept = stored_keys(own_server)
    lost = [key for key in answered if key not in kept]
    print(
        f"\nconcurrent writers: requests answered {len(answered)}, stored {len(kept)}, "
        f"lost {len(lost)}; claims won {claims['won']}, lost {claims['lost']}, "
        f"errors {claims['errors']}"
    )
    assert len(answered) > 20 and lost == [] and failed == []
    assert claims["errors"] == 0 and claims["won"] > 0
