"""Exercises on self-attention."""

from __future__ import annotations

import math

import torch

from lib.attention import scaled_dot_product_attention
from lib.checks import Mistake, Result, check_function


def _cases(shapes, seed: int = 0) -> list[tuple]:
    g = torch.Generator().manual_seed(seed)
    return [tuple(torch.randn(*s, generator=g) * 2 for s in case) for case in shapes]


def _one_query_ref(q, K):
    return torch.softmax(K @ q / math.sqrt(q.shape[-1]), dim=-1)


def check_attention_weights(student_fn) -> Result:
    """`student_fn(q, K)`: q (D,), K (S, D) -> weights (S,) = softmax(K q / √D)."""
    mistakes = [
        Mistake(lambda q, K: K @ q / math.sqrt(q.shape[-1]),
                "these are the scores; softmax turns them into weights (가중치)."),
        Mistake(lambda q, K: torch.softmax(K @ q, -1),
                "divide the scores by √d_k before softmax (scaled dot-product)."),
        Mistake(lambda q, K: torch.softmax(K @ q / q.shape[-1], -1), "divide by √d_k, not by d_k itself."),
        Mistake(lambda q, K: K @ q, "take the softmax of the scaled scores, q·k / √d_k."),
    ]
    cases = _cases([((4,), (5, 4)), ((8,), (3, 8)), ((16,), (7, 16))])
    return check_function(
        student_fn, name="attention_weights", reference=_one_query_ref, cases=cases, mistakes=mistakes
    )


def _attention_ref(Q, K, V):
    return scaled_dot_product_attention(Q, K, V)[0]


def check_attention(student_fn) -> Result:
    """`student_fn(Q, K, V)`: Q (T, D), K (S, D), V (S, Dv) -> out (T, Dv) = softmax(QKᵀ/√D) V."""
    def scores(Q, K):
        return Q @ K.T / math.sqrt(Q.shape[-1])

    mistakes = [
        Mistake(lambda Q, K, V: torch.softmax(scores(Q, K), 0) @ V,
                "softmax over the wrong axis: each query's weights must sum to 1, so use dim=-1 (over the keys)."),
        Mistake(lambda Q, K, V: torch.softmax(Q @ K.T, -1) @ V, "you forgot to divide QKᵀ by √d_k."),
        Mistake(lambda Q, K, V: torch.softmax(Q @ K.T / Q.shape[-1], -1) @ V, "divide by √d_k, not by d_k."),
        Mistake(lambda Q, K, V: torch.softmax(scores(Q, K), -1),
                "you returned the attention weights (T, S); multiply them by V to get the output (T, Dv)."),
        Mistake(lambda Q, K, V: scores(Q, K) @ V, "apply softmax to the scores before multiplying by V."),
    ]
    cases = _cases([((3, 4), (5, 4), (5, 6)), ((6, 8), (6, 8), (6, 8)), ((2, 16), (9, 16), (9, 3))], seed=1)
    return check_function(student_fn, name="attention", reference=_attention_ref, cases=cases, mistakes=mistakes)
