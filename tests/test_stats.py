"""lib.stats: the standard error of a sample variance, density histograms, the normal density
and the distribution-free median interval."""

import math

import numpy as np
import pytest
import torch

from lib.stats import density_histogram, median_interval, normal_pdf, variance_standard_error
from lib.variance import pair_scores, sample_qk, score_kurtosis

Z = 4  # tolerance in standard errors for every sampled statistic below


# --- the standard error of a sample variance -----------------------------------------------


def test_standard_error_for_normal_draws_is_the_chi_square_one():
    # (n-1)S²/σ² ~ χ²(n-1), whose variance is 2(n-1): Var(S²) = 2σ⁴/(n-1).
    assert variance_standard_error(101, 4.0) == pytest.approx(4.0 * math.sqrt(2 / 100))
    with pytest.raises(ValueError, match=r"n \(a sample variance needs n >= 2 draws\) must be >= 2, got 1"):
        variance_standard_error(1, 1.0)
    with pytest.raises(ValueError, match=r"kurtosis must lie in \[1, inf\), got 0\.5"):
        variance_standard_error(10, 1.0, 0.5)
    with pytest.raises(ValueError, match=r"variance must lie in \[0, inf\), got -1"):
        variance_standard_error(10, -1.0)


def test_standard_error_formula_matches_repeated_experiments():
    # d_k = 1: kurtosis 9, so the normal-draw formula would be far too small.
    m, n = 2000, 1000
    g = torch.Generator().manual_seed(1)
    variances = pair_scores(*sample_qk(m * n, 1, generator=g), scale=1.0).view(m, n).var(dim=1)
    spread = variances.std().item()
    rel = Z / math.sqrt(2 * (m - 1))  # relative SE of the std of m near-normal values
    assert abs(spread / variance_standard_error(n, 1.0, score_kurtosis(1)) - 1) < rel
    assert abs(spread / variance_standard_error(n, 1.0) - 1) > rel


# --- densities ------------------------------------------------------------------------------


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
    with pytest.raises(ValueError, match=r"variance must lie in \(0, inf\), got 0"):
        normal_pdf(x, 0.0)


# --- the median interval --------------------------------------------------------------------

def test_median_interval_covers_the_true_median_as_often_as_promised():
    z, trials = 2.0, 400  # a 2-sigma interval: about 95 % coverage
    covered = 0
    for seed in range(trials):
        x = torch.randn(101, generator=torch.Generator().manual_seed(seed)).exp()  # median 1
        lo, hi = median_interval(x, z=z)
        covered += lo <= 1.0 <= hi
    # 95.4 % ± 4 binomial standard errors (each √(0.95·0.05/400) ≈ 1.1 %)
    assert 0.954 - 0.044 <= covered / trials <= min(1.0, 0.954 + 0.044)


def test_median_interval_errors():
    with pytest.raises(ValueError, match=r"x must have 1 dimension, got shape \(4, 4\)"):
        median_interval(torch.zeros(4, 4))
    with pytest.raises(ValueError, match=r"1-D sample of at least 16 values, got shape \(15,\)"):
        median_interval(torch.zeros(15))
