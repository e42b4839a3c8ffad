#!/usr/bin/env bash
# The Debian/Ubuntu packages the tests need, installed when missing. `make setup` and .ci/run
# both call this script; `make run` does not (it needs only Python and Node).
#
#   scripts/system-packages.sh          the packages the tests start or drive themselves
#   scripts/system-packages.sh --ci     also Python, a C toolchain and Node, for a bare machine
#
# As root it runs apt-get; otherwise sudo, if sudo may run it; otherwise it prints one line naming
# the exact packages to install, and fails. The servers are only installed, never started: the
# tests start throwaway ones of their own (tests/servers.py).
set -euo pipefail

# chromium: the browser tests (Playwright drives Debian's build). postgresql, redis-server, nginx:
# throwaway servers the tests start. Fonts: screenshots render Latin and CJK text.
packages=(chromium postgresql redis-server nginx fonts-noto-cjk fonts-dejavu-core)

node_ok() {
    command -v node >/dev/null && command -v npm >/dev/null &&
        [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ]
}

if [ "${1:-}" = "--ci" ]; then
    packages+=(python3 python3-venv python3-dev build-essential ca-certificates)
    node_ok || packages+=(nodejs npm)
fi

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

if ! command -v dpkg-query >/dev/null; then
    echo "setup: not a Debian system; install the equivalents of: ${packages[*]}" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all present (${packages[*]})"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo)
else
    echo "setup: the tests need these Debian packages; install them with:" \
         "sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
still=()
for p in "${missing[@]}"; do
    installed "$p" || still+=("$p")
done
if [ ${#still[@]} -gt 0 ]; then
    echo "setup: apt-get did not install: ${still[*]}" >&2
    exit 1
fi
echo "system packages: installed ${missing[*]}"
