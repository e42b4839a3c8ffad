"""Reading submitted forms: anything malformed becomes a Refused the person can read."""

from flask import request

from .errors import Refused

MAX_TEXT = 120


def choice(name: str, allowed) -> str:
    """One of `allowed`, or Refused."""
    value = request.form.get(name, "")
    if value not in allowed:
        raise Refused("Please choose one of the buttons on the screen.")
    return value


def integer(name: str, *, optional: bool = False) -> int | None:
    """A whole number; an empty field is None when `optional`."""
    raw = request.form.get(name, "").strip()
    if optional and not raw:
        return None
    # isdigit() also accepts "²" and other digits int() refuses, hence isdecimal().
    if not raw.isdecimal() or len(raw) > 9:
        raise Refused("Please choose one of the buttons on the screen.")
    return int(raw)


def text(name: str, *, limit: int = MAX_TEXT) -> str:
    value = request.form.get(name, "").strip()
    if len(value) > limit:
        raise Refused(f"Please keep this under {limit} characters.")
    return value


def flag(name: str) -> bool:
    """A checkbox or a 1/0 field."""
    return request.form.get(name, "") in ("1", "on", "true", "yes")
