"""Two commands on a fresh machine: `make setup` installs what the tests need (one script, shared
with CI), and `make run` needs nothing beyond Python and Node."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system-packages.sh"
NEEDED = {"chromium", "postgresql", "redis-server", "nginx", "fonts-noto-cjk", "fonts-dejavu-core"}


def dry_run(target: str) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_make_setup_and_ci_share_one_script_with_every_package():
    assert "scripts/system-packages.sh" in dry_run("setup")
    assert "scripts/system-packages.sh" in (ROOT / ".ci" / "run").read_text()
    listed = SCRIPT.read_text().split("packages=(", 1)[1].split(")", 1)[0].split()
    assert set(listed) >= NEEDED


def test_make_run_needs_no_system_package():
    assert "system-packages" not in dry_run("run")


def fake_commands(tmp_path: Path, **scripts: str) -> dict:
    """An environment whose PATH finds these stand-ins first."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def test_without_root_or_sudo_one_line_names_the_exact_packages(tmp_path):
    env = fake_commands(
        tmp_path,
        **{"dpkg-query": "exit 1", "id": "echo 1000", "sudo": "exit 1", "apt-get": "exit 99"},
    )
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "sudo apt-get install -y" in lines[0]
    assert set(lines[0].split()) >= NEEDED


def test_with_everything_present_it_installs_nothing(tmp_path):
    env = fake_commands(
        tmp_path, **{"dpkg-query": "echo installed", "apt-get": "echo apt-get ran; exit 99"}
    )
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, check=True)
    assert "all present" in done.stdout and "apt-get ran" not in done.stdout
