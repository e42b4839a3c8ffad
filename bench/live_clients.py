"""Handhelds and boards for the live benchmark: one asyncio loop per process, many devices each.

Each handheld does what static/js/live.js does:
- a nudge that carries the card's HTML (`html`) is on screen when it arrives; its receipt joins
  the burst's one `shown` (a list of ids) sent 100 ms and a random part of a second later;
- a nudge without HTML (the old transport, and the bare baseline) makes the queue re-read itself
  over HTTP (one re-read in flight, at most one more queued), after which every open card on it
  is confirmed, one `shown` per card;
- the heartbeat's answer (the latest seq) tells it when it missed something: then it re-reads.
Boards re-read their content on every nudge, coalesced the same way.

A fitting room's tablet (`Tablet`, used by the chain's `--tablets`) hears its own room's changes
on /kiosk and re-reads its status when its customer's request is claimed or done.
"""

import asyncio
import random
import re
import time

import aiohttp
import socketio

CARD = re.compile(r'id="request-(\d+)"')
CONFIRM = re.compile(r'data-confirm="(\d+)"')
COALESCE_SECONDS = 0.1
RECEIPT_SPREAD_SECONDS = 1.0  # live.js's RECEIPT_SPREAD_MS
HEARTBEAT_SECONDS = 20


class Listening:
    """What every device does: a socket on its namespace, HTTP for its re-reads, a heartbeat."""

    namespace = ""

    def __init__(self, base_url: str, cookie: str, records: dict):
        self.base_url, self.cookie, self.records = base_url, cookie, records
        self.sio = socketio.AsyncClient(reconnection=True, ssl_verify=False)
        self.http: aiohttp.ClientSession | None = None
        self.last_seq = 0

    async def connect(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        await self.sio.connect(
            self.base_url,
            namespaces=[self.namespace],
            transports=["websocket"],
            headers={"Cookie": self.cookie},
            wait_timeout=60,
        )

    async def stop(self) -> None:
        await self.sio.disconnect()
        await self.http.close()

    async def reread(self) -> None:
        raise NotImplementedError

    async def heartbeat(self) -> None:
        """live.js's heartbeat: every HEARTBEAT_SECONDS; an answer with a later seq than the
        device heard means it missed a nudge, and it re-reads. live.js beats on a timer started
        when its page loaded: pages load at different moments, so the beats of many devices do
        not fall together; each beats from the start of the load on, as a store's devices do
        all day."""
        await asyncio.sleep(random.random() * HEARTBEAT_SECONDS)
        while True:
            answer = await self.sio.call("heartbeat", namespace=self.namespace, timeout=30)
            if answer and answer.get("seq", 0) > self.last_seq:
                self.last_seq = answer["seq"]
                await self.reread()
            await asyncio.sleep(HEARTBEAT_SECONDS)


class Device(Listening):
    """A handheld (its queue at `path`) or a board (its content)."""

    namespace = "/staff"

    def __init__(self, base_url: str, cookie: str, path: str, records: dict):
        super().__init__(base_url, cookie, records)
        self.path = path
        self.busy = self.again = False
        self.waiting: list[tuple[int, str, float]] = []  # nudges not yet on screen
        self.receipts: set[int] = set()
        self.flush: asyncio.Task | None = None
        for name in ("request", "alert"):
            self.sio.on(name, self.nudged, namespace=self.namespace)

    async def start(self) -> None:
        http = aiohttp.ClientSession(
            headers={"Cookie": self.cookie, "HX-Request": "true"},
            connector=aiohttp.TCPConnector(limit=2),
        )
        await self.connect(http)

    async def nudged(self, payload: dict) -> None:
        now = time.time()
        self.last_seq = max(self.last_seq, payload.get("seq") or 0)
        key = (payload["request"], payload["action"])
        self.records["nudges"].append((*key, now))
        if "html" in payload:
            self.records["seen"].append((*key, now))
            self.receipts.update(int(i) for i in CONFIRM.findall(payload.get("html") or ""))
            if self.receipts and self.flush is None:
                self.flush = asyncio.ensure_future(self.send_receipts())
        else:
            self.waiting.append((*key, now))
            asyncio.ensure_future(self.reread())  # never hold up the next event

    async def send_receipts(self) -> None:
        await asyncio.sleep(COALESCE_SECONDS + random.random() * RECEIPT_SPREAD_SECONDS)
        ids, self.receipts, self.flush = sorted(self.receipts), set(), None
        await self.sio.emit("shown", {"requests": ids}, namespace=self.namespace)

    async def reread(self) -> None:
        if self.busy:
            self.again = True
            return
        self.busy = True
        try:
            while True:
                self.again = False
                started = time.time()
                shown, self.waiting = self.waiting, []
                try:
                    async with self.http.get(self.base_url + self.path) as response:
                        text = await response.text()
                except (TimeoutError, aiohttp.ClientError):
                    self.records["errors"] += 1
                    text = ""
                done = time.time()
                self.records["rereads"].append(done - started)
                self.records["seen"].extend((rid, action, done) for rid, action, _ in shown)
                if self.path.endswith("/queue"):
                    for rid in CONFIRM.findall(text):
                        await self.sio.emit(
                            "shown", {"request": int(rid)}, namespace=self.namespace
                        )
                if not self.again:
                    break
        finally:
            self.busy = False


class Tablet(Listening):
    """A fitting room's tablet as live.js runs it on the kiosk: its customer's request claimed
    or done makes it re-read its status ("Anna is on her way", "Done"); the request's creation
    is answered by the tap itself, and the room's tidy task shows nothing on it. Each re-read is
    noted in records["tablet_seen"] as (request, action, when it was on screen), if the status
    shows the change: the figures count those that did not as not seen."""

    namespace = "/kiosk"
    MOVES = {"claimed": "acknowledged", "completed": "completed"}  # action: the state it shows

    def __init__(self, base_url: str, cookie: str, records: dict):
        super().__init__(base_url, cookie, records)
        self.sio.on("request", self.nudged, namespace=self.namespace)

    async def start(self, http_factory) -> None:
        """`http_factory` makes its HTTP sessions, the socket's too (to send from an address)."""
        self.sio.eio.http_factory = http_factory
        await self.connect(http_factory())

    async def nudged(self, payload: dict) -> None:
        self.last_seq = max(self.last_seq, payload.get("seq") or 0)
        if payload.get("kind") != "tidy" and payload.get("action") in self.MOVES:
            asyncio.ensure_future(self.reread((payload["request"], payload["action"])))

    async def reread(self, change: tuple[int, str] | None = None) -> None:
        headers = {"Cookie": self.cookie, "HX-Request": "true"}
        shows = ""
        if change:
            request_id, action = change
            shows = f'id="request-{request_id}" class="request request--{self.MOVES[action]}"'
        try:
            async with self.http.get(self.base_url + "/kiosk/status", headers=headers) as answer:
                text = await answer.text() if answer.status < 500 else ""
        except (TimeoutError, aiohttp.ClientError):
            text = ""
        if not text:
            self.records["errors"] += 1
        elif change and shows in text:
            self.records["tablet_seen"].append((*change, time.time()))


async def _main(base_url: str, devices: list[tuple[str, str]], pipe) -> None:
    records = {"nudges": [], "seen": [], "rereads": [], "errors": 0}
    boards = {"nudges": [], "seen": [], "rereads": [], "errors": 0}
    made = [
        Device(base_url, cookie, path, boards if path.endswith("/live") else records)
        for cookie, path in devices
    ]
    connected = 0
    for batch in range(0, len(made), 50):  # not all at once: a real store's devices trickle in
        results = await asyncio.gather(
            *(d.start() for d in made[batch : batch + 50]), return_exceptions=True
        )
        connected += sum(1 for r in results if r is None)
    beats = [asyncio.ensure_future(d.heartbeat()) for d in made if d.sio.connected]
    pipe.send({"connected": connected})
    while not await asyncio.get_running_loop().run_in_executor(None, pipe.poll, 0.5):
        pass
    pipe.recv()  # stop
    for beat in beats:
        beat.cancel()
    pipe.send({"handhelds": records, "boards": boards})
    await asyncio.gather(*(d.stop() for d in made), return_exceptions=True)


def serve(base_url: str, devices: list[tuple[str, str]], pipe) -> None:
    """A process's entry: connect the devices, report, listen until told to stop, hand back."""
    asyncio.run(_main(base_url, devices, pipe))
