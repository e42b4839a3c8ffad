"""The customer's side: the tablet on the fitting-room wall."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

from . import events, routes  # noqa: E402, F401
