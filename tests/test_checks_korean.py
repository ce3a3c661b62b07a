"""Every exercise checker of lib/checks/<module>.py speaks the student's language.

For every `check_<x>` of every checker module, a battery of wrong answers (each of the exercise's
own known mistakes, read from its `mistakes()`, plus an answer of the wrong form, a NaN answer and
a wrong number) is checked once in Korean and once in English:
- in Korean the feedback contains Hangul and is not the English feedback, so a hint left unwrapped
  (or built at import, in English) fails here;
- in English it has no Hangul, except the lecture terms the English text itself uses (가중치, 잔차 연결,
  ... are written in the module's source).
The texts an exercise carries in its fields (nan_hint, form, retry, not_an_option) are checked too,
and importing the checkers after choosing Korean must not leave Korean in the English feedback.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import lib.checks
from lib import i18n
from lib.checks import Exercise

REPO = Path(__file__).resolve().parents[1]
HANGUL = re.compile(r"[가-힣]+")
FIELDS = ("nan_hint", "form", "retry", "not_an_option")
MODULES = sorted(m.name for m in pkgutil.iter_modules(lib.checks.__path__))


def _checks() -> list[tuple[str, str]]:
    found = []
    for name in MODULES:
        module = importlib.import_module(f"lib.checks.{name}")
        found += [(name, attr) for attr in sorted(vars(module)) if attr.startswith("check_")
                  and isinstance(getattr(getattr(module, attr), "__self__", None), Exercise)]
    return found


CHECKS = _checks()


@pytest.fixture
def korean():
    i18n.set_language("ko")
    yield
    i18n.set_language("en")


def _in(lang: str, fn, *args):
    i18n.set_language(lang)
    try:
        return fn(*args)
    finally:
        i18n.set_language("en")


def _nan_like(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return torch.full_like(value, math.nan)
    return math.nan


def _answers(exercise: Exercise) -> list[tuple[str, object]]:
    """(label, wrong answer): the exercise's own mistakes, then answers that reach its other messages."""
    answers = [(f"mistake {i}: {m.hint[:50]!r}", m.fn) for i, m in enumerate(exercise.mistakes())]
    return [*answers,
            ("a string", lambda *args: "x"),
            ("NaN", lambda *args: _nan_like(exercise.reference(*args))),
            ("a wrong number", lambda *args: 123456.7)]


def _hangul_of_the_source(module: str) -> set[str]:
    """The Korean lecture terms the module's English text uses."""
    return set(HANGUL.findall((REPO / "lib" / "checks" / f"{module}.py").read_text(encoding="utf-8")))


def _text(value) -> str:
    return str(value)


def test_every_checker_module_is_covered():
    assert len(MODULES) >= 13 and {m for m, _ in CHECKS} == set(MODULES), (MODULES, CHECKS)


@pytest.mark.parametrize(("module", "name"), CHECKS, ids=[f"{m}.{n}" for m, n in CHECKS])
def test_a_wrong_answer_is_told_in_korean_and_in_english(module, name):
    check = getattr(importlib.import_module(f"lib.checks.{module}"), name)
    allowed = _hangul_of_the_source(module)
    for label, answer in _answers(check.__self__):
        ko, en = _in("ko", check, answer), _in("en", check, answer)
        assert not ko.passed and not en.passed, (label, en.message)
        assert HANGUL.search(ko.message) and ko.message != en.message, (
            f"{module}.{name}, {label}: the Korean feedback is not Korean: {ko.message}")
        stray = set(HANGUL.findall(en.message)) - allowed
        assert not stray, f"{module}.{name}, {label}: Korean {stray} in the English feedback: {en.message}"


@pytest.mark.parametrize(("module", "name"), CHECKS, ids=[f"{m}.{n}" for m, n in CHECKS])
def test_the_texts_an_exercise_carries_are_translated_when_shown(module, name, korean):
    exercise = getattr(importlib.import_module(f"lib.checks.{module}"), name).__self__
    texts = {f: getattr(exercise, f) for f in FIELDS if getattr(exercise, f, None)}
    for field, value in texts.items():
        assert HANGUL.search(_text(value)), f"{module}.{name}.{field} is not translated: {_text(value)}"
    i18n.set_language("en")
    for field, value in texts.items():
        assert not set(HANGUL.findall(_text(value))) - _hangul_of_the_source(module), (field, _text(value))


def test_the_pair_exercise_speaks_of_both_tensors_in_either_language():
    from lib.checks.trained_transformer import check_teacher_forcing

    def off_by_one(t):
        return t[:, :-1] + 1, t[:, 1:]

    ko, en = _in("ko", check_teacher_forcing, off_by_one), _in("en", check_teacher_forcing, off_by_one)
    assert "both of the right shape (3, 5) but wrong values" in en.message, en.message
    assert "(3, 5)" in ko.message and "(2, 3, 5)" not in ko.message and HANGUL.search(ko.message), ko.message
    ko, en = _in("ko", check_teacher_forcing, lambda t: t), _in("en", check_teacher_forcing, lambda t: t)
    assert en.message.endswith("return a pair (decoder_input, labels), both of shape (B, T - 1).")
    assert "(decoder_input, labels)" in ko.message and "return" not in ko.message and HANGUL.search(ko.message)


def test_checkers_imported_after_choosing_korean_still_speak_english_afterwards():
    """Nothing is translated at import: a notebook may import its checker before or after the
    language is chosen (run in a fresh interpreter, where no checker module is imported yet)."""
    script = f"""
import importlib, re
from lib import i18n
from lib.checks import Exercise
i18n.set_language("ko")
checks = [importlib.import_module("lib.checks." + m) for m in {MODULES!r}]
i18n.set_language("en")
for module in checks:
    source = open(module.__file__, encoding="utf-8").read()
    allowed = set(re.findall("[가-힣]+", source))
    for name in [a for a in vars(module) if a.startswith("check_")]:
        check = getattr(module, name)
        exercise = getattr(check, "__self__", None)
        if not isinstance(exercise, Exercise):
            continue  # e.g. lib.checks.check_function, imported
        answers = [m.fn for m in exercise.mistakes()] + [lambda *a: "x", lambda *a: 123456.7]
        for answer in answers:
            message = check(answer).message
            stray = set(re.findall("[가-힣]+", message)) - allowed
            assert not stray, (module.__name__, name, message)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
