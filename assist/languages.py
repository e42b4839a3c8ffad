"""Which language a screen speaks.

A tablet speaks the customer's pick, else its store's language. A staff screen speaks the
member's own choice, else the store's. A device without a person (a wall board) speaks the
store's. Pages nobody is signed in to (sign-in, the start page) follow the browser.
"""

from flask import current_app, g, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .errors import Refused
from .extensions import db
from .models import StaffMember, Store

KIOSK = "kiosk"


def names() -> dict[str, str]:
    """Code → the language's own name, as a speaker of it would look for it."""
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():  # the CLI, the sweeper, a unit test
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.blueprint == KIOSK:
        store = getattr(g, "store", None)
        picked = _known(session.get("lang"))
        return picked or (_store_language(store) if store else _browser_language())
    board = getattr(g, "board", None)  # a paired wall board (staff.wall): nobody's own screen
    if board is not None:
        return _store_language(board.store)
    if current_user.is_authenticated:
        return staff_language(current_user)
    return _browser_language()


def staff_language(member: StaffMember) -> str:
    """The member's own language, else the store's."""
    own = _known(getattr(member, "language", None))  # a board device has no language of its own
    return own or _store_language(getattr(member, "store", None))


def set_staff_language(member: StaffMember, code: str) -> None:
    """An empty code means: follow the store."""
    member.language = _checked(code) or None
    db.session.commit()


def set_store_language(store: Store, code: str) -> None:
    store.language = _checked(code)
    if not store.language:
        raise Refused(_l("Choose one of the languages in the list."))
    db.session.commit()


def _checked(code: str) -> str:
    if code and code not in names():
        raise Refused(_l("Choose one of the languages in the list."))
    return code


def _browser_language() -> str:
    best = request.accept_languages.best_match(names())
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def _known(code: str | None) -> str | None:
    return code if code in names() else None


def _store_language(store: Store | None) -> str:
    known = _known(store.language) if store is not None else None
    return known or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    """Templates list the languages with `language_names()`."""
    app.jinja_env.globals.update(language_names=names, staff_language=staff_language)
