"""The variance of a dot product q·k, and why attention divides it by √d_k.

If q and k have d_k independent components with mean 0 and variances σ_q², σ_k², then
E[q·k] = 0 and Var(q·k) = σ_q²·σ_k²·d_k, so Var(q·k / √d_k) = σ_q²·σ_k².
The helpers below sample q·k, predict its variance, and give the standard error of a
sample variance, which is how far a measured variance may honestly stray from the prediction.
"""

from __future__ import annotations

import math

import numpy as np
import torch

# Kurtosis E[x⁴]/σ⁴ of one product q_i·k_i of two independent zero-mean normals:
# E[q⁴]·E[k⁴] / (σ_q²σ_k²)² = (3σ_q⁴)(3σ_k⁴) / (σ_q⁴σ_k⁴) = 9, whatever the σ's.
PRODUCT_KURTOSIS = 9.0


def _check_width(d_k: int) -> None:
    if int(d_k) != d_k or d_k < 1:
        raise ValueError(f"d_k must be a whole number >= 1, got {d_k!r}")


def _check_sigmas(sigma_q: float, sigma_k: float) -> None:
    if not (sigma_q > 0 and sigma_k > 0):
        raise ValueError(f"sigma_q and sigma_k must be > 0, got {sigma_q!r} and {sigma_k!r}")


def sample_qk(
    n: int,
    d_k: int,
    *,
    sigma_q: float = 1.0,
    sigma_k: float = 1.0,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """n independent (q, k) pairs with independent N(0, σ_q²) and N(0, σ_k²) components.

    Shapes: -> q (N, D), k (N, D) with N = n, D = d_k.
    """
    _check_width(d_k)
    _check_sigmas(sigma_q, sigma_k)
    if int(n) != n or n < 1:
        raise ValueError(f"n (the number of pairs N) must be a whole number >= 1, got {n!r}")
    q = sigma_q * torch.randn(n, d_k, generator=generator, dtype=dtype)  # (N, D)
    k = sigma_k * torch.randn(n, d_k, generator=generator, dtype=dtype)  # (N, D)
    return q, k


def pair_scores(q: torch.Tensor, k: torch.Tensor, *, scale: bool) -> torch.Tensor:
    """The dot product of each q row with its own k row, divided by √d_k when `scale`.

    This is the diagonal of Q Kᵀ (/√d_k), without computing the rest of the matrix.
    Shapes: q (..., N, D), k (..., N, D) -> (..., N).
    """
    if q.shape != k.shape or q.dim() < 1:
        raise ValueError(
            f"q and k must have the same shape (..., N, D) to pair row with row, "
            f"got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    scores = (q * k).sum(dim=-1)  # (..., N, D) * (..., N, D) -> sum over D -> (..., N)
    return scores / math.sqrt(q.shape[-1]) if scale else scores


def running_scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Dot products over the first d components, for every d = 1 .. D at once.

    Row d-1 holds q[:, :d]·k[:, :d], so one draw gives q·k for every width d_k ≤ D.
    Shapes: q (N, D), k (N, D) -> (D, N).
    """
    if q.shape != k.shape or q.dim() != 2:
        raise ValueError(
            f"running_scores expects q and k of the same shape (N, D), "
            f"got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    return torch.cumsum(q * k, dim=1).T.contiguous()  # (N, D) -> cumulative over D -> (D, N)


def predicted_variance(
    d_k: int, *, sigma_q: float = 1.0, sigma_k: float = 1.0, scale: bool = False
) -> float:
    """Var(q·k) = σ_q²·σ_k²·d_k, or σ_q²·σ_k² after dividing by √d_k.

    Shapes: scalars only.
    """
    _check_width(d_k)
    _check_sigmas(sigma_q, sigma_k)
    per_term = sigma_q**2 * sigma_k**2  # Var(q_i k_i) = E[q_i²] E[k_i²]
    return per_term if scale else per_term * d_k


def score_kurtosis(d_k: int) -> float:
    """Kurtosis E[s⁴]/Var(s)² of s = q·k for normal components: 3 + 6/d_k.

    A sum of d_k independent terms of kurtosis 9 has kurtosis 3 + (9 - 3)/d_k; scaling
    s (by √d_k or by the σ's) does not change it. Shapes: scalars only.
    """
    _check_width(d_k)
    return 3.0 + (PRODUCT_KURTOSIS - 3.0) / d_k


def variance_standard_error(n: int, variance: float, kurtosis: float = 3.0) -> float:
    """Standard error of the unbiased sample variance of n independent draws.

    Var(S²) = σ⁴·(2/(n-1) + (κ-3)/n) for draws of variance σ² and kurtosis κ
    (κ = 3 for normal draws). Shapes: scalars only.
    """
    if int(n) != n or n < 2:
        raise ValueError(f"a sample variance needs n >= 2 draws, got n={n!r}")
    if variance < 0 or kurtosis < 1:
        raise ValueError(f"need variance >= 0 and kurtosis >= 1, got {variance!r} and {kurtosis!r}")
    return variance * math.sqrt(2.0 / (n - 1) + (kurtosis - 3.0) / n)


def density_histogram(values, edges) -> np.ndarray:
    """Histogram heights as a density over ALL values: counts / (N · bin width).

    Values outside [edges[0], edges[-1]] are not counted, so the area under the bars
    is the fraction of values inside the range (1 when nothing falls outside).
    Shapes: values (N,), edges (E,) increasing -> (E-1,).
    """
    values, edges = np.asarray(values), np.asarray(edges, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty vector (N,), got shape {values.shape}")
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"edges must be an increasing vector (E,) with E >= 2, got shape {edges.shape}")
    counts, _ = np.histogram(values, bins=edges)
    return counts / (values.size * np.diff(edges))


def normal_pdf(x, variance: float) -> np.ndarray:
    """Density of N(0, variance) at x, the curve a histogram of q·k approaches as d_k grows.

    Shapes: x (...) -> (...).
    """
    if variance <= 0:
        raise ValueError(f"variance must be > 0, got {variance!r}")
    x = np.asarray(x, dtype=float)
    return np.exp(-(x**2) / (2 * variance)) / math.sqrt(2 * math.pi * variance)
