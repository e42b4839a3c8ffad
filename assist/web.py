"""What every page shares: error pages, security headers, template helpers."""

import logging

from flask import Flask, current_app, make_response, render_template
from flask.logging import default_handler
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import TimeoutError as NoFreeConnection
from werkzeug.exceptions import HTTPException

from . import clock, forms, labels, localtime
from .errors import Refused
from .extensions import db, htmx

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
# On every answer that refuses on purpose (4xx with our own message): the tablet's outbox keeps
# any other answer (a 500, a proxy's page) as not delivered and sends the tap again.
REFUSAL_HEADER = "X-Refused"
BUSY_RETRY_SECONDS = 5


def init_app(app: Flask) -> None:
    _log_rate_limit_store(app)
    app.before_request(forms.refuse_nul_bytes)
    app.register_error_handler(Refused, _refused)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(NoFreeConnection, _busy)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(_security_headers)
    app.context_processor(lambda: {"now": clock.now, "current_locale": get_locale})
    app.jinja_env.filters["waited"] = waited
    labels.init_app(app)  # kind_label(), state_label(), … for every template
    app.jinja_env.filters["local_time"] = localtime.to_local  # {{ at|local_time(store.timezone) }}


def _log_rate_limit_store(app: Flask) -> None:
    """Flask-Limiter says when its store goes down and comes back, to a logger nobody hears by
    default: send it where the app's own messages go."""
    logger = logging.getLogger("flask-limiter")
    logger.setLevel(logging.INFO)
    if not any(h is default_handler for h in logger.handlers):
        logger.addHandler(default_handler)


def show_problem(message: str, status: int):
    """A message on its own for htmx to swap in, or inside a full page."""
    template = "_problem.html" if htmx else "problem.html"
    response = make_response(render_template(template, message=message, status=status), status)
    if status < 500:
        response.headers[REFUSAL_HEADER] = "1"
    return response


def remember_device(response, cookie: str, token: str, days: int):
    """A paired device's (tablet, wall board) token, kept `days`, out of scripts' reach."""
    response.set_cookie(
        cookie,
        token,
        max_age=days * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def waited(seconds: float) -> str:
    """0:07, 2:45, 1:02:03."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _refused(error: Refused):
    return show_problem(error.message, error.status)


def _csrf_failed(_error: CSRFError):
    return show_problem(
        _("This page was open too long or came from elsewhere. Please reload it."), 400
    )


# Werkzeug's own descriptions are English and long; a person reads these instead.
STATUS_MESSAGES = {
    400: _l("Something in this request was not right. Please reload the page."),
    403: _l("This page is not for your role."),
    404: _l("Sorry, not found."),
    405: _l("This address does not work that way. Please go back and use the buttons."),
    413: _l("That is too large to send."),
    429: _l("Too many attempts. Please wait a minute, then try again."),
}


def _http_error(error: HTTPException):
    """A message the view gave with abort() is shown as it is; otherwise one in the reader's
    language instead of Werkzeug's English default."""
    custom = error.description != type(error).description and error.description
    message = custom or STATUS_MESSAGES.get(error.code) or error.name
    return show_problem(message, error.code or 500)


def _busy(_error: NoFreeConnection):
    """Every database connection of this process stayed taken for DATABASE_POOL_TIMEOUT. Say
    so at once, instead of holding the device until its proxy gives up (which also takes the
    process out of the proxy's rotation). Nothing was written: the tablet's outbox sends the
    tap again, a handheld's consultant taps again."""
    current_app.logger.warning("Busy: no database connection came free in time")
    db.session.rollback()
    response = show_problem(_("We are very busy. Please try again in a moment."), 503)
    response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    current_app.logger.exception("Unexpected error")
    db.session.rollback()
    return show_problem(_("Something went wrong on our side. Please try again."), 500)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
