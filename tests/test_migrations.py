"""`flask db upgrade` on an empty database builds exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from assist.extensions import db


def test_migrations_match_the_models(any_db_app):
    db.drop_all()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        connection.commit()
    upgrade()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []
    downgrade(revision="base")  # and back down, so a bad release can be rolled back
    upgrade()


def test_the_stamps_migration_backfills_existing_rows(any_db_app):
    """Rows written before the reports' stamps existed get them, as the app would write them;
    a room's surplus live tidy tasks close as skipped."""
    db.drop_all()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        connection.commit()
    upgrade(revision="3dbe8b2d05f8")
    rows = [
        "INSERT INTO stores (id, name, timezone, language) VALUES (1, 'T', 'Europe/Tallinn', 'en')",
        "INSERT INTO fitting_rooms (id, store_id, name, area) VALUES (1, 1, 'R', '')",
        "INSERT INTO visits (id, room_id, started_at) VALUES (1, 1, '2026-03-02 21:50:00')",
        "INSERT INTO ratings (id, visit_id, score, reasons, comment, created_at, recovery_note)"
        " VALUES (1, 1, 5, '', '', '2026-03-02 22:15:00', '')",
    ]
    requests = (
        "INSERT INTO requests (id, store_id, room_id, visit_id, kind, state, dedupe_key, "
        "created_at, acknowledged_at, completed_at, escalation_level, delivery_level) VALUES "
    )
    rows += [
        requests + "(1, 1, 1, 1, 'consultant', 'completed', 'c', '2026-03-02 21:59:59.999600',"
        " '2026-03-02 22:00:30.000100', '2026-03-02 22:01:00', 0, 0)",
        requests + "(2, 1, 1, 1, 'tidy', 'open', 't1', '2026-03-02 22:20:00', NULL, NULL, 0, 0)",
        requests + "(3, 1, 1, 1, 'tidy', 'open', 't2', '2026-03-02 22:40:00', NULL, NULL, 0, 0)",
    ]
    with db.engine.begin() as connection:
        for statement in rows:
            connection.exec_driver_sql(statement)
    upgrade()
    with db.engine.connect() as connection:
        stamped = connection.exec_driver_sql(
            "SELECT local_day, local_hour, local_weekday, acknowledge_ms, complete_ms, state "
            "FROM requests ORDER BY id"
        ).all()
        rating = connection.exec_driver_sql(
            "SELECT store_id, room_id, service_day FROM ratings"
        ).one()
    days = [str(row[0]) for row in stamped]
    assert days == ["2026-03-02", "2026-03-03", "2026-03-03"]
    assert tuple(stamped[0][1:5]) == (23, 0, 30001, 60001)
    assert [row[5] for row in stamped] == ["completed", "skipped", "open"]
    assert (rating[0], rating[1], str(rating[2])) == (1, 1, "2026-03-02")
