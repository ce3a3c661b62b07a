"""Exercises on the variance of q·k and the √d_k scale."""

from __future__ import annotations

import math

import torch

from lib.checks import Mistake, Result, check_function
from lib.stats import variance_standard_error
from lib.variance import pair_scores, predicted_variance, score_kurtosis


def _pairs(shapes, seed: int = 2) -> list[tuple]:
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(*s, generator=g), torch.randn(*s, generator=g)) for s in shapes]


def check_scaled_scores(student_fn) -> Result:
    """`student_fn(q, k)`: q, k (N, D) -> (N,), row i = q[i]·k[i] / √D."""
    def d(q):
        return q.shape[-1]

    mistakes = [
        Mistake(lambda q, k: (q * k).sum(-1), "divide each dot product (내적) by √d_k, where d_k = q.shape[-1]."),
        Mistake(lambda q, k: (q * k).sum(-1) / d(q),
                "divide by √d_k, not by d_k: dividing by d_k leaves variance 1/d_k, not 1."),
        Mistake(lambda q, k: (q * k).sum(-1) / math.sqrt(q.shape[0]),
                "d_k is the width of each vector, q.shape[-1]; q.shape[0] is the number of pairs N."),
        Mistake(lambda q, k: q @ k.T / math.sqrt(d(q)),
                "q @ k.T pairs every q with every k (N, N); here row i of q goes with row i of k only: "
                "(q * k).sum(dim=-1)."),
        Mistake(lambda q, k: (q * k).sum(0) / math.sqrt(d(q)),
                "sum over the components (dim=-1), not over the pairs (dim=0)."),
    ]
    cases = _pairs([(5, 3), (4, 16), (7, 64)])
    return check_function(
        student_fn, name="scaled_scores", reference=lambda q, k: pair_scores(q, k, scale=None),
        cases=cases, mistakes=mistakes,
    )


def _variance_ref(d_k, sigma_q, sigma_k):
    return predicted_variance(d_k, scale=1.0, sigma_q=sigma_q, sigma_k=sigma_k)


def check_predicted_variance(student_fn) -> Result:
    """`student_fn(d_k, sigma_q, sigma_k)` -> Var(q·k) = σ_q²·σ_k²·d_k."""
    mistakes = [
        Mistake(lambda d, sq, sk: sq * sk * d,
                "Var(q_i k_i) = E[q_i²]·E[k_i²] = σ_q²·σ_k²: square the standard deviations (분산 = σ²)."),
        Mistake(lambda d, sq, sk: sq**2 * sk**2 * math.sqrt(d),
                "the d_k terms are independent, so their variances add up to d_k times one term's; "
                "it is the standard deviation that grows like √d_k."),
        Mistake(lambda d, sq, sk: (sq**2 + sk**2) * d,
                "the variance of a product of independent zero-mean variables is the product of "
                "their variances, not the sum."),
        Mistake(lambda d, sq, sk: sq**2 * sk**2,
                "that is the variance of one term q_i·k_i (or of q·k/√d_k); q·k adds d_k such terms."),
        Mistake(lambda d, sq, sk: d,
                "d_k alone holds only when both σ are 1; scale it by σ_q²·σ_k²."),
    ]
    cases = [(3, 1.0, 1.0), (16, 2.0, 0.7), (7, 0.5, 3.0)]
    return check_function(
        student_fn, name="predicted_variance", reference=_variance_ref, cases=cases, mistakes=mistakes
    )


def _se_ref(n, d_k):
    return variance_standard_error(n, predicted_variance(d_k, scale=1.0), score_kurtosis(d_k))


def check_variance_standard_error(student_fn) -> Result:
    """`student_fn(n, d_k)` -> standard error of the sample variance of n scores q·k
    (unit-variance normal components): d_k·√(2/(n-1) + 6/(d_k·n))."""
    mistakes = [
        Mistake(lambda n, d: d * math.sqrt(2 / (n - 1)),
                "that is the standard error for normally distributed draws; q·k has heavier tails "
                "(kurtosis 3 + 6/d_k), so add the (κ − 3)/n term."),
        Mistake(lambda n, d: d**2 * (2 / (n - 1) + 6 / (d * n)),
                "that is Var(S²); the standard error is its square root."),
        Mistake(lambda n, d: math.sqrt(d) * math.sqrt(2 / (n - 1) + 6 / (d * n)),
                "the standard error of a variance scales with σ² = d_k, not with σ = √d_k."),
        Mistake(lambda n, d: d * math.sqrt(2 / (n - 1) + 6 / n),
                "6 is the excess kurtosis of ONE product q_i·k_i; a sum of d_k independent terms "
                "has excess kurtosis 6/d_k."),
        Mistake(lambda n, d: math.sqrt(d / n),
                "√(σ²/n) is the standard error of the MEAN of q·k; you need the one of its variance."),
    ]
    cases = [(1000, 3), (20_000, 64), (50, 1)]
    return check_function(
        student_fn, name="variance_standard_error", reference=_se_ref, cases=cases, mistakes=mistakes
    )
