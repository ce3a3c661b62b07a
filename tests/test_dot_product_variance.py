"""lib.variance (Var(q·k) = σ_q²·σ_k²·d_k), its widget and the exercises of notebook 02."""

import math
import re

import numpy as np
import pytest
import torch
from matplotlib.patches import StepPatch
from widget_harness import exercise

from lib.attention import attention_scores
from lib.checks.dot_product_variance import (
    check_predicted_variance,
    check_scaled_scores,
    check_variance_standard_error,
)
from lib.plots import histogram_bars, update_histogram
from lib.stats import density_histogram, normal_pdf, variance_standard_error
from lib.variance import (
    pair_scores,
    predicted_variance,
    running_scores,
    sample_qk,
    score_kurtosis,
)
from lib.widgets.dot_product_variance import variance_widget

Z = 4  # tolerance in standard errors for every sampled statistic below


# --- sampling and scores ------------------------------------------------------------------

def test_sample_qk_shapes_dtype_and_sigmas(gen):
    q, k = sample_qk(50_000, 4, sigma_q=2.0, sigma_k=0.5, generator=gen)
    assert q.shape == k.shape == (50_000, 4) and q.dtype == torch.float64
    n = q.numel()
    for x, sigma in ((q, 2.0), (k, 0.5)):  # S² of normal draws: SE = σ²·√(2/(n-1))
        assert abs(x.var().item() - sigma**2) < Z * sigma**2 * math.sqrt(2 / (n - 1))
    q32, _ = sample_qk(3, 2, dtype=torch.float32)
    assert q32.dtype == torch.float32


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"n": 10, "d_k": 0}, "d_k must be a whole number >= 1, got 0"),
        ({"n": 10, "d_k": 2.5}, "d_k must be a whole number"),
        ({"n": 0, "d_k": 3}, "n .* must be a whole number >= 1, got 0"),
        ({"n": 10, "d_k": 3, "sigma_q": 0.0}, "sigma_q and sigma_k must be > 0"),
        ({"n": 10, "d_k": 3, "sigma_k": -1.0}, "sigma_q and sigma_k must be > 0"),
    ],
)
def test_sample_qk_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_qk(**kwargs)


@pytest.mark.parametrize("shape", [(7, 3), (2, 5, 16), (1, 1)])
def test_pair_scores_is_pytorchs_row_wise_dot_product(gen, shape):
    q, k = torch.randn(*shape, generator=gen), torch.randn(*shape, generator=gen)
    torch.testing.assert_close(pair_scores(q, k, scale=1.0), torch.linalg.vecdot(q, k))
    scaled = pair_scores(q, k, scale=None)
    torch.testing.assert_close(scaled, torch.linalg.vecdot(q, k) / math.sqrt(shape[-1]))
    # ... which is the diagonal of notebook 01's QKᵀ/√d_k
    torch.testing.assert_close(scaled, torch.diagonal(attention_scores(q, k), dim1=-2, dim2=-1))


def test_pair_scores_names_the_shapes():
    with pytest.raises(ValueError, match=r"got q \(4, 3\) and k \(4, 5\)"):
        pair_scores(torch.zeros(4, 3), torch.zeros(4, 5), scale=None)


def test_running_scores_rows_are_the_dot_products_of_every_width(gen):
    q, k = sample_qk(30, 9, generator=gen)
    rows = running_scores(q, k)
    assert rows.shape == (9, 30)
    for d in range(1, 10):
        torch.testing.assert_close(rows[d - 1], pair_scores(q[:, :d], k[:, :d], scale=1.0))
    with pytest.raises(ValueError, match=r"same shape \(N, D\), got q \(30,\) and k \(30,\)"):
        running_scores(q[:, 0], k[:, 0])


# --- the predictions ------------------------------------------------------------------------

def test_predicted_variance_values():
    assert predicted_variance(3) == 3  # the lecture's example
    assert predicted_variance(3, scale=None) == 1  # after dividing by √3
    assert predicted_variance(16, sigma_q=2.0, sigma_k=0.5) == pytest.approx(16.0)
    assert predicted_variance(16, sigma_q=2.0, sigma_k=2.0, scale=None) == pytest.approx(16.0)
    with pytest.raises(ValueError, match="d_k must be a whole number >= 1"):
        predicted_variance(0)


def test_score_kurtosis_limits():
    assert score_kurtosis(1) == 9.0  # one product of two normals
    assert score_kurtosis(3) == 5.0
    assert score_kurtosis(10**6) == pytest.approx(3.0, abs=1e-5)  # a normal in the limit


def test_standard_error_for_normal_draws_is_the_chi_square_one():
    # (n-1)S²/σ² ~ χ²(n-1), whose variance is 2(n-1): Var(S²) = 2σ⁴/(n-1).
    assert variance_standard_error(101, 4.0) == pytest.approx(4.0 * math.sqrt(2 / 100))
    with pytest.raises(ValueError, match="needs n >= 2 draws, got n=1"):
        variance_standard_error(1, 1.0)
    with pytest.raises(ValueError, match="need variance >= 0 and kurtosis >= 1"):
        variance_standard_error(10, 1.0, 0.5)


@pytest.mark.parametrize("d_k", [1, 2, 3, 7, 64, 128])  # the widget's slider range is 1 .. 128
def test_sampled_variance_matches_prediction_within_standard_errors(d_k):
    n = 20_000
    g = torch.Generator().manual_seed(d_k)
    scores = pair_scores(*sample_qk(n, d_k, sigma_q=1.5, sigma_k=0.8, generator=g), scale=1.0)
    expected = predicted_variance(d_k, sigma_q=1.5, sigma_k=0.8)
    se = variance_standard_error(n, expected, score_kurtosis(d_k))
    assert abs(scores.var().item() - expected) < Z * se
    assert abs(scores.mean().item()) < Z * math.sqrt(expected / n)
    assert abs((scores / math.sqrt(d_k)).var().item() - expected / d_k) < Z * se / d_k


def test_standard_error_formula_matches_repeated_experiments():
    # d_k = 1: kurtosis 9, so the normal-draw formula would be far too small.
    m, n = 2000, 1000
    g = torch.Generator().manual_seed(1)
    variances = pair_scores(*sample_qk(m * n, 1, generator=g), scale=1.0).view(m, n).var(dim=1)
    spread = variances.std().item()
    rel = Z / math.sqrt(2 * (m - 1))  # relative SE of the std of m near-normal values
    assert abs(spread / variance_standard_error(n, 1.0, score_kurtosis(1)) - 1) < rel
    assert abs(spread / variance_standard_error(n, 1.0) - 1) > rel


# --- plotting helpers -----------------------------------------------------------------------

def test_density_histogram_counts_every_value(gen):
    values = torch.randn(5000, generator=gen).numpy()
    edges = np.linspace(-6, 6, 49)
    np.testing.assert_allclose(density_histogram(values, edges), np.histogram(values, edges, density=True)[0])
    narrow = np.linspace(-1, 1, 11)  # values outside are missing from the area, not renormalised
    area = (density_histogram(values, narrow) * np.diff(narrow)).sum()
    assert area == pytest.approx(np.mean(np.abs(values) <= 1))
    with pytest.raises(ValueError, match=r"increasing vector \(E,\)"):
        density_histogram(values, [1.0, 0.0])
    with pytest.raises(ValueError, match=r"non-empty vector \(N,\), got shape \(2, 2\)"):
        density_histogram(np.zeros((2, 2)), edges)


def test_normal_pdf_is_pytorchs_normal_density():
    x = np.linspace(-5, 5, 11)
    expected = torch.distributions.Normal(0.0, 2.0).log_prob(torch.as_tensor(x)).exp().numpy()
    np.testing.assert_allclose(normal_pdf(x, 4.0), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="variance must be > 0"):
        normal_pdf(x, 0.0)


def test_histogram_bars_update_in_place():
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    edges = np.linspace(0, 1, 5)
    patch = histogram_bars(ax, edges, np.zeros(4))
    update_histogram(patch, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(patch.get_data().values, [1, 2, 3, 4])
    np.testing.assert_array_equal(patch.get_data().edges, edges)
    with pytest.raises(ValueError, match="5 edges need 4 heights, got shape"):
        histogram_bars(ax, edges, np.zeros(5))
    with pytest.raises(ValueError, match=r"\(4,\) bars, new heights of shape \(3,\)"):
        update_histogram(patch, np.zeros(3))


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
    with pytest.raises(ValueError, match="need d_max >= 1, n_keys >= 2"):
        variance_widget(n=100, d_max=0)


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
