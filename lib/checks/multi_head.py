"""Exercises on multi-head attention (notebook 04), and `Prediction`, the form of every
"predict before you run" question of notebooks 04-07."""

from __future__ import annotations

import math

import torch

from lib.attention import scaled_dot_product_attention
from lib.checks import Exercise, Prediction, as_mistakes
from lib.heads import merge_heads, split_heads
from lib.i18n import _, lazy_gettext
from lib.variance import predicted_variance

# --- predictions ---------------------------------------------------------------------------------


# --- shared by the exercises ---------------------------------------------------------------------

# The hints of the two commonest split mistakes, shared by the split and the per-head-weights exercises.


def _straight_view_hint() -> str:
    return _("reshaping straight to (B, H, T, D) mixes words across heads: the memory order is "
             "(B, T, C), so first view as (B, T, H, D), then .transpose(1, 2).")


def _transpose_first_hint() -> str:
    return _("you transposed before cutting: x.transpose(1, 2) is (B, C, T), and reading that as (B, H, T, D) "
             "mixes features and words. Cut the features first, .view(B, T, H, D), then .transpose(1, 2).")


def _straight_view(x: torch.Tensor, h: int) -> torch.Tensor:
    """The wrong split: (B, T, C) reshaped directly to (B, H, T, C/H)."""
    B, T, C = x.shape
    return x.reshape(B, h, T, C // h)


def _transpose_first(x: torch.Tensor, h: int) -> torch.Tensor:
    """The wrong split: transpose to (B, C, T) first, then cut into (B, H, T, C/H)."""
    B, T, C = x.shape
    return x.transpose(1, 2).reshape(B, h, T, C // h)


def _randn(*shape: int, g: torch.Generator) -> torch.Tensor:
    return torch.randn(*shape, generator=g)


# --- exercise 1: split ---------------------------------------------------------------------------


def _split_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    return [(_randn(2, 5, 12, g=g), 3), (_randn(1, 3, 8, g=g), 2), (_randn(3, 4, 6, g=g), 6)]


def _split_mistakes():
    def no_transpose(x, h):
        B, T, C = x.shape
        return x.view(B, T, h, C // h)  # (B, T, H, D)

    def last_two_swapped(x, h):
        B, T, C = x.shape
        return x.view(B, T, h, C // h).transpose(2, 3)  # (B, T, D, H)

    def interleaved(x, h):
        B, T, C = x.shape
        return x.reshape(B, T, C // h, h).permute(0, 3, 1, 2)

    return as_mistakes([
        (_straight_view, _straight_view_hint()),
        (_transpose_first, _transpose_first_hint()),
        (no_transpose, _("(B, T, H, D) is half-way: .transpose(1, 2) moves the heads next to the batch, "
                         "giving (B, H, T, D).")),
        (last_two_swapped, _("you swapped the last two axes, giving (B, T, D, H); the axes to swap are T and H, "
                             ".transpose(1, 2), so that the heads sit next to the batch.")),
        (interleaved, _("your heads take every H-th feature; each head must own a contiguous block of d_k "
                        "features, so view as (B, T, H, D), not (B, T, D, H).")),
    ])


# `student_fn(x, n_heads)`: x (B, T, C) -> (B, H, T, D), head h = features h*D:(h+1)*D.
check_split_heads = Exercise(name="split_heads", reference=split_heads, cases=_split_cases,
                             mistakes=_split_mistakes).check


# --- exercise 2: merge (concat) ------------------------------------------------------------------


def _merge_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(1)
    return [(_randn(2, 3, 5, 4, g=g),), (_randn(1, 2, 3, 4, g=g),), (_randn(2, 4, 6, 2, g=g),)]


def _merge_mistakes():
    def no_transpose(x):
        B, H, T, D = x.shape
        return x.reshape(B, T, H * D)

    def wrong_transpose(x):
        B, H, T, D = x.shape
        return x.transpose(2, 3).reshape(B, T, H * D)  # (B, H, D, T) read as (B, T, C)

    def interleaved(x):
        B, H, T, D = x.shape
        return x.permute(0, 2, 3, 1).reshape(B, T, H * D)

    return as_mistakes([
        (no_transpose, _("reshaping (B, H, T, D) straight to (B, T, C) mixes words: .transpose(1, 2) first, "
                         "back to (B, T, H, D), then .reshape(B, T, H * D).")),
        (wrong_transpose, _("you swapped T and D (.transpose(2, 3)); undo the split's transpose instead: "
                            ".transpose(1, 2) swaps H and T back to (B, T, H, D).")),
        (interleaved, _("the features come out interleaved; head h must fill columns h*D:(h+1)*D, "
                        "so flatten (H, D) in that order.")),
        (lambda x: torch.cat(x.unbind(1), dim=1), _("you concatenated along the positions, giving (B, H·T, D); "
                                                    "the heads are concatenated along the features (dim=-1).")),
        (lambda x: x.sum(dim=1), _("the heads are concatenated (concat), not added: the result has width "
                                   "H·D = d_model.")),
        (lambda x: x.mean(dim=1), _("the heads are concatenated (concat), not averaged: the result has width "
                                    "H·D = d_model.")),
    ])


# `student_fn(x)`: x (B, H, T, D) -> (B, T, H*D), the heads concatenated (concat).
check_merge_heads = Exercise(name="merge_heads", reference=merge_heads, cases=_merge_cases,
                             mistakes=_merge_mistakes).check


# --- exercise 3: every head's weights ------------------------------------------------------------


def _weights_ref(q, k, n_heads):
    return scaled_dot_product_attention(split_heads(q, n_heads), split_heads(k, n_heads),
                                        split_heads(k, n_heads))[1]


def _weights_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(2)
    shapes = [((1, 3, 12), (1, 5, 12), 3), ((2, 4, 8), (2, 4, 8), 2), ((2, 5, 16), (2, 5, 16), 4)]
    return [(_randn(*sq, g=g) * 2, _randn(*sk, g=g) * 2, h) for sq, sk, h in shapes]


def _attend(qh, kh, divide_by: float, dim: int = -1):
    return torch.softmax(qh @ kh.transpose(-2, -1) / divide_by, dim=dim)  # (B, H, T, D) @ (B, H, D, S)


def _weights_mistakes():
    def heads(q, k, h, split=split_heads):
        return split(q, h), split(k, h)  # (B, H, T, D), (B, H, S, D)

    def d_k(q, h):
        return q.shape[-1] // h

    return as_mistakes([
        (lambda q, k, h: _attend(*heads(q, k, h), math.sqrt(q.shape[-1])),
         _("you divided by √d_model; each head's dot products have d_k = d_model / h terms, so divide by √d_k. "
           "√d_model makes every head too flat (close to uniform).")),
        (lambda q, k, h: _attend(*heads(q, k, h), 1.0),
         _("divide each head's scores by √d_k before softmax (scaled dot-product).")),
        (lambda q, k, h: _attend(*heads(q, k, h), d_k(q, h)), _("divide by √d_k, not by d_k itself.")),
        (lambda q, k, h: _attend(*heads(q, k, h), math.sqrt(d_k(q, h)), dim=-2),
         _("softmax over the wrong axis (the queries): each query's weights over the keys sum to 1 (dim=-1).")),
        (lambda q, k, h: _attend(q, k, math.sqrt(q.shape[-1])),
         _("this is one head of width d_model (B, T, S); split q and k into n_heads first.")),
        (lambda q, k, h: _attend(*heads(q, k, h, _straight_view), math.sqrt(d_k(q, h))), _straight_view_hint()),
        (lambda q, k, h: _attend(*heads(q, k, h, _transpose_first), math.sqrt(d_k(q, h))), _transpose_first_hint()),
    ])


# `student_fn(q, k, n_heads)`: q (B, T, C), k (B, S, C) -> weights (B, H, T, S).
check_head_weights = Exercise(name="head_weights", reference=_weights_ref, cases=_weights_cases,
                              mistakes=_weights_mistakes).check


# --- exercise 4 (predict): the variance of one head's scores --------------------------------------

# The layer asked about: d_model = 512 cut into h = 8 heads; queries and keys of unit variance.
PREDICT_D_MODEL, PREDICT_HEADS = 512, 8
_D_K = PREDICT_D_MODEL // PREDICT_HEADS  # 64


def _variances(width: int, divide_by: tuple[float, float, float]) -> tuple[float, ...]:
    """Var(q·k / c) for dot products of `width` unit-variance terms, for each c."""
    return tuple(predicted_variance(width, scale=1 / c) for c in divide_by)


def _score_variances() -> tuple[float, float, float]:
    """(unscaled, ÷√d_model, ÷√d_k) variance of one head's scores."""
    return (predicted_variance(_D_K, scale=1.0), predicted_variance(_D_K, scale=PREDICT_D_MODEL**-0.5),
            predicted_variance(_D_K, scale=None))


def _variance_mistakes():
    right = _score_variances()
    sq_c, sq_d = math.sqrt(PREDICT_D_MODEL), math.sqrt(_D_K)
    return as_mistakes([
        (lambda: _variances(PREDICT_D_MODEL, (1.0, sq_c, sq_d)),
         _("each head's dot product sums d_k = {d_model} / {heads} = {d_k} products, not "
           "d_model = {d_model}: only its own d_k columns of q and k meet in it.").format(
             d_model=PREDICT_D_MODEL, heads=PREDICT_HEADS, d_k=_D_K)),
        (lambda: tuple(math.sqrt(v) for v in right),
         _("those are standard deviations; the question asks for variances (their squares).")),
        (lambda: _variances(_D_K, (1.0, sq_c**0.5, sq_d**0.5)),
         _("dividing the scores by c divides their variance by c², not by c: ÷√d divides the variance by d.")),
        (lambda: (right[0], right[2], right[2]),
         _("÷√d_model divides the variance d_k = {d_k} by d_model = {d_model}, not by d_k: only "
           "÷√d_k brings it to 1.").format(d_k=_D_K, d_model=PREDICT_D_MODEL)),
    ])


# `student_fn()` -> (unscaled, ÷√d_model, ÷√d_k): the variance of one head's scores.
check_predict_head_variance = Prediction(
    name="predict_head_variance", reference=_score_variances, cases=lambda: [()], mistakes=_variance_mistakes,
    atol=0.01, form=lazy_gettext("a tuple of three numbers: (unscaled, divided by √d_model, divided by √d_k)"),
    retry=lazy_gettext(
        "Each head's score is a dot product of d_k numbers; a product of two independent unit-variance numbers has "
        "variance 1, and dividing the scores by c divides their variance by c².")).check
