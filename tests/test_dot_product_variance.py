"""Notebook 02 (dot-product variance): its widget and its exercises."""

import math
import re

import numpy as np
import pytest
from matplotlib.patches import StepPatch
from widget_harness import exercise

from lib.checks.dot_product_variance import (
    check_predicted_variance,
    check_scaled_scores,
    check_variance_standard_error,
)
from lib.widgets.dot_product_variance import variance_widget

# --- the widget -----------------------------------------------------------------------------

def _readout_numbers(live):
    text = live.readout.value
    sample = float(re.search(r"sample variance <b>([\d.]+)</b>", text).group(1))
    predicted, tol = map(float, re.search(r"predicted ([\d.]+) ± ([\d.]+)", text).groups())
    return sample, predicted, tol


def test_variance_widget_over_its_whole_range():
    live = variance_widget(n=4000, d_max=128)
    exercise(live)
    hist = next(p for p in live.view.axes[0].patches if isinstance(p, StepPatch))
    for d_k in (1, 2, 64, 128):
        for scaled in (False, True):
            live.controls["d_k"].value, live.controls["scaled"].value = d_k, scaled
            assert live.last_error is None
            sample, predicted, tol = _readout_numbers(live)
            assert predicted == pytest.approx(1.0 if scaled else d_k)
            assert abs(sample - predicted) < tol + 0.01  # the read-out rounds to 2 decimals
            edges = hist.get_data().edges
            area = (hist.get_data().values * np.diff(edges)).sum()
            assert 0.9 < area <= 1.0 + 1e-9  # at most a few % fall outside ±30


def test_variance_widget_rejects_bad_sizes():
    with pytest.raises(ValueError, match=r"d_max must be >= 1, got 0"):
        variance_widget(n=100, d_max=0)
    with pytest.raises(ValueError, match=r"n_keys must be >= 2, got 1"):
        variance_widget(n=100, n_keys=1)
    with pytest.raises(ValueError, match=r"n must be >= 2, got 1"):
        variance_widget(n=1)


# --- the exercises --------------------------------------------------------------------------

def test_solutions_pass():
    assert check_scaled_scores(lambda q, k: (q * k).sum(-1) / math.sqrt(q.shape[-1])).passed
    assert check_predicted_variance(lambda d, sq, sk: sq**2 * sk**2 * d).passed
    assert check_variance_standard_error(lambda n, d: d * math.sqrt(2 / (n - 1) + 6 / (d * n))).passed


def not_written(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [check_scaled_scores, check_predicted_variance, check_variance_standard_error])
def test_not_done_yet(check):
    assert "not done yet" in check(not_written).message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda q, k: (q * k).sum(-1), "divide each dot product"),
        (lambda q, k: (q * k).sum(-1) / q.shape[-1], "not by d_k"),
        (lambda q, k: (q * k).sum(-1) / math.sqrt(q.shape[0]), "q.shape[0] is the number of pairs"),
        (lambda q, k: q @ k.T / math.sqrt(q.shape[-1]), "pairs every q with every k"),
        (lambda q, k: (q * k).sum(0) / math.sqrt(q.shape[-1]), "not over the pairs"),
    ],
)
def test_scaled_scores_hints(wrong, hint):
    result = check_scaled_scores(wrong)
    assert not result.passed and hint in result.message, result.message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda d, sq, sk: sq * sk * d, "square the standard deviations"),
        (lambda d, sq, sk: sq**2 * sk**2 * math.sqrt(d), "their variances add up"),
        (lambda d, sq, sk: (sq**2 + sk**2) * d, "product of their variances"),
        (lambda d, sq, sk: sq**2 * sk**2, "variance of one term"),
        (lambda d, sq, sk: d, "scale it by σ_q²·σ_k²"),
    ],
)
def test_predicted_variance_hints(wrong, hint):
    result = check_predicted_variance(wrong)
    assert not result.passed and hint in result.message, result.message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda n, d: d * math.sqrt(2 / (n - 1)), "heavier tails"),
        (lambda n, d: d**2 * (2 / (n - 1) + 6 / (d * n)), "square root"),
        (lambda n, d: math.sqrt(d) * math.sqrt(2 / (n - 1) + 6 / (d * n)), "scales with σ² = d_k"),
        (lambda n, d: d * math.sqrt(2 / (n - 1) + 6 / n), "excess kurtosis 6/d_k"),
        (lambda n, d: math.sqrt(d / n), "standard error of the MEAN"),
        (lambda n, d: d * math.sqrt(2 / n), "wrong values"),
    ],
)
def test_variance_standard_error_hints(wrong, hint):
    result = check_variance_standard_error(wrong)
    assert not result.passed and hint in result.message, result.message
