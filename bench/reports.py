"""How fast the reports are over a chain's history.

Generates a chain of BENCH_STORES stores (50 by default) in several time zones with
BENCH_REQUESTS requests (5,000,000 by default) over six months: visits at realistic hours of
each store's day, one to three customer requests each and the tidy task after, ratings for
about a third of the visits. Rows are written in bulk (COPY on PostgreSQL, executemany on
SQLite) with the store-local stamps the app writes. Then it times, as an admin's browser would
get them, the report page for a store-month (p50/p95 over the stores), the chain-month and a
store's six months, first over every request, then again once the settled months are tallied
(`flask reports tally`, timed; see assist.metrics.tallies), and streams the requests CSV of
about a million rows in a fresh process, measuring its peak memory. SQLite first, then a
throwaway PostgreSQL (BENCH_POSTGRES=0 skips).

    python -m bench reports              # the issue's size
    BENCH_REQUESTS=500000 python -m bench reports   # a quicker run

BENCH_KEEP_DB=path keeps the SQLite database in that file: the first run generates it, later
runs reuse it (adding any index the models have gained since, then ANALYZE) and only time the
pages, so a change to the reports can be measured in seconds. Delete the file, or change
BENCH_REQUESTS or BENCH_STORES, to generate anew. BENCH_CSV=0 skips the CSV probe.
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, inspect, select, text

from assist import create_app, server
from assist.config import Config
from assist.extensions import db
from assist.metrics import tallies
from assist.models import FittingRoom, Kind, Role, StaffMember, Store, Tally, TallyRow

FIRST_DAY, LAST_DAY = date(2026, 5, 1), date(2026, 10, 31)  # both clock changes of Europe
MONTH = (date(2026, 10, 1), date(2026, 10, 31))
CSV_ROWS = 1_000_000  # the CSV streams the last days of the history that hold about this many
ZONES = (
    "Europe/Tallinn",
    "Europe/Helsinki",
    "Europe/Stockholm",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
)
ROOMS, CONSULTANTS = 12, 10  # per store
BATCH = 20_000
# Relative demand by local hour while a store is open (10:00–21:00): afternoons are busier.
HOURLY_DEMAND = {10: 3, 11: 5, 12: 7, 13: 8, 14: 7, 15: 8, 16: 9, 17: 10, 18: 9, 19: 7, 20: 4}
CUSTOMER_KINDS = {Kind.CONSULTANT: 45, Kind.SIZE: 33, Kind.DRINK: 13, Kind.AMENITY: 9}
REASONS = ["fast", "friendly", "great_advice", "had_to_wait", "felt_ignored", "size_not_available"]
STORE_MONTH_SAMPLES = 20

REQUEST_COLUMNS = (
    "id, store_id, room_id, visit_id, kind, state, dedupe_key, created_at, acknowledged_at, "
    "completed_at, closed_at, claimed_by_id, escalation_level, delivery_level, local_day, "
    "local_hour, local_weekday, acknowledge_ms, complete_ms"
)
VISIT_COLUMNS = "id, room_id, started_at, ended_at, end_reason, service_day"
RATING_COLUMNS = (
    "id, visit_id, score, reasons, comment, nps, created_at, recovery_note, store_id, room_id, "
    "service_day"
)


def main() -> None:
    count = int(os.environ.get("BENCH_REQUESTS", 5_000_000))
    stores = int(os.environ.get("BENCH_STORES", 50))
    print(f"Reports over a chain: {stores} stores, {count:,} requests, {FIRST_DAY} – {LAST_DAY}")
    results = []
    kept = os.environ.get("BENCH_KEEP_DB")
    if kept:
        results.append(run("SQLite", f"sqlite:///{os.path.abspath(kept)}", count, stores))
    else:
        with tempfile.TemporaryDirectory(prefix="assist-bench-") as tmp:
            results.append(run("SQLite", f"sqlite:///{tmp}/bench.db", count, stores))
    if os.environ.get("BENCH_POSTGRES", "1") != "0":
        with _postgres() as url:
            if url:
                results.append(run("PostgreSQL", url, count, stores))
    print_table(results)


@contextmanager
def _postgres() -> Iterator[str | None]:
    try:
        from tests.servers import running_postgres

        with running_postgres() as url:
            yield url
    except (ImportError, RuntimeError) as error:
        print(f"PostgreSQL skipped: {error}")
        yield None


def _config(url: str) -> type:
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-only",
        "SOCKETIO_ASYNC_MODE": "threading",
        "SOCKETIO_MESSAGE_QUEUE": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    return type("BenchConfig", (Config,), settings)


def run(engine: str, url: str, count: int, stores: int) -> dict:
    """Fill one database, then time the pages and the CSV on it."""
    app = create_app(_config(url))
    with app.app_context():
        chain = _kept_chain(count, stores)
        if chain:
            print(f"== {engine}: reusing the kept database ({count:,} requests)")
        else:
            db.create_all()
            chain = _chain(stores)
            started = time.perf_counter()
            made = generate(chain, count, random.Random(20261025))
            print(f"== {engine}: wrote {made} in {time.perf_counter() - started:.0f} s")
        _analyze()
        result = {"engine": engine, **timings(app, chain)}
        db.session.remove()
        db.engine.dispose()
    if os.environ.get("BENCH_CSV", "1") == "0":
        result["csv"] = "skipped"
    else:
        result["csv"] = csv_in_fresh_process(url, _csv_period(count))
    print(f"   requests CSV: {result['csv']}")
    return result


def _kept_chain(count: int, stores: int) -> list[Store] | None:
    """The stores of a database kept by BENCH_KEEP_DB, when it holds this run's history, with
    the indexes the models have gained since it was generated; None to generate anew."""
    if db.engine.dialect.name != "sqlite" or not os.environ.get("BENCH_KEEP_DB"):
        return None
    if not inspect(db.engine).has_table("requests"):
        return None
    chain = list(db.session.scalars(select(Store).order_by(Store.id)))
    held = db.session.scalar(text("SELECT count(*) FROM requests"))
    if len(chain) != stores or held != count:
        db.session.remove()
        db.drop_all()
        return None
    db.create_all()  # tables the models have gained since
    for table in db.metadata.sorted_tables:
        for index in table.indexes:
            index.create(db.engine, checkfirst=True)
    return chain


def _chain(stores: int) -> list[Store]:
    chain = [
        Store(name=f"Store {n + 1:02d}", timezone=ZONES[n % len(ZONES)]) for n in range(stores)
    ]
    db.session.add_all(chain)
    db.session.flush()
    for store in chain:
        db.session.add_all(
            FittingRoom(store_id=store.id, name=f"Room {n + 1}", area="Women" if n < 8 else "Men")
            for n in range(ROOMS)
        )
        for n in range(CONSULTANTS):
            member = StaffMember(
                store_id=store.id, name=f"Consultant {n + 1}", role=Role.CONSULTANT
            )
            member.set_secret("0000")
            db.session.add(member)
    admin = StaffMember(store_id=chain[0].id, name="Chain Admin", role=Role.ADMIN)
    admin.set_secret("bench-admin-1")
    db.session.add(admin)
    db.session.commit()
    return chain


# --- history --------------------------------------------------------------------------------


def generate(chain: list[Store], count: int, rng: random.Random) -> str:
    """Write `count` requests (customer requests and the tidy after each visit), their visits
    and ratings, in batches; say what was written."""
    written = {"requests": 0, "visits": 0, "ratings": 0}
    batches = {"requests": [], "visits": [], "ratings": []}
    ids = {"request": 0, "visit": 0}
    per_store = count // len(chain)
    for n, store in enumerate(chain):
        share = per_store + (count - per_store * len(chain) if n == len(chain) - 1 else 0)
        for visit, requests, rating in _store_history(store, share, ids, rng):
            batches["visits"].append(visit)
            batches["requests"].extend(requests)
            if rating:
                batches["ratings"].append(rating)
            if len(batches["requests"]) >= BATCH:
                _flush(batches, written)
    _flush(batches, written)
    return ", ".join(f"{n:,} {table}" for table, n in written.items())


def _store_history(store: Store, count: int, ids: dict, rng: random.Random) -> Iterator[tuple]:
    rooms = list(db.session.scalars(select(FittingRoom.id).where(FittingRoom.store_id == store.id)))
    staff = list(
        db.session.scalars(
            select(StaffMember.id).where(
                StaffMember.store_id == store.id, StaffMember.role == Role.CONSULTANT
            )
        )
    )
    clock = _LocalClock(store.timezone)
    made = 0
    for local_start in _visit_starts(count, rng):
        room = rng.choice(rooms)
        ids["visit"] += 1
        visit_id = ids["visit"]
        on_floor = _on_shift(staff, (local_start.date() - FIRST_DAY).days, local_start.hour)
        requests, last = [], local_start
        for _ in range(min(rng.choice((1, 1, 2, 3)), count - made)):
            ids["request"] += 1
            request, done = _customer_request(
                ids["request"], store.id, room, visit_id, local_start, clock, rng, on_floor
            )
            requests.append(request)
            last = max(last, done)
        made += len(requests)
        local_end = last + timedelta(minutes=rng.randint(2, 15))
        if made < count:
            ids["request"] += 1
            requests.append(
                _tidy(ids["request"], store.id, room, visit_id, local_end, clock, rng, on_floor)
            )
            made += 1
        start, end = clock.utc(local_start), clock.utc(local_end)
        visit = (visit_id, room, start, end, "rated", local_start.date())
        rating = None
        if rng.random() < 0.3:
            rating = _rating(visit_id, end, store.id, room, local_start.date(), rng)
        yield visit, requests, rating
        if made >= count:
            return


def _visit_starts(count: int, rng: random.Random) -> list[datetime]:
    """Local (naive) start times, sorted: a live store writes its rows in time order."""
    visits = int(count / 2.5) + 1  # 1.75 customer requests and a tidy per visit, and spare
    days = (LAST_DAY - FIRST_DAY).days + 1
    hours, weights = list(HOURLY_DEMAND), list(HOURLY_DEMAND.values())
    starts = [
        datetime.combine(FIRST_DAY + timedelta(days=rng.randrange(days)), datetime.min.time())
        + timedelta(hours=hour, seconds=rng.randrange(3600))
        for hour in rng.choices(hours, weights, k=visits)
    ]
    return sorted(starts)


class _LocalClock:
    """Naive local time → naive UTC for one zone, one zoneinfo lookup per local hour."""

    def __init__(self, timezone: str):
        self.zone, self.offsets = ZoneInfo(timezone), {}

    def utc(self, local: datetime) -> datetime:
        hour = local.replace(minute=0, second=0, microsecond=0)
        offset = self.offsets.get(hour)
        if offset is None:
            offset = self.offsets[hour] = hour.replace(tzinfo=self.zone).utcoffset()
        return local - offset


def _customer_request(request_id, store_id, room, visit_id, local_start, clock, rng, on_floor):
    local = local_start + timedelta(seconds=rng.randrange(900))
    kind = rng.choices(list(CUSTOMER_KINDS), list(CUSTOMER_KINDS.values()))[0]
    acknowledge = round(rng.expovariate(1 / 28), 3)
    complete = round(acknowledge + rng.expovariate(1 / 70) + 10, 3)
    if rng.random() < 0.002:  # a forgotten "done", hours later
        complete += rng.randint(3600, 16 * 3600)
    claimer, state, closed = rng.choice(on_floor), "completed", None
    draw = rng.random()
    if draw < 0.07:  # nobody came: the customer left (abandoned) or cancelled
        state = "abandoned" if draw < 0.03 else "cancelled"
        closed, acknowledge, complete, claimer = complete, None, None, None
    row = _request_row(
        request_id, store_id, room, visit_id, kind, state, local, clock, acknowledge, complete,
        closed, claimer,
    )  # fmt: skip
    return row, local + timedelta(seconds=complete or closed)


def _tidy(request_id, store_id, room, visit_id, local, clock, rng, on_floor):
    acknowledge = round(rng.expovariate(1 / 60), 3)
    complete = round(acknowledge + rng.expovariate(1 / 120) + 30, 3)
    claimer, state, closed = rng.choice(on_floor), "completed", None
    if rng.random() < 0.05:  # the next customer came first
        state, closed, acknowledge, complete, claimer = "skipped", complete, None, None, None
    return _request_row(
        request_id, store_id, room, visit_id, Kind.TIDY, state, local, clock, acknowledge,
        complete, closed, claimer,
    )  # fmt: skip


def _request_row(
    request_id, store_id, room, visit_id, kind, state, local, clock, acknowledge, complete,
    closed, claimer,
) -> tuple:  # fmt: skip
    created = clock.utc(local)
    times = [
        None if s is None else created + timedelta(seconds=s)
        for s in (acknowledge, complete, closed)
    ]  # noqa: E501
    return (
        request_id, store_id, room, visit_id, str(kind), state, f"{kind}:{request_id}", created,
        *times, claimer, 0, 0, local.date(), local.hour, local.weekday(),
        _ms(acknowledge), _ms(complete),
    )  # fmt: skip


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def _on_shift(staff: list[int], day: int, hour: int) -> list[int]:
    """Three consultants early (until 15:00), three others late, all six at 15:00; rotating."""
    early = [staff[(6 * day + i) % len(staff)] for i in range(3)]
    late = [staff[(6 * day + 3 + i) % len(staff)] for i in range(3)]
    return early if hour < 15 else early + late if hour == 15 else late


def _rating(visit_id: int, at: datetime, store_id, room, day, rng: random.Random) -> tuple:
    score = rng.choices((1, 2, 3, 4, 5), (3, 4, 10, 35, 48))[0]
    reasons = ",".join(rng.sample(REASONS[:3] if score >= 4 else REASONS[3:], rng.randint(0, 2)))
    nps = rng.choice([None, *range(11), 9, 10, 10]) if rng.random() < 0.6 else None
    return (visit_id, visit_id, score, reasons, "", nps, at, "", store_id, room, day)


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
    # SQLAlchemy stores SQLite datetimes as text with microseconds, dates as YYYY-MM-DD.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat() if isinstance(value, date) else value


def _analyze() -> None:
    """Fresh planner statistics, and SQLite's write-ahead log folded into the database file,
    as a live database would have them after the bulk load."""
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()


# --- timings ----------------------------------------------------------------------------------


def _admin_client(app):
    client = app.test_client()
    admin = db.session.scalar(select(StaffMember).where(StaffMember.role == Role.ADMIN))
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    return client


def _page(client, store: str, first: date, last: date) -> float:
    db.session.expire_all()
    started = time.perf_counter()
    response = client.get(f"/staff/reports?store={store}&from={first}&to={last}")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text[:500]
    return elapsed


def timings(app, chain: list[Store]) -> dict:
    """The pages over every request, then, once `flask reports tally` has run (timed), over
    the kept tallies of the settled months."""
    server.settle()  # what wsgi.py does once the app is loaded
    client = _admin_client(app)
    db.session.execute(delete(TallyRow))  # a kept database may hold the last run's
    db.session.execute(delete(Tally))
    db.session.commit()
    raw = pages(client, chain)
    started = time.perf_counter()
    tallied = tallies.tally_settled()
    took = time.perf_counter() - started
    print(f"   tallied {tallied} store-months in {took:.0f} s")
    return {"raw": raw, "tallied": pages(client, chain), "tally": f"{tallied} in {took:.0f} s"}


def pages(client, chain: list[Store]) -> dict:
    _page(client, str(chain[0].id), *MONTH)  # warm the templates and the caches
    months = [_page(client, str(store.id), *MONTH) for store in chain[:STORE_MONTH_SAMPLES]]
    chain_month = [_page(client, "all", *MONTH) for _ in range(2)]
    six = [_page(client, str(store.id), FIRST_DAY, LAST_DAY) for store in chain[:3]]
    result = {
        "store_month_p50": statistics.median(months),
        "store_month_p95": _p95(months),
        "chain_month": max(chain_month),
        "store_six_months": max(six),
    }
    print("   " + ", ".join(f"{k} {v:.3f} s" for k, v in result.items()))
    return result


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _csv_period(count: int) -> tuple[date, date]:
    days = (LAST_DAY - FIRST_DAY).days + 1
    wanted = min(days, -(-CSV_ROWS * days // count))
    return LAST_DAY - timedelta(days=wanted - 1), LAST_DAY


def csv_in_fresh_process(url: str, period: tuple[date, date]) -> str:
    """The chain's requests CSV over `period`, streamed in a process of its own, so that its
    peak memory is the CSV's and not the generator's."""
    call = f"from bench.reports import csv_probe; csv_probe({url!r}, {period[0]!r}, {period[1]!r})"
    probe = subprocess.run(
        [sys.executable, "-c", f"import datetime; {call}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return (probe.stdout.strip() or probe.stderr.strip()[-500:]).splitlines()[-1]


def csv_probe(url: str, first: date, last: date) -> None:
    app = create_app(_config(url))
    with app.app_context():
        client = _admin_client(app)
        baseline = _peak_rss_mb()
        started = time.perf_counter()
        response = client.get(f"/staff/reports/requests.csv?store=all&from={first}&to={last}")
        lines = sum(chunk.count(b"\n") for chunk in response.response)
        elapsed = time.perf_counter() - started
    print(
        f"{lines - 1:,} rows in {elapsed:.1f} s; peak RSS {_peak_rss_mb():.0f} MB "
        f"({baseline:.0f} MB before the first row)"
    )


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def print_table(results: list[dict]) -> None:
    columns = ("database", "read from", "store-month page p50 / p95", "chain-month page")
    print("\n| " + " | ".join((*columns, "store six months", "requests CSV")) + " |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        for source, label in (("raw", "every request"), ("tallied", f"tallies ({r['tally']})")):
            t = r[source]
            print(
                f"| {r['engine']} | {label} | {t['store_month_p50'] * 1000:.0f} / "
                f"{t['store_month_p95'] * 1000:.0f} ms | {t['chain_month']:.2f} s | "
                f"{t['store_six_months']:.2f} s | {r['csv'] if source == 'raw' else '″'} |"
            )


if __name__ == "__main__":
    main()
