"""Exercises on what attention costs: counting multiply-adds, predicting ratios, fitting an exponent."""

from __future__ import annotations

import numpy as np

from lib.checks import Mistake, Result, check_function
from lib.complexity import attention_layer_macs, fit_exponent, rnn_layer_macs

# The layer asked about in the prediction exercise.
PREDICT_N, PREDICT_D = 512, 64


def check_attention_macs(student_fn) -> Result:
    """`student_fn(n, d)` -> multiply-adds of one self-attention layer, projections included (an int)."""
    mistakes = [
        Mistake(lambda n, d: 2 * n * n * d, "you counted Q Kᵀ and weights · V only; the four linear maps "
                "W_Q, W_K, W_V and W_O are (n, d) @ (d, d) each and add 4·n·d²."),
        Mistake(lambda n, d: n * n * d + 4 * n * d * d, "weights · V is a second (n, n) @ (n, d) product: "
                "another n²·d next to the n²·d of Q Kᵀ."),
        Mistake(lambda n, d: 2 * n * n * d + 3 * n * d * d, "the output map W_O is the fourth (n, d) @ (d, d) "
                "product, next to W_Q, W_K and W_V."),
        Mistake(lambda n, d: 2 * attention_layer_macs(n, d), "that is FLOPs, 2 per multiply-add (what "
                "FlopCounterMode reports); count each multiply-add once."),
        Mistake(lambda n, d: 4 * n * n * d + 2 * n * d * d, "n and d are swapped: (a, b) @ (b, c) costs a·b·c, "
                "so Q Kᵀ, (n, d) @ (d, n), is n·d·n and a projection, (n, d) @ (d, d), is n·d·d."),
    ]
    cases = [(5, 3), (64, 16), (3, 40), (128, 128)]
    return check_function(student_fn, name="attention_macs", reference=attention_layer_macs, cases=cases,
                          mistakes=mistakes, atol=0.5)


def check_predict_ratio(student_fn) -> Result:
    """`student_fn()` -> attention layer / RNN layer multiply-adds at n = 512, d = 64 (a number)."""
    n, d = PREDICT_N, PREDICT_D
    truth = attention_layer_macs(n, d) / rnn_layer_macs(n, d)  # 2 + n/d = 10
    mistakes = [
        Mistake(lambda: n / d, "that compares the n²-terms only (2·n²·d against 2·n·d²); the projections "
                "add 4·n·d², twice the RNN's 2·n·d², so add 2."),
        Mistake(lambda: 1 / truth, "upside down: that is RNN / attention. Attention is the larger count here."),
        Mistake(lambda: 2 + n / (2 * d), "you counted one n²·d product; weights · V is a second one."),
        Mistake(lambda: (n / d) ** 2, "the ratio of n²·d to n·d² is n/d, not (n/d)²."),
    ]
    return check_function(student_fn, name="predict_ratio", reference=lambda: truth, cases=[()],
                          mistakes=mistakes, atol=0.05)


def check_predict_memory_growth(student_fn) -> Result:
    """`student_fn()` -> (plain, chunked): factors by which peak memory grows when n doubles (n ≫ d, chunk)."""
    mistakes = [
        Mistake(lambda: (2, 2), "plain attention writes the (T, S) weights, n × n numbers: doubling n "
                "multiplies them by 4."),
        Mistake(lambda: (4, 4), "chunked attention keeps only (T, chunk_size) scores at a time, plus (T, D) "
                "sums: linear in n."),
        Mistake(lambda: (4, 1), "the chunked scores are (T, chunk_size): the chunk is fixed but T = n still doubles."),
        Mistake(lambda: (2, 1), "the plain weights are n × n (factor 4), the chunked (T, chunk_size) (factor 2)."),
    ]
    return check_function(student_fn, name="predict_memory_growth", reference=lambda: (4, 2), cases=[()],
                          mistakes=mistakes, atol=0.05)


def _exponent_cases() -> list[tuple]:
    rng = np.random.default_rng(0)
    cases = []
    for p, c in ((2.0, 1e-7), (1.0, 3e-4), (1.6, 2e-6)):
        ns = np.array([16, 32, 64, 128, 256, 512], dtype=float)
        noise = np.exp(rng.normal(0.0, 0.15, ns.shape))  # timings: multiplicative noise
        cases.append((ns, c * ns**p * noise))
    return cases


def check_fit_exponent(student_fn) -> Result:
    """`student_fn(ns, values)` -> the least-squares slope p of log(values) against log(ns)."""
    mistakes = [
        Mistake(lambda n, v: float(np.polyfit(n, v, 1)[0]), "that is the slope on linear axes. A power law "
                "v = c·nᵖ is a straight line on log–log axes: fit log(v) against log(n)."),
        Mistake(lambda n, v: float(np.polyfit(n, np.log(v), 1)[0]), "take the log of n too: log v = log c + "
                "p·log n."),
        Mistake(lambda n, v: float(np.log(v[-1] / v[0]) / np.log(n[-1] / n[0])), "you used only the first and "
                "last points, which noise moves a lot; fit all points by least squares (np.polyfit, degree 1)."),
        Mistake(lambda n, v: float(np.polyfit(np.log(v), np.log(n), 1)[0]), "x and y are swapped: the slope "
                "is d log(v) / d log(n), so log(n) goes first in np.polyfit."),
        Mistake(lambda n, v: float(np.polyfit(np.log(n), np.log(v), 1)[1]), "np.polyfit returns [slope, "
                "intercept]: the exponent is element [0]."),
    ]
    return check_function(student_fn, name="fit_exponent", reference=fit_exponent, cases=_exponent_cases(),
                          mistakes=mistakes, atol=1e-6)
