"""The handheld as an installable app: its manifest and its service worker.

Both are public: a browser fetches them without the session (the worker's update checks too),
and neither holds anything about the store.
"""

from flask import current_app, jsonify, send_from_directory, url_for
from flask_babel import gettext as _

from . import bp


@bp.get("/sw.js")
def service_worker():
    """The worker that keeps the last queue for when the network is gone. Served from /staff/
    so that its scope is the staff side; never cached, so a new version is picked up at once."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = url_for("staff.queue_page")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """Installs to the home screen and opens straight to the queue."""
    queue = url_for("staff.queue_page")
    response = jsonify(
        name="Fitting Room Assist",
        short_name=_("Queue"),
        start_url=queue,
        scope=queue,
        display="standalone",
        orientation="portrait",
        background_color="#faf8f5",
        theme_color="#2f5d50",
        icons=[
            _icon("icons/icon-192.png", "192x192", "image/png"),
            _icon("icons/icon-512.png", "512x512", "image/png"),
            _icon("favicon.svg", "any", "image/svg+xml"),
        ],
    )
    response.mimetype = "application/manifest+json"
    return response


def _icon(path: str, sizes: str, mime: str) -> dict:
    return {"src": url_for("static", filename=path), "sizes": sizes, "type": mime}
