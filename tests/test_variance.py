"""lib.variance: Var(q·k) = σ_q²·σ_k²·d_k, sampled against its prediction within standard errors."""

import math

import pytest
import torch

from lib.attention import attention_scores
from lib.stats import variance_standard_error
from lib.variance import (
    pair_scores,
    predicted_variance,
    running_scores,
    sample_qk,
    score_kurtosis,
)

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
    "kwargs,error,match",
    [
        ({"n": 10, "d_k": 0}, ValueError, r"d_k must be >= 1, got 0"),
        ({"n": 10, "d_k": 2.5}, TypeError, r"d_k must be a whole number >= 1, got float 2\.5"),
        ({"n": 0, "d_k": 3}, ValueError, r"n \(the number of pairs N\) must be >= 1, got 0"),
        ({"n": 10, "d_k": 3, "sigma_q": 0.0}, ValueError, r"sigma_q must lie in \(0, inf\), got 0"),
        ({"n": 10, "d_k": 3, "sigma_k": -1.0}, ValueError, r"sigma_k must lie in \(0, inf\), got -1"),
    ],
)
def test_sample_qk_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
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
    with pytest.raises(ValueError, match=r"q must have 2 dimensions, got shape \(30,\)"):
        running_scores(q[:, 0], k[:, 0])
    with pytest.raises(ValueError, match=r"same shape \(N, D\), got q \(30, 9\) and k \(30, 5\)"):
        running_scores(q, k[:, :5])


# --- the predictions ------------------------------------------------------------------------


def test_predicted_variance_values():
    assert predicted_variance(3, scale=1.0) == 3  # the lecture's example
    assert predicted_variance(3, scale=None) == 1  # after dividing by √3
    assert predicted_variance(16, scale=1.0, sigma_q=2.0, sigma_k=0.5) == pytest.approx(16.0)
    assert predicted_variance(16, sigma_q=2.0, sigma_k=2.0, scale=None) == pytest.approx(16.0)
    assert predicted_variance(16, scale=0.5) == pytest.approx(0.25 * 16)  # Var(c·q·k) = c²·d_k
    assert predicted_variance(16, scale=16**-0.5) == pytest.approx(predicted_variance(16, scale=None))
    with pytest.raises(ValueError, match=r"d_k must be >= 1, got 0"):
        predicted_variance(0, scale=1.0)
    with pytest.raises(TypeError, match=r"must be a number, got bool False"):
        predicted_variance(3, scale=False)


def test_score_kurtosis_limits():
    assert score_kurtosis(1) == 9.0  # one product of two normals
    assert score_kurtosis(3) == 5.0
    assert score_kurtosis(10**6) == pytest.approx(3.0, abs=1e-5)  # a normal in the limit


@pytest.mark.parametrize("d_k", [1, 2, 3, 7, 64, 128])  # the widget's slider range is 1 .. 128
def test_sampled_variance_matches_prediction_within_standard_errors(d_k):
    n = 20_000
    g = torch.Generator().manual_seed(d_k)
    scores = pair_scores(*sample_qk(n, d_k, sigma_q=1.5, sigma_k=0.8, generator=g), scale=1.0)
    expected = predicted_variance(d_k, scale=1.0, sigma_q=1.5, sigma_k=0.8)
    se = variance_standard_error(n, expected, score_kurtosis(d_k))
    assert abs(scores.var().item() - expected) < Z * se
    assert abs(scores.mean().item()) < Z * math.sqrt(expected / n)
    assert abs((scores / math.sqrt(d_k)).var().item() - expected / d_k) < Z * se / d_k


def test_pair_scores_and_predicted_variance_require_scale():
    q = torch.zeros(3, 2)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'scale'"):
        pair_scores(q, q)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'scale'"):
        predicted_variance(3)
