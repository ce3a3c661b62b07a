"""Exercises of notebook 03 (softmax saturation): the entropy, the batched Jacobian, the backward
pass without the Jacobian, and a predicted entropy."""

from __future__ import annotations

import math

import torch

from lib.checks import Exercise, Mistake, as_mistakes
from lib.i18n import _, lazy_gettext
from lib.softmax import softmax_entropy, softmax_jacobian

# The "predict before you run" question: S = 8 keys, the top two scores tie, the spread c is huge.
S_KEYS = 8


def _weights(shapes, seed: int, spread: float = 2.0) -> list[torch.Tensor]:
    """Softmax rows of random scores; a large `spread` makes them nearly saturated."""
    g = torch.Generator().manual_seed(seed)
    return [torch.softmax(torch.randn(*s, generator=g) * spread, dim=-1) for s in shapes]


def _plogp(p: torch.Tensor) -> torch.Tensor:
    return torch.special.xlogy(p, p)  # p·log p, with 0·log 0 = 0


# --- Exercise 1 (recall): the entropy of each row -------------------------------------------------

# Rows with exact zeros, as a saturated or masked softmax produces: 0·log 0 must count as 0.
_WITH_ZEROS = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0.0, 0.0]])


def _entropy_cases() -> list[tuple]:
    return [(p,) for p in (*_weights([(6,), (4, 5), (2, 3, 8)], seed=2), _WITH_ZEROS.clone())]


def _entropy_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda p: -_plogp(p).sum(-1) / math.log(2),
         _("that is in bits (log base 2). Use the natural log, so a uniform row gives log S.")),
        (lambda p: _plogp(p).sum(-1),
         _("the sign: log p ≤ 0, so Σ p log p is negative; the entropy is −Σ p log p.")),
        (lambda p: -_plogp(p).sum(),
         _("sum over the last axis only (the keys): one entropy per row.")),
        (lambda p: -_plogp(p).sum(0),
         _("sum over the keys, dim=-1, not over the rows (dim=0).")),
        (lambda p: -_plogp(p).mean(-1), _("take the sum over the keys, not the mean.")),
        (lambda p: -torch.log(p).sum(-1),
         _("weight each log p_i by its p_i: the entropy is −Σ p_i log p_i, the average surprise.")),
        (lambda p: -(p * torch.log(p)).sum(-1),
         _("p · log p is NaN where p = 0: log 0 = −inf and 0 · (−inf) = NaN in floating point, although the "
           "limit is 0. Use torch.special.xlogy(p, p), which is 0 there.")),
    ])


# `check_entropy(fn)`: fn(p), weights p (..., S) -> the entropy −Σ p log p in nats of each row, shape (...).
check_entropy = Exercise(
    name="entropy", reference=softmax_entropy, cases=_entropy_cases, mistakes=_entropy_mistakes,
    nan_hint=lazy_gettext(
        "NaN for a row with zero weights (a saturated softmax has them): 0 · log 0 is 0 · (−inf) = NaN in "
        "floating point, although its limit is 0. torch.special.xlogy(p, p) returns 0 there."),
).check

# --- Exercise 2 (build): one Jacobian per row -------------------------------------------------------


def _outer(p: torch.Tensor) -> torch.Tensor:
    return p.unsqueeze(-1) * p.unsqueeze(-2)  # (..., S, 1) * (..., 1, S) -> (..., S, S)


def _jacobian_cases() -> list[tuple]:
    # 2-D first (a 1-D-only answer fails there; p.T @ p runs), then 1-D, 3-D and nearly saturated rows.
    rows = _weights([(3, 5), (5,), (2, 3, 6)], seed=0) + _weights([(4, 6)], seed=1, spread=8.0)
    return [(p,) for p in rows]


def _jacobian_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda p: torch.diag_embed(p * (1 - p)),
         _("only the diagonal ∂p_i/∂s_i = p_i(1 − p_i) is there. Raising one score s_j also "
           "lowers every other weight, so the off-diagonal entries are −p_i p_j.")),
        (lambda p: _outer(p) - torch.diag_embed(p),
         _("the sign is flipped: raising s_i raises p_i, so the diagonal must be positive, diag(p) − p pᵀ.")),
        (lambda p: torch.diag_embed(p) - (p * p).sum(-1, keepdim=True).unsqueeze(-1),
         _("you subtracted the number Σ p² (a dot product, p @ p); you need the outer "
           "product p pᵀ, an (S, S) matrix per row.")),
        (lambda p: torch.diag_embed(p) - (p * p).unsqueeze(-1),
         _("p[..., None] * p[..., None] squares each weight; the outer product needs one "
           "new axis on each side: p[..., :, None] * p[..., None, :].")),
        (lambda p: torch.diag_embed(p) - p.mT @ p,
         _("p.T @ p adds up the outer products of all rows; each row needs its own p pᵀ: "
           "p[..., :, None] * p[..., None, :].")),
        (lambda p: -_outer(p), _("the diag(p) term is missing (torch.diag_embed(p)).")),
        (lambda p: softmax_jacobian(torch.softmax(p, -1)),
         _("the function receives the weights p = softmax(s); do not apply softmax again.")),
    ])


# `check_softmax_jacobian(fn)`: fn(p), weights p (..., S) -> the Jacobian diag(p) − p pᵀ of every row, (..., S, S).
check_softmax_jacobian = Exercise(
    name="softmax_jacobian", reference=softmax_jacobian, cases=_jacobian_cases, mistakes=_jacobian_mistakes,
).check

# --- Exercise 3 (modify): the backward pass, without the S × S matrix -----------------------------


def _backward_ref(p: torch.Tensor, grad_p: torch.Tensor) -> torch.Tensor:
    return (softmax_jacobian(p) @ grad_p.unsqueeze(-1)).squeeze(-1)  # (..., S, S) @ (..., S, 1) -> (..., S)


def _backward_cases() -> list[tuple]:
    # (4, 4) is square: a row sum without keepdim then broadcasts along the keys instead of failing.
    g = torch.Generator().manual_seed(3)
    rows = _weights([(5,), (4, 4), (3, 6), (2, 4, 7)], seed=4)
    return [(p, torch.randn(p.shape, generator=g)) for p in rows]


def _backward_mistakes() -> list[Mistake]:
    def weighted_mean(p, g):
        return (p * g).sum(-1, keepdim=True)  # (..., 1)

    return as_mistakes([
        (lambda p, g: p * g,
         _("that is only diag(p)·g; the −p pᵀ g part is missing: "
           "subtract the p-weighted mean Σ_j p_j g_j from g first.")),
        (lambda p, g: g - weighted_mean(p, g),
         _("multiply the centred gradient by p: p ⊙ (g − Σ_j p_j g_j).")),
        (lambda p, g: p * (g - g.mean(-1, keepdim=True)),
         _("subtract the p-weighted mean Σ_j p_j g_j, not the plain mean of g.")),
        (lambda p, g: p * (g - (p * g).sum()),
         _("sum over the last axis only, with keepdim=True: one weighted mean per row.")),
        (lambda p, g: p * (g - (p * g).sum(-1)),
         _("keep the summed axis, .sum(dim=-1, keepdim=True): without it the (T,) row means line up with "
           "the keys axis, and each row subtracts the other rows' means.")),
        (lambda p, g: p * (1 - p) * g,
         _("only the diagonal of the Jacobian was used: each g_j also moves other weights.")),
    ])


# `check_softmax_backward(fn)`: fn(p, grad_p), p and grad_p (..., S) -> ∂L/∂s = (diag(p) − p pᵀ) grad_p, (..., S).
check_softmax_backward = Exercise(
    name="softmax_backward", reference=_backward_ref, cases=_backward_cases, mistakes=_backward_mistakes,
).check

# --- Exercise 4 (predict before you run): the entropy of a tie at a huge spread -------------------


def _tie_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda: 0.0, _("one-hot only when one key wins; with two tied top scores the weight splits in half "
                        "between them, however large the spread.")),
        (lambda: math.log(S_KEYS), _("log 8 is the uniform row (spread 0); at a huge spread the six lower keys "
                                     "get nothing.")),
        (lambda: 1.0, _("1 bit, right idea; the notebook measures entropy in nats (natural log): log 2.")),
        (lambda: 0.5, _("½ is the weight of each of the two keys; the entropy is −Σ p log p = −2 · ½ · log ½.")),
    ])


# `check_tie_entropy(fn)`: fn() returns the predicted entropy (nats) of softmax(c·s) over S = 8 keys
# whose top two scores tie, for c → ∞ (c = 1000): log 2 = 0.693. 0.02 accepts 0.69 and 0.7.
check_tie_entropy = Exercise(
    name="tie_entropy", reference=lambda: math.log(2), cases=lambda: [()], mistakes=_tie_mistakes, atol=0.02,
).check
