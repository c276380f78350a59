#!/usr/bin/env bash
# A smoke run of every fuzz target in fuzz/ (RELIABILITY.md): builds them with libFuzzer and
# coverage instrumentation on the stable toolchain, replays each committed corpus and then
# fuzzes each target for a few seconds. Fails on the first crash (a panic), timeout (10 s),
# out-of-memory (2 GB) or build error.
#
#   bash scripts/fuzz-smoke.sh              # all targets, FUZZ_SMOKE_SECONDS (default 8) each
#   FUZZ_SMOKE_SECONDS=30 bash scripts/fuzz-smoke.sh tile_path command
#
# It needs only cargo and a C++ compiler (libfuzzer-sys compiles libFuzzer): it passes cargo
# the flags that `cargo fuzz build -s none` passes (sancov coverage, `--cfg fuzzing`, debug
# assertions), so CI does not have to build cargo-fuzz itself (about five minutes). For long
# sessions use cargo-fuzz (README, "Fuzzing"). Budget: at most five minutes, build included, on
# two cores with a cold target directory (a build profile tuned for build time, not speed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$(date +%s)
seconds=${FUZZ_SMOKE_SECONDS:-8}

if ! command -v c++ > /dev/null; then
    echo "== installing a C++ compiler (libFuzzer is C++)"
    apt-get update -qq && apt-get install -y -qq g++ > /dev/null
fi

all=(ofac_csv ofac_xml un_xml eu_xml uk_xml uk_csv csl_csv ftm_json senzing_json command tile_path yente_match)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

host=$(rustc -vV | sed -n 's/^host: //p')
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table"
flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions"
case "$host" in *-linux-*) flags+=" -Cllvm-args=-sanitizer-coverage-stack-depth" ;; esac
target_dir=${CARGO_TARGET_DIR:-fuzz/target}

echo "== building ${#targets[@]} fuzz targets ($host)"
bins=()
for t in "${targets[@]}"; do
    bins+=(--bin "$t")
    # Only the yente target needs the server crate (and its dependency tree).
    [ "$t" != yente_match ] || bins+=(--features server)
done
# --target keeps the flags off build scripts and proc macros, as cargo fuzz does. The profile is
# tuned for build time: a smoke run needs coverage, not speed, so the dependencies (the server's
# tree above all: SQLite's C, Cedar, axum) are built without optimisation and only the crates
# under test with a little.
RUSTFLAGS="$flags" cargo build --manifest-path fuzz/Cargo.toml --locked --release \
    --target "$host" --target-dir "$target_dir" "${bins[@]}" \
    --config 'profile.release.opt-level=1' \
    --config 'profile.release.debug="line-tables-only"' \
    --config 'profile.release.codegen-units=16' \
    --config 'profile.release.package."*".opt-level=0' \
    --config 'profile.release.package.watchlist.opt-level=1' \
    --config 'profile.release.package.screening.opt-level=1' \
    --config 'profile.release.package.ledger.opt-level=1'
built=$(date +%s)
echo "== built in $((built - start)) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "$work/artifacts/$t"
    # New inputs go to a scratch folder; the committed corpus (seeds and the inputs of every
    # crash found so far) is only read.
    if ! "$target_dir/$host/release/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" "$work/$t" "fuzz/corpus/$t" \
        > "$work/$t.log" 2>&1; then
        tail -n 40 "$work/$t.log"
        echo "== FAIL $t: the crashing input is above (base64 after 'Base64:')"
        exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
    echo "== ok $t: $execs executions in ${seconds} s"
done
end=$(date +%s)
echo "== fuzz smoke: ${#targets[@]} targets passed in $((end - start)) s ($((built - start)) s build)"
