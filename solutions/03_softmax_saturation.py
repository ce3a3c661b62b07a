"""Reference answers for notebooks/03_softmax_saturation.ipynb (softmax saturation).

One function per exercise, under the name the notebook's stub has, written as a student would:
plain torch, no lib, each standing on its own (the checker runs every function alone).
tests/test_solutions.py runs each through its checker.
"""

import math

import torch


def entropy(p):
    # −Σ p log p over the keys; xlogy(p, p) = p·log p with 0·log 0 = 0, so one-hot rows give 0, not NaN
    return -torch.special.xlogy(p, p).sum(dim=-1)  # (..., S) -> (...)


def batched_softmax_jacobian(p):
    diagonal = torch.diag_embed(p)  # (..., S, S): each row of p on the diagonal of its own matrix
    outer = p[..., :, None] * p[..., None, :]  # (..., S, 1) * (..., 1, S) -> (..., S, S): p pᵀ per row
    return diagonal - outer


def softmax_backward(p, grad_p):
    # (diag(p) − p pᵀ) g = p ⊙ g − p (pᵀ g) = p ⊙ (g − Σ_j p_j g_j): O(S) per row, no S × S matrix
    weighted_mean = (p * grad_p).sum(dim=-1, keepdim=True)  # (..., 1): one per row
    return p * (grad_p - weighted_mean)  # (..., S)


def tie_entropy():
    # at a huge spread only the two tied top keys keep weight, ½ each: −2 · ½ · log ½ = log 2
    return math.log(2)
