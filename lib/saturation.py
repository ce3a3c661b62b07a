"""Softmax saturation: how peaked a softmax is, and how much gradient it lets through.

When a softmax's scores are large, almost all weight goes to one key (it *saturates*): the
largest weight goes to 1, the entropy to 0, and the Jacobian diag(p) − p pᵀ to 0, so the
gradient that reaches the scores, and through them q and k, vanishes. Notebook 03.
"""

from __future__ import annotations

import math

import torch

from lib.attention import attention_scores, scaled_dot_product_attention


def _check_weights(weights: torch.Tensor, what: str) -> None:
    """Raise unless `weights` holds probability rows on its last axis (p ≥ 0, Σ p = 1)."""
    if weights.dim() < 1 or weights.shape[-1] < 1:
        raise ValueError(
            f"{what} needs weights of shape (..., S) with S ≥ 1, got {tuple(weights.shape)}"
        )
    with torch.no_grad():
        sums = weights.sum(dim=-1)
        if (weights < 0).any() or not torch.allclose(sums, torch.ones_like(sums), atol=1e-4):
            raise ValueError(
                f"{what} takes softmax weights p (each row ≥ 0 and summing to 1), not scores; "
                f"got shape {tuple(weights.shape)} with row sums from {sums.min().item():.4g} "
                f"to {sums.max().item():.4g}"
            )


def softmax_entropy(weights: torch.Tensor) -> torch.Tensor:
    """Entropy −Σ p log p in nats of each row; 0·log 0 counts as 0.

    log S for uniform weights over S keys, 0 for a one-hot row.
    Shapes: weights (..., S) -> (...).
    """
    _check_weights(weights, "softmax_entropy")
    return -torch.special.xlogy(weights, weights).sum(dim=-1)


def max_weight(weights: torch.Tensor) -> torch.Tensor:
    """The largest weight of each row: 1/S when uniform, 1 when all weight is on one key.

    Shapes: weights (..., S) -> (...).
    """
    _check_weights(weights, "max_weight")
    return weights.amax(dim=-1)


def softmax_jacobian(weights: torch.Tensor) -> torch.Tensor:
    """∂p_i/∂s_j = p_i (δ_ij − p_j), i.e. diag(p) − p pᵀ, where p = softmax(s) over the last axis.

    Takes the weights p, not the scores s. Symmetric, and 0 when p is one-hot.
    Shapes: weights (..., S) -> (..., S, S).
    """
    _check_weights(weights, "softmax_jacobian")
    diag = torch.diag_embed(weights)  # (..., S) -> (..., S, S)
    p_col, p_row = weights.unsqueeze(-1), weights.unsqueeze(-2)  # (..., S, 1), (..., 1, S)
    outer = p_col * p_row  # p pᵀ: (..., S, 1) * (..., 1, S) -> (..., S, S)
    return diag - outer


def prefix_scores(q: torch.Tensor, k: torch.Tensor, d_k: int, *, scale: bool) -> torch.Tensor:
    """Attention scores from the first `d_k` features of q and k only (÷ √d_k when `scale`).

    Growing `d_k` on the same q and k adds terms to each dot product, as a wider d_k does.
    Shapes: q (..., T, Dmax), k (..., S, Dmax) -> scores (..., T, S).
    """
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q {tuple(q.shape)} and k {tuple(k.shape)} must share the feature size")
    if not 1 <= d_k <= q.shape[-1]:
        raise ValueError(
            f"d_k must be in 1..{q.shape[-1]} (the feature size of q {tuple(q.shape)}), got {d_k}"
        )
    return attention_scores(q[..., :d_k], k[..., :d_k], scale=scale)  # (..., T, S)


def attention_grad_norms(
    d_k: int, *, scale: bool, n_keys: int = 8, d_v: int = 4, n_trials: int = 1024, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Size of the gradient reaching q and k through one attention step, over random trials.

    Each trial draws one query (1, d_k), keys (S, d_k), values (S, d_v) and an upstream gradient
    g (d_v,), all with independent N(0, 1) entries, runs lib's scaled_dot_product_attention
    (`scale=True` divides by √d_k) and back-propagates L = g · out.
    Returns ‖∂L/∂q‖, ‖∂L/∂K‖ (over all keys) and the weights of each trial.
    Shapes: -> (N,), (N,), (N, S) with N = n_trials, S = n_keys.
    """
    if min(d_k, n_keys, d_v, n_trials) < 1:
        raise ValueError(
            f"d_k, n_keys, d_v and n_trials must be ≥ 1, got {d_k}, {n_keys}, {d_v}, {n_trials}"
        )
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(n_trials, 1, d_k, generator=gen).requires_grad_()  # (N, 1, D)
    k = torch.randn(n_trials, n_keys, d_k, generator=gen).requires_grad_()  # (N, S, D)
    v = torch.randn(n_trials, n_keys, d_v, generator=gen)  # (N, S, Dv)
    upstream = torch.randn(n_trials, 1, d_v, generator=gen)  # (N, 1, Dv): ∂L/∂out
    out, weights = scaled_dot_product_attention(q, k, v, scale=scale)  # (N, 1, Dv), (N, 1, S)
    grad_q, grad_k = torch.autograd.grad((out * upstream).sum(), (q, k))  # trials do not mix
    return grad_q.flatten(1).norm(dim=1), grad_k.flatten(1).norm(dim=1), weights.detach().squeeze(1)


def median_interval(x: torch.Tensor, *, z: float = 4.0) -> tuple[float, float]:
    """A distribution-free interval for the median of the distribution `x` was sampled from.

    The number of samples below the true median is Binomial(N, ½), with standard deviation
    √N/2, so the order statistics N/2 ∓ z·√N/2 bracket it except with probability about that
    of a z-sigma normal deviation. No assumption about the shape of the distribution.
    Shapes: x (N,) -> two floats.
    """
    if x.dim() != 1 or x.numel() < 16:
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
