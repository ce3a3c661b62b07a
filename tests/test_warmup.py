"""Notebook 08 (warm-up): its widget and its exercises."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from widget_harness import exercise

from lib.checks import NOT_DONE
from lib.checks.warmup import (
    check_factor_for_peak,
    check_lr_lambda,
    check_noam,
    check_peak_fractions,
    check_warmup_linear,
)
from lib.schedules import noam_lr
from lib.widgets.warmup import warmup_widget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions  # solutions/ is loaded by path, as in test_solutions

# The widget's slider ranges: d_model 16..1024, warmup 100..8000, factor 0.1..5.
GRID = [(d, w, f) for d in (16, 512, 1024) for w in (100, 4000, 8000) for f in (0.1, 1.0, 5.0)]


# --- the widget -----------------------------------------------------------------------------


def test_warmup_widget_over_its_range():
    live = warmup_widget()
    exercise(live)
    ax = live.view.axes[0]
    for d_model, warmup, factor in GRID:
        for name, value in (("d_model", d_model), ("warmup", warmup), ("factor", factor)):
            live.controls[name].value = value
        assert live.last_error is None
        peak = factor * d_model**-0.5 * warmup**-0.5
        line = ax.lines[0]
        assert line.get_ydata().max() == pytest.approx(peak, rel=1e-9)  # the grid holds the peak
        assert ax.lines[2].get_xydata().tolist() == [[warmup, pytest.approx(peak)]]
        assert peak * 1.1 <= ax.get_ylim()[1] < peak * 6  # the whole curve is visible
        assert f"{peak:.3g}" in live.readout.value


def test_warmup_widget_updates_in_place():
    live = warmup_widget()
    lines = list(live.view.axes[0].lines)
    live.controls["warmup"].value = 2000
    assert list(live.view.axes[0].lines) == lines  # same artists, new data


# --- exercises ------------------------------------------------------------------------------
# The reference answers live in solutions/08_warmup.py (tests/test_solutions.py runs them and every
# listed mistake through the checkers); here: answers written other ways, and what the engine adds.

SOLUTIONS = load_solutions("08_warmup.ipynb")


def not_written(*args):
    raise NotImplementedError


def test_noam_accepts_a_tensor_and_refuses_what_is_not_a_function():
    assert check_noam(lambda s, d, w, f: torch.as_tensor(SOLUTIONS.noam(s, d, w, f))).passed
    assert "pass your function itself" in check_noam(3).message


def test_noam_that_changes_its_step_array_in_place_is_caught():
    def doubles_in_place(step, d_model, warmup, factor):
        step *= 2  # the caller's array changes
        return SOLUTIONS.noam(step / 2, d_model, warmup, factor)

    result = check_noam(doubles_in_place)
    assert not result.passed and "changed its input (argument 1) in place" in result.message


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda s, d, w, f: f * d**-0.5 * np.minimum(s**-0.5, s / w), "not step / warmup"),
        (lambda s, d, w, f: SOLUTIONS.noam(s - 1, d, w, f), "subtracted 1"),
        (lambda s, d, w, f: SOLUTIONS.noam(s + 1, d, w, f), "added 1"),
        (lambda s, d, w, f: 1.01 * SOLUTIONS.noam(s, d, w, f), "wrong values"),
    ],
)
def test_noam_written_other_ways_gets_its_hint(fn, hint):
    result = check_noam(fn)
    assert not result.passed and hint in result.message, result.message


def test_noam_with_pythons_min_names_the_error_and_the_line():
    def with_min(step, d_model, warmup, factor):
        return factor * d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)

    result = check_noam(with_min)
    assert "raised ValueError" in result.message and "of your code" in result.message


def test_factor_for_peak_of_the_notebook_run():
    assert check_factor_for_peak(lambda p, d, w: p * (d * w) ** 0.5).passed
    assert math.isclose(SOLUTIONS.factor_for_peak(0.03, 32, 50), 1.2)  # the notebook's training run


def test_lr_lambda_other_answers():
    def with_def(d_model, warmup, factor):
        def lr_lambda(n):
            return noam_lr(n + 1, d_model, warmup, factor=factor)
        return lr_lambda

    assert check_lr_lambda(with_def).passed
    assert "returned None" in check_lr_lambda(lambda d, w, f: None).message
    assert "pass your function itself" in check_lr_lambda(3).message
    result = check_lr_lambda(lambda d, w, f: 0.5)
    assert not result.passed and "should return a function" in result.message
    assert check_lr_lambda(not_written).message.startswith(NOT_DONE)
    result = check_lr_lambda(lambda d, w, f: lambda n: noam_lr(n + 1, d, w, factor=f) * 1.01)
    assert not result.passed and "wrong values" in result.message


def test_warmup_linear_other_answers():
    def with_where(step, peak, warmup, total):
        down = peak * (total - step) / (total - warmup)
        return np.where(step <= warmup, peak * step / warmup, np.maximum(down, 0.0))

    assert check_warmup_linear(with_where).passed
    result = check_warmup_linear(lambda s, p, w, n: p * np.minimum(s / w, (n - s) / (n - w)))
    assert not result.passed and "went negative" in result.message


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((0.25, 0.5), "✅ peak_fractions: right."),
        ([0.25, 0.5], "✅ peak_fractions: right."),
        ((0.25, 0.25), "1/√step"),
        ((0.3, 0.5), "not quite"),
        (0.25, "return a pair of numbers"),
    ],
)
def test_peak_fractions_answers(answer, expected):
    result = check_peak_fractions(lambda: answer)
    assert expected in result.message, result.message
    assert "largest difference" not in result.message  # never how far off: that would give it away


def test_peak_fractions_is_what_noam_lr_gives():
    peak = noam_lr(4000, 512, 4000)
    expected = (noam_lr(1000, 512, 4000) / peak, noam_lr(16000, 512, 4000) / peak)
    assert np.allclose(SOLUTIONS.peak_fractions(), expected, rtol=1e-12)


@pytest.mark.parametrize("check", [check_noam, check_factor_for_peak, check_lr_lambda, check_warmup_linear,
                                   check_peak_fractions])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(not_written).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message
