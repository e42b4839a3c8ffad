"""Two server processes behind one store, sharing PostgreSQL and a real Redis: an event
caused through one reaches devices connected to the other."""

import pytest

from tests.servers import running_postgres, running_redis

from .clients import Handheld, Tablet
from .server import LiveServer, server_env


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
