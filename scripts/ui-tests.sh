#!/usr/bin/env bash
# The web UI's browser tests (tests/ui/run.mjs): a real `cortina serve --demo`
# on a free loopback port, driven by playwright-core in Debian's chromium,
# axe-core in every page, screenshots into target/ui-screenshots/; run twice,
# on the SQLite file and on a throwaway PostgreSQL (scripts/with-postgres.sh;
# screenshots in target/ui-screenshots/postgres/). Each run ends with
# `N passed, N failed (backend)`; exit status 1 when any failed.
#
#   bash scripts/ui-tests.sh            # builds target/debug/cortina first
#   bash scripts/ui-tests.sh --sqlite   # the SQLite run only
#   CORTINA_BIN=target/release/cortina bash scripts/ui-tests.sh
#
# Installs what it needs: Debian's chromium with apt-get when missing (needs
# root; idempotent), and the npm packages pinned by tests/ui/package-lock.json
# (`npm ci`; no browser download — playwright-core uses /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "ui-tests: chromium is missing and installing it needs root" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y chromium; then
        apt-get update
        apt-get install -y chromium
    fi
fi

if [ -z "${CORTINA_BIN:-}" ]; then
    cargo build --locked -p cortina
    export CORTINA_BIN="$PWD/target/debug/cortina"
fi

(cd tests/ui && npm ci --no-audit --no-fund --loglevel=error)
export UI_SCREENSHOTS="$PWD/target/ui-screenshots"
node tests/ui/run.mjs
if [ "${1:-}" != "--sqlite" ]; then
    # with-postgres.sh names an empty database the servers build the demo in.
    bash scripts/with-postgres.sh sh -c 'CORTINA_UI_DATABASE="$CORTINA_TEST_DATABASE_URL" exec node tests/ui/run.mjs'
fi
