"""Reading submitted forms: anything malformed becomes a Refused the person can read."""

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from .errors import Refused

MAX_TEXT = 120
PICK_A_BUTTON = _l("Please choose one of the buttons on the screen.")
MAX_ID = 2**31 - 1  # the largest id a database integer column holds (PostgreSQL's INTEGER)


def choice(name: str, allowed) -> str:
    """One of `allowed`, or Refused."""
    value = request.form.get(name, "")
    if value not in allowed:
        raise Refused(PICK_A_BUTTON)
    return value


def integer(name: str, *, optional: bool = False) -> int | None:
    """A whole number; an empty field is None when `optional`."""
    raw = request.form.get(name, "").strip()
    if optional and not raw:
        return None
    # isdigit() also accepts "²" and other digits int() refuses, hence isdecimal().
    if not raw.isdecimal() or len(raw) > 9:
        raise Refused(PICK_A_BUTTON)
    return int(raw)


def text(name: str, *, limit: int = MAX_TEXT) -> str:
    value = request.form.get(name, "").strip()
    if len(value) > limit:
        raise Refused(_l("Please keep this under %(n)s characters.", n=limit))
    return value


def flag(name: str) -> bool:
    """A checkbox or a 1/0 field."""
    return request.form.get(name, "") in ("1", "on", "true", "yes")


def arg_id(name: str) -> int | None:
    """An id from the query string; anything that cannot be one is None (so: not found)."""
    raw = request.args.get(name, "").strip()
    if not raw.isdecimal() or int(raw) > MAX_ID:
        return None
    return int(raw)


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL, bounded to what the database can hold: a larger number is a 404,
    not an overflow inside the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
