"""Reference answers for notebooks/01_self_attention.ipynb (self-attention: queries, keys, values).

One function per exercise, under the name the notebook's stub has, written as a student would:
plain torch, no lib, each standing on its own (the checker runs every function alone).
tests/test_solutions.py runs each through its checker.
"""

import math

import torch


def attention_weights(q, K):
    scores = K @ q / math.sqrt(q.shape[-1])  # (S, D) @ (D,) -> (S,): every q·k_s at once, ÷ √d_k
    return torch.softmax(scores, dim=-1)  # (S,): positive, sums to 1


def attention(Q, K, V):
    scores = Q @ K.T / math.sqrt(Q.shape[-1])  # one row per query: (T, D) @ (D, S) -> (T, S)
    weights = torch.softmax(scores, dim=-1)  # softmax over the keys: every row sums to 1
    return weights @ V  # each row mixes the values: (T, S) @ (S, Dv) -> (T, Dv)


def self_attention(x, W_Q, W_K, W_V):
    q, k, v = x @ W_Q, x @ W_K, x @ W_V  # (T, C) @ (C, D) -> (T, D); v is (T, Dv)
    weights = torch.softmax(q @ k.T / math.sqrt(q.shape[-1]), dim=-1)  # (T, T); √d_k is q's width, not x's
    return weights @ v  # (T, T) @ (T, Dv) -> (T, Dv)


def output_shape():
    # one row per word (T = 5), each a weighted sum of value vectors of width W_V.shape[1] = 3
    return (5, 3)  # (T, Dv): W_Q, W_K's width 4 disappears in q·k
