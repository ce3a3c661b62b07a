"""Notebook 08 (warm-up): its widget and its exercises."""

import math

import numpy as np
import pytest
import torch
from widget_harness import exercise

from lib.checks.warmup import check_factor_for_peak, check_lr_lambda, check_noam
from lib.schedules import noam_lr
from lib.widgets.warmup import warmup_widget

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

def good_noam(step, d_model, warmup, factor):
    return factor * d_model**-0.5 * np.minimum(step**-0.5, step * warmup**-1.5)


def not_written(*args):
    raise NotImplementedError


def test_check_noam():
    assert check_noam(good_noam).passed
    assert check_noam(lambda s, d, w, f: torch.as_tensor(good_noam(s, d, w, f))).passed
    assert "not done yet" in check_noam(not_written).message
    wrong = {
        "warmup^-1.5": lambda s, d, w, f: f * d**-0.5 * np.minimum(s**-0.5, s * w**-0.5),
        "minimum": lambda s, d, w, f: f * d**-0.5 * np.maximum(s**-0.5, s * w**-1.5),
        "not 1/d_model": lambda s, d, w, f: f / d * np.minimum(s**-0.5, s * w**-1.5),
        "left out d_model": lambda s, d, w, f: f * np.minimum(s**-0.5, s * w**-1.5),
        "`factor`": lambda s, d, w, f: d**-0.5 * np.minimum(s**-0.5, s * w**-1.5),
        "step^-½": lambda s, d, w, f: f * d**-0.5 * np.minimum(s**-1.0, s * w**-1.5),
    }
    for hint, fn in wrong.items():
        result = check_noam(fn)
        assert not result.passed and hint in result.message, (hint, result.message)
    assert "wrong values" in check_noam(lambda s, d, w, f: 1.01 * good_noam(s, d, w, f)).message


def test_check_factor_for_peak():
    assert check_factor_for_peak(lambda p, d, w: p * math.sqrt(d * w)).passed
    assert "not done yet" in check_factor_for_peak(not_written).message
    wrong = {
        "multiplies by √(d_model · warmup)": lambda p, d, w: p / math.sqrt(d * w),
        "warm-up length lowers": lambda p, d, w: p * math.sqrt(d),
        "d_model lowers": lambda p, d, w: p * math.sqrt(w),
        "square roots": lambda p, d, w: p * d * w,
    }
    for hint, fn in wrong.items():
        result = check_factor_for_peak(fn)
        assert not result.passed and hint in result.message, (hint, result.message)


def test_check_lr_lambda():
    assert check_lr_lambda(lambda d, w, f: lambda n: noam_lr(n + 1, d, w, factor=f)).passed
    assert "not done yet" in check_lr_lambda(not_written).message
    assert "returned None" in check_lr_lambda(lambda d, w, f: None).message
    assert "pass your function itself" in check_lr_lambda(3).message
    result = check_lr_lambda(lambda d, w, f: lambda n: noam_lr(n, d, w, factor=f))
    assert not result.passed and "calls your function with 0" in result.message and "n + 1" in result.message
    result = check_lr_lambda(lambda d, w, f: lambda n: noam_lr(n + 1, d, w))
    assert not result.passed and "factor" in result.message
    result = check_lr_lambda(lambda d, w, f: 0.5)
    assert not result.passed and "should return a function" in result.message
