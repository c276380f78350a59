#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster, and
# CORTINA_TEST_DATABASE_URL pointing at it, so the store and service tests
# run on PostgreSQL as well as SQLite:
#
#   scripts/with-postgres.sh cargo test --workspace
#
# Installs Debian's postgresql with apt-get when missing (needs root;
# idempotent). pg_virtualenv -t creates the cluster in a temporary directory
# of its own (also as root, so concurrent runs never share one) and drops it
# when the command ends.
set -euo pipefail

if ! command -v pg_virtualenv >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "with-postgres: need root to install postgresql" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y postgresql; then
        apt-get update
        apt-get install -y postgresql
    fi
fi

# The tests refuse to skip PostgreSQL when this is set.
export CORTINA_REQUIRE_POSTGRES=1
exec pg_virtualenv -t sh -c 'CORTINA_TEST_DATABASE_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE" exec "$@"' with-postgres "$@"
