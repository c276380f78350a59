"""Scores labelled name pairs with nomenklatura's logic-v2, the matcher yente uses.

Reads the pairs CSV that `cargo xtask pairs` writes (id,schema,left,right,...) and writes one
JSON line per pair: {"id": ..., "score": ...}. Each side becomes a FollowTheMoney entity of the
pair's schema with the name as its only property; the left one is the query, as in
`cortina compare`. Default configuration (ScoringConfig.defaults()); the threshold yente applies
by default is 0.7.

Run with the venv that scripts/pairs-setup.sh makes:
    target/nk/bin/python3 scripts/nk_pairs.py PAIRS.csv OUT.jsonl
"""
import csv
import json
import sys

from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig

try:  # followthemoney 4 names the plain entity class differently from 3.x.
    from followthemoney import ValueEntity as Entity
except ImportError:  # pragma: no cover
    from nomenklatura.entity import CompositeEntity as Entity


def make(schema: str, ident: str, name: str):
    return Entity.from_dict(
        {"id": ident, "schema": schema, "properties": {"name": [name]}}, cleaned=False
    )


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: nk_pairs.py PAIRS.csv OUT.jsonl", file=sys.stderr)
        return 2
    algo = get_algorithm("logic-v2")
    if algo is None:
        print("this nomenklatura has no logic-v2", file=sys.stderr)
        return 1
    config = ScoringConfig.defaults()
    with open(sys.argv[1], newline="", encoding="utf-8") as f, open(
        sys.argv[2], "w", encoding="utf-8"
    ) as out:
        for row in csv.DictReader(f):
            schema = row.get("schema") or "LegalEntity"
            # Unique ids: nomenklatura caches name analysis by entity id.
            q = make(schema, f"q-{row['id']}", row["left"])
            r = make(schema, f"r-{row['id']}", row["right"])
            try:
                score = algo.compare(q, r, config).score
            except Exception as exc:  # a pair logic-v2 cannot read scores 0, and says so
                print(f"{row['id']}: {exc}", file=sys.stderr)
                score = 0.0
            out.write(json.dumps({"id": row["id"], "score": score}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
