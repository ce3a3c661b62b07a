"""Exercises on the decoder's cross-attention."""

from __future__ import annotations

import torch

from lib.attention import scaled_dot_product_attention
from lib.checks import Mistake, Result, as_mistakes, check_function
from lib.masks import padding_mask

# The "predict before you run" question: a DecoderBlock(d_model=32, n_heads=4, d_ff=64) reads
# x (B=2, T=5, C=32) from the decoder and memory (B=2, S=9, C=32) from the encoder.
B, T, S, D_MODEL, N_HEADS = 2, 5, 9, 32, 4


def _attend(q, k, v, *, scale: float | None = None, mask=None, dim: int = -1):
    """softmax(q kᵀ · scale) v, with a choice of softmax axis (the mistakes need the wrong ones)."""
    scores = q @ k.transpose(-2, -1) * (q.shape[-1] ** -0.5 if scale is None else scale)  # (B, T, S)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=dim) @ v  # (B, T, S) @ (B, S, D) -> (B, T, D)


def _cross_ref(x, memory, w_q, w_k, w_v):
    return scaled_dot_product_attention(x @ w_q, memory @ w_k, memory @ w_v)[0]  # (B, T, D)


def _cross_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    cases = []
    for b, t, s, c, d in ((1, 3, 5, 6, 4), (2, 4, 7, 8, 4), (3, 6, 2, 8, 8)):
        x, memory = torch.randn(b, t, c, generator=g), torch.randn(b, s, c, generator=g)  # (B, T, C), (B, S, C)
        w_q, w_k, w_v = (torch.randn(c, d, generator=g) for _ in range(3))  # (C, D) each
        cases.append((x, memory, w_q, w_k, w_v))
    return cases


def check_cross_attention(student_fn) -> Result:
    """`student_fn(x, memory, w_q, w_k, w_v)`: x (B, T, C), memory (B, S, C), w_* (C, D) -> out (B, T, D)."""
    def causal(x, m):
        return torch.ones(x.shape[1], m.shape[1], dtype=torch.bool).tril()  # (T, S)
    mistakes = as_mistakes([
        (lambda x, m, wq, wk, wv: _attend(m @ wq, x @ wk, x @ wv),
         "the roles are swapped: the queries come from the decoder (x) and the keys and values from the "
         "encoder's output (memory), so the result has one row per target position, (B, T, D)."),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, x @ wk, x @ wv),
         "that is self-attention: the keys and values must come from memory (the encoder's output), "
         "the queries from x."),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, scale=x.shape[-1] ** -0.5),
         "you divided by √d_model: the scale is 1/√d_k, with d_k the width of q and k (w_q.shape[1])."),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, scale=1.0),
         "the scores are not scaled: divide q kᵀ by √d_k before the softmax."),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, dim=-2),
         "the softmax runs over the queries (dim=-2): each target position's weights over the source "
         "must sum to 1, so take it over the keys, dim=-1."),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, mask=causal(x, m)),
         "cross-attention needs no causal mask: the whole source sentence is known before decoding "
         "starts; only the decoder's self-attention hides the future."),
    ])
    return check_function(student_fn, name="cross_attention", reference=_cross_ref, cases=_cross_cases(),
                          mistakes=mistakes)


def _mask_ref(source_lengths, T, S):
    return padding_mask(source_lengths, S).expand(len(source_lengths), T, S)  # (B, 1, S) -> (B, T, S)


def check_memory_mask(student_fn) -> Result:
    """`student_fn(source_lengths, T, S)`: lengths (B,) -> (B, T, S) bool, True = key s is a real source token."""
    def keys(n, S):
        return torch.arange(S)[None, :] < n[:, None]  # (B, S)
    mistakes = as_mistakes([
        (lambda n, T, S: ~_mask_ref(n, T, S),
         "the polarity is inverted: True must mean 'may attend' (lib, F.scaled_dot_product_attention); "
         "it is nn.TransformerDecoderLayer's memory_key_padding_mask that uses True = padding."),
        (lambda n, T, S: padding_mask(n, S),
         "right values, shape (B, 1, S): expand it to one row per target position, .expand(B, T, S)."),
        (lambda n, T, S: _mask_ref(n, T, S) & torch.ones(T, S, dtype=torch.bool).tril(),
         "no causal part here: every target position may read the whole (real) source."),
        (lambda n, T, S: (torch.arange(T)[None, :] < n[:, None])[:, :, None].expand(len(n), T, S),
         "you blocked query rows: the padding is in the source, i.e. in the keys (the columns s)."),
        (lambda n, T, S: (torch.arange(S)[None, :] <= n[:, None])[:, None, :].expand(len(n), T, S),
         "off by one: a source of length n has real tokens at positions 0 .. n-1 (use <, not <=)."),
        (lambda n, T, S: keys(n, S)[None].expand(T, len(n), S),
         "the batch and query axes are swapped: the mask is (B, T, S)."),
    ])
    cases = [(torch.tensor([5, 2]), 3, 5), (torch.tensor([1, 4, 3]), 4, 4), (torch.tensor([6, 2, 2, 5]), 2, 6)]
    return check_function(student_fn, name="memory_mask", reference=_mask_ref, cases=cases, mistakes=mistakes)


def check_cross_weights_shape(student_fn) -> Result:
    """`student_fn()` returns the predicted shape of the cross-attention weights, e.g. (1, 2, 3, 4)."""
    D = D_MODEL // N_HEADS
    mistakes = [
        Mistake(lambda: (B, N_HEADS, S, T), "rows are queries: one row per target position T, "
                "one column per source position S, so (B, H, T, S)."),
        Mistake(lambda: (B, N_HEADS, T, T), "(B, H, T, T) is the decoder's self-attention; "
                "cross-attention's keys are the S source positions."),
        Mistake(lambda: (B, T, S), "each head has its own weights: there is a head axis H = n_heads."),
        Mistake(lambda: (B, N_HEADS, T, D), "D = d_k is the width of q and k; it disappears in q·k. "
                "The weights are (B, H, T, S)."),
        Mistake(lambda: (B, T, D_MODEL), "that is the block's output x; the weights have one entry per "
                "(head, query, key)."),
    ]
    return check_function(student_fn, name="cross_weights_shape", reference=lambda: (B, N_HEADS, T, S),
                          cases=[()], mistakes=mistakes, atol=0.0)

