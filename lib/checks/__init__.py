"""The homework checker: runs a student's function against the reference on several cases.

It never raises into the notebook and never shows a traceback. The result says "passed",
"not done yet", or gives a targeted hint when the answer matches a known mistake (wrong softmax
axis, scaling by d_model, inverted mask, ...). Around every call of the student's function:

- a time limit (`time_limit` seconds per call, default TIME_LIMIT_S): an endless loop is stopped
  and named, instead of hanging the notebook;
- what the function prints or warns is captured and shown shortened under the verdict, instead of
  flooding the notebook;
- its inputs are compared before and after the call: changing an input in place has its own hint;
- an error names the line of the student's own code (not of lib or torch) where it happened;
- Ctrl-C / the stop button (KeyboardInterrupt) ends the check with "stopped".
A result of the wrong kind (e.g. a float mask where a boolean one is asked for, `dtype=`) and a
NaN in the result (`nan_hint=`, specific to the exercise) get their own messages.
Each notebook's exercises live in `lib/checks/<concept>.py`.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import numbers
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lib.i18n import _

PASS, NOT_DONE, HINT, STOPPED = "✅", "⏳", "❌", "⏹"
TIME_LIMIT_S = 3.0  # per call of the student's function; every reference answer takes milliseconds
OUTPUT_LINES = 6  # lines of the student's own printing shown under the verdict
_LIB = str(Path(__file__).resolve().parent.parent)  # lib/: frames there are not the student's


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: `fn` reproduces it, `hint` explains it."""

    fn: Callable
    hint: str


@dataclass(frozen=True)
class Result:
    """What a check found. Truthy when passed; its text is what the notebook shows."""

    passed: bool
    message: str
    kind: str = ""  # why it failed, for wrappers: "values", "shape" (wrong form), or "" (anything else)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message


class _TimeUp(BaseException):
    """Raised inside the student's function when its time is up (a BaseException, so that a
    student's `except Exception:` cannot swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise _TimeUp in the running code after `seconds` (wall clock). Only the main thread can
    receive signals; elsewhere (and on systems without SIGALRM) the code runs without a limit."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(_signum, _frame):
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class _Call:
    """One call of the student's function: what it returned or raised, printed and warned."""

    value: object = None
    error: BaseException | None = None
    output: str = ""


def _call_student(fn: Callable, args: Sequence, seconds: float) -> _Call:
    call, out = _Call(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(out):
        warnings.simplefilter("always")
        try:
            with time_limit(seconds):
                call.value = fn(*args)
        except (Exception, _TimeUp, KeyboardInterrupt, SystemExit) as exc:  # reported, never raised
            call.error = exc
    warned = [f"{w.category.__name__}: {w.message}" for w in caught]
    call.output = out.getvalue() + "".join(line + "\n" for line in warned)
    return call


def _shorten(output: str, lines: int = OUTPUT_LINES) -> str:
    rows = output.rstrip("\n").splitlines()
    rows = [row if len(row) <= 200 else row[:200] + " …" for row in rows]
    more = "\n   " + _("… and {n} more lines").format(n=len(rows) - lines) if len(rows) > lines else ""
    return "\n".join("   " + row for row in rows[:lines]) + more


def _student_line(exc: BaseException) -> str:
    """'line N of your code' for the deepest frame outside lib/ and installed packages, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_LIB) and "site-packages" not in f.filename
              and not f.filename.startswith(sys.prefix) and not f.filename.startswith(sys.base_prefix)]
    if not frames:
        return ""
    frame = frames[-1]
    code = f": `{frame.line.strip()}`" if frame.line else ""
    return " " + _("at line {line} of your code").format(line=frame.lineno) + code


def _same_input(before, after) -> bool:
    """True when a call left this argument as it was (NaN equal to NaN)."""
    if isinstance(before, torch.Tensor):
        return (isinstance(after, torch.Tensor) and before.shape == after.shape and before.dtype == after.dtype
                and (bool(torch.equal(before, after)) or bool(before.is_floating_point() and torch.allclose(
                    before, after, rtol=0.0, atol=0.0, equal_nan=True))))
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and bool(np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")))
    if isinstance(before, dict):
        return isinstance(after, dict) and before.keys() == after.keys() and all(
            _same_input(before[k], after[k]) for k in before)
    if isinstance(before, list | tuple):
        return (type(before) is type(after) and len(before) == len(after)
                and all(_same_input(b, a) for b, a in zip(before, after, strict=True)))
    return True


def _as_tensor(x) -> torch.Tensor | None:
    if isinstance(x, torch.Tensor):
        return x.detach()
    try:
        return torch.as_tensor(np.asarray(x))
    except (TypeError, ValueError, RuntimeError):
        return None


def _shapes(args: Sequence) -> str:
    return ", ".join(str(tuple(a.shape)) if hasattr(a, "shape") else repr(a) for a in args)


def _clone(args: Sequence) -> tuple:
    """Fresh copies of the arguments, so no call (student, reference or mistake) sees another's changes."""
    return tuple(a.clone() if isinstance(a, torch.Tensor) else copy.deepcopy(a) for a in args)


def same(a, b, *, atol: float = 1e-5, rtol: float = 1e-4, equal_nan: bool = False) -> bool:
    """True when `a` and `b` have the same shape and close values. NaN never matches, unless
    `equal_nan` (a wrong answer that produces NaN is recognised by its NaNs in the same places)."""
    ta, tb = _as_tensor(a), _as_tensor(b)
    if ta is None or tb is None or ta.shape != tb.shape:
        return False
    return bool(torch.allclose(ta.double(), tb.double(), atol=atol, rtol=rtol, equal_nan=equal_nan))


def as_mistakes(pairs: Iterable[tuple[Callable, str]]) -> list[Mistake]:
    """`Mistake`s from (wrong function, hint) pairs."""
    return [Mistake(fn, hint) for fn, hint in pairs]


def _try(fn: Callable, args: Sequence):
    """`fn(*args)` on copies of the args; None (matching nothing) when a wrong version cannot run
    on this case at all, e.g. because its shapes clash."""
    try:
        return fn(*_clone(args))
    except (RuntimeError, ValueError, IndexError):
        return None


def _diagnose(got, expected, args, mistakes: Iterable[Mistake], atol: float,
              nan_hint: str | None) -> tuple[str, str]:
    """(kind, hint) of a wrong answer: a known mistake's hint, or what is wrong with it."""
    t_got, t_exp = _as_tensor(got), _as_tensor(expected)
    for mistake in mistakes:
        if same(got, _try(mistake.fn, args), atol=atol, equal_nan=True):
            return "", mistake.hint
    if t_got is None:
        return "shape", _("it returned {type}, expected a tensor of shape {shape}.").format(
            type=type(got).__name__, shape=tuple(t_exp.shape))
    if t_got.shape != t_exp.shape:
        return "shape", _("for inputs of shapes {shapes} it returned shape {got}, expected {expected}.").format(
            shapes=_shapes(args), got=tuple(t_got.shape), expected=tuple(t_exp.shape))
    if torch.isnan(t_got.double()).any():
        return "", nan_hint or _("the result contains NaN where the right answer has none.")
    diff = (t_got.double() - t_exp.double()).abs().max().item()
    return "values", _("right shape {shape} but wrong values (largest difference {diff}).").format(
        shape=tuple(t_exp.shape), diff=f"{diff:.3g}")


def _dtype_problem(got, dtype: torch.dtype | None) -> str:
    if dtype is None or not isinstance(got, torch.Tensor) or got.dtype == dtype:
        return ""
    if dtype == torch.bool:
        return _("it returned a tensor of dtype {dtype}; a mask must be boolean (True = may attend). "
                 "A float 0/1 mask is not the same thing: F.scaled_dot_product_attention adds a float mask to "
                 "the scores. Build it from comparisons (<, ==, tril of a bool tensor) or end with .bool().").format(
            dtype=got.dtype)
    return _("it returned a tensor of dtype {got}, expected {expected}.").format(got=got.dtype, expected=dtype)


def _raised(name: str, call: _Call, args: Sequence, seconds: float) -> Result | None:
    exc = call.error
    if exc is None:
        return None
    if isinstance(exc, NotImplementedError):
        return Result(False, f"{NOT_DONE} {name}: " + _("not done yet. Replace `raise NotImplementedError` "
                                                         "with your code."))
    if isinstance(exc, _TimeUp):
        return Result(False, f"{HINT} {name}: " + _(
            "your function took longer than {seconds} s on inputs of shapes {shapes} and was stopped. An endless "
            "loop (a `while` whose condition never changes)? Every test case needs only milliseconds."
        ).format(seconds=f"{seconds:g}", shapes=_shapes(args)))
    if isinstance(exc, KeyboardInterrupt):
        return _stopped(name)
    if isinstance(exc, SystemExit):
        return Result(False, f"{HINT} {name}: " + _("your function called exit(); return a value instead."))
    return Result(False, f"{HINT} {name}: " + _("your function raised {error}{where}, on inputs of shapes {shapes}.")
                  .format(error=f"{type(exc).__name__}: {exc}", where=_student_line(exc), shapes=_shapes(args)))


def _stopped(name: str) -> Result:
    return Result(False, f"{STOPPED} {name}: " + _("stopped (interrupted) before the check finished."))


def _with_output(result: Result, output: str) -> Result:
    if not output.strip():
        return result
    return Result(result.passed, f"{result.message}\n   " + _("(your function printed or warned:)") + "\n"
                  + _shorten(output), result.kind)


def check_function(
    student_fn: Callable,
    *,
    name: str,
    reference: Callable,
    cases: Iterable[Sequence],
    mistakes: Iterable[Mistake] = (),
    atol: float = 1e-5,
    dtype: torch.dtype | None = None,
    nan_hint: str | None = None,
    time_limit: float = TIME_LIMIT_S,
) -> Result:
    """Call `student_fn(*args)` for each case and compare with `reference(*args)`.

    `dtype`: the result must be a tensor of this dtype (e.g. torch.bool for a mask);
    `nan_hint`: what a NaN in the result means in this exercise; `time_limit`: seconds per call.
    """
    try:
        return _check(student_fn, name, reference, list(cases), list(mistakes), atol, dtype, nan_hint, time_limit)
    except KeyboardInterrupt:
        return _stopped(name)


def _check(student_fn, name, reference, cases, mistakes, atol, dtype, nan_hint, seconds) -> Result:
    if not callable(student_fn):
        return Result(False, f"{HINT} {name}: " + _("pass your function itself, e.g. check(my_fn), not {got}.")
                      .format(got=repr(student_fn)))
    output = ""
    for args in cases:
        given = _clone(args)
        call = _call_student(student_fn, given, seconds)
        output += call.output
        failed = _raised(name, call, args, seconds)
        if failed is None and not all(_same_input(a, b) for a, b in zip(args, given, strict=True)):
            changed = [i for i, (a, b) in enumerate(zip(args, given, strict=True)) if not _same_input(a, b)]
            failed = Result(False, f"{HINT} {name}: " + _(
                "your function changed its input (argument {n}) in place, e.g. with `x *= 2`, `x[...] = ...` or a "
                "method ending in `_`. The caller still needs it: compute a new tensor (`x = x * 2`) or work on "
                "`x.clone()`.").format(n=changed[0] + 1))
        if failed is None and call.value is None:
            failed = Result(False, f"{HINT} {name}: " + _("your function returned None. Did you forget `return`?"))
        if failed is None and _dtype_problem(call.value, dtype):
            failed = Result(False, f"{HINT} {name}: {_dtype_problem(call.value, dtype)}")
        if failed is None:
            expected = reference(*_clone(args))
            if not same(call.value, expected, atol=atol):
                kind, hint = _diagnose(call.value, expected, args, mistakes, atol, nan_hint)
                failed = Result(False, f"{HINT} {name}: {hint}", kind)
        if failed is not None:
            return _with_output(failed, output)
    passed = _("passed.") if len(cases) == 1 else _("passed all {n} test cases.").format(n=len(cases))
    return _with_output(Result(True, f"{PASS} {name}: {passed}"), output)


@dataclass(frozen=True)
class Exercise:
    """One exercise: its reference, its cases and the known mistakes, checked by `check_function`.

    A checker module defines `check_<name> = Exercise(...).check`; the notebook calls
    `check_<name>(student_fn)`. Keeping the parts apart lets a test run the reference and
    every mistake through the same checker (each mistake must get its own hint).
    `cases` and `mistakes` are functions, so nothing is computed at import.
    """

    name: str
    reference: Callable
    cases: Callable[[], list]
    mistakes: Callable[[], list[Mistake]] = list
    atol: float = 1e-5
    dtype: torch.dtype | None = None
    nan_hint: str | None = None
    time_limit: float = TIME_LIMIT_S

    def check(self, student_fn) -> Result:
        return check_function(student_fn, name=self.name, reference=self.reference, cases=self.cases(),
                              mistakes=self.mistakes(), atol=self.atol, dtype=self.dtype, nan_hint=self.nan_hint,
                              time_limit=self.time_limit)


def _number(value) -> float | None:
    """The answer as a finite float, or None if it is not one number (a bool, a string, a list, NaN)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype != torch.bool:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Prediction(Exercise):
    """A "predict before you run" question: a function without arguments returns the answer.

    `reference()` is the answer, each mistake a known wrong answer with its own hint, as in any
    `Exercise`. Any other wrong answer is told to work it out again (`retry`), never how far off it
    is: the engine's "largest difference" would give the answer away. An answer of another form
    (shape) is told the form (`form`).

    One number may be compared on a log10 scale (`log`; `atol` is then in decades, so 2, 20 and 1024
    stay apart) and within `low .. high`; an answer that is not one number in range gets `nan_hint`.
    """

    form: str = ""  # default: "a number"
    retry: str = ""  # default: "that is not it; work it out again from the formula."
    log: bool = False
    low: float = -math.inf
    high: float = math.inf

    def _scaled(self, value):
        if value is None:
            return None  # the engine says "returned None"
        number = _number(value)
        if number is None or not self.low <= number <= self.high or (self.log and number <= 0):
            return torch.tensor(math.nan, dtype=torch.float64)
        return torch.tensor(math.log10(number) if self.log else number, dtype=torch.float64)

    def _one_number(self) -> bool:
        return self.log or math.isfinite(self.low) or math.isfinite(self.high)

    def check(self, student_fn) -> Result:
        if callable(student_fn) and self._one_number():
            mistakes = [Mistake(lambda fn=m.fn: self._scaled(fn()), m.hint) for m in self.mistakes()]
            result = check_function(
                lambda: self._scaled(student_fn()), name=self.name, reference=lambda: self._scaled(self.reference()),
                cases=[()], mistakes=mistakes, atol=self.atol, nan_hint=self.nan_hint, time_limit=self.time_limit,
            )
        else:
            result = super().check(student_fn)
        head = f"{HINT} {self.name}: "
        first, newline, rest = result.message.partition("\n")  # the rest: what the function printed
        if result.passed:
            return Result(True, f"{PASS} {self.name}: " + _("right.") + newline + rest)
        if result.kind == "values":
            retry = self.retry or _("that is not it; work it out again from the formula.")
            first = head + _("not quite. {retry}").format(retry=retry)
        elif result.kind == "shape":
            first = head + _("return {form}.").format(form=self.form or _("a number"))
        return Result(False, first + newline + rest)
