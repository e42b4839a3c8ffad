"""The real server, as a store runs it: `python wsgi.py` on eventlet, in its own process."""

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
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
    # How to start it: `python wsgi.py` as `make run` does, or e.g. gunicorn as deploy/ does.
    command: tuple[str, ...] = ("wsgi.py",)
    # A soft limit on open files for the process, e.g. the usual 1,024; None keeps ours.
    files_limit: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"server-{self.port}.log"

    def start(self) -> "LiveServer":
        return self.launch().wait_until_serving()

    def launch(self) -> "LiveServer":
        """Start the process without waiting for it (to start several at once)."""
        env = {**self.env, "PORT": str(self.port), "BIND": f"127.0.0.1:{self.port}"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, *self.command],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self._limit_files if self.files_limit else None,
            )
        return self

    def wait_until_serving(self, timeout: float = 60) -> "LiveServer":
        """Until a page answers: gunicorn listens before its worker has loaded the app."""
        deadline = time.monotonic() + timeout
        try:
            wait_for_port("127.0.0.1", self.port, timeout=timeout)
            while requests.get(self.base_url + "/kiosk/pair", timeout=timeout).status_code != 200:
                if time.monotonic() > deadline:
                    raise TimeoutError("no page answered")
                time.sleep(0.1)
        except Exception as error:
            raise RuntimeError(f"the server did not start:\n{self.log_tail()}") from error
        return self

    def _limit_files(self) -> None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.files_limit, hard))

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
        return pairing_codes_in(flask(self.env, "demo"))

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
    return seeded_env(workdir, database_url, **extra)[0]


def seeded_env(
    workdir: Path, database_url: str | None = None, **extra: str
) -> tuple[dict, dict[str, str]]:
    """A migrated database with the demo store, its env, and the demo rooms' pairing codes."""
    env = base_env(workdir, database_url, **extra)
    flask(env, "db", "upgrade")
    return env, pairing_codes_in(flask(env, "demo"))


def copied_env(seeded: tuple[Path, dict], workdir: Path, **extra: str) -> tuple[dict, dict]:
    """The env of a copy of an already seeded SQLite database (see the `seeded` fixture): a
    server of one's own without migrating and seeding again. Its pairing codes are the same."""
    database, codes = seeded
    shutil.copy(database, workdir / "e2e.db")
    return base_env(workdir, **extra), codes


def base_env(workdir: Path, database_url: str | None = None, **extra: str) -> dict:
    return {
        **os.environ,
        "SECRET_KEY": "e2e-secret",
        "ASYNC_MODE": "eventlet",
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'e2e.db'}",
        "ESCALATION_SWEEP_SECONDS": "1",
        "TABLET_REQUEST_RATE": "1000 per minute",
        "SIGNIN_RATE": "1000 per minute",
        "PAIRING_RATE": "1000 per minute",  # every test's tablets pair from 127.0.0.1
        **extra,
    }


def pairing_codes_in(demo_output: str) -> dict[str, str]:
    found = PAIRING_LINK.finditer(demo_output)
    return {m["room"].split("·")[-1].strip(): m["code"] for m in found}


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
