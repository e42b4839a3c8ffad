"""The database connection: the pool's size, SQLite's settings, and PostgreSQL's query plans."""

import sqlite3
import weakref

from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine

from .extensions import db


def engine_options(config) -> dict:
    """The connection pool's size, for a database on a server (or in an SQLite file); an SQLite
    database in memory lives in its one connection.

    A database server's connections are tried before use (a round trip): after it restarted,
    the pool's connections were dead, and each process's next request failed with a 500 (or
    its escalation sweep did) before the pool noticed. An SQLite file has no server to lose."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return {}
    return {
        "pool_size": config["DATABASE_POOL_SIZE"],
        "max_overflow": config["DATABASE_POOL_OVERFLOW"],
        "pool_timeout": config["DATABASE_POOL_TIMEOUT"],
        "pool_pre_ping": url.get_backend_name() != "sqlite",
    }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(connection, _record) -> None:
    """WAL lets readers and one writer work together; the busy timeout waits out the writer."""
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def init_app(app) -> None:
    """After db.init_app: settings of the app's engines themselves."""
    with app.app_context():
        for engine in db.engines.values():
            keep_query_plans(engine)


def keep_query_plans(engine: Engine) -> None:
    """On PostgreSQL, a transaction that only read ends with COMMIT instead of ROLLBACK.

    psycopg prepares a statement the fifth time a connection runs it, so that PostgreSQL plans
    it once, but it forgets them all (DEALLOCATE ALL) on every ROLLBACK. Every request's session
    ends with one, so nothing stayed prepared and PostgreSQL planned every statement anew: a
    pushed card's read-back took 1.2 ms to plan and 0.1 ms to run. For a transaction that wrote
    nothing, COMMIT and ROLLBACK end it alike; one that wrote, or failed, still rolls back."""
    if engine.dialect.name != "postgresql":
        return
    from psycopg.pq import TransactionStatus

    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit
    wrote = weakref.WeakSet()  # psycopg connections whose open transaction wrote something

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(_connection, cursor, statement, *_rest) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            wrote.add(cursor.connection)

    def end_rollback(pooled) -> None:
        connection = getattr(pooled, "dbapi_connection", pooled)
        if connection in wrote or connection.info.transaction_status != TransactionStatus.INTRANS:
            wrote.discard(connection)
            rollback(pooled)
        else:
            commit(pooled)

    def end_commit(pooled) -> None:
        wrote.discard(getattr(pooled, "dbapi_connection", pooled))
        commit(pooled)

    dialect.do_rollback, dialect.do_commit = end_rollback, end_commit
