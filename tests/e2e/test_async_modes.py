"""Every async mode the README lists starts with `python wsgi.py` and plays the core loop.
(eventlet, the default, is what every other end-to-end test runs on.)"""

import pytest

from .clients import Handheld, Tablet
from .server import LiveServer, copied_env


@pytest.mark.parametrize("mode", ["threading"])
def test_the_core_loop_in_each_async_mode(seeded, tmp_path, mode):
    env, codes = copied_env(seeded, tmp_path, ASYNC_MODE=mode)
    server = LiveServer(tmp_path, env).start()
    tablet = Tablet(server.base_url).pair(codes["Room 1"])
    anna = Handheld(server.base_url).sign_in("Anna Tamm", "1111")
    try:
        tablet.connect()
        anna.connect()
        assert tablet.ask("consultant").status_code == 200
        created = anna.wait_for(lambda e: e["action"] == "created")
        assert f'id="request-{created["request"]}"' in created["html"]
        assert anna.post(f"/staff/requests/{created['request']}/claim").status_code == 200
        claimed = tablet.wait_for(lambda e: e["action"] == "claimed")
        assert claimed["by"] == "Anna"
    finally:
        tablet.disconnect()
        anna.disconnect()
        server.stop()
