"""How a server process is started for thousands of devices: file descriptors and connection caps.

Each WebSocket holds one file descriptor for as long as the device is connected, so a process
serving a store's (or a chain's) handhelds, tablets and boards needs far more than the usual soft
limit of 1,024 open files, and more than eventlet's default cap of 1,024 connections at a time.
"""

import contextlib
import gc
import resource
from collections.abc import Mapping

import socketio
from flask.sessions import SecureCookieSessionInterface
from redis.backoff import NoBackoff
from redis.retry import Retry

# eventlet.wsgi serves at most this many connections at a time (its default is 1,024).
MAX_CONNECTIONS = 10_000
# A connection that sends nothing for this long is closed: idle or half-sent HTTP requests,
# and WebSockets whose device vanished (Socket.IO's own ping keeps live ones busier than this).
SOCKET_TIMEOUT_SECONDS = 60


def raise_fd_limit(wanted: int = MAX_CONNECTIONS + 1_000) -> int:
    """Raise the soft limit on open files towards `wanted`, up to the hard limit; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < ceiling:
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
        return ceiling
    return soft


def green_database_waits() -> None:
    """Under eventlet, PostgreSQL's answers are waited for through eventlet's green select.

    psycopg waits for the server in C (poll) unless it sees gevent's patches; eventlet's it does
    not see, so each query's round trip blocked the whole process: every device it serves,
    every nudge and every other request stood still until PostgreSQL answered. psycopg's own
    select-based wait yields to the other greenlets instead."""
    import eventlet.patcher

    if eventlet.patcher.is_monkey_patched("select"):
        import psycopg.waiting

        psycopg.waiting.wait = psycopg.waiting.wait_select


def settle() -> None:
    """Once the app is loaded: its modules, models and caches live as long as the process, so
    they leave the garbage collector's sight (gc.freeze). A full collection then scans only what
    requests create. Before, each one scanned the loaded app's ~150,000 objects for ~60 ms, a
    stall that fell on whichever report page or device's nudge was being served."""
    gc.freeze()


class ConnectionSession(SecureCookieSessionInterface):
    """Flask-SocketIO runs each event in a request context built from the connection's handshake,
    then puts the connection's own session in it (kept in the environ as "saved_session").
    Building that context opened the handshake's cookie again for every receipt and heartbeat,
    a signature check and a JSON decode each time: ~10 % of the server's time at 100 handhelds.
    Here the connection's session is handed over at once; HTTP requests are as before."""

    def open_session(self, app, request):
        connection = request.environ.get("saved_session")
        return connection if connection is not None else super().open_session(app, request)


def run_options(async_mode: str, environ: Mapping[str, str]) -> dict:
    """What socketio.run passes on to the web server of the async mode."""
    if async_mode == "eventlet":
        timeout = int(environ.get("SOCKET_TIMEOUT_SECONDS", SOCKET_TIMEOUT_SECONDS))
        return {"max_size": MAX_CONNECTIONS, "socket_timeout": timeout, "log_output": False}
    if async_mode == "threading":  # Werkzeug's server: for development and the smoke test only
        return {"allow_unsafe_werkzeug": True}
    return {}


def socketio_options(message_queue: str | None) -> dict:
    """Flask-SocketIO options for the message queue: our own Redis manager for redis:// URLs."""
    if message_queue and message_queue.startswith(("redis://", "rediss://")):
        return {"client_manager": RedisManager(message_queue, channel="flask-socketio")}
    return {"message_queue": message_queue}


class RedisManager(socketio.RedisManager):
    """python-socketio's Redis manager, made to hear again at once after a Redis restart.

    Upstream, the listener waits 1, 2, 4 … up to 60 s between attempts to subscribe again, and
    redis-py retries underneath with its own exponential back-off, re-subscribing silently; so a
    process stayed deaf for seconds after Redis was back, and whatever was emitted meanwhile was
    lost. Here redis-py does not retry, the listener tries again every RETRY_SECONDS, and once
    it hears again it tells every device this process serves to re-read its view ("resync")."""

    RETRY_SECONDS = 0.2

    def __init__(self, url: str, **kwargs):
        options = {"retry": Retry(NoBackoff(), 0), "socket_connect_timeout": 1}
        super().__init__(url, redis_options=options, **kwargs)

    def _redis_listen_with_retries(self):
        deaf = False
        while True:
            try:
                self._close_pubsub()
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                if deaf:
                    deaf = False
                    self._get_logger().warning("Hearing Redis again; devices re-read their view")
                    self._tell_devices_to_resync()
                yield from self.pubsub.listen()
            except Exception as error:  # any failure of Redis: try again shortly
                if not deaf:
                    self._get_logger().error("Cannot receive from Redis (%s); retrying", error)
                deaf = True
                self.server.sleep(self.RETRY_SECONDS)

    def _close_pubsub(self) -> None:
        if self.pubsub is not None:
            with contextlib.suppress(Exception):
                self.pubsub.close()
                self.redis.close()

    def _tell_devices_to_resync(self) -> None:
        """To this process's own devices only (each process does it for its own)."""
        for namespace in list(self.rooms):
            socketio.Manager.emit(self, "resync", {}, namespace=namespace)
