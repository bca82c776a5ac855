#!/bin/sh
# tests/setup.sh - check that every tool the tests use is here, and install
# what is missing where we can.  `make test-setup` runs it, and `make test`
# runs that first.
#
#   curl, jq          the HTTP client and JSON reader of the shell tests
#   nc                OpenBSD netcat (raw bytes to a port; its -q flag)
#   prove             the TAP harness (Debian's perl)
#   node, npm         the browser and client tests, and their npm packages
#   /usr/bin/chromium, /usr/bin/firefox-esr
#                     the two browser engines, driven by npm puppeteer-core
#   websockets        Debian's python3-websockets, for /usr/bin/python3
#   WenQuanYi Zen Hei a CJK font, so screenshots show the Chinese headings
#
# Missing Debian packages are installed with apt-get when we are root and
# apt-get exists (one `apt-get update` first); otherwise it stops and says
# what to install.  The npm test packages are installed with `npm ci
# --prefix tests` when tests/node_modules is missing or older than
# tests/package-lock.json.  With everything present it takes a few ms.

set -u
cd "$(dirname "$0")/.." || exit 1

missing=''      # Debian packages to install
need() { missing="$missing $1"; }

command -v curl >/dev/null 2>&1 || need curl
command -v jq >/dev/null 2>&1 || need jq
# Other netcats lack -N (shut down the socket after EOF on stdin),
# which tests/lib.sh's raw relies on (and -q, which some tests use).
if ! command -v nc >/dev/null 2>&1 || ! nc -h 2>&1 | grep -q -e '-N.*[Ss]hutdown'; then
    need netcat-openbsd
fi
command -v prove >/dev/null 2>&1 || need perl
# Node.js 20 comes with the machine image; Debian's nodejs only if absent.
command -v node >/dev/null 2>&1 || need nodejs
command -v npm >/dev/null 2>&1 || need npm
[ -x /usr/bin/chromium ] || need chromium
[ -x /usr/bin/firefox-esr ] || need firefox-esr
# `python3` on PATH may be a pyenv without Debian's packages: the tests
# call /usr/bin/python3 by path.
if [ ! -x /usr/bin/python3 ]; then
    need python3
    need python3-websockets
elif ! /usr/bin/python3 -c 'import websockets' >/dev/null 2>&1; then
    need python3-websockets
fi
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need fonts-wqy-zenhei

if [ -n "$missing" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "tests/setup.sh: installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086
        if ! { apt-get update -qq &&
               apt-get install -y -qq --no-install-recommends $missing; } </dev/null; then
            echo "tests/setup.sh: apt-get failed; install these Debian packages:$missing" >&2
            exit 1
        fi
    else
        echo "tests/setup.sh: missing tools; as root run:" >&2
        echo "    apt-get update && apt-get install -y$missing" >&2
        exit 1
    fi
fi

# The npm test packages (puppeteer-core, eventsource, ws), exactly as locked.
# puppeteer-core downloads no browser; PUPPETEER_SKIP_DOWNLOAD says so to
# anything in its tree that might.
# npm writes node_modules/.package-lock.json on every install: when the
# committed lock is newer, the installed tree may be stale.
lock=tests/package-lock.json
stamp=tests/node_modules/.package-lock.json
if [ ! -e "$stamp" ] || [ -n "$(find "$lock" -newer "$stamp" 2>/dev/null)" ]; then
    echo "tests/setup.sh: npm ci --prefix tests"
    if ! PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix tests --no-audit --no-fund </dev/null; then
        echo "tests/setup.sh: 'npm ci --prefix tests' failed (is the npm registry reachable?)" >&2
        exit 1
    fi
    touch "$stamp"
fi
exit 0
