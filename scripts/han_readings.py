"""Derives crates/screening/src/han_readings.txt from the Unicode Han Database (Unihan).

Source: Unihan_Readings.txt of the Unicode Character Database (Debian package `unicode-data`,
/usr/share/unicode/Unihan_Readings.txt.bz2; Unicode 15.0.0), under the Unicode License (see
crates/screening/src/han_readings.LICENSE.txt). Three fields are kept for each character that
has any of them:

- kHangul: the character's Korean reading(s) as Hangul syllables (the source tags that say which
  standard lists the reading are dropped);
- kJapaneseKun and kJapaneseOn: its Japanese readings in Hepburn romanisation, native (kun)
  readings first, then Sino-Japanese (on), lower case.

Output: one line per character, sorted by code point: `CHAR<TAB>HANGUL<TAB>JAPANESE`, where
HANGUL is the syllables written together (one reading per syllable) and JAPANESE the readings
separated by spaces; either may be empty.

Usage: python3 scripts/han_readings.py [PATH] > crates/screening/src/han_readings.txt
(PATH defaults to /usr/share/unicode/Unihan_Readings.txt.bz2; `apt-get install unicode-data`).
"""
import bz2
import sys

FIELDS = ("kHangul", "kJapaneseKun", "kJapaneseOn")


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode/Unihan_Readings.txt.bz2"
    opener = bz2.open if path.endswith(".bz2") else open
    version = "unknown"
    table = {}
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("# Unicode version:"):
                version = line.split(":", 1)[1].strip()
            if line.startswith("#") or not line.strip():
                continue
            cp, field, value = line.rstrip("\n").split("\t", 2)
            if field not in FIELDS:
                continue
            table.setdefault(int(cp[2:], 16), {})[field] = value.split()
    out = sys.stdout
    out.write(f"# Derived from Unihan {version} (Unicode License); see han_readings.LICENSE.txt.\n")
    out.write("# CHAR<TAB>Korean readings (Hangul)<TAB>Japanese readings, kun then on (scripts/han_readings.py)\n")
    for cp in sorted(table):
        fields = table[cp]
        hangul = []
        for r in fields.get("kHangul", []):
            syllable = r.split(":", 1)[0]
            if len(syllable) == 1 and syllable not in hangul:
                hangul.append(syllable)
        japanese = []
        for field in ("kJapaneseKun", "kJapaneseOn"):
            for r in fields.get(field, []):
                r = r.lower()
                if r.isascii() and r.isalpha() and r not in japanese:
                    japanese.append(r)
        if hangul or japanese:
            out.write(f"{chr(cp)}\t{''.join(hangul)}\t{' '.join(japanese)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
