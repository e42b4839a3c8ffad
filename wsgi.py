"""Entry point. `python wsgi.py` serves the app; the async mode comes from ASYNC_MODE."""

import os

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":  # must patch before anything else imports the standard library
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

from assist import create_app, escalation  # noqa: E402
from assist.extensions import socketio  # noqa: E402

app = create_app()

if __name__ == "__main__":
    escalation.start_sweeper(app)
    socketio.run(
        app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000"))
    )
