"""Exercises on softmax saturation."""

from __future__ import annotations

import math

import torch

from lib.checks import HINT, Mistake, Result, check_function
from lib.softmax import softmax_entropy, softmax_jacobian


def _weights(shapes, seed: int, spread: float = 2.0) -> list[torch.Tensor]:
    """Softmax rows of random scores; a large `spread` makes them nearly saturated."""
    g = torch.Generator().manual_seed(seed)
    return [torch.softmax(torch.randn(*s, generator=g) * spread, dim=-1) for s in shapes]


# Rows with exact zeros, as a saturated or masked softmax produces: 0·log 0 must count as 0.
_WITH_ZEROS = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0.0, 0.0]])

_NAN_HINT = (
    f"{HINT} entropy: NaN for a row with zero weights (a saturated softmax has them): "
    "0 · log 0 is 0 · (−inf) = NaN in floating point, although its limit is 0. "
    "Use torch.special.xlogy(p, p), which returns 0 there."
)


def check_softmax_jacobian(student_fn) -> Result:
    """`student_fn(p)`: weights p (..., S) -> Jacobians diag(p) − p pᵀ of every row, (..., S, S)."""
    def outer(p):
        return p.unsqueeze(-1) * p.unsqueeze(-2)  # (..., S, 1) * (..., 1, S) -> (..., S, S)

    mistakes = [
        Mistake(lambda p: torch.diag_embed(p * (1 - p)),
                "only the diagonal ∂p_i/∂s_i = p_i(1 − p_i) is there. Raising one score s_j also "
                "lowers every other weight, so the off-diagonal entries are −p_i p_j."),
        Mistake(lambda p: outer(p) - torch.diag_embed(p),
                "the sign is flipped: raising s_i raises p_i, so the diagonal must be positive, "
                "diag(p) − p pᵀ."),
        Mistake(lambda p: torch.diag_embed(p) - (p * p).sum(-1, keepdim=True).unsqueeze(-1),
                "you subtracted the number Σ p² (a dot product, p @ p); you need the outer "
                "product p pᵀ, an (S, S) matrix per row."),
        Mistake(lambda p: torch.diag_embed(p) - (p * p).unsqueeze(-1),
                "p[..., None] * p[..., None] squares each weight; the outer product needs one "
                "new axis on each side: p[..., :, None] * p[..., None, :]."),
        Mistake(lambda p: torch.diag_embed(p) - p.mT @ p if p.dim() > 1 else None,
                "p.T @ p adds up the outer products of all rows; each row needs its own p pᵀ: "
                "p[..., :, None] * p[..., None, :]."),
        Mistake(lambda p: -outer(p), "the diag(p) term is missing (torch.diag_embed(p))."),
        Mistake(lambda p: softmax_jacobian(torch.softmax(p, -1)),
                "the function receives the weights p = softmax(s); do not apply softmax again."),
    ]
    rows = _weights([(5,), (3, 5), (2, 3, 6)], seed=0) + _weights([(4, 6)], seed=1, spread=8.0)
    return check_function(student_fn, name="softmax_jacobian", reference=softmax_jacobian,
                          cases=[(p,) for p in rows], mistakes=mistakes)


def check_entropy(student_fn) -> Result:
    """`student_fn(p)`: weights p (..., S) -> entropy −Σ p log p in nats per row, shape (...)."""
    def plogp(p):
        return torch.special.xlogy(p, p)

    mistakes = [
        Mistake(lambda p: -plogp(p).sum(-1) / math.log(2),
                "that is in bits (log base 2). Use the natural log, so a uniform row gives log S."),
        Mistake(lambda p: plogp(p).sum(-1),
                "the sign: log p ≤ 0, so Σ p log p is negative; the entropy is −Σ p log p."),
        Mistake(lambda p: -plogp(p).sum(),
                "sum over the last axis only (the keys): one entropy per row."),
        Mistake(lambda p: -plogp(p).sum(0),
                "sum over the keys, dim=-1, not over the rows (dim=0)."),
        Mistake(lambda p: -plogp(p).mean(-1), "take the sum over the keys, not the mean."),
    ]
    rows = [*_weights([(6,), (4, 5), (2, 3, 8)], seed=2), _WITH_ZEROS.clone()]
    result = check_function(student_fn, name="entropy", reference=softmax_entropy,
                            cases=[(p,) for p in rows], mistakes=mistakes)
    if not result.passed and "NaN" in result.message:
        return Result(False, _NAN_HINT)
    return result


def _softmax_backward_ref(p: torch.Tensor, grad_p: torch.Tensor) -> torch.Tensor:
    return (softmax_jacobian(p) @ grad_p.unsqueeze(-1)).squeeze(-1)  # (.., S, S) @ (.., S, 1)


def check_softmax_backward(student_fn) -> Result:
    """`student_fn(p, grad_p)`: p, grad_p (..., S) -> ∂L/∂s = (diag(p) − p pᵀ) grad_p, (..., S)."""
    def weighted_mean(p, g):
        return (p * g).sum(-1, keepdim=True)

    mistakes = [
        Mistake(lambda p, g: p * g,
                "that is only diag(p)·g; the −p pᵀ g part is missing: "
                "subtract the p-weighted mean Σ_j p_j g_j from g first."),
        Mistake(lambda p, g: g - weighted_mean(p, g),
                "multiply the centred gradient by p: p ⊙ (g − Σ_j p_j g_j)."),
        Mistake(lambda p, g: p * (g - g.mean(-1, keepdim=True)),
                "subtract the p-weighted mean Σ_j p_j g_j, not the plain mean of g."),
        Mistake(lambda p, g: p * (g - (p * g).sum()),
                "sum over the last axis only, with keepdim=True: one weighted mean per row."),
        Mistake(lambda p, g: p * (1 - p) * g,
                "only the diagonal of the Jacobian was used: each g_j also moves other weights."),
    ]
    g = torch.Generator().manual_seed(3)
    rows = _weights([(5,), (3, 6), (2, 4, 7)], seed=4)
    return check_function(student_fn, name="softmax_backward", reference=_softmax_backward_ref,
                          cases=[(p, torch.randn(p.shape, generator=g)) for p in rows],
                          mistakes=mistakes)
