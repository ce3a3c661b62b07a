"""Exercises on the decoder's cross-attention (notebook 10): one head by hand, the source padding
mask, the two together, and a prediction of the shape of the cross-attention weights.

Each `check_<x>` is an `Exercise` (or a `Prediction`): the reference, the cases and the known
mistakes, each written the way a student would get it wrong and paired with its own hint.
"""

from __future__ import annotations

import torch

from lib.attention import scaled_dot_product_attention
from lib.checks import Exercise, Mistake, Prediction, as_mistakes
from lib.i18n import _, lazy_gettext
from lib.masks import padding_mask

# The "predict before you run" question: a DecoderBlock(d_model=32, n_heads=4, d_ff=64) reads
# x (B=2, T=5, C=32) from the decoder and memory (B=2, S=9, C=32) from the encoder.
B, T, S, D_MODEL, N_HEADS = 2, 5, 9, 32, 4


def _attend(q, k, v, *, scale: float | None = None, mask=None, dim: int = -1, fill: float = float("-inf")):
    """softmax(q kᵀ · scale) v, with a choice of softmax axis and fill value (the mistakes need the wrong ones)."""
    scores = q @ k.transpose(-2, -1) * (q.shape[-1] ** -0.5 if scale is None else scale)  # (B, T, S)
    if mask is not None:
        scores = scores.masked_fill(~mask, fill)
    return torch.softmax(scores, dim=dim) @ v  # (B, T, S) @ (B, S, D) -> (B, T, D)


# --- Exercise 1: cross_attention(x, memory, w_q, w_k, w_v) --------------------------------------


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


def _causal(x, m):
    return torch.ones(x.shape[1], m.shape[1], dtype=torch.bool).tril()  # (T, S)


def _cross_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda x, m, wq, wk, wv: _attend(m @ wq, x @ wk, x @ wv),
         _("the roles are swapped: the queries come from the decoder (x) and the keys and values from the "
           "encoder's output (memory), so the result has one row per target position, (B, T, D).")),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, x @ wk, x @ wv),
         _("that is self-attention: the keys and values must come from memory (the encoder's output), "
           "the queries from x.")),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, scale=x.shape[-1] ** -0.5),
         _("you divided by √d_model: the scale is 1/√d_k, with d_k the width of q and k (w_q.shape[1]).")),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, scale=1.0),
         _("the scores are not scaled: divide q kᵀ by √d_k before the softmax.")),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, dim=-2),
         _("the softmax runs over the queries (dim=-2): each target position's weights over the source "
           "must sum to 1, so take it over the keys, dim=-1.")),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, mask=_causal(x, m)),
         _("cross-attention needs no causal mask: the whole source sentence is known before decoding "
           "starts; only the decoder's self-attention hides the future.")),
        (lambda x, m, wq, wk, wv: torch.softmax((x @ wq) @ (m @ wk).transpose(-2, -1) / wq.shape[1] ** 0.5, -1),
         _("you returned the weights (B, T, S): multiply them by the values, memory @ w_v, to get (B, T, D).")),
    ])


# `student_fn(x, memory, w_q, w_k, w_v)`: x (B, T, C), memory (B, S, C), w_* (C, D) -> out (B, T, D).
check_cross_attention = Exercise(
    name="cross_attention", reference=_cross_ref, cases=_cross_cases, mistakes=_cross_mistakes,
).check


# --- Exercise 2: memory_mask(source_lengths, T, S) ---------------------------------------------


def _mask_ref(source_lengths, T, S):
    return padding_mask(source_lengths, S).expand(len(source_lengths), T, S)  # (B, 1, S) -> (B, T, S)


def _mask_mistakes() -> list[Mistake]:
    def keys(n, S):
        return torch.arange(S)[None, :] < n[:, None]  # (B, S)

    return as_mistakes([
        (lambda n, T, S: ~_mask_ref(n, T, S),
         _("the polarity is inverted: True must mean 'may attend' (lib, F.scaled_dot_product_attention); "
           "it is nn.TransformerDecoderLayer's memory_key_padding_mask that uses True = padding.")),
        (lambda n, T, S: padding_mask(n, S),
         _("right values, shape (B, 1, S): expand it to one row per target position, .expand(B, T, S).")),
        (lambda n, T, S: _mask_ref(n, T, S) & torch.ones(T, S, dtype=torch.bool).tril(),
         _("no causal part here: every target position may read the whole (real) source.")),
        (lambda n, T, S: (torch.arange(T)[None, :] < n[:, None])[:, :, None].expand(len(n), T, S),
         _("you blocked query rows: the padding is in the source, i.e. in the keys (the columns s).")),
        (lambda n, T, S: (torch.arange(S)[None, :] <= n[:, None])[:, None, :].expand(len(n), T, S),
         _("off by one: a source of length n has real tokens at positions 0 .. n-1 (use <, not <=).")),
        (lambda n, T, S: keys(n, S)[None].expand(T, len(n), S),
         _("the batch and query axes are swapped: the mask is (B, T, S).")),
    ])


# `student_fn(source_lengths, T, S)`: lengths (B,) -> (B, T, S) bool, True = key s is a real source token.
check_memory_mask = Exercise(
    name="memory_mask", reference=_mask_ref,
    cases=lambda: [(torch.tensor([5, 2]), 3, 5), (torch.tensor([1, 4, 3]), 4, 4), (torch.tensor([6, 2, 2, 5]), 2, 6)],
    mistakes=_mask_mistakes, dtype=torch.bool,
).check


# --- Exercise 3: masked_cross_attention(x, memory, w_q, w_k, w_v, memory_mask) ------------------


def _masked_ref(x, memory, w_q, w_k, w_v, memory_mask):
    return scaled_dot_product_attention(x @ w_q, memory @ w_k, memory @ w_v, memory_mask)[0]  # (B, T, D)


def _masked_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(1)
    cases = []
    for b, t, s, c, d, lengths in ((2, 3, 5, 6, 4, [5, 2]), (3, 4, 6, 8, 4, [6, 1, 3]), (1, 5, 3, 8, 8, [3])):
        x, memory = torch.randn(b, t, c, generator=g), torch.randn(b, s, c, generator=g)  # (B, T, C), (B, S, C)
        w_q, w_k, w_v = (torch.randn(c, d, generator=g) for _ in range(3))  # (C, D) each
        cases.append((x, memory, w_q, w_k, w_v, padding_mask(lengths, s)))  # mask (B, 1, S)
    return cases


def _masked_mistakes() -> list[Mistake]:
    def qkv(x, m, wq, wk, wv):
        return x @ wq, m @ wk, m @ wv  # (B, T, D), (B, S, D), (B, S, D)

    def weights(x, m, wq, wk):
        return torch.softmax((x @ wq) @ (m @ wk).transpose(-2, -1) / wq.shape[1] ** 0.5, dim=-1)  # (B, T, S)

    inverted = _("the polarity is inverted: the mask is True at the real source tokens (True = may attend), so "
                 "block where it is False, masked_fill(~mask, ...).")
    return as_mistakes([
        (lambda x, m, wq, wk, wv, mask: _attend(*qkv(x, m, wq, wk, wv)),
         _("you ignored memory_mask: the padded source positions still get weight. Block them before the softmax.")),
        (lambda x, m, wq, wk, wv, mask: _attend(*qkv(x, m, wq, wk, wv), mask=~mask), inverted),
        (lambda x, m, wq, wk, wv, mask: scaled_dot_product_attention(*qkv(x, m, wq, wk, wv), ~mask)[0], inverted),
        (lambda x, m, wq, wk, wv, mask: _attend(*qkv(x, m, wq, wk, wv), mask=mask, fill=0.0),
         _("filling blocked scores with 0 does not block them, since exp(0) = 1: fill with -inf.")),
        (lambda x, m, wq, wk, wv, mask: (weights(x, m, wq, wk) * mask) @ (m @ wv),
         _("you zeroed the padded weights (or the padded values) after the softmax, so the real tokens' weights "
           "no longer sum to 1 (재정규화 is missing). Mask the scores before the softmax, with -inf.")),
        (lambda x, m, wq, wk, wv, mask: _attend(*qkv(x, m, wq, wk, wv), mask=mask & _causal(x, m)),
         _("cross-attention needs no causal mask: only the source padding is blocked.")),
    ])


# `student_fn(x, memory, w_q, w_k, w_v, memory_mask)`: as cross_attention, memory_mask (B, 1, S) bool.
check_masked_cross_attention = Exercise(
    name="masked_cross_attention", reference=_masked_ref, cases=_masked_cases, mistakes=_masked_mistakes,
    nan_hint=lazy_gettext(
        "some rows of your output are NaN: every key of those target positions was blocked, and softmax over a row "
        "of -inf is 0/0. Every source in the tests has at least one real token, so no row should be empty: is the "
        "polarity right? True = a real source token = may attend."),
).check


# --- Exercise 4 (predict): the shape of the cross-attention weights ------------------------------


def _shape_mistakes() -> list[Mistake]:
    D = D_MODEL // N_HEADS
    return as_mistakes([
        (lambda: (B, N_HEADS, S, T), _("rows are queries: one row per target position T, "
                                       "one column per source position S, so (B, H, T, S).")),
        (lambda: (B, N_HEADS, T, T), _("(B, H, T, T) is the decoder's self-attention; "
                                       "cross-attention's keys are the S source positions.")),
        (lambda: (B, T, S), _("each head has its own weights: there is a head axis H = n_heads.")),
        (lambda: (B, N_HEADS, T, D), _("D = d_k is the width of q and k; it disappears in q·k. "
                                       "The weights are (B, H, T, S).")),
        (lambda: (B, T, D_MODEL), _("that is the block's output x; the weights have one entry per "
                                    "(head, query, key).")),
    ])


# `student_fn()` -> the predicted shape of the cross-attention weights, e.g. (1, 2, 3, 4).
check_cross_weights_shape = Prediction(
    name="cross_weights_shape", reference=lambda: (B, N_HEADS, T, S), cases=lambda: [()],
    mistakes=_shape_mistakes, atol=0.0,
    form=lazy_gettext("a tuple of four whole numbers, the shape, e.g. (1, 2, 3, 4)"),
    retry=lazy_gettext(
        "Attention weights are (batch, heads, queries, keys): who asks the questions in cross-attention, and how "
        "many positions does the one who answers have?"),
).check
