#!/usr/bin/env bash
# Installs what `cargo xtask pairs` and `cargo xtask variants` compare against or read, all under
# target/ (nothing is committed, nothing outside the work tree changes):
#
#   target/nk/            a Python venv with nomenklatura (logic-v2, the matcher we compare with)
#                         and nicknames (Apache-2.0, names.csv: the nickname variants)
#   target/pkgs/          the arabnamer wheel, unopened; scripts/arabnamer_dict.py reads its
#                         English→Arabic name dictionary (CC-BY-4.0, Yousef 2026) from the zip
#
# Usage: scripts/pairs-setup.sh            (idempotent; re-run to repair)
set -euo pipefail
cd "$(dirname "$0")/.."
NOMENKLATURA_VERSION=${NOMENKLATURA_VERSION:-4.17.4}
NICKNAMES_VERSION=1.0.1
ARABNAMER_VERSION=0.1.3
if [ ! -x target/nk/bin/python3 ]; then
    python3 -m venv target/nk
fi
target/nk/bin/pip install -q "nomenklatura==${NOMENKLATURA_VERSION}" "nicknames==${NICKNAMES_VERSION}"
mkdir -p target/pkgs
if ! ls target/pkgs/arabnamer-${ARABNAMER_VERSION}-*.whl >/dev/null 2>&1; then
    target/nk/bin/pip download -q --no-deps "arabnamer==${ARABNAMER_VERSION}" -d target/pkgs
fi
target/nk/bin/python3 -c 'import nomenklatura, nicknames; print("nomenklatura", nomenklatura.__version__ if hasattr(nomenklatura, "__version__") else "?")'
