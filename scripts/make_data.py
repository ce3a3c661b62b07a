"""Write the date task's split files into data/ (`make data`); the same seed gives the same bytes.

Usage:
    .venv/bin/python scripts/make_data.py            # data/dates_train.tsv, data/dates_test.tsv
    .venv/bin/python scripts/make_data.py --out DIR  # somewhere else (the test compares the bytes)
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from lib.data import write_date_files

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "data", help="folder for the .tsv files")
    args = parser.parse_args(argv)
    for path in write_date_files(args.out):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        lines = path.read_text(encoding="utf-8").count("\n")
        print(f"{path.name}: {lines} rows, {path.stat().st_size} bytes, sha256 {digest}…")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
