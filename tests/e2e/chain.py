"""A deployment as deploy/ describes it, for tests: nginx from Debian's package with the site
config from deploy/nginx/assist.conf, in front of gunicorn server processes, and a redis-server
that a test may stop and start again on the same port."""

import os
import re
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.servers import free_port, wait_for_port

from .server import ROOT

SITE = ROOT / "deploy" / "nginx" / "assist.conf"
GUNICORN = ("-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app")


@dataclass
class RestartableRedis:
    """A throwaway redis-server on a fixed port, which can go down and come back on it."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RestartableRedis":
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command = [server, "--port", str(self.port), *options, "--dir", str(self.workdir)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.RedisError:
            return False


def _hard_files_limit() -> int:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return 1 << 20 if hard == resource.RLIM_INFINITY else hard


@dataclass
class Nginx:
    """nginx with the project's site config, its upstream servers and port replaced."""

    workdir: Path
    backends: list[int]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    connections: int = 1024  # per worker; each proxied connection takes two

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Nginx":
        conf = self.workdir / "nginx.conf"
        conf.write_text(self._config())
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise RuntimeError("nginx not found (Debian: apt-get install nginx)")
        self.process = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(self.workdir), "-e", str(self.workdir / "err.log")],
            stdin=subprocess.DEVNULL,
        )
        wait_for_port("127.0.0.1", self.port, timeout=10)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def socket_upstreams(self, expected: int) -> set[str]:
        """The processes that nginx sent the closed Socket.IO connections to (its log)."""
        deadline = time.monotonic() + 10
        while True:
            lines = (self.workdir / "access.log").read_text().splitlines()
            found = [line.split()[1] for line in lines if line.startswith("/socket.io/")]
            if len(found) >= expected or time.monotonic() > deadline:
                return set(found)
            time.sleep(0.05)

    def _config(self) -> str:
        def servers(block: re.Match) -> str:  # each upstream's servers, with their parameters
            return "".join(f"    server 127.0.0.1:{port}{block[2]};\n" for port in self.backends)

        site = re.sub(r"(    server 127\.0\.0\.1:\d+([^;\n]*);\n)+", servers, SITE.read_text())
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        tmp = self.workdir / "nginx-tmp"
        tmp.mkdir(exist_ok=True)
        user = "user root root;\n" if os.geteuid() == 0 else ""
        paths = "".join(
            f"    {kind}_temp_path {tmp / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return (
            f"{user}daemon off;\nworker_processes 1;\npid {self.workdir / 'nginx.pid'};\n"
            f"error_log {self.workdir / 'err.log'};\n"
            f"worker_rlimit_nofile {min(2 * self.connections, _hard_files_limit())};\n"
            f"events {{ worker_connections {self.connections}; }}\n"
            "http {\n"
            "    log_format upstreams '$request_uri $upstream_addr';\n"
            f"    access_log {self.workdir / 'access.log'} upstreams;\n{paths}"
            # Which process answered: the test checks that both serve.
            "    add_header X-Upstream $upstream_addr always;\n"
            f"{site}\n}}\n"
        )
