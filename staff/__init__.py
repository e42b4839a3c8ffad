"""The staff side: handheld queue, sign-in, manager board, reports, admin."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from . import admin, board, events, language, reports, routes, wall, webapp  # noqa: E402, F401
