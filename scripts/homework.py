"""Student copies of the notebooks, and which of their exercises pass (`make homework`, `make progress`).

    .venv/bin/python scripts/homework.py copy [--backup] [--into homework]
    .venv/bin/python scripts/homework.py progress [--into homework]

`copy` puts every notebooks/NN_*.ipynb into homework/ (ignored by git), where a student works
without touching the lecture's files (so `git pull` and `make test` keep working). A copy the
student has changed is never overwritten: homework/.copied.json remembers the SHA-256 of what
was copied, and a file that no longer matches is skipped with a message. `--backup` instead
moves the changed file aside to NN_slug.<timestamp>.ipynb and copies the new version. A copy
still as it was copied is brought up to date.

`progress` reads each homework notebook's exercise cells (scripts/exercises.py), defines the
student's functions with the notebook's imports (one fresh namespace per exercise, all in one
process apart from the caller's), and runs each
through its checker (with the checker's time limit per call): a table of ✅ / ❌ / ⏳ per exercise.
A function that uses a variable from another cell is reported as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from exercises import REPO, checker_of, exercises_of, function_of, imports_of

MANIFEST = ".copied.json"
NOTEBOOK_TIMEOUT_S = 60  # a backstop per notebook around its checks; each call has its own limit


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy(into: Path, *, backup: bool, source: Path = REPO / "notebooks") -> int:
    into.mkdir(parents=True, exist_ok=True)
    manifest_path = into / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    counts = {"new": 0, "updated": 0, "unchanged": 0, "kept": 0, "backed up": 0}
    for nb in sorted(source.glob("[0-9][0-9]_*.ipynb")):
        dest = into / nb.name
        if dest.exists() and sha256(dest) == sha256(nb):
            manifest[nb.name] = sha256(nb)
            counts["unchanged"] += 1
            continue
        if dest.exists() and manifest.get(nb.name) != sha256(dest):  # the student's work
            if not backup:
                print(f"kept     {dest.relative_to(into.parent)}: you changed it; not overwritten "
                      f"(`make homework BACKUP=1` keeps it under a new name and copies the new version)")
                counts["kept"] += 1
                continue
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            aside = dest.with_name(f"{dest.stem}.{stamp}.ipynb")
            dest.rename(aside)
            print(f"backup   {aside.relative_to(into.parent)}")
            counts["backed up"] += 1
        state = "updated" if dest.exists() else "new"
        shutil.copyfile(nb, dest)
        manifest[nb.name] = sha256(dest)
        counts[state] += 1
        print(f"{state:8s} {dest.relative_to(into.parent)}")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(", ".join(f"{n} {what}" for what, n in counts.items() if n) + f" in {into.relative_to(into.parent)}/")
    return 0


def check_notebook(path: Path) -> list[dict]:
    """Run every exercise of one notebook through its checker (in this process)."""
    from lib.notebook import setup_notebook

    setup_notebook(seed=0)
    rows = []
    for found in exercises_of(path, stubs_only=False):
        namespace: dict = {}
        try:
            exec(imports_of(path), namespace)  # the notebook's imports: torch, lib, ...
            result = checker_of(found)(function_of(found, namespace))
            passed, message = result.passed, result.message
        except Exception as exc:  # a cell that does not even define its function
            what = f"{type(exc).__name__}: {exc}"
            passed, message = False, f"❌ {found.function}: the cell does not run on its own ({what})"
        if "NameError" in message:
            message += " (it uses a name defined in another cell; exercises must stand on their own)"
        rows.append({"exercise": found.function, "passed": passed, "message": message.splitlines()[0]})
    return rows


def progress(into: Path) -> int:
    notebooks = sorted(into.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print(f"no notebooks in {into}/ yet: run `make homework` first")
        return 1
    # One process for all notebooks (torch and lib are imported once); each call has its own time limit.
    try:
        out = subprocess.run([sys.executable, __file__, "_check", *map(str, notebooks)], capture_output=True,
                             text=True, timeout=NOTEBOOK_TIMEOUT_S * len(notebooks), cwd=into, check=False)
        results = json.loads(out.stdout.splitlines()[-1]) if out.returncode == 0 and out.stdout else {}
    except subprocess.TimeoutExpired:
        results = {}
    print("| notebook | passed | exercises |\n|---|---:|---|")
    total = passed = 0
    for nb in notebooks:
        rows = results.get(nb.name)
        if rows is None:
            print(f"| {nb.name} | — | could not be checked (the checks crashed or ran out of time) |")
            continue
        marks = ", ".join(f"{r['message'][0]} {r['exercise']}" for r in rows)
        ok = sum(r["passed"] for r in rows)
        total, passed = total + len(rows), passed + ok
        print(f"| {nb.name} | {ok}/{len(rows)} | {marks} |")
    print(f"\n{passed} of {total} exercises pass (✅ passed, ❌ not yet right, ⏳ not started)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("copy", "progress"):
        p = sub.add_parser(name)
        p.add_argument("--into", type=Path, default=REPO / "homework")
        if name == "copy":
            p.add_argument("--backup", action="store_true", help="move a changed copy aside, then copy")
            p.add_argument("--source", type=Path, default=REPO / "notebooks",
                           help="the edition to copy: notebooks/ (English) or notebooks/ko/ (Korean)")
    internal = sub.add_parser("_check")  # the notebooks' checks, in a process of their own; prints JSON
    internal.add_argument("notebooks", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "copy":
        return copy(args.into.resolve(), backup=args.backup, source=args.source.resolve())
    if args.command == "progress":
        return progress(args.into.resolve())
    print(json.dumps({nb.name: check_notebook(nb) for nb in args.notebooks}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
