"""The database connection under pressure: a process whose connections are all taken answers
"busy" at once and writes nothing; on PostgreSQL a transaction that only read keeps the
connection's prepared statements (its query plans), and one that wrote or failed still rolls back.
"""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from assist import demo
from assist.extensions import db
from assist.models import Request, Store

from .conftest import csrf_from, pair_tablet, room_named

READS = 8  # psycopg prepares a statement the fifth time a connection runs it


def test_a_tap_while_every_connection_is_taken_is_answered_busy_and_writes_nothing(
    one_connection_app,
):
    store = demo.seed()
    tablet = one_connection_app.test_client()
    pair_tablet(tablet, room_named(store, "Room 1"))
    token = csrf_from(tablet.get("/kiosk/"))
    db.session.remove()
    tap = {"kind": "consultant", "client_key": "a" * 32}
    headers = {"X-CSRFToken": token, "HX-Request": "true"}

    with db.engine.connect() as taken:
        taken.exec_driver_sql("SELECT 1")
        answer = tablet.post("/kiosk/requests", data=tap, headers=headers)

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert "We are very busy. Please try again in a moment." in answer.text
    assert "X-Refused" not in answer.headers  # the tablet's outbox keeps the tap, sends it again
    assert db.session.scalar(select(func.count()).select_from(Request)) == 0
    again = tablet.post("/kiosk/requests", data=tap, headers=headers)
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Request)) == 1


def prepared_statements(connection) -> int:
    return connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()


def stores_named(name: str) -> int:
    with db.engine.connect() as other:
        return other.scalar(select(func.count()).select_from(Store).where(Store.name == name))


def test_reads_ended_like_a_request_keep_their_plans(postgres_app):
    with db.engine.connect() as connection:
        for _ in range(READS):
            connection.execute(select(Store.id).where(Store.name == "Tartu"))
            connection.rollback()  # how every request's session ends
        assert prepared_statements(connection) >= 1


def test_a_request_that_wrote_and_failed_leaves_nothing(postgres_app):
    db.session.add(Store(name="Half written", timezone="Europe/Tallinn", language="en"))
    db.session.flush()
    db.session.remove()  # the request's end, without a commit
    assert stores_named("Half written") == 0


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_write_after_reads_is_still_undone(postgres_app, end):
    with db.engine.connect() as connection:
        for _ in range(READS):
            connection.execute(select(Store.id))
        connection.execute(
            Store.__table__.insert().values(name="Undone", timezone="UTC", language="en")
        )
        if end == "rollback":
            connection.rollback()
    assert stores_named("Undone") == 0


def test_a_failed_statement_rolls_back_and_the_connection_goes_on(postgres_app):
    with db.engine.connect() as connection:
        with pytest.raises(ProgrammingError):
            connection.execute(text("SELECT no_such_column FROM stores"))
        connection.rollback()
        assert connection.execute(select(func.count()).select_from(Store)).scalar() == 0
