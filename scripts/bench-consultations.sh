#!/usr/bin/env bash
# "Every consultation concerning person X" over a consultation log of N
# (default 5,000,000) consultations, on SQLite:
#
#   scripts/bench-consultations.sh [DIR]      (N=... to change the size)
#
# Creates a store in DIR (default /tmp/cortina-bench-consultations), fills
# its consultation log with N synthetic consultations with the sqlite3
# shell (each with three name-token digests drawn from 90,000 tokens and a
# record digest: 4·N subject rows; no ledger behind them, which the query
# never reads), then runs the service's example, which adds 200
# consultations of one person under the service's own digests and times
# the queries (BENCHMARKS.md). Delete DIR afterwards: it is large.
set -euo pipefail
DIR=${1:-/tmp/cortina-bench-consultations}
N=${N:-5000000}
PROFILE=${PROFILE:-release}
flag=()
[ "$PROFILE" = release ] && flag=(--release)
mkdir -p "$DIR"
run() { cargo run -q "${flag[@]}" -p service --example bench_consultations -- --data-dir "$DIR" "$@"; }
# The schema (an empty log; the person is not added yet).
run --runs 1 --person 0 >/dev/null
have=$(sqlite3 "$DIR/cortina.db" "SELECT COUNT(*) FROM consultations")
if [ "$have" -lt "$N" ]; then
    echo "filling the log with $N consultations…" >&2
    sqlite3 "$DIR/cortina.db" <<SQL
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-400000;
DELETE FROM consultations; DELETE FROM consultation_subjects;
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $N)
INSERT INTO consultations
SELECT i, 1770000000000 + i * 100, 'acc-' || (i % 500), 'agency-' || (i % 20), 'session',
       'screening.run', 'lists', 'lists', 1, 'accreditation check',
       CAST('{"name":"someone else","purpose":"accreditation check"}' AS BLOB), 3
FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $N)
INSERT INTO consultation_subjects
SELECT subject, seq FROM (
    SELECT printf('n:%032x', (i * 7919) % 20011) AS subject, i AS seq FROM s
    UNION ALL SELECT printf('n:%032x', 20011 + (i * 104729) % 30011), i FROM s
    UNION ALL SELECT printf('n:%032x', 50022 + (i * 1299709) % 40009), i FROM s
    UNION ALL SELECT printf('r:%032x', i), i FROM s
) ORDER BY subject, seq;
COMMIT;
PRAGMA journal_mode=WAL;
ANALYZE;
SQL
fi
run --runs 7
