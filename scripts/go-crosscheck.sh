#!/usr/bin/env bash
# Cross-checks the ledger crate against Go's reference implementation of
# transparency logs (golang.org/x/mod/sumdb/tlog and sumdb/note, from
# Debian's golang-golang-x-mod-dev package, used in GOPATH mode).
#
#   scripts/go-crosscheck.sh [records]
#
# Installs golang-go and golang-golang-x-mod-dev with apt-get when missing
# (needs root; idempotent), writes vectors with the go_vectors example, and
# runs crates/ledger/tests/go/crosscheck.go on them. Exits non-zero on any
# mismatch.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
records="${1:-600}"
gocode=/usr/share/gocode

if ! command -v go >/dev/null 2>&1 || [ ! -d "$gocode/src/golang.org/x/mod/sumdb/note" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "go-crosscheck: need root to install golang-go golang-golang-x-mod-dev" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y golang-go golang-golang-x-mod-dev; then
        apt-get update
        apt-get install -y golang-go golang-golang-x-mod-dev
    fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
cargo run --quiet -p ledger --example go_vectors -- "$work/vectors.txt" "$records"

mkdir -p "$work/gopath" "$work/cache"
GO111MODULE=off GOPATH="$work/gopath:$gocode" GOCACHE="$work/cache" GOFLAGS= \
    go run "$root/crates/ledger/tests/go/crosscheck.go" "$work/vectors.txt"
