"""The throwaway servers that the PostgreSQL and Redis tests run against really work."""

import redis
from sqlalchemy import create_engine, text

from .servers import running_postgres, running_redis


def test_postgres_round_trip():
    with running_postgres() as url:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE garment (id serial PRIMARY KEY, name text)"))
                conn.execute(text("INSERT INTO garment (name) VALUES ('linen shirt')"))
            with engine.connect() as conn:
                assert conn.execute(text("SELECT name FROM garment")).scalars().all() == [
                    "linen shirt"
                ]
                assert conn.execute(text("SELECT current_database()")).scalar() == "assist_test"
        finally:
            engine.dispose()


def test_redis_set_get():
    with running_redis() as url, redis.Redis.from_url(url, decode_responses=True) as client:
        client.set("room:3", "busy")
        assert client.get("room:3") == "busy"
