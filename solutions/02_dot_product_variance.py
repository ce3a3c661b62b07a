"""Reference answers for notebooks/02_dot_product_variance.ipynb (why divide by √d_k).

One function per exercise, under the name the notebook's stub has, written as a student would:
plain torch and math, no lib, each standing on its own (the checker runs every function alone).
tests/test_solutions.py runs each through its checker.
"""

import math


def predicted_variance_of_score(d_k, sigma_q, sigma_k):
    # one term q_i·k_i has variance E[q_i²]·E[k_i²] = σ_q²·σ_k²; d_k independent terms add up
    return d_k * sigma_q**2 * sigma_k**2


def scaled_scores(q, k):
    # row i of q goes with row i of k: multiply elementwise, sum over the d_k components
    return (q * k).sum(dim=-1) / math.sqrt(q.shape[-1])  # (N, D) -> (N,)


def score_variance_se(n, d_k):
    variance = d_k  # σ² of q·k for unit-variance components
    excess_kurtosis = 6 / d_k  # κ − 3 for a sum of d_k products of normals
    return variance * math.sqrt(2 / (n - 1) + excess_kurtosis / n)  # √Var(S²)


def scaled_variance():
    # Var(q·k) = σ_q²·σ_k²·d_k; dividing q·k by √d_k divides it by d_k: σ_q²·σ_k² = 1.5²·2² = 9
    return 9.0
