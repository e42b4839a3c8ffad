"""The baseline: bare python-socketio on eventlet, doing only the emit.

`python -m bench.live_bare PORT` serves the same three things the app does for a handheld, with
no database and no templates: the /staff namespace, POST /emit (the driver's "change", emitted
to every handheld at once with a stand-in card of a real card's size, so handhelds swap it in and
confirm it as they do the app's) and GET /staff/queue (a re-read: the ids of the live requests).
"""

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402

import socketio  # noqa: E402
from eventlet import wsgi  # noqa: E402

from assist.server import raise_fd_limit  # noqa: E402

sio = socketio.Server(async_mode="eventlet", cors_allowed_origins="*")
live: dict[int, str] = {}
seq = 0
CARD_BYTES = 1800  # about what the app's card weighs, markup and all


@sio.on("connect", namespace="/staff")
def connect(sid, environ, auth=None):
    return True


@sio.on("received", namespace="/staff")
def received(sid, payload=None):
    return True


@sio.on("shown", namespace="/staff")
def shown(sid, payload=None):
    return None


@sio.on("heartbeat", namespace="/staff")
def heartbeat(sid, payload=None):
    return {"seq": seq}


def http(environ, start_response):
    global seq
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if path == "/emit" and method == "POST":
        change = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        seq += 1
        rid, action = change["request"], change["action"]
        if action == "completed":
            live.pop(rid, None)
        else:
            live[rid] = action
        sio.emit("request", {"seq": seq, **change, "html": _card(rid, action)}, namespace="/staff")
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]
    if path == "/staff/queue":
        body = "".join(f'<article id="request-{i}" data-confirm="{i}"></article>' for i in live)
        start_response("200 OK", [("Content-Type", "text/html")])
        return [body.encode()]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def _card(rid: int, action: str) -> str:
    if action == "completed":
        return ""
    confirm = f' data-confirm="{rid}"' if action == "created" else ""
    head = f'<article id="request-{rid}"{confirm}>'
    return head + "x" * (CARD_BYTES - len(head) - 10) + "</article>"


if __name__ == "__main__":
    raise_fd_limit()
    app = socketio.WSGIApp(sio, http)
    listener = eventlet.listen(("127.0.0.1", int(sys.argv[1])), backlog=4096)
    wsgi.server(listener, app, log_output=False, max_size=10_000)
