"""The start page at `/`: what this server is, and the way to each device's screen."""

from flask import Blueprint

bp = Blueprint("start", __name__)

from . import routes  # noqa: E402, F401
