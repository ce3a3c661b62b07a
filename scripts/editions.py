"""Keep the Korean edition's code the English edition's: one source of truth for the code.

notebooks/NN_slug.ipynb (English) is where code is written. notebooks/ko/NN_slug.ipynb has the same
cells in the same order, with the same ids (slide metadata is each edition's own, from
scripts/slides.py); its markdown cells are its own (written in
Korean, edited there), its code cells are copied from the English one by this script. Outputs are
not copied: `make notebooks` runs each edition in its own folder, where `setup_notebook` picks the
edition's language.

    .venv/bin/python scripts/editions.py          # copy code cells English -> Korean where they differ
    .venv/bin/python scripts/editions.py --check  # exit 1 and name what differs; change nothing

A cell added, removed or moved in the English notebook is not guessed at: the script names it, and
the Korean notebook gets the same change by hand (its Korean text is needed anyway).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "notebooks"
EDITIONS = {"ko": SOURCE / "ko"}


def load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"{path}: cannot read it as a notebook ({exc})") from None


def dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def problems(english: dict, edition: dict) -> tuple[list[str], list[int]]:
    """(structural differences that need a hand, indexes of code cells whose source differs)."""
    found, stale = [], []
    e_cells, k_cells = english["cells"], edition["cells"]
    if [(c.get("id"), c["cell_type"]) for c in e_cells] != [(c.get("id"), c["cell_type"]) for c in k_cells]:
        e_ids = [f"{c.get('id')}:{c['cell_type']}" for c in e_cells]
        k_ids = [f"{c.get('id')}:{c['cell_type']}" for c in k_cells]
        pairs = enumerate(zip(e_ids, k_ids, strict=False))
        first = next((i for i, (a, b) in pairs if a != b), min(len(e_ids), len(k_ids)))
        found.append(f"cells differ from cell {first} on (English {len(e_ids)} cells, this edition {len(k_ids)}): "
                     f"English has {e_ids[first:first + 2]}, this edition {k_ids[first:first + 2]}")
        return found, stale
    for i, (e, k) in enumerate(zip(e_cells, k_cells, strict=True)):
        if e["cell_type"] == "code" and e["source"] != k["source"]:
            stale.append(i)
    return found, stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if an edition is out of step")
    args = parser.parse_args(argv)
    bad = 0
    for lang, folder in EDITIONS.items():
        for path in sorted(SOURCE.glob("*.ipynb")):
            other = folder / path.name
            if not other.exists():
                print(f"{lang}: {other.relative_to(REPO)} is missing (the {lang} edition of {path.name})")
                bad += 1
                continue
            english, edition = load(path), load(other)
            found, stale = problems(english, edition)
            for text in found:
                print(f"{lang}: {other.relative_to(REPO)}: {text}")
            bad += len(found)
            if stale and args.check:
                print(f"{lang}: {other.relative_to(REPO)}: code cells {stale} differ from the English: "
                      "run scripts/editions.py")
                bad += 1
            elif stale and not found:
                for i in stale:
                    edition["cells"][i]["source"] = english["cells"][i]["source"]
                    edition["cells"][i]["outputs"] = []  # stale: `make notebooks` runs it again
                    edition["cells"][i]["execution_count"] = None
                other.write_text(dump(edition), encoding="utf-8")
                print(f"{lang}: {other.relative_to(REPO)}: copied code cells {stale}; now run "
                      f"`make notebooks NB={other.relative_to(REPO)}`")
        for path in sorted(folder.glob("*.ipynb")):
            if not (SOURCE / path.name).exists():
                print(f"{lang}: {path.relative_to(REPO)} has no English notebook {path.name}")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
