"""Exports the English→Arabic name dictionary of the PyPI package `arabnamer` as CSV.

The dictionary (`arabnamer/data/dict_FINAL.json`, 22,798 pairs) is © Yousef, E. (2026),
https://github.com/sayedyousef/arabnamer, licensed CC-BY-4.0; it is read from the wheel that
scripts/pairs-setup.sh downloads into target/pkgs (the package itself is not installed: its
model needs xgboost, the dictionary needs nothing). Changes: none but the format (CSV with a
header `english,arabic`, keys as published, sorted). Nothing here is committed.

Usage: python3 scripts/arabnamer_dict.py OUT.csv
"""
import csv
import glob
import json
import os
import sys
import zipfile


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    wheels = sorted(glob.glob(os.path.join(root, "target/pkgs/arabnamer-*.whl")))
    if not wheels:
        print("no arabnamer wheel in target/pkgs: run scripts/pairs-setup.sh", file=sys.stderr)
        return 1
    with zipfile.ZipFile(wheels[-1]) as z:
        data = json.loads(z.read("arabnamer/data/dict_FINAL.json"))
    with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["english", "arabic"])
        for en in sorted(data):
            ar = data[en]
            if isinstance(ar, list):
                ar = ar[0] if ar else ""
            if en and ar:
                w.writerow([en, ar])
    return 0


if __name__ == "__main__":
    sys.exit(main())
