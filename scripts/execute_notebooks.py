"""Re-execute notebooks in place so their stored outputs match what nbval will see.

Usage:
    .venv/bin/python scripts/execute_notebooks.py                 # every notebooks/*.ipynb
    .venv/bin/python scripts/execute_notebooks.py notebooks/01_self_attention.ipynb

Each notebook runs top to bottom in a fresh kernel of *this* Python (the project venv),
with the notebook's own folder as working directory, exactly as nbval runs it. Volatile
metadata (execution timing, widget state, random widget ids) is not stored, so a re-run
that changes nothing leaves `git diff` empty. A notebook whose cell raises is not written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import nbrun  # scripts/nbrun.py: this folder is on sys.path when run as `python scripts/...`
from nbclient.exceptions import CellExecutionError, CellTimeoutError

REPO = Path(__file__).resolve().parent.parent


class StrayOutput(Exception):
    """A cell wrote to stderr: a warning (a missing glyph, a deprecation) is a bug to fix, not an output
    to store, where nbval would then compare it as if it were part of the lesson."""


def stderr_of(nb: nbformat.NotebookNode) -> list[str]:
    """What the code cells wrote to stderr, one line per cell: "cell 3: <first line>"."""
    return [f"cell {index}: {output.text.strip().splitlines()[0] if output.text.strip() else '(blank)'}"
            for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.get("name") == "stderr"]


def execute(path: Path, *, timeout: int, keep_widget_views: bool) -> float:
    """Run one notebook in place; return the seconds it took. Nothing is written if a cell fails or
    writes to stderr."""
    nb = nbformat.read(path, as_version=4)
    seconds = nbrun.execute(nb, path.parent, timeout=timeout)
    if stray := stderr_of(nb):
        raise StrayOutput("a cell wrote to stderr:\n  " + "\n  ".join(stray))
    nbrun.clean(nb, keep_widget_views=keep_widget_views)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb and notebooks/ko/*.ipynb")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell (120)")
    parser.add_argument(
        "--keep-widget-views", action="store_true", help="store widget outputs unchanged"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((REPO / "notebooks").glob("*.ipynb")) + sorted(
        (REPO / "notebooks" / "ko").glob("*.ipynb"))  # the Korean edition runs in its folder: Korean messages
    if not paths:
        print("No notebooks to execute.")
        return 0
    failed = []
    for path in paths:
        try:
            seconds = execute(path, timeout=args.timeout, keep_widget_views=args.keep_widget_views)
        except (CellExecutionError, CellTimeoutError, StrayOutput) as err:
            failed.append(path)
            print(f"FAILED {path} (not written)\n{err}", file=sys.stderr)
            continue
        print(f"ok {seconds:6.1f} s  {path}")
    if failed:
        print(f"{len(failed)} of {len(paths)} notebooks failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
