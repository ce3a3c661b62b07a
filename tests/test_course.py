"""make course (scripts/make_course.py): nbgrader releases no solution, grades the reference full, the untouched 0."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from exercises import exercises_of, load_solutions  # noqa: E402

NOTEBOOK = "01_self_attention"  # the quickest notebook to execute: nbgrader runs it twice


def test_course_release_hides_the_solutions_and_grades_reference_full_and_untouched_zero(tmp_path):
    course = tmp_path / "course"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_course.py"), "--only", NOTEBOOK, "--into",
                    str(course)], check=True, capture_output=True, text=True)
    release = json.loads((course / "release" / NOTEBOOK / f"{NOTEBOOK}.ipynb").read_text())
    # Only code cells: the third hint of an exercise (markdown) shows code on purpose.
    released = "\n".join("".join(c["source"]) for c in release["cells"] if c["cell_type"] == "code")
    assert "BEGIN SOLUTION" not in released and "END SOLUTION" not in released
    solutions = load_solutions(f"{NOTEBOOK}.ipynb")
    exercises = exercises_of(REPO / "notebooks" / f"{NOTEBOOK}.ipynb")
    for found in exercises:
        code = getattr(solutions, found.function).__code__
        body = Path(code.co_filename).read_text().splitlines()[code.co_firstlineno:]  # after the def line
        answer = [line.strip() for line in body[:3] if line.strip() and not line.strip().startswith(("#", '"'))]
        assert answer and not any(line in released for line in answer), f"{found.function}'s answer is released"
        assert f"def {found.function}(" in released
    with (course / "grades.csv").open() as f:
        grades = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == NOTEBOOK}
    points = float(len(exercises))
    assert float(grades["reference"]["raw_score"]) == float(grades["reference"]["max_score"]) == points
    assert float(grades["untouched"]["raw_score"]) == 0.0
