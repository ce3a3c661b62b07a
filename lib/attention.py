"""Scaled dot-product attention, the single formula the whole series builds on.

A(Q, K, V) = softmax(Q Kᵀ / √d_k) V
"""

from __future__ import annotations

import math

import torch


def _broadcast(shape_a: torch.Size, shape_b: torch.Size, what: str) -> torch.Size:
    try:
        return torch.broadcast_shapes(shape_a, shape_b)
    except RuntimeError:
        raise ValueError(f"{what}: shapes {tuple(shape_a)} and {tuple(shape_b)} do not broadcast") from None


def check_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    """Raise ValueError (naming the shapes) unless q, k, v fit together.

    Shapes: q (..., T, D), k (..., S, D), v (..., S, Dv).
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        if t.dim() < 2:
            raise ValueError(f"{name} must have at least 2 dims (..., length, features), got shape {tuple(t.shape)}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must share the feature size D: q {tuple(q.shape)} is (..., T, {q.shape[-1]}), "
            f"k {tuple(k.shape)} is (..., S, {k.shape[-1]})"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must have the same number of keys S: k {tuple(k.shape)} has S={k.shape[-2]}, "
            f"v {tuple(v.shape)} has S={v.shape[-2]}"
        )
    _broadcast(q.shape[:-2], k.shape[:-2], "batch dims of q and k")
    _broadcast(k.shape[:-2], v.shape[:-2], "batch dims of k and v")


def check_mask(mask: torch.Tensor, scores_shape: torch.Size) -> None:
    """Raise unless `mask` is boolean and broadcasts to `scores_shape` (..., T, S) without growing it."""
    if mask.dtype != torch.bool:
        raise ValueError(
            f"mask must be boolean (True = may attend), got dtype {mask.dtype}; "
            "a float mask would be silently read the wrong way"
        )
    try:
        grown = torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError:
        grown = None
    if grown != scores_shape:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the attention scores "
            f"(..., T, S) = {tuple(scores_shape)}"
        )


def attention_scores(q: torch.Tensor, k: torch.Tensor, *, scale: bool = True) -> torch.Tensor:
    """Q Kᵀ, divided by √d_k when `scale`.

    Shapes: q (..., T, D), k (..., S, D) -> (..., T, S).
    """
    if scale:  # scaling q (T·D numbers) is cheaper than scaling the scores (T·S numbers)
        q = q * (1.0 / math.sqrt(q.shape[-1]))
    return q @ k.transpose(-2, -1)  # (..., T, D) @ (..., D, S) -> (..., T, S)


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax over the last axis, keeping only entries where `mask` is True.

    A row with no allowed entry gets all-zero weights instead of NaN.
    Shapes: scores (..., T, S), mask broadcastable to (..., T, S) -> (..., T, S).
    """
    if mask is None:
        return torch.softmax(scores, dim=-1)
    check_mask(mask, scores.shape)
    # finfo.min (not -inf) keeps a fully masked row finite; the final mask zeroes it.
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    scale: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q Kᵀ / √d_k) V, returning the output and the attention weights.

    `mask` is boolean, True = may attend. `scale=False` skips the √d_k division.
    Shapes: q (..., T, D), k (..., S, D), v (..., S, Dv), mask (..., T, S)
    -> out (..., T, Dv), weights (..., T, S).
    """
    check_qkv(q, k, v)
    scores = attention_scores(q, k, scale=scale)  # (..., T, S)
    weights = masked_softmax(scores, mask)  # (..., T, S)
    return weights @ v, weights  # (..., T, S) @ (..., S, Dv) -> (..., T, Dv)
