"""Scale-out as deploy/ runs it: two gunicorn eventlet processes behind nginx, sharing Redis.

The core loop goes through nginx (pages and taps spread over both processes, WebSockets
upgraded); then Redis restarts, and every process hears again and makes its devices re-read,
so what was asked for meanwhile reaches the handhelds."""

import time

import pytest

from .chain import GUNICORN, Nginx, RestartableRedis
from .clients import Handheld, Tablet
from .server import LiveServer, copied_env


@pytest.fixture(scope="module")
def chain(seeded, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("chain")
    queue = RestartableRedis(workdir).start()
    env, codes = copied_env(
        seeded, workdir, SOCKETIO_MESSAGE_QUEUE=queue.url, BEHIND_PROXY="1", GRACEFUL_TIMEOUT="1"
    )
    servers = [LiveServer(workdir, env, command=GUNICORN) for _ in range(2)]
    nginx = None
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_until_serving()
        nginx = Nginx(workdir, [server.port for server in servers]).start()
        yield {"redis": queue, "servers": servers, "nginx": nginx, "codes": codes}
    finally:
        for part in (nginx, *servers, queue):
            if part is not None:
                part.stop()


@pytest.fixture
def devices(chain):
    made = []

    def make(kind):
        device = {"tablet": Tablet, "handheld": Handheld}[kind](chain["nginx"].base_url)
        made.append(device)
        return device

    yield make
    for device in made:
        device.disconnect()


def test_the_core_loop_through_nginx_on_two_processes(chain, devices):
    tablet = devices("tablet").pair(chain["codes"]["Room 1"])
    tablet.connect()
    anna = devices("handheld").sign_in("Anna Tamm", "1111")
    anna.connect()
    served_by = set()  # the processes that made the changes

    tap = tablet.ask("consultant")
    assert tap.status_code == 200
    served_by.add(tap.headers["X-Upstream"])
    created = anna.wait_for(lambda e: e["action"] == "created")
    assert f'id="request-{created["request"]}"' in created["html"]  # the card itself
    request_id = created["request"]

    # Idle processes take plain HTTP in turns (least_conn), and each post here is two requests
    # (its token page, then the post), so the tablet reading its status between the claim and
    # the completion puts the three changes on both processes, whichever holds the sockets.
    for step, action, shown in (
        ("claim", "claimed", "on the way"),
        ("complete", "completed", "Done"),
    ):
        answer = anna.post(f"/staff/requests/{request_id}/{step}")
        assert answer.status_code == 200
        served_by.add(answer.headers["X-Upstream"])
        tablet.wait_for(lambda e, a=action: e["request"] == request_id and e["action"] == a)
        assert shown in tablet.status()
    assert len(served_by) == 2
    # The sockets sit on one process (sticky), so some nudges crossed to it through Redis.
    # (nginx logs a WebSocket when it closes.)
    tablet.disconnect()
    anna.disconnect()
    sockets = chain["nginx"].socket_upstreams(expected=2)
    assert len(sockets) == 1 and served_by - sockets


def test_after_a_redis_restart_every_process_hears_and_handhelds_get_what_was_missed(
    chain, devices
):
    redis_server, servers = chain["redis"], chain["servers"]
    tablet = devices("tablet").pair(chain["codes"]["Room 2"])
    boris = devices("handheld").sign_in("Boris Ivanov", "2222")
    boris.connect()
    shown = boris.queue_ids()

    redis_server.stop()
    assert tablet.ask("consultant").status_code == 200  # saved; no process can tell anyone
    redis_server.start()
    back = time.monotonic()

    # The handheld's process hears Redis again and tells it to re-read: the request it missed
    # is on its screen (where handheld.js rings for it, as for any card it has not seen).
    while not boris.resyncs and time.monotonic() < back + 15:
        time.sleep(0.01)
    assert boris.resyncs, "the handheld was never told to re-read"
    print(f"handheld told to re-read {boris.resyncs[0] - back:.2f} s after Redis was back")
    missed = boris.queue_ids() - shown
    assert len(missed) == 1 and missed <= chain["servers"][0].open_request_ids()

    # Every process hears nudges again: a change made through each one reaches the handheld.
    for item, server in zip(("1", "2"), servers, strict=True):
        sent = time.monotonic()
        response = tablet.http.post(
            server.base_url + "/kiosk/requests",
            data={"kind": "drink", "item": item},
            headers={"X-CSRFToken": tablet.token(), "HX-Request": "true"},
            timeout=15,
        )
        assert response.status_code == 200
        heard = boris.wait_for(lambda e: e["action"] == "created" and e["request"] not in shown)
        shown.add(heard["request"])
        print(
            f"through :{server.port}: heard {time.monotonic() - sent:.2f} s after the tap,"
            f" {time.monotonic() - back:.2f} s after Redis was back"
        )
