"""Softmax: how peaked its weights are, and how much gradient it lets through.

When a softmax's scores are large, almost all weight goes to one key (it *saturates*): the
largest weight goes to 1, the entropy to 0, and the Jacobian diag(p) − p pᵀ to 0, so the
gradient that reaches the scores, and through them q and k, vanishes.
"""

from __future__ import annotations

import torch

from lib import validate
from lib.attention import attention_scores, check_mask, scaled_dot_product_attention


def _check_weights(weights: torch.Tensor, what: str) -> None:
    """Raise unless `weights` holds probability rows on its last axis (p ≥ 0, Σ p = 1)."""
    validate.tensor(weights, f"{what}'s weights (..., S)", min_dims=1)
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


def prefix_scores(q: torch.Tensor, k: torch.Tensor, d_k: int, *, scale: float | None) -> torch.Tensor:
    """Attention scores from the first `d_k` features of q and k only.

    `scale` as in `lib.attention.scale_factor`: None = ÷ √d_k (this d_k), 1.0 = raw dot products.

    Growing `d_k` on the same q and k adds terms to each dot product, as a wider d_k does.
    Shapes: q (..., T, Dmax), k (..., S, Dmax) -> scores (..., T, S).
    """
    validate.tensor(q, "q", min_dims=2)
    validate.tensor(k, "k", min_dims=2)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q {tuple(q.shape)} and k {tuple(k.shape)} must share the feature size")
    d_k = validate.size(d_k, "d_k")
    if d_k > q.shape[-1]:
        raise ValueError(
            f"d_k must be in 1..{q.shape[-1]} (the feature size of q {tuple(q.shape)}), got {d_k}"
        )
    return attention_scores(q[..., :d_k], k[..., :d_k], scale=scale)  # (..., T, S)


def attention_grad_norms(
    d_k: int, *, scale: float | None, n_keys: int = 8, d_v: int = 4, n_trials: int = 1024, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Size of the gradient reaching q and k through one attention step, over random trials.

    Each trial draws one query (1, d_k), keys (S, d_k), values (S, d_v) and an upstream gradient
    g (d_v,), all with independent N(0, 1) entries, runs lib's scaled_dot_product_attention
    (`scale=None` divides by √d_k, `scale=1.0` does not) and back-propagates L = g · out.
    Returns ‖∂L/∂q‖, ‖∂L/∂K‖ (over all keys) and the weights of each trial.
    Shapes: -> (N,), (N,), (N, S) with N = n_trials, S = n_keys.
    """
    for name, n in (("d_k", d_k), ("n_keys", n_keys), ("d_v", d_v), ("n_trials", n_trials)):
        validate.size(n, name)
    gen = torch.Generator().manual_seed(validate.size(seed, "seed", minimum=0))
    q = torch.randn(n_trials, 1, d_k, generator=gen).requires_grad_()  # (N, 1, D)
    k = torch.randn(n_trials, n_keys, d_k, generator=gen).requires_grad_()  # (N, S, D)
    v = torch.randn(n_trials, n_keys, d_v, generator=gen)  # (N, S, Dv)
    upstream = torch.randn(n_trials, 1, d_v, generator=gen)  # (N, 1, Dv): ∂L/∂out
    out, weights = scaled_dot_product_attention(q, k, v, scale=scale)  # (N, 1, Dv), (N, 1, S)
    grad_q, grad_k = torch.autograd.grad((out * upstream).sum(), (q, k))  # trials do not mix
    return grad_q.flatten(1).norm(dim=1), grad_k.flatten(1).norm(dim=1), weights.detach().squeeze(1)


def jacobian_norm(weights: torch.Tensor) -> torch.Tensor:
    """The spectral norm ‖J‖₂ of the softmax Jacobian J = diag(p) − p pᵀ of each row.

    J is symmetric positive semi-definite, so its norm is its largest eigenvalue: how much the
    softmax can pass on, at most, of a gradient on the weights to the scores.
    Shapes: weights (..., S) -> (...).
    """
    _check_weights(weights, "jacobian_norm")
    return torch.linalg.eigvalsh(softmax_jacobian(weights))[..., -1]


def jacobian_bound(weights: torch.Tensor) -> torch.Tensor:
    """1 − Σ p², an upper bound on ‖J‖₂ (its trace); 0 exactly when p is one-hot.

    Shapes: weights (..., S) -> (...).
    """
    _check_weights(weights, "jacobian_bound")
    return 1 - (weights**2).sum(dim=-1)


# Every entry of diag(p) − p pᵀ lies in [−¼, ¼]: p(1 − p) ≤ ¼ and p_i p_j ≤ ¼.
JACOBIAN_ENTRY_LIMIT = 0.25


def naive_masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """What plain code does: blocked scores set to −inf, then softmax. A row with nothing
    allowed becomes NaN (0/0); `lib.attention.masked_softmax` is the guarded version.

    Shapes: scores (..., T, S), mask broadcastable to (..., T, S) -> (..., T, S).
    """
    validate.tensor(scores, "scores", min_dims=1)
    check_mask(mask, scores.shape)
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
