"""The staff side: handheld queue, sign-in, admin."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from . import events, routes  # noqa: E402, F401
