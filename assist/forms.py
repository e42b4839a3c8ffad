"""Reading submitted forms: anything malformed becomes a Refused the person can read.

Every request passes `refuse_nul_bytes` first, and every text that is stored is measured
against its own column with `fitting`: the database never sees a NUL nor an overlong value.
"""

from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from .errors import Refused

MAX_TEXT = 120
# A Text column with no stated cap (info max_chars) takes at most this many characters.
FREE_TEXT_LIMIT = 500
PICK_A_BUTTON = _l("Please choose one of the buttons on the screen.")
MAX_ID = 2**31 - 1  # the largest id a database integer column holds (PostgreSQL's INTEGER)
MAX_INTEGER = MAX_ID  # the largest number an integer column holds, on SQLite and PostgreSQL alike
# Days a person may ask about: local-time arithmetic stays clear of the calendar's two ends.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
NUL = "\x00"


class Unreadable(Refused):
    """Input no form of ours can produce (a NUL byte): refused before anything reads it."""

    status = 400


def refuse_nul_bytes() -> None:
    """Before every request: a NUL in any field, query, cookie, file name or path is refused.
    PostgreSQL cannot store one, and no screen of ours can type one."""
    fields = (request.args, request.form, request.cookies)
    texts = [request.path, *(request.view_args or {}).values()]
    texts += [f.filename or "" for f in request.files.values()]
    if any(_has_nul(m) for m in fields) or any(NUL in str(t) for t in texts):
        raise Unreadable(_l("The text contains a character that cannot be saved (NUL)."))


def _has_nul(values) -> bool:
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


def limit_of(column) -> int:
    """How many characters a model's column takes: String(n) holds n; a Text column states its
    own cap in its info (max_chars), else FREE_TEXT_LIMIT."""
    length = getattr(column.type, "length", None)
    return length or column.expression.info.get("max_chars", FREE_TEXT_LIMIT)


def fitting(value: str, column, *, required: bool = False) -> str:
    """`value` without surrounding spaces, refused if `column` cannot hold it (or if empty
    and `required`). Every domain function that stores text passes it through here."""
    value = value.strip()
    limit = limit_of(column)
    if len(value) > limit:
        raise Refused(_l("Please keep this under %(n)s characters.", n=limit))
    if required and not value:
        raise Refused(_l("Give a name of at most %(n)s characters.", n=limit))
    return value


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


def text(name: str, *, limit: int = MAX_TEXT, column=None) -> str:
    """A text field; with `column`, as long as that column holds at most."""
    if column is not None:
        return fitting(request.form.get(name, ""), column)
    value = request.form.get(name, "").strip()
    if len(value) > limit:
        raise Refused(_l("Please keep this under %(n)s characters.", n=limit))
    return value


def flag(name: str) -> bool:
    """A checkbox or a 1/0 field."""
    return request.form.get(name, "") in ("1", "on", "true", "yes")


def bounded_id(value) -> int | None:
    """An id from anywhere loose (a Socket.IO payload, a query string): an int, or a string of
    ASCII digits, in 1..MAX_ID; anything else (bool, float, huge, negative) is None."""
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdecimal() and len(value) <= len(str(MAX_ID))):
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None


def arg_id(name: str) -> int | None:
    """An id from the query string; anything that cannot be one is None (so: not found)."""
    return bounded_id(request.args.get(name, ""))


def day(raw: str | None) -> date | None:
    """A day typed as YYYY-MM-DD, between FIRST_DAY and LAST_DAY; empty is None."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:  # ASCII only: fromisoformat also reads other scripts' digits
        parsed = date.fromisoformat(raw) if raw.isascii() else None
    except ValueError:
        parsed = None
    if parsed is None or not FIRST_DAY <= parsed <= LAST_DAY:
        raise Refused(
            _l(
                "Give the day as YYYY-MM-DD, between %(first)s and %(last)s.",
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )
    return parsed


def whole_number(raw: str) -> int | None:
    """A count written with ASCII digits that an integer column holds (0..MAX_INTEGER); else
    None. isdigit() would let "²" through, and int() accepts "١٢" and "1_000"."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > len(str(MAX_INTEGER)):
        return None
    number = int(raw)
    return number if number <= MAX_INTEGER else None


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL, bounded to what the database can hold: a larger number is a 404,
    not an overflow inside the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
