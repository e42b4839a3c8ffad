"""Throwaway PostgreSQL and Redis servers for tests, independent of pytest.

    with running_postgres() as url:   # postgresql+psycopg://assist@127.0.0.1:PORT/assist_test
        ...
    with running_redis() as url:      # redis://127.0.0.1:PORT/0
        ...
    with redis_server() as server:    # server.url; server.stop() and server.start(): an outage
        ...
    restart_postgres(url)             # a restart of a running_postgres() cluster, same port

Each call starts a fresh server on a free port of 127.0.0.1, with its files in a new temporary
directory, and stops it and deletes the directory on exit, so several can run in one process.
They need the server binaries (Debian: `postgresql`, `redis-server`), not a running service.

PostgreSQL refuses to run as root: as root, its programs run as the `postgres` system user
through `runuser`, and the temporary directory is handed to that user.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

PG_USER = "assist"
PG_DATABASE = "assist_test"
START_TRIES = 3  # a free port can be taken by someone else before the server binds it
# The clusters running_postgres() started, by their URL, with their ports: restart_postgres.
_CLUSTERS: dict[str, tuple["_Postgres", str]] = {}


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    """Wait until something accepts TCP connections on host:port; TimeoutError if not in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing answers on {host}:{port} after {timeout}s") from None
            time.sleep(0.05)


@contextmanager
def running_postgres() -> Iterator[str]:
    """A fresh PostgreSQL cluster with an empty database; yields its SQLAlchemy URL."""
    pg = _Postgres(Path(tempfile.mkdtemp(prefix="assist-pg-")))
    try:
        if pg.as_user:
            shutil.chown(pg.dir, "postgres", "postgres")
        pg.run("initdb", "-D", pg.data, "-U", PG_USER, "--auth=trust", "--encoding=UTF8",
               "--no-locale", "--no-sync")  # fmt: skip
        with (pg.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{pg.dir}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        port = pg.start()
        url = f"postgresql+psycopg://{PG_USER}@127.0.0.1:{port}/{PG_DATABASE}"
        try:
            pg.run("createdb", "-h", "127.0.0.1", "-p", port, "-U", PG_USER, PG_DATABASE)
            _CLUSTERS[url] = pg, port
            yield url
        finally:
            _CLUSTERS.pop(url, None)
            pg.run("pg_ctl", "stop", "-D", pg.data, "-m", "immediate", check=False)
    finally:
        shutil.rmtree(pg.dir, ignore_errors=True)


def restart_postgres(url: str) -> None:
    """Restart a running_postgres() cluster on its port, as an upgrade or a failover does: every
    connection to it is closed, and the database is back when this returns."""
    pg, port = _CLUSTERS[url]
    pg.run("pg_ctl", "restart", "-D", pg.data, "-l", pg.log, "-m", "fast", "-w", "-t", "60",
           "-o", f"-p {port}")  # fmt: skip


@contextmanager
def running_redis() -> Iterator[str]:
    """A fresh redis-server that keeps nothing on disk; yields its URL (database 0)."""
    with redis_server() as server:
        yield server.url


@contextmanager
def redis_server() -> Iterator["RedisServer"]:
    """A fresh redis-server that a test may stop and start again on the same port (an outage)."""
    with tempfile.TemporaryDirectory(prefix="assist-redis-") as tmp:
        server = RedisServer(Path(tmp))
        try:
            server.start()
            yield server
        finally:
            server.stop()


class RedisServer:
    """One redis-server process at a time on one port; nothing kept on disk."""

    def __init__(self, directory: Path):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(self.binary):
            raise RuntimeError("redis-server not found (Debian: apt-get install redis-server)")
        self.dir = directory
        self.log = directory / "redis.log"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start on the port it had before, or on a free one the first time."""
        for _ in range(START_TRIES):
            port = self.port or free_port()
            options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            command = [self.binary, "--port", str(port), *options, "--dir", str(self.dir),
                       "--logfile", str(self.log)]  # fmt: skip
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            if _wait_for_redis(proc, port):
                self.port, self.proc = port, proc
                return
            _stop(proc)
            if self.port:  # its own port is taken meanwhile: say so rather than move
                break
        raise RuntimeError(f"redis-server did not start:\n{_tail(self.log)}")

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None


class _Postgres:
    """One throwaway cluster: its directory and how to run its programs."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.bin_dir = _postgres_bin_dir()
        self.as_user = _postgres_runner()

    def run(self, program: str, *args, check: bool = True) -> None:
        """Run one PostgreSQL program quietly; on failure raise with its output."""
        result = subprocess.run(
            [*self.as_user, str(self.bin_dir / program), *map(str, args)],
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            output = result.stdout + result.stderr
            raise RuntimeError(f"{program} failed ({result.returncode}):\n{output}")

    def start(self) -> int:
        """Start on a free port, trying another if that one was taken meanwhile; the port."""
        for _ in range(START_TRIES):
            port = free_port()
            try:
                # -l sends the server's output to the log, so no pipe of ours stays open in it.
                self.run("pg_ctl", "start", "-D", self.data, "-l", self.log, "-w", "-t", "60",
                         "-o", f"-p {port}")  # fmt: skip
                return port
            except RuntimeError:
                pass
        raise RuntimeError(f"PostgreSQL did not start:\n{_tail(self.log)}")


def _postgres_bin_dir() -> Path:
    """The bin directory of the newest PostgreSQL under /usr/lib/postgresql (Debian layout)."""
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    candidates = [p for p in candidates if (p / "initdb").exists()]
    candidates.sort(key=lambda p: _version_key(p.parent.name))
    if candidates:
        return candidates[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL binaries not found (Debian: apt-get install postgresql)")


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def _postgres_runner() -> list[str]:
    """The command prefix that runs PostgreSQL's programs as a non-root user, if we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        options = ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin"]
        subprocess.run([useradd, *options, "postgres"], check=True)
    return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]


def _wait_for_redis(proc: subprocess.Popen, port: int, timeout: float = 10.0) -> bool:
    """True once the server answers PING; False if it exited first (the port was taken)."""
    deadline = time.monotonic() + timeout
    with redis.Redis(host="127.0.0.1", port=port, socket_timeout=1) as client:
        while proc.poll() is None:
            try:
                if client.ping():
                    return True
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server on port {port} did not answer in {timeout}s")
            time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
