"""Exercises on multi-head attention."""

from __future__ import annotations

import math

import torch

from lib.attention import scaled_dot_product_attention
from lib.checks import Mistake, Result, check_function
from lib.heads import merge_heads, split_heads

# The most common split mistake, shared by the split and the per-head-weights exercises.
STRAIGHT_VIEW_HINT = (
    "reshaping straight to (B, H, T, D) mixes words across heads: the memory order is "
    "(B, T, C), so first view as (B, T, H, D), then .transpose(1, 2)."
)


def _straight_view(x: torch.Tensor, h: int) -> torch.Tensor:
    """The wrong split: (B, T, C) reshaped directly to (B, H, T, C/H)."""
    B, T, C = x.shape
    return x.reshape(B, h, T, C // h)

def _randn(*shape: int, g: torch.Generator) -> torch.Tensor:
    return torch.randn(*shape, generator=g)


# --- exercise 1: split --------------------------------------------------------------------


def _split_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    return [(_randn(2, 5, 12, g=g), 3), (_randn(1, 3, 8, g=g), 2), (_randn(3, 4, 6, g=g), 6)]


def check_split_heads(student_fn) -> Result:
    """`student_fn(x, n_heads)`: x (B, T, C) -> (B, H, T, D), head h = features h*D:(h+1)*D."""

    def no_transpose(x, h):
        B, T, C = x.shape
        return x.view(B, T, h, C // h)

    def interleaved(x, h):
        B, T, C = x.shape
        return x.reshape(B, T, C // h, h).permute(0, 3, 1, 2)

    mistakes = [
        Mistake(_straight_view, STRAIGHT_VIEW_HINT),
        Mistake(no_transpose,
                "(B, T, H, D) is half-way: .transpose(1, 2) moves the heads next to the batch, "
                "giving (B, H, T, D)."),
        Mistake(interleaved,
                "your heads take every H-th feature; each head must own a contiguous block of d_k "
                "features, so view as (B, T, H, D), not (B, T, D, H)."),
    ]
    return check_function(student_fn, name="split_heads", reference=split_heads,
                          cases=_split_cases(), mistakes=mistakes)


# --- exercise 2: merge (concat) -----------------------------------------------------------


def _merge_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(1)
    return [(_randn(2, 3, 5, 4, g=g),), (_randn(1, 2, 3, 4, g=g),), (_randn(2, 4, 6, 2, g=g),)]


def check_merge_heads(student_fn) -> Result:
    """`student_fn(x)`: x (B, H, T, D) -> (B, T, H*D), the heads concatenated (concat)."""

    def no_transpose(x):
        B, H, T, D = x.shape
        return x.reshape(B, T, H * D)

    def interleaved(x):
        B, H, T, D = x.shape
        return x.permute(0, 2, 3, 1).reshape(B, T, H * D)

    mistakes = [
        Mistake(no_transpose,
                "reshaping (B, H, T, D) straight to (B, T, C) mixes words: .transpose(1, 2) first, "
                "back to (B, T, H, D), then .reshape(B, T, H * D)."),
        Mistake(interleaved,
                "the features come out interleaved; head h must fill columns h*D:(h+1)*D, "
                "so flatten (H, D) in that order."),
        Mistake(lambda x: x.sum(dim=1), "the heads are concatenated (concat), not added: the "
                "result has width H·D = d_model."),
        Mistake(lambda x: x.mean(dim=1), "the heads are concatenated (concat), not averaged: the "
                "result has width H·D = d_model."),
    ]
    return check_function(student_fn, name="merge_heads", reference=merge_heads,
                          cases=_merge_cases(), mistakes=mistakes)


# --- exercise 3: every head's weights ------------------------------------------------------


def _weights_ref(q, k, n_heads):
    return scaled_dot_product_attention(split_heads(q, n_heads), split_heads(k, n_heads),
                                        split_heads(k, n_heads))[1]


def _weights_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(2)
    shapes = [((2, 4, 8), (2, 4, 8), 2), ((1, 3, 12), (1, 5, 12), 3), ((2, 5, 16), (2, 5, 16), 4)]
    return [(_randn(*sq, g=g) * 2, _randn(*sk, g=g) * 2, h) for sq, sk, h in shapes]


def check_head_weights(student_fn) -> Result:
    """`student_fn(q, k, n_heads)`: q (B, T, C), k (B, S, C) -> weights (B, H, T, S)."""

    def scores(q, k, h):
        return split_heads(q, h) @ split_heads(k, h).transpose(-2, -1)  # (B, H, T, S)

    def one_head(q, k, h):
        return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)

    def straight_view(q, k, h):
        qh, kh = _straight_view(q, h), _straight_view(k, h)  # (B, H, T, D), (B, H, S, D)
        return torch.softmax(qh @ kh.transpose(-2, -1) / math.sqrt(qh.shape[-1]), dim=-1)

    mistakes = [
        Mistake(lambda q, k, h: torch.softmax(scores(q, k, h) / math.sqrt(q.shape[-1]), -1),
                "you divided by √d_model; each head's dot products have d_k = d_model / h terms, "
                "so divide by √d_k. √d_model makes every head too flat (close to uniform)."),
        Mistake(lambda q, k, h: torch.softmax(scores(q, k, h), -1),
                "divide each head's scores by √d_k before softmax (scaled dot-product)."),
        Mistake(lambda q, k, h: torch.softmax(scores(q, k, h) / (q.shape[-1] // h), -1),
                "divide by √d_k, not by d_k itself."),
        Mistake(lambda q, k, h: torch.softmax(scores(q, k, h) / math.sqrt(q.shape[-1] // h), -2),
                "softmax over the wrong axis: each query's weights over the keys sum to 1 (dim=-1)."),
        Mistake(one_head,
                "this is one head of width d_model (B, T, S); split q and k into n_heads first."),
        Mistake(straight_view, STRAIGHT_VIEW_HINT),
    ]
    return check_function(student_fn, name="head_weights", reference=_weights_ref,
                          cases=_weights_cases(), mistakes=mistakes)
