#!/usr/bin/env bash
# The contract tests: schemathesis (an independent fuzzer, from PyPI, pinned) reads only
# /api/v1/openapi.json and sends what it describes — valid requests and invalid ones — to a real
# `cortina serve --demo` on a temporary data directory and a free loopback port, once as the host
# commander and once as a foreign liaison (`fr-liaison`), each with an API token from
# `cortina admin token`. `--checks all`: no 5xx, every status and content type documented, every
# body as its schema says, schema-valid requests accepted (2xx, or 401/403/404/409), invalid ones
# refused, and authentication enforced. Exit status 1 when either run found anything.
#
#   bash scripts/contract-tests.sh              # builds target/debug/cortina first
#   CORTINA_BIN=target/release/cortina bash scripts/contract-tests.sh
#   CONTRACT_EXAMPLES=50 bash scripts/contract-tests.sh   # more examples per operation
#
# schemathesis goes into a venv under target/schemathesis (idempotent; nothing outside the work
# tree changes). Reports (JUnit) go to target/contract/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES=${CONTRACT_EXAMPLES:-5}

if ! target/schemathesis/bin/st --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    python3 -m venv target/schemathesis
    target/schemathesis/bin/pip install -q "schemathesis==${SCHEMATHESIS_VERSION}"
fi
ST=target/schemathesis/bin/st

if [ -z "${CORTINA_BIN:-}" ]; then
    cargo build --locked -p cortina
    CORTINA_BIN="$PWD/target/debug/cortina"
fi

# The demo's store on a RAM disk where there is one: thousands of commands, each committed with
# fsync, would otherwise wait on the disk rather than on the server.
DATA=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:${PORT}"
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DATA"
}
trap cleanup EXIT

mkdir -p target/contract
"$CORTINA_BIN" serve --demo --data-dir "$DATA/data" --listen "127.0.0.1:${PORT}" \
    >target/contract/server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    if curl -fsS "${BASE}/healthz" >/dev/null 2>&1 && [ -f "$DATA/data/demo-accounts.txt" ]; then
        break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "contract-tests: the server stopped; its log:" >&2
        cat target/contract/server.log >&2
        exit 1
    fi
    sleep 0.2
done
curl -fsS "${BASE}/healthz" >/dev/null

token() {
    "$CORTINA_BIN" admin token --data-dir "$DATA/data" --user "$1" --purpose "contract tests" | tail -1
}

# One setting, and only for what JSON Schema cannot say: a schema-valid request refused by a rule
# between its fields (a window that ends before it starts, stops out of time order, a plate
# declared twice in other spelling) is answered 422 `invalid`, as the document says, so 422 joins
# the statuses schemathesis accepts for valid data. A 400 to a schema-valid request (the decoder
# refusing what the schema allows) stays a failure, and so does everything else.
cat >target/contract/schemathesis.toml <<'TOML'
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
TOML

# Both roles at once: the runs wait on the server more than they compute. (One worker each:
# hypothesis is not thread-safe in every corner, `--workers 2` failed with its internal errors.)
run_as() {
    local user=$1 start
    start=$(date +%s)
    # The live event stream never ends by itself: tests/it/events.rs tests it, not the fuzzer.
    if "$ST" --config-file target/contract/schemathesis.toml run "${BASE}/api/v1/openapi.json" \
        --exclude-path '/api/v1/rooms/{id}/events' \
        --checks all \
        --mode all \
        --max-examples "$EXAMPLES" \
        --generation-deterministic \
        --request-timeout 10 \
        --header "Authorization: Bearer $(token "$user")" \
        --report junit --report-dir "target/contract/${user}" \
        --no-color >"target/contract/${user}.log" 2>&1; then
        status=0
    else
        status=1
    fi
    echo "$(($(date +%s) - start))" >"target/contract/${user}.seconds"
    return "$status"
}

failed=0
run_as commander &
commander=$!
run_as fr-liaison &
liaison=$!
wait "$commander" || failed=1
wait "$liaison" || failed=1
for user in commander fr-liaison; do
    echo "== schemathesis as ${user} ($(cat "target/contract/${user}.seconds") s)"
    cat "target/contract/${user}.log"
done
if grep -q "panicked" target/contract/server.log; then
    echo "contract-tests: the server panicked (target/contract/server.log)" >&2
    failed=1
fi
exit "$failed"
