"""The live path: how fast a change reaches every handheld, on the app and on bare python-socketio.

`python -m bench live [--quick] [--levels 10,100] [--loads 1,10] [--seconds 30]`

For each number of handhelds and each load (a multiple of a busy store's peak: 40 rooms, one
request per room per minute, each with its claim, its completion, the visit's end and the tidy
task's claim and completion), it runs the app (`python wsgi.py` on eventlet, fresh SQLite) and
then the bare baseline (bench/live_bare.py: python-socketio on eventlet doing only the emit),
with the handhelds spread over several client processes (bench/live_clients.py) and two boards.

Figures, per run: nudge latency (the change's HTTP request sent → the event on a handheld),
"sees it" (a tap sent → the card on a handheld's screen, re-read included where there is one),
re-read latency, delivered/expected nudges, and the server's RSS. Printed as JSON lines and
written to bench/results/latest.json (key "live"), then as a table.
"""

import argparse
import json
import math
import multiprocessing
import os
import queue
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import socketio

from tests.e2e.clients import TOKEN, Handheld
from tests.e2e.server import ROOT, LiveServer, server_env
from tests.servers import free_port, wait_for_port

ROOMS = 40
PEAK_CYCLES_PER_ROOM_PER_MINUTE = 1
BOARDS = 2
CONSULTANTS = [("Anna Tamm", "1111"), ("Boris Ivanov", "2222"), ("Chen Li", "3333")]
MANAGER = ("Maria Kask", "manager-demo")
RESULTS = ROOT / "bench" / "results" / "latest.json"
DRAIN_SECONDS = 5


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench live", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="10/100/500 handhelds, 1x/10x, 15 s")
    parser.add_argument("--levels", help="handhelds per run, e.g. 10,100,500,2000")
    parser.add_argument("--loads", help="multiples of a busy store's peak, e.g. 1,5,10")
    parser.add_argument("--seconds", type=float, help="load time per run")
    parser.add_argument("--servers", default="app,bare", help="app, bare or both")
    parser.add_argument(
        "--chain", action="store_true", help="a chain behind nginx instead (bench/live_chain.py)"
    )
    parser.add_argument("--stores", type=int, default=50, help="--chain: stores")
    parser.add_argument("--handhelds", type=int, default=10, help="--chain: handhelds per store")
    parser.add_argument("--processes", type=int, default=2, help="--chain: server processes")
    parser.add_argument(
        "--tablets", action="store_true", help="--chain: every room's tablet listens, as in a store"
    )
    args = parser.parse_args(argv)
    if os.environ.get("BENCH_PROFILE") and not _py_spy():
        parser.error("BENCH_PROFILE needs py-spy: pip install -r requirements-dev.txt")
    quick = args.quick
    args.levels = _ints(args.levels) or ([10, 100, 500] if quick else [10, 100, 500, 2000])
    args.loads = _ints(args.loads) or ([1, 10] if quick else [1, 5, 10])
    args.seconds = args.seconds or (15 if quick else 40)
    args.servers = args.servers.split(",")
    return args


def _ints(text: str | None) -> list[int]:
    return [int(x) for x in text.split(",")] if text else []


def run(argv: list[str]) -> list[dict]:
    """Every (handhelds, load) pair on each server, alternating; JSON lines, file, table."""
    args = parse(argv)
    if args.chain:
        from . import live_chain

        row = live_chain.run(args)
        _save([row], argv, key="live_chain")
        print(live_chain.table(row))
        return [row]
    rows = []
    for handhelds in args.levels:
        for load in args.loads:
            for kind in args.servers:
                row = measure(kind, handhelds, load, args.seconds)
                print(json.dumps(row), flush=True)
                rows.append(row)
    _save(rows, argv)
    print(table(rows))
    return rows


def measure(kind: str, handhelds: int, load: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        server = AppServer(Path(tmp)) if kind == "app" else BareServer()
        server.start()
        try:
            return Run(server, handhelds, load, seconds).go()
        finally:
            server.stop()


# --- servers --------------------------------------------------------------------------------


class AppServer:
    """The app as a store runs it, with 40 rooms and a paired tablet in each."""

    kind = "app"

    def __init__(self, workdir: Path):
        env = server_env(workdir, RECEIPT_WAIT_SECONDS="30")
        self.tablets = {int(k): v for k, v in seeded(env, ROOMS).items()}
        self.live = LiveServer(workdir, env)

    def start(self) -> None:
        self.live.start()
        self.base_url = self.live.base_url
        self.pid = self.live.process.pid
        people = [Handheld(self.base_url).sign_in(*who) for who in CONSULTANTS]
        self.staff = [cookie_of(h.http) for h in people]
        self.claimer = people[0]
        self.board = cookie_of(Handheld(self.base_url).sign_in(*MANAGER).http)

    def stop(self) -> None:
        self.live.stop()


class BareServer:
    kind = "bare"

    def start(self) -> None:
        port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.live_bare", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port("127.0.0.1", port, timeout=30)
        self.base_url, self.pid = f"http://127.0.0.1:{port}", self.process.pid
        self.staff, self.board, self.tablets = [""], "", dict.fromkeys(range(1, ROOMS + 1), "")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def profile(pid: int, name: str, seconds: float) -> subprocess.Popen | None:
    """With BENCH_PROFILE=<dir>, py-spy samples a server process through the run's load:
    collapsed stacks in <dir>/<name>.txt (flamegraph.pl or speedscope read them)."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    out = Path(folder) / f"{name}.txt"
    command = [_py_spy(), "record", "--pid", str(pid), "--duration", str(int(seconds)),
               "--format", "raw", "--output", str(out), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _py_spy() -> str | None:
    """py-spy from the venv (also when the venv is not on PATH), else from PATH."""
    venvs = Path(sys.executable).with_name("py-spy")
    return str(venvs) if venvs.exists() else shutil.which("py-spy")


def seeded(env: dict, *sizes: int) -> dict:
    """bench/live_seed.py's answer, run against the server's database."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.live_seed", *map(str, sizes)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def cookie_of(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


# --- one run --------------------------------------------------------------------------------


class Run:
    def __init__(self, server, handhelds: int, load: int, seconds: float):
        self.server, self.handhelds, self.load, self.seconds = server, handhelds, load, seconds
        self.sent: dict[tuple[int, str], float] = {}
        self.lock = threading.Lock()
        self.rss: list[int] = []
        self.lost = 0  # taps whose own tablet never heard of them

    def go(self) -> dict:
        pipes, procs = self._clients()
        connected = sum(pipe.recv()["connected"] for pipe in pipes)
        rss_connected = rss_mb(self.server.pid)
        cpu_before = cpu_seconds(self.server.pid), sum(cpu_seconds(p.pid) for p in procs)
        sampling = threading.Event()
        sampler = threading.Thread(target=self._sample, args=(sampling,), daemon=True)
        sampler.start()
        profiler = profile(self.server.pid, self.server.kind, self.seconds)
        period = 60 / (PEAK_CYCLES_PER_ROOM_PER_MINUTE * self.load)
        end = time.time() + self.seconds
        rooms = [
            threading.Thread(target=self._room, args=(room, token, period, end), daemon=True)
            for room, token in self.server.tablets.items()
        ]
        for room in rooms:
            room.start()
        for room in rooms:
            room.join()
        time.sleep(DRAIN_SECONDS)
        sampling.set()
        self.cpu = {
            "server": cpu_seconds(self.server.pid) - cpu_before[0],
            "clients": sum(cpu_seconds(p.pid) for p in procs) - cpu_before[1],
        }
        if profiler:
            profiler.wait()
        records = []
        for pipe in pipes:
            pipe.send("stop")
            records.append(pipe.recv())
        for proc in procs:
            proc.join(timeout=30)
        return self._figures(records, connected, rss_connected)

    def _clients(self):
        devices = [
            (self.server.staff[i % len(self.server.staff)], "/staff/queue")
            for i in range(self.handhelds)
        ]
        devices += [(self.server.board, "/staff/board/live")] * (BOARDS if self.server.board else 0)
        count = max(1, min(4, math.ceil(len(devices) / 100)))
        ctx = multiprocessing.get_context("spawn")
        pipes, procs = [], []
        from .live_clients import serve

        for n in range(count):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=serve, args=(self.server.base_url, devices[n::count], theirs))
            proc.start()
            pipes.append(mine)
            procs.append(proc)
        return pipes, procs

    def _sample(self, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            self.rss.append(rss_mb(self.server.pid))

    def _room(self, room: int, token: str, period: float, end: float) -> None:
        actor = (AppRoom if self.server.kind == "app" else BareRoom)(self, room, token)
        start = time.time() + random.uniform(0, period)
        try:
            while start < end:
                time.sleep(max(0.0, start - time.time()))
                actor.cycle(step=min(1.0, period / 8))
                start += period
        finally:
            actor.close()

    def note(self, request_id: int, action: str, at: float) -> None:
        with self.lock:
            self.sent[(request_id, action)] = at

    def _figures(self, records: list[dict], connected: int, rss_connected: int) -> dict:
        hh = [r["handhelds"] for r in records]
        boards = [r["boards"] for r in records]
        nudges = [
            t - self.sent[(rid, a)]
            for r in hh
            for rid, a, t in r["nudges"]
            if (rid, a) in self.sent
        ]
        seen = [
            t - self.sent[(rid, a)]
            for r in hh
            for rid, a, t in r["seen"]
            if a == "created" and (rid, a) in self.sent
        ]
        rereads = [x for r in hh for x in r["rereads"]]
        board_rereads = [x for r in boards for x in r["rereads"]]
        taps = sum(1 for _, a in self.sent if a == "created")
        return {
            "server": self.server.kind,
            "handhelds": self.handhelds,
            "load": self.load,
            "seconds": self.seconds,
            "connected": connected,
            "taps_per_s": round(taps / self.seconds / 2, 2),  # two taps (customer + tidy) a cycle
            "changes": len(self.sent),
            "nudge_ms": _percentiles(nudges),
            "nudge_ms_by_action": self._by_action(hh),
            "sees_it_ms": _percentiles(seen),
            "reread_ms": _percentiles(rereads),
            "rereads": len(rereads),
            "board_reread_ms": _percentiles(board_rereads),
            "board_rereads": len(board_rereads),
            "delivered": len(nudges),
            "expected": len(self.sent) * self.handhelds,
            "http_errors": sum(r["errors"] for r in hh),
            "taps_unheard": self.lost,
            "rss_mb": {"connected": rss_connected, "max": max(self.rss or [rss_connected])},
            "cpu_s": {k: round(v, 2) for k, v in self.cpu.items()},
            "server_cpu_ms_per_change": round(self.cpu["server"] * 1e3 / max(1, len(self.sent)), 2),
        }

    def _by_action(self, handhelds: list[dict]) -> dict:
        """Nudge p50/p99/max per kind of change (created, claimed, …): which step is slow."""
        by_action: dict[str, list[float]] = {}
        for r in handhelds:
            for rid, action, t in r["nudges"]:
                if (rid, action) in self.sent:
                    by_action.setdefault(action, []).append(t - self.sent[(rid, action)])
        return {
            action: {k: v for k, v in _percentiles(times).items() if k in ("p50", "p99", "max")}
            for action, times in sorted(by_action.items())
        }


class BareRoom:
    """The bare baseline's changes: the same steps at the same pace, each one a single emit."""

    ids = iter(range(1, 10**9))
    ids_lock = threading.Lock()

    def __init__(self, run: Run, room: int, _token: str):
        self.run, self.room, self.http = run, room, requests.Session()

    def cycle(self, step: float) -> None:
        with self.ids_lock:
            ask, tidy = next(self.ids), next(self.ids)
        for rid, action in ((ask, "created"), (ask, "claimed"), (ask, "completed"),
                            (tidy, "created"), (tidy, "claimed"), (tidy, "completed")):  # fmt: skip
            change = {"request": rid, "room": self.room, "kind": "consultant", "action": action}
            self.run.note(rid, action, time.time())
            self.http.post(self.run.server.base_url + "/emit", json=change, timeout=30)
            time.sleep(step)

    def close(self) -> None:
        self.http.close()


class AppRoom:
    """One fitting room's tablet and the consultant who serves it, over HTTP like the pages."""

    def __init__(self, run: Run, room: int, token: str):
        self.run, self.room = run, room
        base = run.server.base_url
        self.tablet = requests.Session()
        self.tablet.cookies.set("fra_tablet", token)
        self.tablet_token = token_in(self.tablet.get(base + "/kiosk/", timeout=30).text)
        self.staff = requests.Session()
        self.staff.cookies.update(run.server.claimer.http.cookies)
        self.staff_token = token_in(self.staff.get(base + "/staff/", timeout=30).text)
        self.heard: queue.Queue = queue.Queue()
        self.socket = socketio.Client(reconnection=False)
        self.socket.on("request", self.heard.put, namespace="/kiosk")
        self.socket.connect(
            base,
            namespaces=["/kiosk"],
            transports=["websocket"],
            headers={"Cookie": f"fra_tablet={token}"},
            wait_timeout=30,
        )

    def cycle(self, step: float) -> None:
        ask = self._tap("/kiosk/requests", {"kind": "consultant", "client_key": uuid.uuid4().hex})
        if ask is None:
            return
        time.sleep(step)
        self._staff(ask, "claim", "claimed")
        time.sleep(step)
        self._staff(ask, "complete", "completed")
        time.sleep(step)
        tidy = self._tap("/kiosk/visit/end", {})
        if tidy is None:
            return
        time.sleep(step)
        self._staff(tidy, "claim", "claimed")
        time.sleep(step)
        self._staff(tidy, "complete", "completed")
        time.sleep(step)

    def _tap(self, path: str, data: dict) -> int | None:
        """A tablet's POST; the request it made is the next `created` its own socket hears."""
        at = time.time()
        self.tablet.post(self._url(path), data=data, headers=self._headers(self.tablet_token))
        event = self._next("created")
        if event is None:
            self.run.lost += 1
            return None
        self.run.note(event["request"], "created", at)
        return event["request"]

    def _staff(self, request_id: int, step: str, action: str) -> None:
        self.run.note(request_id, action, time.time())
        self.staff.post(
            self._url(f"/staff/requests/{request_id}/{step}"),
            headers=self._headers(self.staff_token),
        )

    def _next(self, action: str) -> dict | None:
        try:
            while True:
                event = self.heard.get(timeout=30)
                if event["action"] == action:
                    return event
        except queue.Empty:
            return None

    def _url(self, path: str) -> str:
        return self.run.server.base_url + path

    @staticmethod
    def _headers(token: str) -> dict:
        return {"X-CSRFToken": token, "HX-Request": "true"}

    def close(self) -> None:
        self.socket.disconnect()
        self.tablet.close()
        self.staff.close()


def token_in(page: str) -> str:
    match = TOKEN.search(page)
    return match.group(1) or match.group(2)


def rss_mb(pid: int) -> int:
    """Resident memory of a server process, in MB (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) // 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far, in seconds (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ms = sorted(v * 1000 for v in values)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "p99": round(cuts[98], 1),
        "max": round(ms[-1], 1),
        "n": len(ms),
    }


def _save(rows: list[dict], argv: list[str], key: str = "live") -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved[key] = {"command": " ".join(["python -m bench live", *argv]), "runs": rows}
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")


def table(rows: list[dict]) -> str:
    """The runs as a Markdown table: app and bare side by side for each level and load."""
    head = (
        "| handhelds | load | taps/s | nudge p50/p95/p99/max, app | nudge p50/p99, bare "
        "| sees it p50/p95/p99/max, app | re-reads, app | delivered, app | RSS MB, app "
        "| server CPU ms per change, app / bare |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    lines = [head]
    by = {(r["server"], r["handhelds"], r["load"]): r for r in rows}
    for handhelds, load in dict.fromkeys((r["handhelds"], r["load"]) for r in rows):
        app, bare = by.get(("app", handhelds, load)), by.get(("bare", handhelds, load))
        lines.append(
            f"| {handhelds} | {load}× | {(app or bare)['taps_per_s']} "
            f"| {_p(app, 'nudge_ms', 'p50', 'p95', 'p99', 'max')} "
            f"| {_p(bare, 'nudge_ms', 'p50', 'p99')} "
            f"| {_p(app, 'sees_it_ms', 'p50', 'p95', 'p99', 'max')} "
            f"| {app['rereads'] if app else '–'} "
            f"| {_delivered(app)} "
            f"| {app['rss_mb']['max'] if app else '–'} "
            f"| {_cpu(app)} / {_cpu(bare)} |"
        )
    return "\n".join(lines)


def _cpu(row: dict | None) -> str:
    return f"{row['server_cpu_ms_per_change']:.1f}" if row else "–"


def _delivered(row: dict | None) -> str:
    return f"{row['delivered']}/{row['expected']}" if row else "–"


def _p(row: dict | None, key: str, *cuts: str) -> str:
    if not row or not row[key]:
        return "–"
    return " / ".join(f"{row[key][c]:.0f}" for c in cuts) + " ms"
