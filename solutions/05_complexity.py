"""Reference answers to the exercises of notebooks/05_complexity.ipynb (what attention costs).

One function per exercise, under the name the notebook's stub has, written as a student would:
plain Python and numpy, no lib. The checkers (lib/checks/complexity.py) never import this file;
the tests load it by path.
"""

import numpy as np


def attention_macs_of(n, d):
    """Exercise 1: multiply-adds of one single-head self-attention layer, projections included."""
    projections = 4 * n * d * d  # x W_Q, x W_K, x W_V, out W_O: (n, d) @ (d, d) each
    scores = n * d * n  # Q Kᵀ: (n, d) @ (d, n)
    weighted_sum = n * n * d  # weights · V: (n, n) @ (n, d)
    return projections + scores + weighted_sum


def exponent(ns, values):
    """Exercise 2: the exponent p of values ≈ c·nᵖ, by least squares on log-log axes."""
    slope, _intercept = np.polyfit(np.log(ns), np.log(values), 1)  # log v = log c + p·log n
    return float(slope)


def block_macs_of(n, d, d_ff):
    """Exercise 3: one encoder block, the attention layer and the feed-forward network."""
    ffn = n * d * d_ff + n * d_ff * d  # (n, d) @ (d, d_ff), then (n, d_ff) @ (d_ff, d)
    return attention_macs_of(n, d) + ffn


def predict_ratio():
    """Exercise 4: (4nd² + 2n²d) / (2nd²) = 2 + n/d at n = 512, d = 64."""
    return 2 + 512 / 64


def predict_memory_growth():
    """Exercise 5: plain attention keeps the n × n weights (×4); chunked keeps (n, chunk) scores (×2)."""
    return (4, 2)
