"""A tablet and a handheld as real devices: HTTP sessions plus Socket.IO clients over WebSocket."""

import re
import threading
import time

import requests
import socketio

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" value="([^"]+)"')


class Device:
    namespace = "/"

    def __init__(self, base_url: str, **socket_options):
        """socket_options go to socketio.Client; by default it does not reconnect by itself."""
        self.base_url = base_url
        self.http = requests.Session()
        self.events: list[dict] = []
        self.resyncs: list[float] = []  # when the server told it to re-read (time.monotonic)
        self._lock = threading.Lock()
        self._websockets = []
        self.socket = socketio.Client(**{"reconnection": False, **socket_options})
        self.socket.on("connect", self._connected, namespace=self.namespace)
        self.socket.on("request", self._heard, namespace=self.namespace)
        self.socket.on("resync", self._resynced, namespace=self.namespace)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=15, **kwargs)

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        headers = {"X-CSRFToken": self.token(), "HX-Request": "true"}
        return self.http.post(
            self.base_url + path, data=data or {}, headers=headers, timeout=15, **kwargs
        )

    def token(self) -> str:
        match = TOKEN.search(self.get(self.token_page).text)
        return match.group(1) or match.group(2)

    def connect(self) -> None:
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.socket.connect(
            self.base_url,
            namespaces=[self.namespace],
            transports=["websocket"],
            headers={"Cookie": cookies},
            wait_timeout=10,
        )

    def disconnect(self) -> None:
        if self.socket.connected:
            self.socket.disconnect()
        self._close_dead_websockets(keep=None)
        self.http.close()

    def heard(self) -> list[dict]:
        with self._lock:
            return list(self.events)

    def wait_for(self, predicate, timeout: float = 15) -> dict:
        """The first event that matches, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.heard():
                if predicate(event):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no matching event in {timeout} s; heard {self.heard()}")

    def _connected(self) -> None:
        self._close_dead_websockets(keep=self.socket.eio.ws)
        self._websockets.append(self.socket.eio.ws)

    def _close_dead_websockets(self, keep) -> None:
        # When the server dies, python-engineio drops its WebSocket without closing the socket,
        # and with warnings as errors the ResourceWarning fails a test at random. Close it here.
        for websocket in self._websockets:
            if websocket is not keep:
                websocket.shutdown()
        self._websockets = [keep] if keep in self._websockets else []

    def _heard(self, payload: dict) -> None:
        with self._lock:
            self.events.append(payload)

    def _resynced(self, _payload=None) -> None:
        with self._lock:
            self.resyncs.append(time.monotonic())


class Tablet(Device):
    namespace = "/kiosk"
    token_page = "/kiosk/pair"

    def pair(self, code: str) -> "Tablet":
        response = self.http.post(
            self.base_url + "/kiosk/pair",
            data={"code": code, "csrf_token": self.token()},
            timeout=15,
        )
        assert "fra_tablet" in self.http.cookies, response.text
        return self

    def ask(self, kind: str = "consultant", **fields) -> requests.Response:
        return self.post("/kiosk/requests", {"kind": kind, **fields})

    def status(self) -> str:
        return self.get("/kiosk/status", headers={"HX-Request": "true"}).text


class Handheld(Device):
    namespace = "/staff"
    token_page = "/staff/signin"

    def sign_in(self, name: str, secret: str) -> "Handheld":
        response = self.http.post(
            self.base_url + "/staff/signin",
            data={"name": name, "secret": secret, "csrf_token": self.token()},
            timeout=15,
        )
        assert response.url.endswith("/staff/"), response.text
        self.post("/staff/duty", {"duty": "on"})
        return self

    def queue_ids(self) -> set[int]:
        return {
            int(i)
            for i in re.findall(r'<article id="request-(\d+)"', self.get("/staff/queue").text)
        }
