"""The real server, as a store runs it: `python wsgi.py` on eventlet, in its own process."""

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
PAIRING_LINK = re.compile(r"^\s+(?P<room>.+?)\s+http://\S+/kiosk/pair\?code=(?P<code>\d{6})$", re.M)


@dataclass
class LiveServer:
    """One server process on a free port, with its database and log."""

    workdir: Path
    env: dict
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"server-{self.port}.log"

    def start(self) -> "LiveServer":
        env = {**self.env, "PORT": str(self.port)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port("127.0.0.1", self.port, timeout=30)
        except Exception as error:
            raise RuntimeError(f"the server did not start:\n{self.log_tail()}") from error
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no clean-up, no flush, as when the power goes."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def pairing_codes(self) -> dict[str, str]:
        """Fresh one-time pairing codes for the demo rooms, by room name."""
        out = flask(self.env, "demo")
        return {m["room"].split("·")[-1].strip(): m["code"] for m in PAIRING_LINK.finditer(out)}

    def open_request_ids(self) -> set[int]:
        """The truth: what the database holds as waiting or being handled."""
        return set(self._column("SELECT id FROM requests WHERE state IN ('open', 'acknowledged')"))

    def receipts_of(self, request_id: int) -> int:
        """How many handhelds confirmed that they show the request."""
        return len(self._column(f"SELECT id FROM receipts WHERE request_id = {int(request_id)}"))

    def _column(self, sql: str) -> list:
        engine = sqlalchemy.create_engine(self.env["DATABASE_URL"])
        try:
            with engine.connect() as connection:
                return [row[0] for row in connection.execute(sqlalchemy.text(sql))]
        finally:
            engine.dispose()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def server_env(workdir: Path, database_url: str | None = None, **extra: str) -> dict:
    env = {
        **os.environ,
        "SECRET_KEY": "e2e-secret",
        "ASYNC_MODE": "eventlet",
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'e2e.db'}",
        "ESCALATION_SWEEP_SECONDS": "1",
        "TABLET_REQUEST_RATE": "1000 per minute",
        "SIGNIN_RATE": "1000 per minute",
        **extra,
    }
    flask(env, "db", "upgrade")
    flask(env, "demo")
    return env


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
