"""The server clock. Every timestamp the product stores comes from here, in naive UTC.

Tests replace the source to move time forward without sleeping.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


def _system_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    return _source()


@contextmanager
def frozen(at: datetime) -> Iterator[Callable[[timedelta], None]]:
    """Stop the clock at `at`; yields `advance(delta)` to move it on."""
    global _source
    current = [at]

    def advance(delta: timedelta) -> None:
        current[0] += delta

    _source = lambda: current[0]  # noqa: E731
    try:
        yield advance
    finally:
        _source = _system_now
