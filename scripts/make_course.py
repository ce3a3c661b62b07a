"""Build an nbgrader course from the notebooks and solutions/, release it, and grade the reference (`make course`).

    .venv/bin/python scripts/make_course.py [--only 09_masking 10_decoder] [--into course]

nbgrader (the ecosystem's grading tool) does the work; this script only lays out its course folder:
1. source/<NN_slug>/<NN_slug>.ipynb: each notebook, one assignment, with every exercise split into
   a solution cell (the reference answer from solutions/NN_slug.py between nbgrader's
   `### BEGIN SOLUTION` / `### END SOLUTION` markers, inside the notebook's own function header) and
   a locked autograder cell worth one point that calls the same checker the notebook uses;
2. `nbgrader generate_assignment`: release/<NN_slug>/, the student version (solutions cleared,
   outputs cleared);
3. two submissions, autograded by `nbgrader autograde`: "reference" (the source, full marks
   expected) and "untouched" (the release as a student gets it, zero expected);
4. `nbgrader export`: grades.csv.
A lecturer then uses the same folder with nbgrader's usual commands (see README, "Grading a class").
"""

from __future__ import annotations

import argparse
import ast
import csv
import inspect
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from exercises import REPO, exercises_of, load_solutions

NBGRADER = Path(sys.executable).with_name("nbgrader")
CONFIG = '''# nbgrader's configuration for this course (written by scripts/make_course.py).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "transformer-lectures"
c.CourseDirectory.root = {root!r}
# The release keeps the notebooks' own stub line, so a student sees what the lecture notebook shows.
c.ClearSolutions.code_stub = {{"python": "raise NotImplementedError"}}
# Notebook 11 trains a model for ~25 s in one cell.
c.ExecutePreprocessor.timeout = 300
c.Execute.timeout = 300
'''


def _meta(kind: str, grade_id: str, points: int = 0) -> dict:
    grading = kind == "tests"
    return {"nbgrader": {"grade": grading, "solution": kind == "solution", "locked": grading,
                         "grade_id": grade_id, "schema_version": 3, **({"points": points} if grading else {})}}


def _marked(stub_source: str, solution_fn) -> str:
    """The notebook's own function header, with the reference body between nbgrader's markers."""
    stub = ast.parse(stub_source).body[0]
    header = stub_source.splitlines()[: stub.body[0].lineno - 1]
    comment = stub_source.splitlines()[stub.body[-1].lineno - 1].partition("#")[2].strip()
    reference = inspect.getsource(solution_fn)
    ref = ast.parse(reference).body[0]
    first = ref.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and len(ref.body) > 1:
        first = ref.body[1]  # the reference's docstring is not part of the answer
    body = reference.splitlines()[first.lineno - 1:]
    indent = min(len(line) - len(line.lstrip()) for line in body if line.strip())
    module = Path(solution_fn.__code__.co_filename).read_text(encoding="utf-8")  # solutions/NN_slug.py
    # The module's imports and constants (e.g. PAD = 0) go inside the answer, which must stand alone.
    imports = [ast.unparse(n) for n in ast.parse(module).body
               if isinstance(n, ast.Import | ast.ImportFrom | ast.Assign | ast.AnnAssign)
               and getattr(n, "module", "") != "__future__"]
    lines = [*header, *([f"    # {comment}"] if comment else []), "    ### BEGIN SOLUTION",
             *(f"    {line}" for line in imports), *(f"    {line[indent:]}" for line in body), "    ### END SOLUTION"]
    return "\n".join(lines)


def source_notebook(path: Path) -> dict:
    """The notebook with each exercise as a solution cell + a locked one-point autograder cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    solutions = load_solutions(path.name)
    by_cell: dict[int, list] = {}
    for found in exercises_of(path):
        by_cell.setdefault(found.cell, []).append(found)
    cells = []
    for index, cell in enumerate(nb["cells"]):
        cell = {**cell, "outputs": [], "execution_count": None} if cell["cell_type"] == "code" else dict(cell)
        if index not in by_cell:
            cells.append(cell)
            continue
        source = "".join(cell["source"])
        tests = []
        for found in by_cell[index]:
            source = source.replace(found.source, _marked(found.source, getattr(solutions, found.function)))
            call = f"{found.checker}({found.function})"
            source = "\n".join(line for line in source.splitlines() if line.strip() != call)
            tests.append(f"result = {call}\nprint(result)\nassert result.passed, result.message")
        cells.append({**cell, "source": source.rstrip() + "\n", "metadata": _meta("solution", f"{path.stem}_{index}")})
        for k, test in enumerate(tests):
            cells.append({"cell_type": "code", "execution_count": None, "outputs": [], "source": test,
                          "metadata": _meta("tests", f"{path.stem}_{index}_test{k}", points=1)})
    return {**nb, "cells": cells}


def nbgrader(course: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{NBGRADER.parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # it runs `alembic`
    out = subprocess.run([str(NBGRADER), *args], cwd=course, capture_output=True, text=True, check=False, env=env)
    if out.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")


def build(course: Path, notebooks: list[Path]) -> dict:
    if course.exists():
        shutil.rmtree(course)  # course/ is generated (and ignored by git): built afresh every time
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(root=str(course)))
    times = {}
    start = time.perf_counter()
    for nb in notebooks:
        folder = course / "source" / nb.stem
        folder.mkdir(parents=True)
        (folder / nb.name).write_text(json.dumps(source_notebook(nb), indent=1, ensure_ascii=False) + "\n")
        nbgrader(course, "generate_assignment", nb.stem, "--force")
    times["generate"] = time.perf_counter() - start
    for student, step in (("reference", "source"), ("untouched", "release")):
        nbgrader(course, "db", "student", "add", student)
        for nb in notebooks:
            dest = course / "submitted" / student / nb.stem
            dest.mkdir(parents=True)
            shutil.copyfile(course / step / nb.stem / nb.name, dest / nb.name)
    start = time.perf_counter()
    for nb in notebooks:
        nbgrader(course, "autograde", nb.stem, "--force")
    times["autograde"] = time.perf_counter() - start
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", help="notebook stems (default: every notebook with exercises)")
    parser.add_argument("--into", type=Path, default=REPO / "course")
    parser.add_argument("--source", type=Path, default=REPO / "notebooks",
                        help="the edition: notebooks/ (English) or notebooks/ko/ (Korean; set LECTURE_LANG=ko)")
    args = parser.parse_args(argv)
    notebooks = [p for p in sorted(args.source.resolve().glob("[0-9][0-9]_*.ipynb"))
                 if (not args.only or p.stem in args.only) and exercises_of(p)]
    if not notebooks:
        parser.error(f"no notebook with exercises matches {args.only}")
    times = build(args.into.resolve(), notebooks)
    with (args.into / "grades.csv").open() as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        print(f"{row['student_id']:10s} {row['assignment']:28s} {row['raw_score']:>5s} / {row['max_score']}")
    print(f"generate_assignment {times['generate']:.0f} s, autograde {times['autograde']:.0f} s; "
          f"grades in {args.into / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
