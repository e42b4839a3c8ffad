"""The live path of a chain: many stores on two processes behind nginx, sharing Redis.

`python -m bench live --chain [--stores 50] [--handhelds 10] [--processes 2] [--seconds 30]
[--tablets]`

deploy/ as it runs: gunicorn eventlet server processes (deploy/gunicorn.conf.py) behind nginx
with the site config of deploy/nginx/assist.conf, a real Redis as the message queue and a
throwaway PostgreSQL (SQLite when no PostgreSQL is installed). Every store has 40 fitting rooms at
its busy peak (one request per room per minute, with its claim, completion, the visit's end and
the tidy task's claim and completion) and its own handhelds. A store's devices come from one
address of their own (127.0.0.0/8), as behind a store's router, so nginx's stickiness spreads the
stores over the processes as it would in a chain.

Devices and rooms run in several client processes, whole stores in each: a room's driver learns
the id of the tidy task its visit's end made from its own store's handhelds. Figures as in
bench/live.py: nudge and "sees it" latencies, delivered/expected, RSS of the server processes;
besides, failed HTTP requests and the CPU seconds of the servers, of the bench's clients and of
the whole machine (nginx, Redis and PostgreSQL share it). The rooms' tablets only tap, as in the
issue's measurement; with --tablets each listens as well, as a store's do (bench/live_clients.py
`Tablet`), and "customer sees it" is the time from a claim or completion sent to the tablet's
status re-read. With BENCH_PROFILE=<dir>, py-spy
samples every server process through the load.
"""

import asyncio
import json
import multiprocessing
import os
import random
import re
import shutil
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import aiohttp
import requests

from tests.e2e.chain import GUNICORN, Nginx, RestartableRedis
from tests.e2e.server import LiveServer, server_env
from tests.servers import running_postgres

from .live import (
    PEAK_CYCLES_PER_ROOM_PER_MINUTE,
    ROOMS,
    _percentiles,
    cookie_of,
    cpu_seconds,
    profile,
    rss_mb,
    seeded,
    token_in,
)
from .live_clients import Device, Tablet

CONSULTANTS = [("Anna Tamm", "1111"), ("Boris Ivanov", "2222"), ("Chen Li", "3333")]
DRAIN_SECONDS = 5
CLIENT_PROCESSES = 4
OPEN_CARD = re.compile(r'<article id="request-(\d+)" class="request request--open')


def run(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-chain-") as tmp, ExitStack() as stack:
        deployment = Deployment(Path(tmp), args.processes, stack)
        stores = deployment.prepare(args.stores)
        row = Chain(deployment, stores, args.handhelds, args.seconds, args.tablets).go()
    row = {"server": "chain", "stores": args.stores, "processes": args.processes, **row}
    print(json.dumps(row), flush=True)
    return row


class Deployment:
    """Redis, the database, N gunicorn processes and nginx, all on 127.0.0.1."""

    def __init__(self, workdir: Path, processes: int, stack: ExitStack):
        self.workdir, self.processes, self.stack = workdir, processes, stack

    def prepare(self, store_count: int) -> list[dict]:
        redis = RestartableRedis(self.workdir).start()
        self.stack.callback(redis.stop)
        database = None
        if shutil.which("pg_ctl") or Path("/usr/lib/postgresql").exists():
            database = self.stack.enter_context(running_postgres())
        self.database = "postgresql" if database else "sqlite"
        env = server_env(
            self.workdir,
            database,
            SOCKETIO_MESSAGE_QUEUE=redis.url,
            BEHIND_PROXY="1",
            GRACEFUL_TIMEOUT="1",
            RECEIPT_WAIT_SECONDS="30",
        )
        tokens = seeded(env, ROOMS, store_count)
        self.servers = [
            LiveServer(self.workdir, env, command=GUNICORN) for _ in range(self.processes)
        ]
        for server in self.servers:
            server.launch()
            self.stack.callback(server.stop)
        for server in self.servers:
            server.wait_until_serving()
        nginx = Nginx(self.workdir, [s.port for s in self.servers], connections=16_384).start()
        self.stack.callback(nginx.stop)
        self.base_url = nginx.base_url
        return [self._store(int(store_id), rooms) for store_id, rooms in tokens.items()]

    def _store(self, store_id: int, tablets: dict[str, str]) -> dict:
        """Cookies and CSRF tokens, fetched here once, for a store's devices and rooms."""
        staff = [_signed_in(self.base_url, store_id, *who) for who in CONSULTANTS]
        rooms = {
            int(room): _tablet_session(self.base_url, token) for room, token in tablets.items()
        }
        return {"id": store_id, "staff": staff, "rooms": rooms}

    def server_pids(self) -> list[int]:
        """Every server process: gunicorn's arbiters and their workers."""
        pids = [s.process.pid for s in self.servers]
        for pid in list(pids):
            children = Path(f"/proc/{pid}/task/{pid}/children")
            if children.exists():
                pids += [int(c) for c in children.read_text().split()]
        return pids

    def worker_pids(self) -> list[int]:
        """The processes that serve: gunicorn's workers."""
        arbiters = {s.process.pid for s in self.servers}
        return [pid for pid in self.server_pids() if pid not in arbiters]

    def servers_rss_mb(self) -> int:
        """Resident memory of every server process, in MB."""
        return sum(rss_mb(pid) for pid in self.server_pids())


def _signed_in(base_url: str, store_id: int, name: str, secret: str) -> dict:
    http = requests.Session()
    token = token_in(http.get(base_url + "/staff/signin", timeout=30).text)
    form = {"store": store_id, "name": name, "secret": secret, "csrf_token": token}
    http.post(base_url + "/staff/signin", data=form, timeout=30).raise_for_status()
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    http.post(base_url + "/staff/duty", data={"duty": "on"}, headers=headers, timeout=30)
    return {"cookie": cookie_of(http), "token": token}


def _tablet_session(base_url: str, tablet_token: str) -> dict:
    http = requests.Session()
    http.cookies.set("fra_tablet", tablet_token)
    token = token_in(http.get(base_url + "/kiosk/", timeout=30).text)
    return {"cookie": cookie_of(http), "token": token}


# --- the run ---------------------------------------------------------------------------------


class Chain:
    def __init__(
        self, deployment: Deployment, stores: list[dict], handhelds: int, seconds: float, tablets
    ):
        self.deployment, self.stores = deployment, stores
        self.handhelds, self.seconds, self.tablets = handhelds, seconds, tablets

    def go(self) -> dict:
        ctx = multiprocessing.get_context("spawn")
        count = min(CLIENT_PROCESSES, len(self.stores))
        pipes, procs = [], []
        for n in range(count):
            mine, theirs = ctx.Pipe()
            part = self.stores[n::count]
            args = (
                self.deployment.base_url,
                part,
                self.handhelds,
                self.tablets,
                self.seconds,
                theirs,
            )
            proc = ctx.Process(target=drive, args=args)
            proc.start()
            pipes.append(mine)
            procs.append(proc)
        connected = sum(pipe.recv()["connected"] for pipe in pipes)
        rss_connected = self.deployment.servers_rss_mb()
        cpu_before = self._cpu(procs)
        for pipe in pipes:
            pipe.send("go")
        profilers = [
            profile(pid, f"chain-{pid}", self.seconds) for pid in self.deployment.worker_pids()
        ]
        rss = [rss_connected]
        while not all(pipe.poll() for pipe in pipes):
            time.sleep(0.5)
            rss.append(self.deployment.servers_rss_mb())
        parts = [pipe.recv() for pipe in pipes]
        cpu = {k: round(v - cpu_before[k], 1) for k, v in self._cpu(procs).items()}
        for profiler in filter(None, profilers):
            profiler.wait()
        for proc in procs:
            proc.join(timeout=30)
        nudges = [x for p in parts for x in p["nudges"]]
        seen = [x for p in parts for x in p["seen"]]
        tablet_seen = [x for p in parts for x in p["tablet_seen"]]
        return {
            "database": self.deployment.database,
            "handhelds_per_store": self.handhelds,
            "seconds": self.seconds,
            "connected": connected,
            "taps_per_s": round(sum(p["taps"] for p in parts) / self.seconds / 2, 2),
            "changes": sum(p["changes"] for p in parts),
            "nudge_ms": _percentiles(nudges),
            "sees_it_ms": _percentiles(seen),
            "tablets_listen": self.tablets,
            "customer_sees_it_ms": _percentiles(tablet_seen),
            "customer_saw": len(tablet_seen),
            "customer_expected": sum(p["customer_expected"] for p in parts),
            "delivered": len(nudges),
            "expected": sum(p["expected"] for p in parts),
            "http_errors": sum(p["errors"] for p in parts),
            "rereads": sum(p["rereads"] for p in parts),
            "rss_mb": {"connected": rss_connected, "max": max(rss)},
            "cpu_s": cpu,
            "servers_cpu_ms_per_change": round(
                cpu["servers"] * 1e3 / max(1, sum(p["changes"] for p in parts)), 1
            ),
        }

    def _cpu(self, clients) -> dict[str, float]:
        """CPU seconds so far: the servers, the bench's clients, and the whole machine (which
        also runs nginx, Redis and the database)."""
        return {
            "servers": sum(cpu_seconds(pid) for pid in self.deployment.server_pids()),
            "clients": sum(cpu_seconds(p.pid) for p in clients),
            "machine": machine_cpu_seconds(),
        }


def drive(base_url: str, stores: list[dict], handhelds: int, tablets: bool, seconds, pipe) -> None:
    """A client process's entry: its stores' handhelds and rooms, then their figures."""
    asyncio.run(_drive(base_url, stores, handhelds, tablets, seconds, pipe))


async def _drive(base_url, stores, handhelds, tablets, seconds, pipe) -> None:
    shops = [Shop(base_url, spec, handhelds, tablets) for spec in stores]
    results = await asyncio.gather(*(shop.connect() for shop in shops), return_exceptions=True)
    pipe.send({"connected": sum(r for r in results if isinstance(r, int))})
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # go
    end = time.time() + seconds
    await asyncio.gather(*(shop.serve(end) for shop in shops))
    await asyncio.sleep(DRAIN_SECONDS)
    pipe.send(_figures(shops))
    await asyncio.gather(*(shop.close() for shop in shops), return_exceptions=True)


class Shop:
    """One store: its handhelds (from an address of its own) and its rooms' tablets and
    consultant, each room cycling at the store's peak; with `tablets`, the tablets listen too."""

    addresses = iter(f"127.{(n >> 8) & 255}.{n & 255}.{1 + n % 250}" for n in range(1, 10**6))

    def __init__(self, base_url: str, spec: dict, handhelds: int, tablets: bool):
        self.base_url, self.spec = base_url, spec
        self.records = {"nudges": [], "seen": [], "rereads": [], "tablet_seen": [], "errors": 0}
        self.sent: dict[tuple[int, str], float] = {}
        self.tidies: dict[int, asyncio.Future] = {}  # room → the tidy task its visit's end made
        self.customer_moves: list[tuple[int, str]] = []  # what a listening tablet re-reads for
        staff = spec["staff"]
        self.devices = [
            ShopHandheld(self, staff[i % len(staff)]["cookie"]) for i in range(handhelds)
        ]
        rooms = spec["rooms"].values() if tablets else []
        self.tablets = [Tablet(base_url, room["cookie"], self.records) for room in rooms]
        self.address = next(self.addresses)
        self.http: aiohttp.ClientSession | None = None

    def from_address(self) -> aiohttp.ClientSession:
        """An HTTP session sent from the store's address."""
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(self.address, 0)))

    async def connect(self) -> int:
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(local_addr=(self.address, 0), limit=20),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        starts = [device.start_from(self) for device in self.devices]
        starts += [tablet.start(self.from_address) for tablet in self.tablets]
        connected = 0
        for start in starts:  # one at a time, as a store's devices come in
            try:
                await start
                connected += 1
            except Exception:  # counted as not connected
                pass
        return connected

    async def serve(self, end: float) -> None:
        period = 60 / PEAK_CYCLES_PER_ROOM_PER_MINUTE
        listening = [*self.devices, *self.tablets]
        beats = [asyncio.ensure_future(d.heartbeat()) for d in listening if d.sio.connected]
        try:
            await asyncio.gather(
                *(
                    self._room(room, session, period, end)
                    for room, session in self.spec["rooms"].items()
                )
            )
        finally:
            for beat in beats:
                beat.cancel()

    async def _room(self, room: int, tablet: dict, period: float, end: float) -> None:
        start = time.time() + random.uniform(0, period)
        while start < end:
            await asyncio.sleep(max(0.0, start - time.time()))
            await self._cycle(room, tablet, step=period / 8)
            start += period

    async def _cycle(self, room: int, tablet: dict, step: float) -> None:
        at = time.time()
        form = {"kind": "consultant", "client_key": uuid.uuid4().hex}
        page = await self._post("/kiosk/requests", tablet, form)
        found = OPEN_CARD.search(page)
        if not found:
            return
        ask = int(found.group(1))
        self.sent[(ask, "created")] = at
        await self._staff_steps(ask, step)
        self.customer_moves += [(ask, action) for action in Tablet.MOVES]
        self.tidies[room] = asyncio.get_running_loop().create_future()
        await asyncio.sleep(step)  # the customer sees "Done" before ending the visit
        at = time.time()
        await self._post("/kiosk/visit/end", tablet, {})
        try:
            tidy = await asyncio.wait_for(self.tidies[room], timeout=30)
        except TimeoutError:
            return
        self.sent[(tidy, "created")] = at
        await self._staff_steps(tidy, step)

    async def _staff_steps(self, request_id: int, step: float) -> None:
        claimer = self.spec["staff"][0]
        for path, action in (("claim", "claimed"), ("complete", "completed")):
            await asyncio.sleep(step)
            self.sent[(request_id, action)] = time.time()
            await self._post(f"/staff/requests/{request_id}/{path}", claimer, {})

    async def _post(self, path: str, who: dict, form: dict) -> str:
        headers = {"Cookie": who["cookie"], "X-CSRFToken": who["token"], "HX-Request": "true"}
        try:
            async with self.http.post(self.base_url + path, data=form, headers=headers) as answer:
                text = await answer.text()
                if answer.status >= 500:
                    self.records["errors"] += 1
                return text
        except (TimeoutError, aiohttp.ClientError):
            self.records["errors"] += 1
            return ""

    def heard(self, payload: dict) -> None:
        """A handheld heard a change: a visit's tidy task tells its room's driver its id."""
        if payload.get("kind") == "tidy" and payload.get("action") == "created":
            waiting = self.tidies.get(payload.get("room"))
            if waiting is not None and not waiting.done():
                waiting.set_result(payload["request"])

    async def close(self) -> None:
        devices = [*self.devices, *self.tablets]
        await asyncio.gather(*(d.stop() for d in devices), return_exceptions=True)
        await self.http.close()


class ShopHandheld(Device):
    """A handheld of the bench's (bench/live_clients.py) that tells its store what it hears."""

    def __init__(self, shop: Shop, cookie: str):
        super().__init__(shop.base_url, cookie, "/staff/queue", shop.records)
        self.shop = shop

    async def start_from(self, shop: Shop) -> None:
        self.sio.eio.http_factory = shop.from_address
        await self.start()

    async def nudged(self, payload: dict) -> None:
        self.shop.heard(payload)
        await super().nudged(payload)


def _figures(shops: list[Shop]) -> dict:
    nudges, seen, taps, changes, expected, errors, rereads = [], [], 0, 0, 0, 0, 0
    tablet_seen, customer_expected = [], 0
    for shop in shops:
        rereads += len(shop.records["rereads"])
        sent = shop.sent
        nudges += [t - sent[(r, a)] for r, a, t in shop.records["nudges"] if (r, a) in sent]
        seen += [
            t - sent[(r, a)]
            for r, a, t in shop.records["seen"]
            if a == "created" and (r, a) in sent
        ]
        tablet_seen += [
            t - sent[(r, a)] for r, a, t in shop.records["tablet_seen"] if (r, a) in sent
        ]
        if shop.tablets:
            customer_expected += len(shop.customer_moves)
        taps += sum(1 for _, a in sent if a == "created")
        changes += len(sent)
        expected += len(sent) * len(shop.devices)
        errors += shop.records["errors"]
    return {
        "nudges": nudges,
        "seen": seen,
        "taps": taps,
        "changes": changes,
        "expected": expected,
        "errors": errors,
        "rereads": rereads,
        "tablet_seen": tablet_seen,
        "customer_expected": customer_expected,
    }


def table(row: dict) -> str:
    def p(key: str) -> str:
        cuts = row[key]
        return (
            " / ".join(f"{cuts[c]:.0f}" for c in ("p50", "p95", "p99", "max")) + " ms"
            if cuts
            else "–"
        )

    customer = (
        f"{p('customer_sees_it_ms')} ({row['customer_saw']}/{row['customer_expected']})"
        if row["tablets_listen"]
        else "tablets only tap"
    )
    return (
        "| stores × handhelds | processes | database | taps/s | nudge p50/p95/p99/max "
        "| sees it p50/p95/p99/max | customer sees it p50/p95/p99/max | delivered "
        "| failed HTTP | RSS MB (all processes) | servers' CPU ms per change |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        f"| {row['stores']} × {row['handhelds_per_store']} | {row['processes']} "
        f"| {row['database']} | {row['taps_per_s']} | {p('nudge_ms')} | {p('sees_it_ms')} "
        f"| {customer} | {row['delivered']}/{row['expected']} | {row['http_errors']} "
        f"| {row['rss_mb']['max']} | {row['servers_cpu_ms_per_change']} |"
    )


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far (all cores), in seconds."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
