"""Scaled dot-product attention, the single formula the whole series builds on.

A(Q, K, V) = softmax(Q Kᵀ / √d_k) V

The √d_k has one knob everywhere in lib, spelled as in
`torch.nn.functional.scaled_dot_product_attention`: `scale=None` multiplies the scores by
1/√d_k, a number multiplies them by that number (`scale=1.0` does not scale at all).
"""

from __future__ import annotations

import math

import torch

from lib import validate


def scale_factor(d_k: int, scale: float | None = None) -> float:
    """The number the scores Q Kᵀ are multiplied by: 1/√d_k when `scale` is None, else `scale`."""
    d_k = validate.size(d_k, "d_k (the feature size of q and k)")
    if scale is None:
        return 1.0 / math.sqrt(d_k)
    return validate.number(scale, "scale (None for 1/√d_k, or a positive multiplier)", low=0.0, low_open=True)


def check_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    """Raise TypeError/ValueError (naming the shapes) unless q, k, v fit together.

    Shapes: q (..., T, D), k (..., S, D), v (..., S, Dv).
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        validate.tensor(t, name, min_dims=2)
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(f"q, k and v must share one dtype, got {q.dtype}, {k.dtype}, {v.dtype}; convert with .float()")
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
    for (a, ta), (b, tb) in ((("q", q), ("k", k)), (("k", k), ("v", v))):
        try:
            torch.broadcast_shapes(ta.shape[:-2], tb.shape[:-2])
        except RuntimeError:
            raise ValueError(
                f"the batch dims of {a} {tuple(ta.shape)} and {b} {tuple(tb.shape)} do not broadcast"
            ) from None


def check_mask(mask: torch.Tensor, scores_shape: torch.Size) -> None:
    """Raise unless `mask` is boolean and broadcasts to `scores_shape` (..., T, S) without growing it."""
    validate.mask(mask)
    validate.broadcasts_to(mask.shape, scores_shape, "mask (True = may attend)")


def attention_scores(q: torch.Tensor, k: torch.Tensor, *, scale: float | None = None) -> torch.Tensor:
    """Q Kᵀ times `scale_factor(d_k, scale)`: ÷ √d_k by default, `scale=1.0` for the raw dot products.

    Shapes: q (..., T, D), k (..., S, D) -> (..., T, S).
    """
    validate.tensor(q, "q", min_dims=2)
    validate.tensor(k, "k", min_dims=2)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q {tuple(q.shape)} and k {tuple(k.shape)} must share the feature size D")
    factor = scale_factor(q.shape[-1], scale)
    if factor != 1.0:  # scaling q (T·D numbers) is cheaper than scaling the scores (T·S numbers)
        q = q * factor
    return q @ k.transpose(-2, -1)  # (..., T, D) @ (..., D, S) -> (..., T, S)


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax over the last axis, keeping only entries where `mask` is True.

    A row with no allowed entry gets all-zero weights instead of NaN.
    Shapes: scores (..., T, S), mask broadcastable to (..., T, S) -> (..., T, S).
    """
    validate.tensor(scores, "scores", min_dims=1)
    if mask is None:
        return torch.softmax(scores, dim=-1)
    check_mask(mask, scores.shape)
    # finfo.min (not -inf) keeps a fully masked row finite; the final mask zeroes it.
    weights = torch.softmax(scores.masked_fill(~mask, torch.finfo(scores.dtype).min), dim=-1)
    # A blocked entry of a row that has an allowed one is exactly 0 already (exp underflows);
    # only a row with no allowed entry (uniform over finfo.min) needs zeroing. Checking first
    # saves a full pass over the (..., T, S) weights, forward and backward, in every layer.
    if not mask.any(-1).all():
        weights = weights.masked_fill(~mask, 0.0)
    return weights


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q Kᵀ / √d_k) V, returning the output and the attention weights.

    `mask` is boolean, True = may attend. `scale` as in PyTorch: None = 1/√d_k, 1.0 = none.
    Shapes: q (..., T, D), k (..., S, D), v (..., S, Dv), mask (..., T, S)
    -> out (..., T, Dv), weights (..., T, S).
    """
    check_qkv(q, k, v)
    scores = attention_scores(q, k, scale=scale)  # (..., T, S)
    weights = masked_softmax(scores, mask)  # (..., T, S)
    return weights @ v, weights  # (..., T, S) @ (..., S, Dv) -> (..., T, Dv)


def chunked_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    chunk_size: int = 64,
    scale: float | None = None,
) -> torch.Tensor:
    """The same output as `scaled_dot_product_attention`, never holding the (T, S) weights.

    The keys are read in chunks of `chunk_size`; a running (online) softmax keeps, per query,
    the largest score m seen so far, the sum l of exp(score − m) and the weighted sum of values,
    rescaling both by exp(m_old − m_new) when a chunk brings a larger score. Memory per call is
    (T, chunk_size) instead of (T, S); the arithmetic is still T·S·D. This is the idea behind
    FlashAttention, without its fused kernel. A query with no allowed key gets a zero output.
    Shapes: q (..., T, D), k (..., S, D), v (..., S, Dv), mask (..., T, S) -> out (..., T, Dv).
    """
    check_qkv(q, k, v)
    chunk_size = validate.size(chunk_size, "chunk_size")
    batch = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    T, S = q.shape[-2], k.shape[-2]
    if mask is not None:
        check_mask(mask, torch.Size((*batch, T, S)))
    q = q * scale_factor(q.shape[-1], scale)
    low = torch.finfo(q.dtype).min
    best = torch.full((*batch, T, 1), low, dtype=q.dtype)  # running max m of the scores
    total = torch.zeros_like(best)  # running Σ exp(s − m)
    acc = torch.zeros(*batch, T, v.shape[-1], dtype=q.dtype)  # running Σ exp(s − m)·v: (..., T, Dv)
    for start in range(0, S, chunk_size):
        stop = min(start + chunk_size, S)
        scores = q @ k[..., start:stop, :].transpose(-2, -1)  # (..., T, D) @ (..., D, c) -> (..., T, c)
        if mask is not None:
            scores = scores.masked_fill(~mask[..., start:stop], low)
        new_best = torch.maximum(best, scores.amax(dim=-1, keepdim=True))  # (..., T, 1)
        p = torch.exp(scores - new_best)  # (..., T, c)
        if mask is not None:
            p = p.masked_fill(~mask[..., start:stop], 0.0)
        shrink = torch.exp(best - new_best)  # (..., T, 1): old sums in the new max's units
        total = total * shrink + p.sum(dim=-1, keepdim=True)
        acc = acc * shrink + p @ v[..., start:stop, :]  # (..., T, c) @ (..., c, Dv) -> (..., T, Dv)
        best = new_best
    return acc / total.clamp(min=torch.finfo(q.dtype).tiny)  # a row with nothing allowed stays 0
