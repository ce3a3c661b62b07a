"""Notebook 02 (dot-product variance): its widget and its exercises."""

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.patches import StepPatch
from widget_harness import exercise

from lib.checks.dot_product_variance import (
    D_K,
    SIGMA_K,
    SIGMA_Q,
    check_predicted_variance,
    check_scaled_scores,
    check_scaled_variance,
    check_variance_standard_error,
)
from lib.stats import variance_standard_error
from lib.variance import pair_scores, sample_qk, score_kurtosis
from lib.widgets.dot_product_variance import variance_widget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions

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
# The reference answers live in solutions/02_dot_product_variance.py (tests/test_solutions.py runs them and
# every known mistake through the checkers); here: wrong answers written the way a student writes them.

SOLUTIONS = load_solutions("02_dot_product_variance.ipynb")


def not_written(*args):
    raise NotImplementedError


@pytest.mark.parametrize(
    "check", [check_scaled_scores, check_predicted_variance, check_variance_standard_error, check_scaled_variance]
)
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
        (lambda q, k: torch.einsum("nd,nd->n", q, k) * q.shape[-1] ** 0.5, "multiplied by √d_k"),
    ],
)
def test_scaled_scores_hints(wrong, hint):
    result = check_scaled_scores(wrong)
    assert not result.passed and hint in result.message, result.message


def test_scaled_scores_other_ways_pass():
    assert check_scaled_scores(lambda q, k: torch.einsum("nd,nd->n", q, k) / q.shape[-1] ** 0.5).passed
    assert check_scaled_scores(lambda q, k: torch.diagonal(q @ k.T) / math.sqrt(q.shape[-1])).passed


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
        (lambda n, d: 3 * math.sqrt(2 / (n - 1) + (score_kurtosis(3) - 3) / n), "d_k = 3 cell unchanged"),
        (lambda n, d: math.sqrt(d / n), "standard error of the MEAN"),
        (lambda n, d: d * math.sqrt(2 / n), "wrong values"),
    ],
)
def test_variance_standard_error_hints(wrong, hint):
    result = check_variance_standard_error(wrong)
    assert not result.passed and hint in result.message, result.message


def test_scaled_variance_answer_is_what_sampling_measures(gen):
    answer = SOLUTIONS.scaled_variance()
    s = pair_scores(*sample_qk(20_000, D_K, sigma_q=SIGMA_Q, sigma_k=SIGMA_K, generator=gen), scale=None)  # ÷ √d_k
    se = variance_standard_error(20_000, answer, score_kurtosis(D_K))
    assert abs(s.var().item() - answer) < 4 * se
    assert check_scaled_variance(lambda: 9).passed and check_scaled_variance(lambda: 8.9).passed


@pytest.mark.parametrize(
    "answer,hint",
    [(1, "removes only the d_k"), (576, "before the division"), (72, "not by 8"), (9 / 64, "divided by d_k twice"),
     (3.0, "square the standard deviations"), (6.25, "product of their variances"), (8, "wrong values")],
)
def test_scaled_variance_hints(answer, hint):
    result = check_scaled_variance(lambda: answer)
    assert not result.passed and hint in result.message, result.message
