"""Settings read from the environment, with defaults that serve a single store out of the box."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside debug, see create_app


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    # None means an SQLite file in the instance folder, filled in by create_app.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
    # Connections a server process keeps open to the database, and how many more it may open in
    # a busy moment (then closes again). Under eventlet every request or device event that reads
    # the database holds one until it is answered, many at a time; one more waits for a free
    # one. Processes × (size + overflow) must stay under PostgreSQL's max_connections (100).
    DATABASE_POOL_SIZE = _env_int("DATABASE_POOL_SIZE", 20)
    DATABASE_POOL_OVERFLOW = _env_int("DATABASE_POOL_OVERFLOW", 10)
    # A request that waits this long for a free connection is answered "busy" (503) at once,
    # well before a proxy gives up on it (nginx: 30 s); the tablet sends its tap again.
    DATABASE_POOL_TIMEOUT = _env_int("DATABASE_POOL_TIMEOUT", 10)
    # eventlet by default; gevent and threading work too. The code never imports one of them.
    SOCKETIO_ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
    # Redis URL shared by several server processes; None for a single process.
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # If that store (Redis) is down, count in this process's memory meanwhile and log it: a tap
    # is never lost to the limiter, and the sign-in lockout keeps counting, per process.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PASSWORD_HASH_METHOD = "scrypt"
    WTF_CSRF_TIME_LIMIT = None  # a handheld page may stay open a whole shift

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = {"en": "English", "et": "Eesti", "ru": "Русский", "uk": "Українська", "zh": "中文"}

    PAIRING_CODE_TTL_SECONDS = _env_int("PAIRING_CODE_TTL_SECONDS", 3600)
    TABLET_COOKIE_DAYS = 400
    KIOSK_IDLE_SECONDS = _env_int("KIOSK_IDLE_SECONDS", 180)
    KIOSK_THANKS_SECONDS = 8
    # A visit may have this many requests waiting at once; more is a child at play.
    MAX_LIVE_REQUESTS_PER_VISIT = _env_int("MAX_LIVE_REQUESTS_PER_VISIT", 6)
    TABLET_REQUEST_RATE = os.environ.get("TABLET_REQUEST_RATE", "20 per minute")
    SIGNIN_RATE = os.environ.get("SIGNIN_RATE", "10 per minute")
    PAIRING_RATE = os.environ.get("PAIRING_RATE", "10 per minute")
    ESCALATION_SWEEP_SECONDS = _env_int("ESCALATION_SWEEP_SECONDS", 5)
    ESCALATION_REPEAT_SECONDS = _env_int("ESCALATION_REPEAT_SECONDS", 30)
    TABLET_SILENT_SECONDS = _env_int("TABLET_SILENT_SECONDS", 60)
    RECEIPT_WAIT_SECONDS = _env_int("RECEIPT_WAIT_SECONDS", 5)
    # The knock at the door: how long the tablet asks before the handheld says "no answer",
    # and how long after "One minute, please" the consultant may knock again.
    KNOCK_ANSWER_SECONDS = _env_int("KNOCK_ANSWER_SECONDS", 20)
    KNOCK_AGAIN_SECONDS = _env_int("KNOCK_AGAIN_SECONDS", 30)
    BOARD_COOKIE_DAYS = 400
    # Staffing advice: the share of requests to acknowledge within the acknowledge target.
    STAFFING_SERVICE_LEVEL = 0.8
    CSV_MAX_BYTES = 2 * 1024 * 1024
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SOCKETIO_ASYNC_MODE = "threading"
    SOCKETIO_MESSAGE_QUEUE = None
    RATELIMIT_STORAGE_URI = "memory://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # hashing cost is not what the tests measure
