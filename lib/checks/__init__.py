"""The homework checker: runs a student's function against the reference on several cases.

It never raises into the notebook. The result says "passed", "not done yet", or gives a
targeted hint when the answer matches a known mistake (wrong softmax axis, scaling by
d_model, inverted mask, ...). Each notebook's exercises live in `lib/checks/<concept>.py`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

PASS, NOT_DONE, HINT = "✅", "⏳", "❌"


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

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message


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
    return tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)


def same(a, b, *, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """True when `a` and `b` have the same shape and close values (NaN never matches)."""
    ta, tb = _as_tensor(a), _as_tensor(b)
    if ta is None or tb is None or ta.shape != tb.shape:
        return False
    return bool(torch.allclose(ta.double(), tb.double(), atol=atol, rtol=rtol))


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


def _diagnose(got, expected, args, mistakes: Iterable[Mistake], atol: float) -> str:
    t_got, t_exp = _as_tensor(got), _as_tensor(expected)
    for mistake in mistakes:
        if same(got, _try(mistake.fn, args), atol=atol):
            return mistake.hint
    if t_got is None:
        return f"it returned {type(got).__name__}, expected a tensor of shape {tuple(t_exp.shape)}."
    if t_got.shape != t_exp.shape:
        return (
            f"for inputs of shapes {_shapes(args)} it returned shape {tuple(t_got.shape)}, "
            f"expected {tuple(t_exp.shape)}."
        )
    if torch.isnan(t_got.double()).any():
        return "the result contains NaN; look for a softmax over a row where every entry is -inf."
    diff = (t_got.double() - t_exp.double()).abs().max().item()
    return f"right shape {tuple(t_exp.shape)} but wrong values (largest difference {diff:.3g})."


def check_function(
    student_fn: Callable,
    *,
    name: str,
    reference: Callable,
    cases: Iterable[Sequence],
    mistakes: Iterable[Mistake] = (),
    atol: float = 1e-5,
) -> Result:
    """Call `student_fn(*args)` for each case and compare with `reference(*args)`."""
    cases, mistakes = list(cases), list(mistakes)
    if not callable(student_fn):
        return Result(False, f"{HINT} {name}: pass your function itself, e.g. check(my_fn), not {student_fn!r}.")
    for args in cases:
        try:
            got = student_fn(*_clone(args))
        except NotImplementedError:
            todo = "not done yet. Replace `raise NotImplementedError` with your code."
            return Result(False, f"{NOT_DONE} {name}: {todo}")
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return Result(
                False,
                f"{HINT} {name}: your function raised {type(exc).__name__}: {exc} "
                f"(line {where.lineno}) on inputs of shapes {_shapes(args)}.",
            )
        if got is None:
            return Result(False, f"{HINT} {name}: your function returned None. Did you forget `return`?")
        expected = reference(*_clone(args))
        if not same(got, expected, atol=atol):
            return Result(False, f"{HINT} {name}: {_diagnose(got, expected, args, mistakes, atol)}")
    return Result(True, f"{PASS} {name}: passed all {len(cases)} test cases.")
