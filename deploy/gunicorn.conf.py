"""gunicorn settings for one server process: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

One eventlet worker per process: a Socket.IO device stays on the process it connected to, and
one eventlet worker serves thousands of them. For more, run more processes (one systemd unit
instance per port, deploy/systemd/assist@.service), share events through Redis
(SOCKETIO_MESSAGE_QUEUE) and put nginx in front (deploy/nginx/assist.conf).
Nothing here imports the app: the worker monkey-patches first, then loads `wsgi:app`.
"""

import os
import resource

bind = os.environ.get("BIND", "127.0.0.1:8001")
worker_class = "eventlet"
workers = 1  # one per process, see above; never more (devices would lose their session)
worker_connections = 10_000  # eventlet's default cap is 1,024 connections at a time
# An idle keep-alive connection, or a request whose headers never finish, is closed after this.
keepalive = int(os.environ.get("SOCKET_TIMEOUT_SECONDS", "60"))
timeout = 30  # a worker silent this long is restarted
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "10"))
accesslog = None
errorlog = "-"


def on_starting(_server):
    """Each WebSocket holds a file descriptor: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = worker_connections + 1_000
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < ceiling:
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


def post_worker_init(worker):
    """The sweeper (escalation, receipts) runs in every process; the database keeps two from
    doing the same step twice."""
    from assist import escalation

    escalation.start_sweeper(worker.wsgi)
