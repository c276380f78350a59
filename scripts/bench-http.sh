#!/usr/bin/env bash
# Load benchmarks of `cortina serve` from a second process on loopback (wrk):
#
#   scripts/bench-http.sh [--runs N] [--duration 30s] [--threads T]
#                         [--match-connections C] [--write-connections C]
#                         [--only match|writes] [--lists PATH]... [--database URL]
#                         [--perf DIR] [--keep] [--no-build]
#                         [--open-loop RATE [--seconds S]]
#
# Builds the release binary, makes a fresh data directory in a temporary
# folder (`admin init`; the sample lists `cortina demo` generates, imported
# with `lists import` — or the lists named with --lists; an event, a host
# analyst and operator proposed by the admin and confirmed by the first
# commander, a room), issues an analyst token with a
# purpose and an operator token, starts `cortina serve` on a free loopback
# port and runs wrk (scripts/wrk/*.lua) N times (default 3) for:
#
#   match   POST /match/default, one yente-shaped query per request, each a
#           ledger entry; target p99 <= 5 ms and >= 3,000 requests/s.
#   writes  POST /api/v1/commands, a new `log.record` per request (unique
#           ids); target >= 1,000/s sustained, p99 <= 50 ms.
#
# After each run it reads the ledger size (its checkpoint) and checks that the
# ledger grew by at least the number of requests wrk completed (requests in
# flight when wrk stops are recorded but not counted by wrk), and the
# server's CPU time per request (user + system, from /proc). Prints each
# run and the median with the spread (min-max), with the machine, the date
# and the load average, so figures from a loaded machine are marked as such.
# With --database postgres://… the store is that (empty) database instead
# of SQLite. With --perf DIR, each run also samples the server with
# `perf record -a -g` (system-wide: `-p` is refused on some machines) into
# DIR/NAME-RUN.data; `perf report -i … --pid PID` keeps the server (its PID
# is printed); PERF_FREQ (default 499) and PERF_CALL_GRAPH (default fp;
# dwarf,32768 for Rust frames) tune it.
# With --open-loop RATE, the match benchmark is run instead by `cargo xtask
# bench-match` (xtask/src/openloop.rs): a fixed arrival rate of RATE requests/s
# for S seconds (default 30), each request's latency measured from the time it
# was due, so a stall shows in the tail (wrk is closed-loop and hides it); the
# names rotate through the shared evaluation queries (hits and misses). Use
# it with --lists to screen against the full lists, e.g.
#   scripts/bench-http.sh --only match --open-loop 2000 \
#       --lists ../shared/data/lists/ofac-sdn-2021 --lists ../shared/data/lists/un ...
# The data directory is removed at the end unless --keep. CORTINA_BIN=PATH runs
# another build of the binary (with --no-build: two builds compared in one sitting).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
runs=3
duration=30s
threads=1
match_conns=8
write_conns=16
only=""
perf_dir=""
lists=()
database=""
keep=0
build=1
open_rate=""
open_seconds=30
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --match-connections) match_conns="$2"; shift 2 ;;
        --write-connections) write_conns="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        --lists) lists+=("$2"); shift 2 ;;
        --database) database="$2"; shift 2 ;;
        --perf) perf_dir="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --no-build) build=0; shift ;;
        --open-loop) open_rate="$2"; shift 2 ;;
        --seconds) open_seconds="$2"; shift 2 ;;
        -h|--help) sed -n '2,44p' "$0"; exit 0 ;;
        *) echo "bench-http: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "$open_rate" ]; then
    command -v wrk >/dev/null || { echo "bench-http: wrk not found (apt-get install wrk)" >&2; exit 1; }
fi

if [ "$build" = 1 ]; then
    (cd "$root" && cargo build --release -p cortina --quiet)
    [ -n "$open_rate" ] && (cd "$root" && cargo build --release -p xtask --quiet)
fi
# CORTINA_BIN: another build of the binary (to compare two builds in one session).
bin="${CORTINA_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/cortina}"

work="$(mktemp -d -t cortina-bench-XXXXXX)"
data="$work/data"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$keep" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

store=(--data-dir "$data")
[ -n "$database" ] && store+=(--database "$database")
c() { env -u CORTINA_DATA_DIR -u CORTINA_DATABASE_URL "$bin" "$@" "${store[@]}"; }

# The store, the lists, the people and the room.
setup_log="$work/setup.log"
failed() { cat "$setup_log" >&2; exit 1; }
c admin init --origin cortina.bench/http >>"$setup_log" 2>&1 || failed
if [ ${#lists[@]} -eq 0 ]; then
    "$bin" demo --dir "$work/demo" >>"$setup_log" 2>&1 || failed
    lists=("$work/demo/lists/ofac" "$work/demo/lists/un")
fi
c lists import --as admin "${lists[@]}" >>"$setup_log" 2>&1 || failed
c exec --as admin - >>"$setup_log" 2>&1 <<'EOF' || failed
{"action": "agency.register", "id": "questura-milano", "name": "Questura di Milano", "kind": "host", "country": "IT"}
{"action": "event.configure", "id": "mico2026", "name": "Milano Cortina 2026", "clusters": [{"id": "milano", "name": "Milano"}], "venues": [{"id": "san-siro", "name": "San Siro", "cluster": "milano"}]}
{"action": "account.create", "username": "operator", "role": "host_operator", "agency": "questura-milano"}
{"action": "account.create", "username": "analyst", "role": "host_analyst", "agency": "questura-milano"}
EOF
# The first commander (made by `admin init`) confirms the admin's proposals
# (four eyes); the accounts work with the tokens below, no password needed.
c exec --as commander - >>"$setup_log" 2>&1 <<'EOF' || failed
{"action": "account.confirm", "proposal": "prop-operator"}
{"action": "account.confirm", "proposal": "prop-analyst"}
{"action": "room.create", "id": "milano-joc", "name": "JOC Milano", "kind": "host_cluster", "cluster": "milano"}
EOF
analyst_token="$(c admin token --user analyst --purpose "load benchmark" | tail -n 1)"
operator_token="$(c admin token --user operator | tail -n 1)"
# The ledger's size is read from its signed checkpoint, with a witness token
# (/readyz tells nobody anything but "ready").
witness_token="$(c admin token --witness bench-http | tail -n 1)"

# The server, on a free port; its first line names the address.
# (Not through `c`: $! must be the server's own pid.)
RUST_LOG=warn env -u CORTINA_DATA_DIR -u CORTINA_DATABASE_URL \
    "$bin" serve --listen 127.0.0.1:0 "${store[@]}" >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q "serving on" "$work/serve.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
    sleep 0.1
done
url="$(grep -o 'http://[^ ]*' "$work/serve.out" | head -n 1)"
[ -n "$url" ] || { echo "bench-http: the server did not start" >&2; exit 1; }

# The server's CPU time so far (user + system, clock ticks): its cost per
# request is less disturbed by a busy machine than the rate is.
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
ticks_per_s="$(getconf CLK_TCK)"

ledger_size() {
    curl -fsS -H "Authorization: Bearer $witness_token" "$url/ledger/checkpoint" | sed -n 2p
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p;s/^RESULT $1=\([^ ]*\).*/\1/p" | head -n 1; }

echo "# cortina HTTP load benchmark"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(uname -sr)"
# The URL is not printed: it may carry a password.
backend_name="SQLite (WAL, synchronous=FULL)"
[ -n "$database" ] && backend_name="PostgreSQL (--database; the server's CPU below excludes PostgreSQL's own)"
if [ ${#lists[@]} -gt 0 ] && [ "${lists[0]}" != "$work/demo/lists/ofac" ]; then
    echo "store: $backend_name; lists: ${lists[*]}"
else
    echo "store: $backend_name; lists: the samples of \`cortina demo\`"
fi
echo "wrk: $threads thread(s), $duration per run, $runs runs; server (pid $server_pid) and wrk share the machine"
echo

# bench NAME SCRIPT TOKEN CONNECTIONS PATH
bench() {
    local name="$1" script="$2" token="$3" conns="$4" path="$5"
    local results="$work/$name.results"
    : >"$results"
    echo "## $name: POST $path, $conns connections"
    for run in $(seq 1 "$runs"); do
        local before after out line requests grew
        before="$(ledger_size)"
        local ticks_before
        ticks_before="$(server_ticks)"
        local load_before
        load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
        local perf_pid=""
        if [ -n "$perf_dir" ]; then
            mkdir -p "$perf_dir"
            perf record -q -e cpu-clock -F "${PERF_FREQ:-499}" --call-graph "${PERF_CALL_GRAPH:-fp}" -a -o "$perf_dir/$name-$run.data" >/dev/null 2>&1 &
            perf_pid=$!
        fi
        out="$(CORTINA_TOKEN="$token" BENCH_RUN="$name$run-$$" \
            wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$root/scripts/wrk/$script" "$url$path")"
        if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
        after="$(ledger_size)"
        line="$(grep '^RESULT' <<<"$out")"
        requests="$(field requests <<<"$line")"
        local cpu_us
        cpu_us=$(( ($(server_ticks) - ticks_before) * 1000000 / ticks_per_s / (requests > 0 ? requests : 1) ))
        line="$line server_cpu_us_per_req=$cpu_us"
        grew=$((after - before))
        local recorded="ok"
        [ "$grew" -ge "$requests" ] || recorded="MISSING $((requests - grew))"
        echo "run $run: $(sed 's/^RESULT //' <<<"$line") ledger+=$grew ($recorded) load_before=$load_before load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
        echo "$line ledger=$grew" >>"$results"
    done
    for key in rps p50_ms p90_ms p99_ms server_cpu_us_per_req; do
        sort -g <<<"$(field_all "$key" "$results")" | awk -v k="$key" '
            { v[NR] = $1 }
            END { printf "%s: median %s (min %s, max %s)\n", k, v[int((NR + 1) / 2)], v[1], v[NR] }'
    done
    echo
}
field_all() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }

# open_loop: the match benchmark at a fixed arrival rate (see above).
open_loop() {
    local results="$work/open.results"
    : >"$results"
    echo "## match, open loop: POST /match/default at $open_rate requests/s for $open_seconds s"
    for run in $(seq 1 "$runs"); do
        local before after ticks_before load_before line cpu_us ok
        before="$(ledger_size)"
        ticks_before="$(server_ticks)"
        load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
        line="$(CORTINA_TOKEN="$analyst_token" "${CARGO_TARGET_DIR:-$root/target}/release/xtask" \
            bench-match --url "$url/match/default" --rate "$open_rate" --seconds "$open_seconds" | grep '^RESULT')"
        after="$(ledger_size)"
        ok="$(field ok <<<"$line")"
        cpu_us=$(( ($(server_ticks) - ticks_before) * 1000000 / ticks_per_s / (ok > 0 ? ok : 1) ))
        echo "run $run: $(sed 's/^RESULT //' <<<"$line") server_cpu_us_per_req=$cpu_us ledger+=$((after - before)) load_before=$load_before load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
        echo "$line server_cpu_us_per_req=$cpu_us" >>"$results"
    done
    for key in achieved_rps p50_ms p90_ms p99_ms p999_ms max_ms server_cpu_us_per_req; do
        sort -g <<<"$(field_all "$key" "$results")" | awk -v k="$key" '
            { v[NR] = $1 }
            END { printf "%s: median %s (min %s, max %s)\n", k, v[int((NR + 1) / 2)], v[1], v[NR] }'
    done
    echo
}

if [ -z "$only" ] || [ "$only" = match ]; then
    if [ -n "$open_rate" ]; then
        open_loop
    else
        bench match match.lua "$analyst_token" "$match_conns" /match/default
    fi
fi
if [ -z "$only" ] || [ "$only" = writes ]; then
    bench writes writes.lua "$operator_token" "$write_conns" /api/v1/commands
fi
echo "ledger: $(ledger_size) entries"
