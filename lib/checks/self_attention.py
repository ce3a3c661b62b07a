"""Exercises of notebook 01 (self-attention): one query's weights, the matrix form, attention from the
input vectors, and a predicted shape."""

from __future__ import annotations

import math

import torch

from lib.attention import scaled_dot_product_attention
from lib.checks import Exercise, Mistake, as_mistakes
from lib.i18n import _

# The "predict before you run" question: x holds T = 5 words of width d_model = 8; W_Q and W_K are
# (8, 4), W_V is (8, 3).
T, D_MODEL, D_K, D_V = 5, 8, 4, 3


def _cases(shapes, seed: int) -> list[tuple]:
    g = torch.Generator().manual_seed(seed)
    return [tuple(torch.randn(*s, generator=g) * 2 for s in case) for case in shapes]


def _softmax_of(scores: torch.Tensor, dim: int = -1) -> torch.Tensor:
    return torch.softmax(scores, dim=dim)


# --- Exercise 1 (recall): one query's weights ------------------------------------------------------


def _one_query_ref(q, K):
    return _softmax_of(K @ q / math.sqrt(q.shape[-1]))  # (S, D) @ (D,) -> (S,)


def _one_query_cases() -> list[tuple]:
    return _cases([((4,), (5, 4)), ((8,), (3, 8)), ((16,), (7, 16))], seed=0)  # S != D in each


def _one_query_mistakes() -> list[Mistake]:
    d = lambda q: q.shape[-1]  # noqa: E731
    return as_mistakes([
        (lambda q, K: K @ q / math.sqrt(d(q)), _("these are the scores; softmax turns them into weights (가중치).")),
        (lambda q, K: _softmax_of(K @ q), _("divide the scores by √d_k before softmax (scaled dot-product).")),
        (lambda q, K: _softmax_of(K @ q / d(q)), _("divide by √d_k, not by d_k itself.")),
        (lambda q, K: _softmax_of(K @ q * math.sqrt(d(q))), _("you multiplied the scores by √d_k: divide by it.")),
        (lambda q, K: _softmax_of(K @ q / math.sqrt(K.shape[0])),
         _("d_k is the width of q and of each key, q.shape[-1]; K.shape[0] is the number of keys S.")),
        (lambda q, K: K @ q, _("take the softmax of the scaled scores, q·k / √d_k.")),
    ])


# `check_attention_weights(fn)`: fn(q, K), q (D,), K (S, D) -> weights (S,) = softmax(K q / √D).
check_attention_weights = Exercise(
    name="attention_weights", reference=_one_query_ref, cases=_one_query_cases, mistakes=_one_query_mistakes,
).check

# --- Exercise 2 (build): the matrix form -----------------------------------------------------------


def _attention_ref(Q, K, V):
    return scaled_dot_product_attention(Q, K, V)[0]  # (T, Dv)


def _attention_cases() -> list[tuple]:
    # First T = S, as in self-attention, so KQᵀ runs too; then T != S and Dv != S, so a missing V shows.
    return _cases([((5, 4), (5, 4), (5, 3)), ((3, 4), (5, 4), (5, 6)), ((2, 16), (9, 16), (9, 3))], seed=1)


def _attention_mistakes() -> list[Mistake]:
    def scores(Q, K):
        return Q @ K.T / math.sqrt(Q.shape[-1])  # (T, S)

    return as_mistakes([
        (lambda Q, K, V: _softmax_of(scores(Q, K), 0) @ V,
         _("softmax over the wrong axis: each query's weights must sum to 1, so use dim=-1 (over the keys).")),
        (lambda Q, K, V: _softmax_of(K @ Q.T / math.sqrt(Q.shape[-1])) @ V,
         _("K @ Q.T is the transposed map (row s = key s); the scores are Q @ K.T, one row per query.")),
        (lambda Q, K, V: _softmax_of(Q @ K.T) @ V, _("you forgot to divide QKᵀ by √d_k.")),
        (lambda Q, K, V: _softmax_of(Q @ K.T / Q.shape[-1]) @ V, _("divide by √d_k, not by d_k.")),
        (lambda Q, K, V: _softmax_of(scores(Q, K)),
         _("you returned the attention weights (T, S); multiply them by V to get the output (T, Dv).")),
        (lambda Q, K, V: scores(Q, K) @ V, _("apply softmax to the scores before multiplying by V.")),
    ])


# `check_attention(fn)`: fn(Q, K, V), Q (T, D), K (S, D), V (S, Dv) -> out (T, Dv) = softmax(QKᵀ/√D) V.
check_attention = Exercise(
    name="attention", reference=_attention_ref, cases=_attention_cases, mistakes=_attention_mistakes,
).check

# --- Exercise 3 (modify): self-attention from the input vectors ------------------------------------


def _self_ref(x, W_Q, W_K, W_V):
    return scaled_dot_product_attention(x @ W_Q, x @ W_K, x @ W_V)[0]  # (T, C) @ (C, D) ... -> (T, Dv)


def _self_cases() -> list[tuple]:
    # (T, C, D, Dv) all different in the first case, so every wrong width or role shows.
    return _cases([((t, c), (c, d), (c, d), (c, dv)) for t, c, d, dv in ((5, 6, 4, 3), (4, 8, 2, 5), (7, 3, 6, 6))],
                  seed=2)


def _self_mistakes() -> list[Mistake]:
    def attend(q, k, v, *, width=None, dim=-1):
        d = q.shape[-1] if width is None else width
        return _softmax_of(q @ k.T / math.sqrt(d), dim) @ v  # (T, S) @ (S, Dv)

    return as_mistakes([
        (lambda x, wq, wk, wv: attend(x @ wq, x @ wk, x @ wv, width=x.shape[-1]),
         _("you divided by √d_model (the width of x); the scale is 1/√d_k, with d_k the width of q and k "
           "(W_Q.shape[1]).")),
        (lambda x, wq, wk, wv: attend(x, x, x),
         _("x itself is not the query, key and value: make them first, q = x @ W_Q, k = x @ W_K, v = x @ W_V.")),
        (lambda x, wq, wk, wv: attend(x @ wq, x @ wq, x @ wv),
         _("the keys come from W_K: q·q compares each word's query with the other queries.")),
        (lambda x, wq, wk, wv: attend(x @ wq, x @ wk, x),
         _("the output mixes the value vectors v = x @ W_V, not the raw inputs x.")),
        (lambda x, wq, wk, wv: attend(x @ wq, x @ wk, x @ wv, dim=0),
         _("softmax over the wrong axis: each word's weights over the other words must sum to 1 (dim=-1).")),
        (lambda x, wq, wk, wv: attend(x @ wk, x @ wq, x @ wv),
         _("queries and keys are swapped (x @ W_K as the query): the map comes out transposed. q = x @ W_Q.")),
    ])


# `check_self_attention(fn)`: fn(x, W_Q, W_K, W_V), x (T, C), W_Q and W_K (C, D), W_V (C, Dv) -> out (T, Dv).
check_self_attention = Exercise(
    name="self_attention", reference=_self_ref, cases=_self_cases, mistakes=_self_mistakes,
).check

# --- Exercise 4 (predict before you run): the output's shape ---------------------------------------


def _shape_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda: (T, D_K), _("d_k = 4 is the width of q and k; it disappears in the dot products. Each output row "
                             "is a weighted sum of value vectors, so it has W_V's width.")),
        (lambda: (T, D_MODEL), _("the output has the values' width, W_V.shape[1], not d_model = 8 (in a Transformer "
                                 "an output map W_O brings it back to d_model; notebook 04).")),
        (lambda: (T, T), _("(T, T) is the attention map A, one weight per (query, key); the output is A @ V.")),
        (lambda: (D_V, T), _("one row per word (query): the output is (T, Dv), not transposed.")),
        (lambda: (D_V,), _("that is one word's output z_t; the cell returns one row per word, T of them.")),
    ])


# `check_output_shape(fn)`: fn() returns the predicted shape of self_attention(x, W_Q, W_K, W_V) for
# x (5, 8), W_Q and W_K (8, 4), W_V (8, 3), as a tuple.
check_output_shape = Exercise(
    name="output_shape", reference=lambda: (T, D_V), cases=lambda: [()], mistakes=_shape_mistakes, atol=0.0,
).check
