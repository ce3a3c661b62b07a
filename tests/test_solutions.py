"""Every exercise of every notebook, run through its own checker: one table, read from the notebooks.

For each notebook, the exercise cells are found by their shape: a function whose body is
`raise NotImplementedError` (the stub the student replaces) and a call `check_<x>(that_function)`.
For each such exercise:
- the stub, exactly as the notebook has it, gets "not done yet";
- the reference answer, `solutions/NN_slug.py`'s function of the same name, passes;
- when the checker is an `Exercise` (lib.checks), every one of its known mistakes fails with its
  own hint, so no hint is dead and no mistake is mistaken for another.
The reference answers live outside lib (lib never imports them) and are loaded by path.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from lib.checks import NOT_DONE, PASS, Exercise

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from exercises import checker_of, exercises_of, function_of, load_solutions  # noqa: E402

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MIN_EXERCISES = 4

# Notebooks that do not reach MIN_EXERCISES or lack a checked "predict" question yet (a strict
# xfail each: it turns red the day the notebook is done, and the entry must go).
PENDING_EXERCISES: dict[str, str] = {}

ALL = [f for path in NOTEBOOKS for f in exercises_of(path)]


@pytest.mark.parametrize("found", ALL, ids=lambda f: f"{f.notebook}:{f.function}")
def test_the_stub_is_not_done_and_the_reference_passes(found):
    check = checker_of(found)
    assert check(function_of(found)).message.startswith(NOT_DONE)
    reference = getattr(load_solutions(found.notebook), found.function, None)
    assert reference is not None, f"solutions/{found.notebook[:-6]}.py has no function {found.function}"
    result = check(reference)
    assert result.passed and result.message.startswith(PASS), result.message


@pytest.mark.parametrize("found", [f for f in ALL if isinstance(getattr(checker_of(f), "__self__", None), Exercise)],
                         ids=lambda f: f"{f.notebook}:{f.function}")
def test_every_known_mistake_gets_its_own_hint(found):
    check = checker_of(found)
    exercise: Exercise = check.__self__
    mistakes = exercise.mistakes()
    assert mistakes, f"{found.checker} lists no mistakes: every exercise names at least one"
    for mistake in mistakes:
        result = check(mistake.fn)
        assert not result.passed and mistake.hint in result.message, (
            f"the mistake for hint {mistake.hint[:60]!r}... got: {result.message}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_has_enough_exercises_and_a_predict_question(path, request):
    if path.name in PENDING_EXERCISES:
        request.applymarker(pytest.mark.xfail(reason=PENDING_EXERCISES[path.name], strict=True))
    n = len(exercises_of(path))
    text = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown")
    assert n >= MIN_EXERCISES, f"{path.name}: {n} auto-checked exercises, at least {MIN_EXERCISES} wanted"
    assert re.search(r"\*\*Exercise \d+ \(predict", text), f"{path.name}: no '**Exercise N (predict ...' question"


def test_lib_never_imports_the_solutions():
    for py in (REPO / "lib").rglob("*.py"):
        assert "solutions" not in py.read_text(encoding="utf-8"), f"{py.relative_to(REPO)} mentions solutions"


def test_every_exercise_was_found():
    assert len(ALL) >= 2 * len(NOTEBOOKS), f"found only {len(ALL)} exercises in {len(NOTEBOOKS)} notebooks"
