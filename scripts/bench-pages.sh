#!/usr/bin/env bash
# Server time per web page on a big store (issue 11: p99 <= 30 ms with 100,000
# log entries and 10,000 requests):
#
#   scripts/bench-pages.sh [--entries N] [--requests N] [--runs N]
#                          [--duration 15s] [--no-build] [--keep]
#   CORTINA_BIN=target/debug/cortina scripts/bench-pages.sh --entries 500 …
#
# Builds the release binary, builds the demo world in a temporary data
# directory (`serve --demo`, stopped once it serves), adds N log entries to
# the JOC room (`cortina exec --as operator`, default 100,000) and N requests
# (`rfi.draft` + `rfi.submit` by us-liaison, default 10,000), then serves the
# store and measures, with wrk from a second process on loopback, one
# connection at a time (so the figure is the server's time per page, not a
# queue): the commander's home (`/home`) and the operator's room board
# (`/rooms/joc-cortina`), logged in through the login form's API. Prints
# each run's p50/p90/p99 and requests/s, the medians, the machine, the date
# and the load average. The data directory is removed unless --keep.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
entries=100000
requests=10000
runs=3
duration=15s
build=1
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --entries) entries="$2"; shift 2 ;;
        --requests) requests="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-pages: unknown argument $1" >&2; exit 2 ;;
    esac
done
command -v wrk >/dev/null || { echo "bench-pages: wrk not found (apt-get install wrk)" >&2; exit 1; }

bin="${CORTINA_BIN:-$root/target/release/cortina}"
if [ "$build" = 1 ] && [ -z "${CORTINA_BIN:-}" ]; then
    (cd "$root" && cargo build --release --locked -p cortina)
fi
work="$(mktemp -d /tmp/cortina-pages-XXXXXX)"
dir="$work/data"
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    if [ "$keep" = 1 ]; then echo "data directory kept: $dir"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Serves the store on a free port until `stop_server`; waits until it answers.
start_server() {
    port="$(free_port)"
    "$bin" serve "$@" --data-dir "$dir" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 600); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
        sleep 0.5
    done
    echo "bench-pages: the server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

echo "== the demo world"
start_server --demo
stop_server

echo "== $entries log entries in joc-cortina, $requests requests"
started=$(date +%s)
python3 - "$entries" <<'EOF' | "$bin" exec --data-dir "$dir" --as operator - >/dev/null
import json, sys
n = int(sys.argv[1])
cats = ["incident", "significant_event", "information", "decision"]
for i in range(n):
    print(json.dumps({"action": "log.record", "id": f"bench-log-{i}", "room": "joc-cortina",
                      "category": cats[i % 4], "severity": 1 + i % 5,
                      "text": f"Bench entry {i}: crowd flow at gate {i % 40} normal"}))
EOF
# Most of an event's log is closed by the end of a shift (the commander's).
python3 - "$entries" <<'EOF' | "$bin" exec --data-dir "$dir" --as commander - >/dev/null
import json, sys
for i in range(int(sys.argv[1])):
    if i % 10:
        print(json.dumps({"action": "log.close", "id": f"bench-log-{i}"}))
EOF
python3 - "$requests" <<'EOF' | "$bin" exec --data-dir "$dir" --as us-liaison - >/dev/null
import json, sys
n = int(sys.argv[1])
for i in range(n):
    rid = f"us-bench-rfi-{i}"
    print(json.dumps({"action": "rfi.draft", "id": rid, "kind": "information",
                      "priority": ["normal", "urgent"][i % 2],
                      "subject": f"Vehicle check {i}", "body": "Registered keeper of the vehicle?"}))
    print(json.dumps({"action": "rfi.submit", "id": rid}))
EOF
echo "   seeded in $(( $(date +%s) - started )) s"

start_server
base="http://127.0.0.1:$port"
cookie() {
    local user="$1" password
    password="$(awk -v u="$user" '$1 == u { print $2 }' "$dir/demo-accounts.txt")"
    curl -fs -c - -H 'Content-Type: application/json' \
        -d "{\"username\":\"$user\",\"password\":\"$password\"}" "$base/api/v1/session" \
        | awk '$6 == "cortina_session" { print $6 "=" $7 }'
}
commander="$(cookie commander)"
operator="$(cookie operator)"
[ -n "$commander" ] && [ -n "$operator" ] || { echo "bench-pages: login failed" >&2; exit 1; }
for page in "/home $commander" "/rooms/joc-cortina $operator"; do
    set -- $page
    bytes="$(curl -fs -H "Cookie: $2" "$base$1" | wc -c)"
    echo "   $1: $bytes bytes of HTML"
done

echo "== wrk, 1 connection, $duration per run, $runs runs ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ))"
for page in "/home $commander" "/rooms/joc-cortina $operator"; do
    set -- $page
    p99s=()
    for run in $(seq "$runs"); do
        out="$(wrk -t1 -c1 -d"$duration" --latency -H "Cookie: $2" "$base$1")"
        p50="$(awk '$1 == "50%" { print $2 }' <<<"$out")"
        p90="$(awk '$1 == "90%" { print $2 }' <<<"$out")"
        p99="$(awk '$1 == "99%" { print $2 }' <<<"$out")"
        rps="$(awk '$1 == "Requests/sec:" { print $2 }' <<<"$out")"
        echo "   $1 run $run: p50 $p50  p90 $p90  p99 $p99  $rps pages/s"
        p99s+=("$p99")
    done
    echo "   $1 p99 of the runs: ${p99s[*]}"
done
