"""Derives crates/screening/src/nicknames.txt from the `nicknames` dataset.

Source: the PyPI package `nicknames` 1.0.1 (names.csv, "Hand-curated dataset of English names and
nicknames", Apache-2.0, https://github.com/carltonnorthern/nicknames). The derived table keeps
only the relation: one line per formal name, `formal nick1 nick2 ...`, lower-case ASCII letters,
sorted; names that are not plain ASCII letters are left out. See
crates/screening/src/nicknames.LICENSE.txt.

Usage: target/nk/bin/python3 scripts/nicknames_table.py > crates/screening/src/nicknames.txt
(after scripts/pairs-setup.sh installed the package into target/nk).
"""
import csv
import sys
from collections import defaultdict
from importlib import resources


def main() -> int:
    path = resources.files("nicknames").joinpath("names.csv")
    groups = defaultdict(set)
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("relationship") != "has_nickname":
                continue
            a, b = row["name1"].strip().lower(), row["name2"].strip().lower()
            if a.isascii() and a.isalpha() and b.isascii() and b.isalpha() and a != b:
                groups[a].add(b)
    out = sys.stdout
    out.write("# Derived from the nicknames dataset 1.0.1 (Apache-2.0); see nicknames.LICENSE.txt.\n")
    out.write("# One line per formal name: formal nickname... (scripts/nicknames_table.py)\n")
    for formal in sorted(groups):
        out.write(formal + " " + " ".join(sorted(groups[formal])) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
