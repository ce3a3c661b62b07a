"""Reference answers to the exercises of notebooks/04_multi_head.ipynb (multi-head attention).

One function per exercise, under the name the notebook's stub has, written as a student would:
plain torch, no lib. The checkers (lib/checks/multi_head.py) never import this file; the tests
load it by path.
"""

import math

import torch


def split(x, n_heads):
    """Exercise 1: (B, T, C) -> (B, H, T, D), head h holding features h*D:(h+1)*D."""
    B, T, C = x.shape
    return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)  # cut the features, then heads next to B


def merge(x):
    """Exercise 2: the heads (B, H, T, D) concatenated back to (B, T, H*D)."""
    B, H, T, D = x.shape
    return x.transpose(1, 2).reshape(B, T, H * D)  # back to (B, T, H, D); reshape, as it is not contiguous


def head_weights(q, k, n_heads):
    """Exercise 3: every head's attention weights, q (B, T, C), k (B, S, C) -> (B, H, T, S)."""
    d_k = q.shape[-1] // n_heads
    qh, kh = split(q, n_heads), split(k, n_heads)  # (B, H, T, D), (B, H, S, D)
    scores = qh @ kh.transpose(-2, -1) / math.sqrt(d_k)  # (B, H, T, D) @ (B, H, D, S) -> (B, H, T, S)
    return torch.softmax(scores, dim=-1)  # each query's weights over the keys sum to 1


def predict_head_variance():
    """Exercise 4: d_model = 512, h = 8, unit-variance q and k: the variance of one head's scores."""
    d_model, h = 512, 8
    d_k = d_model // h  # 64 products in each head's dot product, each of variance 1
    return (d_k, d_k / d_model, d_k / d_k)  # unscaled, ÷√d_model (variance ÷ d_model), ÷√d_k
