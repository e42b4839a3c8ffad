"""Entry point. `python wsgi.py` serves the app; the async mode comes from ASYNC_MODE.

`flask --app wsgi …` imports this file for the CLI commands: those need no monkey-patching,
and patching after the CLI has imported the standard library would only break it.
Under gunicorn (deploy/), the eventlet worker patches and serves `wsgi:app` itself.
"""

import os
import warnings

# eventlet is in bugfix-only mode and says so on import; it is our chosen default all the same
# (ASYNC_MODE=threading is the way out), so the banner is not for the console.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
if __name__ == "__main__" and ASYNC_MODE == "eventlet":
    import eventlet  # must patch before anything else imports the standard library

    eventlet.monkey_patch()

from werkzeug.middleware.proxy_fix import ProxyFix  # noqa: E402

from assist import create_app, escalation, server  # noqa: E402
from assist.extensions import socketio  # noqa: E402

server.green_database_waits()  # before the first query: python wsgi.py and gunicorn alike
app = create_app()
if os.environ.get("BEHIND_PROXY") == "1":  # nginx (deploy/): the client's address and scheme
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
server.settle()

if __name__ == "__main__":
    # Thousands of devices per process: each WebSocket holds a file descriptor (assist/server.py).
    server.raise_fd_limit()
    escalation.start_sweeper(app)
    socketio.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        **server.run_options(ASYNC_MODE, os.environ),
    )
