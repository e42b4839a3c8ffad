"""How fast the report queries are on a big history.

Generates BENCH_REQUESTS requests (1,000,000 by default) over six months for one store, with
their visits and ratings, in a temporary SQLite file, then times every report query for one
month and for the whole period and prints the query plan of the main aggregation. The same
runs on a throwaway PostgreSQL when tests/servers.py can start one (BENCH_POSTGRES=0 skips it).
"""

import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from assist import create_app, demo, metrics, reports_csv
from assist.config import Config
from assist.extensions import db
from assist.models import FittingRoom, Kind, Rating, Request, Role, StaffMember, Store

FIRST_DAY, LAST_DAY = date(2026, 5, 1), date(2026, 10, 31)  # includes the autumn DST change
MONTH = (date(2026, 10, 1), date(2026, 10, 31))
BATCH = 20_000
EXTRA_ROOMS, EXTRA_CONSULTANTS = 15, 17  # on top of the demo's 5 rooms and 3 consultants
# Relative demand by local hour while the store is open (10:00–21:00): afternoons are busier.
HOURLY_DEMAND = {10: 3, 11: 5, 12: 7, 13: 8, 14: 7, 15: 8, 16: 9, 17: 10, 18: 9, 19: 7, 20: 4}
KIND_WEIGHTS = {Kind.CONSULTANT: 40, Kind.SIZE: 30, Kind.DRINK: 12, Kind.AMENITY: 8, Kind.TIDY: 10}
REASONS = ["fast", "friendly", "great_advice", "had_to_wait", "felt_ignored", "size_not_available"]

REQUEST_COLUMNS = (
    "id, store_id, room_id, visit_id, kind, state, dedupe_key, created_at, acknowledged_at, "
    "completed_at, closed_at, claimed_by_id, escalation_level, delivery_level"
)
VISIT_COLUMNS = "id, room_id, started_at, ended_at, end_reason"
RATING_COLUMNS = "id, visit_id, score, reasons, comment, nps, created_at, recovery_note"


def main() -> None:
    count = int(os.environ.get("BENCH_REQUESTS", 1_000_000))
    print(f"Report queries over {count:,} requests, {FIRST_DAY} – {LAST_DAY}, one store\n")
    with tempfile.TemporaryDirectory(prefix="assist-bench-") as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.db", count)
    if os.environ.get("BENCH_POSTGRES", "1") != "0":
        with _postgres() as url:
            if url:
                run("PostgreSQL", url, count)


@contextmanager
def _postgres() -> Iterator[str | None]:
    try:
        from tests.servers import running_postgres

        with running_postgres() as url:
            yield url
    except (ImportError, RuntimeError) as error:
        print(f"PostgreSQL skipped: {error}")
        yield None


def run(engine: str, url: str, count: int) -> None:
    """Fill one database, then time and explain the report queries on it."""
    app = create_app(_config(url))
    with app.app_context():
        db.create_all()
        store = _store()
        started = time.perf_counter()
        made = generate(store, count, random.Random(20261025))
        elapsed = time.perf_counter() - started
        print(f"== {engine}: wrote {made} in {elapsed:.1f} s")
        _analyze()
        timings(store)
        explain(store)
        db.session.remove()
        db.engine.dispose()


def _config(url: str) -> type:
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-only",
        "SOCKETIO_ASYNC_MODE": "threading",
        "SOCKETIO_MESSAGE_QUEUE": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    return type("BenchConfig", (Config,), settings)


def _store() -> Store:
    """The demo store with more rooms and consultants, as a big flagship store would have."""
    store = demo.seed()
    for n in range(EXTRA_ROOMS):
        db.session.add(FittingRoom(store_id=store.id, name=f"Room {n + 6}", area="Women"))
    for n in range(EXTRA_CONSULTANTS):
        member = StaffMember(store_id=store.id, name=f"Consultant {n + 1}", role=Role.CONSULTANT)
        member.set_secret("0000")
        db.session.add(member)
    db.session.commit()
    return store


# --- history --------------------------------------------------------------------------------


def generate(store: Store, count: int, rng: random.Random) -> str:
    """Write `count` requests, their visits and ratings in batches; say what was written."""
    rooms = [room.id for room in store.rooms]
    staff = [m.id for m in _consultants(store)]
    written = {"requests": 0, "visits": 0, "ratings": 0}
    batches = {"requests": [], "visits": [], "ratings": []}
    for visit, requests, rating in _visits(store, count, rooms, staff, rng):
        batches["visits"].append(visit)
        batches["requests"].extend(requests)
        if rating:
            batches["ratings"].append(rating)
        if len(batches["requests"]) >= BATCH:
            _flush(batches, written)
    _flush(batches, written)
    return ", ".join(f"{n:,} {table}" for table, n in written.items())


def _consultants(store: Store) -> list[StaffMember]:
    query = select(StaffMember).where(
        StaffMember.store_id == store.id, StaffMember.role == Role.CONSULTANT
    )
    return list(db.session.scalars(query))


def _visits(store, count, rooms, staff, rng) -> Iterator[tuple]:
    """Visits with one to three requests each, `count` requests in all, oldest first."""
    sizes = _visit_sizes(count, rng)
    starts = _starts(store, len(sizes), rng)
    made = 0
    for visit_id, ((started, day, hour), n) in enumerate(zip(starts, sizes, strict=True), 1):
        where = (store.id, rng.choice(rooms), visit_id)
        on_floor = _on_shift(staff, day, hour)
        requests = [_request(made + i + 1, where, started, rng, on_floor) for i in range(n)]
        made += n
        ended = max(r[7] for r in requests) + timedelta(minutes=rng.randint(2, 15))
        visit = (visit_id, where[1], started, ended, "rated")
        yield visit, requests, _rating(visit_id, ended, rng) if rng.random() < 0.3 else None


def _visit_sizes(count: int, rng: random.Random) -> list[int]:
    sizes, total = [], 0
    while total < count:
        sizes.append(min(rng.choice((1, 1, 2, 3)), count - total))
        total += sizes[-1]
    return sizes


def _starts(store: Store, visits: int, rng: random.Random) -> list[tuple[datetime, int, int]]:
    """Visit start times (naive UTC) with their local day number and hour, sorted: a live
    store writes its rows in time order, so a period's rows sit together on disk."""
    zone, days = ZoneInfo(store.timezone), (LAST_DAY - FIRST_DAY).days + 1
    hours, weights = list(HOURLY_DEMAND), list(HOURLY_DEMAND.values())
    starts = []
    for _ in range(visits):
        number, hour = rng.randrange(days), rng.choices(hours, weights)[0]
        day = FIRST_DAY + timedelta(days=number)
        local = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
        starts.append((_utc(local + timedelta(seconds=rng.randrange(3600))), number, hour))
    return sorted(starts)


def _on_shift(staff: list[int], day: int, hour: int) -> list[int]:
    """Two consultants early (until 15:00), two others late, all four at 15:00; rotating."""
    early = [staff[(4 * day + i) % len(staff)] for i in range(2)]
    late = [staff[(4 * day + 2 + i) % len(staff)] for i in range(2)]
    return early if hour < 15 else early + late if hour == 15 else late


def _request(request_id: int, where: tuple, started: datetime, rng, on_floor) -> tuple:
    """One request of a visit; `where` is (store id, room id, visit id)."""
    created = started + timedelta(seconds=rng.randrange(900))
    kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
    acknowledged = created + timedelta(seconds=round(rng.expovariate(1 / 28), 3))
    completed = acknowledged + timedelta(seconds=round(rng.expovariate(1 / 70) + 10, 3))
    claimer, closed, state = rng.choice(on_floor), None, "completed"
    draw = rng.random()
    if draw < 0.07:  # nobody came: the customer left (abandoned) or cancelled
        state = "abandoned" if draw < 0.03 else "cancelled"
        closed, acknowledged, completed, claimer = completed, None, None, None
    times = (created, acknowledged, completed, closed)
    return (request_id, *where, str(kind), state, f"{kind}:{request_id}", *times, claimer, 0, 0)


def _rating(visit_id: int, at: datetime, rng: random.Random) -> tuple:
    score = rng.choices((1, 2, 3, 4, 5), (3, 4, 10, 35, 48))[0]
    reasons = ",".join(rng.sample(REASONS[:3] if score >= 4 else REASONS[3:], rng.randint(0, 2)))
    nps = rng.choice([None, *range(11), 9, 10, 10]) if rng.random() < 0.6 else None
    return (visit_id, visit_id, score, reasons, "", nps, at, "")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _flush(batches: dict[str, list], written: dict[str, int]) -> None:
    # Visits before the requests and ratings that point at them.
    for table, columns in (
        ("visits", VISIT_COLUMNS),
        ("requests", REQUEST_COLUMNS),
        ("ratings", RATING_COLUMNS),
    ):
        _insert(table, columns, batches[table])
        written[table] += len(batches[table])
        batches[table].clear()
    db.session.commit()


def _insert(table: str, columns: str, rows: list[tuple]) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    connection = db.session.connection().connection.driver_connection
    if db.engine.dialect.name == "postgresql":
        with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns.split(",")))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    connection.executemany(sql, [tuple(map(_sqlite_value, row)) for row in rows])


def _sqlite_value(value):
    # SQLAlchemy stores SQLite datetimes as text with microseconds; so must we, to compare.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def _analyze() -> None:
    """Fresh planner statistics, and SQLite's write-ahead log folded into the database file,
    as a live database would have them after the bulk load."""
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()


# --- timings ----------------------------------------------------------------------------------

QUERIES: dict[str, Callable[[metrics.Scope], object]] = {
    "per kind (count, within, outcomes)": metrics.kind_figures,
    "overall percentiles": lambda scope: metrics.overall(scope, []),
    "acknowledge histogram": metrics.acknowledge_histogram,
    "ratings (avg, NPS, reasons)": metrics.ratings,
    "consultants": metrics.consultants,
    "fitting rooms": metrics.rooms,
    "heat map": lambda scope: metrics.heat_map(scope).cells,
    "daily trend": metrics.trend,
    "staffing advice": lambda scope: metrics.staffing_advice(scope).hours,
    "whole report page": metrics.report,
    "requests CSV (streamed)": lambda scope: sum(
        chunk.count("\n") for chunk in reports_csv.requests_csv(scope)
    ),
}


def timings(store: Store) -> None:
    """Seconds and result rows of each query, for one month and for the whole period."""
    month = metrics.Scope((store,), *MONTH)
    whole = metrics.Scope((store,), FIRST_DAY, LAST_DAY)
    sizes = [metrics.overall(s, metrics.kind_figures(s)).count for s in (month, whole)]
    print(f"{'query':<38}{'month s':>9}{'rows':>10}{'6 months s':>12}{'rows':>11}")
    print(f"{'(requests in the period)':<38}{'':>9}{sizes[0]:>10,}{'':>12}{sizes[1]:>11,}")
    for name, query in QUERIES.items():
        cells = [cell for scope in (month, whole) for cell in _timed(query, scope)]
        print(f"{name:<38}{cells[0]:>9.3f}{cells[1]:>10,}{cells[2]:>12.3f}{cells[3]:>11,}")
    print()


def _timed(query, scope) -> tuple[float, int]:
    db.session.expire_all()
    started = time.perf_counter()
    result = query(scope)
    return time.perf_counter() - started, _rows(result)


def _rows(result) -> int:
    if isinstance(result, int):
        return result
    if isinstance(result, metrics.Report):
        return len(result.kinds) + len(result.rooms) + len(result.ranking) + len(result.trend)
    try:
        return len(result)
    except TypeError:
        return 1


def explain(store: Store) -> None:
    """Query plans for one month: the main aggregation (per kind), which must find the month's
    requests through ix_requests_store_created, and the ratings, through ix_ratings_created_at."""
    month = metrics.Scope((store,), *MONTH)
    per_kind = metrics.requests_in(month, Request.kind, *metrics._outcomes())
    _explain("the per-kind aggregation", per_kind.group_by(Request.kind))
    rating = metrics.ratings_in(month, Rating.score, func.count())
    _explain("the ratings distribution", rating.group_by(Rating.score))


def _explain(what: str, query) -> None:
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN" if db.engine.dialect.name == "sqlite" else "EXPLAIN"
    print(f"{prefix} of {what}, one month:")
    for row in db.session.execute(text(f"{prefix} {compiled}")):
        print("   ", row[-1])
    print()
