"""The rate-limit store (Redis) goes down in the middle of a burst of taps: the real server keeps
counting in memory, every tap is saved exactly once, and the sign-in lockout still holds."""

from concurrent.futures import ThreadPoolExecutor
from threading import Event

import requests
import sqlalchemy

from tests.servers import redis_server

from .clients import Tablet
from .server import LiveServer, server_env

REFUSAL_HEADER = "X-Refused"  # assist.web.REFUSAL_HEADER, as the tablet's outbox reads it
ATTEMPTS = 30  # the tablet never gives up; a test does, rather than hang
TAPS_PER_TABLET = 8  # a consultant, then drinks and amenities: each a request of its own


def settled(response: requests.Response | None) -> bool:
    """The outbox rule of static/js/kiosk.js: a success, or the server's deliberate refusal."""
    if response is None:
        return False
    status = response.status_code
    return 200 <= status < 300 or (
        400 <= status < 500 and response.headers.get(REFUSAL_HEADER) == "1"
    )


def send_until_settled(tablet: Tablet, form: dict, answers: list) -> None:
    """Send one tap with its key, again and again, as the tablet does until it is settled."""
    headers = {"X-CSRFToken": tablet.token(), "HX-Request": "true"}
    for _ in range(ATTEMPTS):
        try:
            response = tablet.http.post(
                f"{tablet.base_url}/kiosk/requests", data=form, headers=headers, timeout=15
            )
        except requests.ConnectionError:
            response = None
        answers.append(response.status_code if response is not None else 0)
        if settled(response):
            assert 200 <= response.status_code < 300, response.text
            return
    raise AssertionError(f"a tap was never saved; the last answers were {answers[-5:]}")


def menu_item_ids(database_url: str) -> list[tuple[str, int]]:
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            sql = "SELECT kind, id FROM menu_items WHERE NOT age_restricted ORDER BY id"
            return [tuple(row) for row in connection.execute(sqlalchemy.text(sql))]
    finally:
        engine.dispose()


def saved_keys(database_url: str) -> dict[str, int]:
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            sql = "SELECT client_key, COUNT(*) FROM requests GROUP BY client_key"
            return {key: count for key, count in connection.execute(sqlalchemy.text(sql))}
    finally:
        engine.dispose()


def test_a_rate_limit_store_outage_loses_no_tap(tmp_path):
    with redis_server() as redis:
        env = server_env(
            tmp_path, RATELIMIT_STORAGE_URI=redis.url, MAX_LIVE_REQUESTS_PER_VISIT="100"
        )
        server, tablets = LiveServer(tmp_path, env), []
        try:
            server.start()
            tablets += [Tablet(server.base_url).pair(c) for c in server.pairing_codes().values()]
            items = menu_item_ids(env["DATABASE_URL"])
            # Every tablet asks for a consultant, drinks and amenities: distinct taps.
            forms = [{"kind": "consultant"}] + [{"kind": k, "item": str(i)} for k, i in items]
            forms = forms[:TAPS_PER_TABLET]
            plans = [
                [{**form, "client_key": f"t{n}-{i}"} for i, form in enumerate(forms)]
                for n in range(len(tablets))
            ]
            answers: list[int] = []
            quarter_done, total = Event(), sum(map(len, plans))

            def tap_all(tablet: Tablet, plan: list[dict]) -> None:
                for form in plan:
                    send_until_settled(tablet, form, answers)
                    if len(answers) >= total // 4:
                        quarter_done.set()

            with ThreadPoolExecutor(len(tablets)) as pool:
                burst = [pool.submit(tap_all, t, p) for t, p in zip(tablets, plans, strict=True)]
                quarter_done.wait(timeout=60)
                redis.stop()  # the outage, in the middle of the burst
                for future in burst:
                    future.result()

            keys = saved_keys(env["DATABASE_URL"])
            wanted = {form["client_key"] for plan in plans for form in plan}
            assert set(keys) == wanted, "a tap was lost, or one was made that nobody sent"
            assert set(keys.values()) == {1}, "a tap was saved twice"

            # The sign-in lockout keeps counting in memory while the store is down.
            answers_to_guesses = [wrong_sign_in(server.base_url) for _ in range(6)]
            assert answers_to_guesses == [401] * 5 + [429]
            assert "falling back to in-memory storage" in server.log.read_text()

            redis.start()  # back: taps go on as before, in the next customer's visit
            assert tablets[0].post("/kiosk/visit/end").status_code == 200
            send_until_settled(tablets[0], {"kind": "consultant", "client_key": "after"}, [])
            assert saved_keys(env["DATABASE_URL"])["after"] == 1
        finally:
            for tablet in tablets:
                tablet.disconnect()
            server.stop()


def wrong_sign_in(base_url: str) -> int:
    with requests.Session() as http:
        page = http.get(f"{base_url}/staff/signin", timeout=15).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        data = {"name": "Anna Tamm", "secret": "0000", "csrf_token": token}
        return http.post(f"{base_url}/staff/signin", data=data, timeout=15).status_code
