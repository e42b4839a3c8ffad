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
