"""Statistics the experiments need: how far a measured number may honestly stray.

Standard errors, distribution-free intervals and densities. Nothing here is specific to
attention; the concept modules measure, these helpers say how precise the measurement is.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from lib import validate


def variance_standard_error(n: int, variance: float, kurtosis: float = 3.0) -> float:
    """Standard error of the unbiased sample variance of n independent draws.

    Var(S²) = σ⁴·(2/(n-1) + (κ-3)/n) for draws of variance σ² and kurtosis κ
    (κ = 3 for normal draws). Shapes: scalars only.
    """
    validate.size(n, "n (a sample variance needs n >= 2 draws)", minimum=2)
    validate.number(variance, "variance", low=0.0)
    validate.number(kurtosis, "kurtosis", low=1.0)
    return variance * math.sqrt(2.0 / (n - 1) + (kurtosis - 3.0) / n)


def density_histogram(values, edges) -> np.ndarray:
    """Histogram heights as a density over ALL values: counts / (N · bin width).

    Values outside [edges[0], edges[-1]] are not counted, so the area under the bars
    is the fraction of values inside the range (1 when nothing falls outside).
    Shapes: values (N,), edges (E,) increasing -> (E-1,).
    """
    values, edges = np.asarray(values, dtype=float), np.asarray(edges, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty vector (N,), got shape {values.shape}")
    if edges.ndim == 1 and not np.all(np.isfinite(edges)):
        raise ValueError(f"edges must be finite, got {edges.tolist()}")
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"edges must be an increasing vector (E,) with E >= 2, got shape {edges.shape}")
    counts, _ = np.histogram(values, bins=edges)
    return counts / (values.size * np.diff(edges))


def normal_pdf(x, variance: float) -> np.ndarray:
    """Density of N(0, variance) at x, the curve a histogram of q·k approaches as d_k grows.

    Shapes: x (...) -> (...).
    """
    validate.number(variance, "variance", low=0.0, low_open=True)
    x = np.asarray(x, dtype=float)
    return np.exp(-(x**2) / (2 * variance)) / math.sqrt(2 * math.pi * variance)


def median_interval(x: torch.Tensor, *, z: float = 4.0) -> tuple[float, float]:
    """A distribution-free interval for the median of the distribution `x` was sampled from.

    The number of samples below the true median is Binomial(N, ½), with standard deviation
    √N/2, so the order statistics N/2 ∓ z·√N/2 bracket it except with probability about that
    of a z-sigma normal deviation. No assumption about the shape of the distribution.
    Shapes: x (N,) -> two floats.
    """
    validate.tensor(x, "x", dims=1)
    z = validate.number(z, "z", low=0.0, low_open=True)
    if x.numel() < 16:
        raise ValueError(
            f"median_interval needs a 1-D sample of at least 16 values, got shape {tuple(x.shape)}"
        )
    n = x.numel()
    half = z * math.sqrt(n) / 2
    # 1-based ranks r = n/2 − half and s = n/2 + half + 1 give P(x_(r) ≤ median ≤ x_(s)) ≈ that
    lo = max(0, math.floor(n / 2 - half) - 1)  # 0-based index of x_(r)
    hi = min(n - 1, math.ceil(n / 2 + half))  # 0-based index of x_(s)
    ordered = x.detach().sort().values
    return ordered[lo].item(), ordered[hi].item()
