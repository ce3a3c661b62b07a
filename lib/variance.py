"""The variance of a dot product q·k, and why attention divides it by √d_k.

If q and k have d_k independent components with mean 0 and variances σ_q², σ_k², then
E[q·k] = 0 and Var(q·k) = σ_q²·σ_k²·d_k, so Var(q·k / √d_k) = σ_q²·σ_k².
The helpers below sample q·k and predict its variance and kurtosis; how far a measured
variance may honestly stray from the prediction is `lib.stats.variance_standard_error`.
"""

from __future__ import annotations

import torch

from lib import validate
from lib.attention import scale_factor

# Kurtosis E[x⁴]/σ⁴ of one product q_i·k_i of two independent zero-mean normals:
# E[q⁴]·E[k⁴] / (σ_q²σ_k²)² = (3σ_q⁴)(3σ_k⁴) / (σ_q⁴σ_k⁴) = 9, whatever the σ's.
PRODUCT_KURTOSIS = 9.0


def _check_width(d_k: int) -> int:
    return validate.size(d_k, "d_k")


def _check_sigmas(sigma_q: float, sigma_k: float) -> None:
    validate.number(sigma_q, "sigma_q", low=0.0, low_open=True)
    validate.number(sigma_k, "sigma_k", low=0.0, low_open=True)


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
    validate.size(n, "n (the number of pairs N)")
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    q = sigma_q * torch.randn(n, d_k, generator=generator, dtype=dtype)  # (N, D)
    k = sigma_k * torch.randn(n, d_k, generator=generator, dtype=dtype)  # (N, D)
    return q, k


def pair_scores(q: torch.Tensor, k: torch.Tensor, *, scale: float | None) -> torch.Tensor:
    """The dot product of each q row with its own k row, times `scale_factor(d_k, scale)`.

    `scale=None` divides by √d_k, `scale=1.0` gives the raw q·k. This is the diagonal of
    the attention scores, without computing the rest of the matrix.
    Shapes: q (..., N, D), k (..., N, D) -> (..., N).
    """
    validate.tensor(q, "q", min_dims=1)
    validate.tensor(k, "k", min_dims=1)
    if q.shape != k.shape:
        raise ValueError(
            f"q and k must have the same shape (..., N, D) to pair row with row, "
            f"got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    scores = (q * k).sum(dim=-1)  # (..., N, D) * (..., N, D) -> sum over D -> (..., N)
    return scores * scale_factor(q.shape[-1], scale)


def running_scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Dot products over the first d components, for every d = 1 .. D at once.

    Row d-1 holds q[:, :d]·k[:, :d], so one draw gives q·k for every width d_k ≤ D.
    Shapes: q (N, D), k (N, D) -> (D, N).
    """
    validate.tensor(q, "q", dims=2)
    validate.tensor(k, "k", dims=2)
    if q.shape != k.shape:
        raise ValueError(
            f"running_scores expects q and k of the same shape (N, D), "
            f"got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    return torch.cumsum(q * k, dim=1).T.contiguous()  # (N, D) -> cumulative over D -> (D, N)


def predicted_variance(
    d_k: int, *, scale: float | None, sigma_q: float = 1.0, sigma_k: float = 1.0
) -> float:
    """Var(c·q·k) = c²·σ_q²·σ_k²·d_k with c = `scale_factor(d_k, scale)`.

    `scale=1.0` gives Var(q·k) = σ_q²·σ_k²·d_k; `scale=None` (÷ √d_k) gives σ_q²·σ_k².
    Shapes: scalars only.
    """
    d_k = _check_width(d_k)
    _check_sigmas(sigma_q, sigma_k)
    per_term = sigma_q**2 * sigma_k**2  # Var(q_i k_i) = E[q_i²] E[k_i²]
    if scale is None:  # c² d_k = 1 exactly, without a rounding error
        return per_term
    return scale_factor(d_k, scale) ** 2 * per_term * d_k


def score_kurtosis(d_k: int) -> float:
    """Kurtosis E[s⁴]/Var(s)² of s = q·k for normal components: 3 + 6/d_k.

    A sum of d_k independent terms of kurtosis 9 has kurtosis 3 + (9 - 3)/d_k; scaling
    s (by √d_k or by the σ's) does not change it. Shapes: scalars only.
    """
    _check_width(d_k)
    return 3.0 + (PRODUCT_KURTOSIS - 3.0) / d_k
