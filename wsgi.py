"""Entry point. `python wsgi.py` serves the app; the async mode comes from ASYNC_MODE.

`flask --app wsgi …` imports this file for the CLI commands: those need no monkey-patching,
and patching after the CLI has imported the standard library would only break it.
"""

import os
import warnings

# eventlet is in bugfix-only mode and says so on import; it is our chosen default all the same
# (ASYNC_MODE=gevent or threading are the ways out), so the banner is not for the console.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
if __name__ == "__main__":  # must patch before anything else imports the standard library
    if ASYNC_MODE == "eventlet":
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
