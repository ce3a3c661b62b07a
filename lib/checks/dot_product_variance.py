"""Exercises of notebook 02 (dot-product variance): the predicted variance, the scaled scores, the
standard error of a measured variance, and a predicted number."""

from __future__ import annotations

import math

import torch

from lib.checks import Exercise, Mistake, as_mistakes
from lib.i18n import _
from lib.stats import variance_standard_error
from lib.variance import pair_scores, predicted_variance, score_kurtosis

# The "predict before you run" question: components of q with σ_q = 1.5, of k with σ_k = 2, d_k = 64.
SIGMA_Q, SIGMA_K, D_K = 1.5, 2.0, 64

# --- Exercise 1 (recall): Var(q·k) ------------------------------------------------------------------


def _variance_ref(d_k, sigma_q, sigma_k):
    return predicted_variance(d_k, scale=1.0, sigma_q=sigma_q, sigma_k=sigma_k)


def _variance_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda d, sq, sk: sq * sk * d,
         _("Var(q_i k_i) = E[q_i²]·E[k_i²] = σ_q²·σ_k²: square the standard deviations (분산 = σ²).")),
        (lambda d, sq, sk: sq**2 * sk**2 * math.sqrt(d),
         _("the d_k terms are independent, so their variances add up to d_k times one term's; "
           "it is the standard deviation that grows like √d_k.")),
        (lambda d, sq, sk: (sq**2 + sk**2) * d,
         _("the variance of a product of independent zero-mean variables is the product of "
           "their variances, not the sum.")),
        (lambda d, sq, sk: sq**2 * sk**2,
         _("that is the variance of one term q_i·k_i (or of q·k/√d_k); q·k adds d_k such terms.")),
        (lambda d, sq, sk: d,
         _("d_k alone holds only when both σ are 1; scale it by σ_q²·σ_k².")),
    ])


# `check_predicted_variance(fn)`: fn(d_k, sigma_q, sigma_k) -> Var(q·k) = σ_q²·σ_k²·d_k.
check_predicted_variance = Exercise(
    name="predicted_variance", reference=_variance_ref, cases=lambda: [(3, 1.0, 1.0), (16, 2.0, 0.7), (7, 0.5, 3.0)],
    mistakes=_variance_mistakes,
).check

# --- Exercise 2 (build): the scaled scores of N pairs ---------------------------------------------


def _pairs() -> list[tuple]:
    g = torch.Generator().manual_seed(2)
    return [(torch.randn(*s, generator=g), torch.randn(*s, generator=g)) for s in ((5, 3), (4, 16), (7, 64))]


def _scores_mistakes() -> list[Mistake]:
    d = lambda q: q.shape[-1]  # noqa: E731
    return as_mistakes([
        (lambda q, k: (q * k).sum(-1), _("divide each dot product (내적) by √d_k, where d_k = q.shape[-1].")),
        (lambda q, k: (q * k).sum(-1) / d(q),
         _("divide by √d_k, not by d_k: dividing by d_k leaves variance 1/d_k, not 1.")),
        (lambda q, k: (q * k).sum(-1) / math.sqrt(q.shape[0]),
         _("d_k is the width of each vector, q.shape[-1]; q.shape[0] is the number of pairs N.")),
        (lambda q, k: q @ k.T / math.sqrt(d(q)),
         _("q @ k.T pairs every q with every k (N, N); here row i of q goes with row i of k only: "
           "(q * k).sum(dim=-1).")),
        (lambda q, k: (q * k).sum(0) / math.sqrt(d(q)),
         _("sum over the components (dim=-1), not over the pairs (dim=0).")),
        (lambda q, k: (q * k).sum(-1) * math.sqrt(d(q)), _("you multiplied by √d_k: divide by it.")),
    ])


# `check_scaled_scores(fn)`: fn(q, k), q and k (N, D) -> (N,), row i = q[i]·k[i] / √D.
check_scaled_scores = Exercise(
    name="scaled_scores", reference=lambda q, k: pair_scores(q, k, scale=None), cases=_pairs,
    mistakes=_scores_mistakes,
).check

# --- Exercise 3 (modify): the standard error of a measured variance, for any d_k -------------------


def _se_ref(n, d_k):
    return variance_standard_error(n, predicted_variance(d_k, scale=1.0), score_kurtosis(d_k))


def _se_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda n, d: d * math.sqrt(2 / (n - 1)),
         _("that is the standard error for normally distributed draws; q·k has heavier tails "
           "(kurtosis 3 + 6/d_k), so add the (κ − 3)/n term.")),
        (lambda n, d: d**2 * (2 / (n - 1) + 6 / (d * n)),
         _("that is Var(S²); the standard error is its square root.")),
        (lambda n, d: math.sqrt(d) * math.sqrt(2 / (n - 1) + 6 / (d * n)),
         _("the standard error of a variance scales with σ² = d_k, not with σ = √d_k.")),
        (lambda n, d: d * math.sqrt(2 / (n - 1) + 6 / n),
         _("6 is the excess kurtosis of ONE product q_i·k_i; a sum of d_k independent terms "
           "has excess kurtosis 6/d_k.")),
        (lambda n, d: 3 * math.sqrt(2 / (n - 1) + 2 / n),
         _("that is the notebook's d_k = 3 cell unchanged: σ² = 3 and κ − 3 = 6/3 hold only there. "
           "Use σ² = d_k and κ − 3 = 6/d_k.")),
        (lambda n, d: math.sqrt(d / n),
         _("√(σ²/n) is the standard error of the MEAN of q·k; you need the one of its variance.")),
    ])


# `check_variance_standard_error(fn)`: fn(n, d_k) -> the standard error of the sample variance of n
# scores q·k (unit-variance normal components): d_k·√(2/(n−1) + 6/(d_k·n)).
check_variance_standard_error = Exercise(
    name="variance_standard_error", reference=_se_ref, cases=lambda: [(1000, 4), (20_000, 64), (50, 1)],
    mistakes=_se_mistakes,
).check

# --- Exercise 4 (predict before you run): Var(q·k/√d_k) when σ ≠ 1 --------------------------------


def _prediction_mistakes() -> list[Mistake]:
    s2 = SIGMA_Q**2 * SIGMA_K**2  # 9
    return as_mistakes([
        (lambda: 1.0,
         _("the √d_k removes only the d_k: Var(q·k/√d_k) = σ_q²·σ_k², which is 1 only when both σ are 1.")),
        (lambda: s2 * D_K, _("that is Var(q·k) before the division; dividing by √d_k divides the variance by d_k.")),
        (lambda: s2 * math.sqrt(D_K),
         _("Var(s/c) = Var(s)/c²: dividing by √d_k = 8 divides the variance by d_k = 64, not by 8.")),
        (lambda: s2 / D_K, _("you divided by d_k twice: σ_q²·σ_k²·d_k / d_k is σ_q²·σ_k², not σ_q²·σ_k²/d_k.")),
        (lambda: SIGMA_Q * SIGMA_K, _("square the standard deviations: the variance of one term is σ_q²·σ_k².")),
        (lambda: SIGMA_Q**2 + SIGMA_K**2,
         _("the variance of a product of independent zero-mean variables is the product of their variances.")),
    ])


# `check_scaled_variance(fn)`: fn() returns the predicted Var(q·k/√d_k) for σ_q = 1.5, σ_k = 2, d_k = 64.
# 0.2 around the answer 9 accepts rounding; the nearest wrong answer (6.25) is 2.75 away.
check_scaled_variance = Exercise(
    name="scaled_variance", reference=lambda: SIGMA_Q**2 * SIGMA_K**2, cases=lambda: [()],
    mistakes=_prediction_mistakes, atol=0.2,
).check
