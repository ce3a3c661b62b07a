"""Exercises on what attention costs (notebook 05): counting multiply-adds, fitting an exponent,
a whole block's count, and predicting ratios."""

from __future__ import annotations

import numpy as np
import torch

from lib.blocks import EncoderBlock
from lib.checks import Exercise, Prediction, as_mistakes
from lib.complexity import attention_layer_macs, counted_flops, fit_exponent, rnn_layer_macs
from lib.i18n import _, lazy_gettext

# The layer asked about in the prediction exercise.
PREDICT_N, PREDICT_D = 512, 64

# --- exercise 1: one attention layer's multiply-adds --------------------------------------------


def _attention_mistakes():
    return as_mistakes([
        (lambda n, d: 2 * n * n * d, _("you counted Q Kᵀ and weights · V only; the four linear maps W_Q, W_K, "
                                       "W_V and W_O are (n, d) @ (d, d) each and add 4·n·d².")),
        (lambda n, d: n * n * d + 4 * n * d * d, _("weights · V is a second (n, n) @ (n, d) product: another "
                                                   "n²·d next to the n²·d of Q Kᵀ.")),
        (lambda n, d: 2 * n * n * d + 3 * n * d * d, _("the output map W_O is the fourth (n, d) @ (d, d) product, "
                                                       "next to W_Q, W_K and W_V.")),
        (lambda n, d: 2 * attention_layer_macs(n, d), _("that is FLOPs, 2 per multiply-add (what FlopCounterMode "
                                                        "reports); count each multiply-add once.")),
        (lambda n, d: 4 * n * n * d + 2 * n * d * d, _("n and d are swapped: (a, b) @ (b, c) costs a·b·c, so "
                                                       "Q Kᵀ, (n, d) @ (d, n), is n·d·n and a projection, "
                                                       "(n, d) @ (d, d), is n·d·d.")),
    ])


# `student_fn(n, d)` -> multiply-adds of one self-attention layer, projections included (an int).
check_attention_macs = Exercise(name="attention_macs", reference=attention_layer_macs,
                                cases=lambda: [(5, 3), (64, 16), (3, 40), (128, 128)],
                                mistakes=_attention_mistakes, atol=0.5).check


# --- exercise 2: the exponent of a power law ----------------------------------------------------


def _exponent_cases() -> list[tuple]:
    rng = np.random.default_rng(0)
    cases = []
    for p, c in ((2.0, 1e-7), (1.0, 3e-4), (1.6, 2e-6)):
        ns = np.array([16, 32, 64, 128, 256, 512], dtype=float)
        noise = np.exp(rng.normal(0.0, 0.15, ns.shape))  # timings: multiplicative noise
        cases.append((ns, c * ns**p * noise))
    return cases


def _exponent_mistakes():
    return as_mistakes([
        (lambda n, v: float(np.polyfit(n, v, 1)[0]), _("that is the slope on linear axes. A power law v = c·nᵖ "
                                                       "is a straight line on log–log axes: fit log(v) against "
                                                       "log(n).")),
        (lambda n, v: float(np.polyfit(n, np.log(v), 1)[0]), _("take the log of n too: log v = log c + p·log n.")),
        (lambda n, v: float(np.log(v[-1] / v[0]) / np.log(n[-1] / n[0])), _("you used only the first and last "
                                                                           "points, which noise moves a lot; fit "
                                                                           "all points by least squares "
                                                                           "(np.polyfit, degree 1).")),
        (lambda n, v: float(np.polyfit(np.log(v), np.log(n), 1)[0]), _("x and y are swapped: the slope is "
                                                                       "d log(v) / d log(n), so log(n) goes "
                                                                       "first in np.polyfit.")),
        (lambda n, v: float(np.polyfit(np.log(n), np.log(v), 1)[1]), _("np.polyfit returns [slope, intercept]: "
                                                                       "the exponent is element [0].")),
    ])


# `student_fn(ns, values)` -> the least-squares slope p of log(values) against log(ns).
check_fit_exponent = Exercise(name="fit_exponent", reference=fit_exponent, cases=_exponent_cases,
                              mistakes=_exponent_mistakes, atol=1e-6).check


# --- exercise 3: a whole encoder block ----------------------------------------------------------


def _block_ref(n: int, d: int, d_ff: int) -> int:
    """The multiply-adds lib's encoder block really runs, as FlopCounterMode counts them (2 FLOPs each)."""
    with torch.random.fork_rng(devices=[]):  # building the block must not move the notebook's random numbers
        block = EncoderBlock(d, 1, d_ff)
    return counted_flops(block, torch.zeros(1, n, d)) // 2  # x (B, T, C) = (1, n, d)


def _block_mistakes():
    def with_ffn(n, d, ffn):
        return attention_layer_macs(n, d) + ffn

    return as_mistakes([
        (lambda n, d, f: attention_layer_macs(n, d), _("that is the attention layer alone; the block also runs "
                                                       "its feed-forward network at every position: (n, d) @ "
                                                       "(d, d_ff), then (n, d_ff) @ (d_ff, d).")),
        (lambda n, d, f: with_ffn(n, d, n * d * f), _("the FFN has two linear maps, d → d_ff and back d_ff → d: "
                                                      "2·n·d·d_ff.")),
        (lambda n, d, f: with_ffn(n, d, 8 * n * d * d), _("you assumed d_ff = 4·d (the paper's 2048 = 4 × 512); "
                                                          "count with the d_ff you are given.")),
        (lambda n, d, f: with_ffn(n, d, 2 * d * f), _("the FFN runs at every one of the n positions: its two "
                                                      "maps are (n, d) @ (d, d_ff) and (n, d_ff) @ (d_ff, d).")),
        (lambda n, d, f: 2 * n * n * d + 2 * n * d * f, _("you left out the attention layer's four projections "
                                                          "W_Q, W_K, W_V, W_O: 4·n·d² more.")),
        (lambda n, d, f: 2 * with_ffn(n, d, 2 * n * d * f), _("that is FLOPs, 2 per multiply-add; count each "
                                                              "multiply-add once.")),
    ])


# `student_fn(n, d, d_ff)` -> multiply-adds of one encoder block: self-attention layer + FFN (an int).
check_block_macs = Exercise(name="block_macs", reference=_block_ref,
                            cases=lambda: [(5, 8, 24), (16, 8, 32), (3, 12, 40), (64, 32, 16)],
                            mistakes=_block_mistakes, atol=0.5).check


# --- exercise 4 (predict): attention / RNN --------------------------------------------------------


def _ratio() -> float:
    return attention_layer_macs(PREDICT_N, PREDICT_D) / rnn_layer_macs(PREDICT_N, PREDICT_D)  # 2 + n/d = 10


def _ratio_mistakes():
    n, d = PREDICT_N, PREDICT_D
    return as_mistakes([
        (lambda: n / d, _("that compares the n²-terms only (2·n²·d against 2·n·d²); the projections add 4·n·d², "
                          "twice the RNN's 2·n·d², so add 2.")),
        (lambda: 1 / _ratio(), _("upside down: that is RNN / attention. Attention is the larger count here.")),
        (lambda: 2 + n / (2 * d), _("you counted one n²·d product; weights · V is a second one.")),
        (lambda: (n / d) ** 2, _("the ratio of n²·d to n·d² is n/d, not (n/d)².")),
    ])


# `student_fn()` -> attention layer / RNN layer multiply-adds at n = 512, d = 64 (a number).
check_predict_ratio = Prediction(
    name="predict_ratio", reference=_ratio, cases=lambda: [()], mistakes=_ratio_mistakes, atol=0.05,
    retry=lazy_gettext(
        "Write both counts with the projections included, divide them and simplify before putting in "
        "n = {n} and d = {d}.", n=PREDICT_N, d=PREDICT_D)).check


# --- exercise 5 (predict): how memory grows --------------------------------------------------------


def _growth_mistakes():
    return as_mistakes([
        (lambda: (2, 2), _("plain attention writes the (T, S) weights, n × n numbers: doubling n multiplies them "
                           "by 4.")),
        (lambda: (4, 4), _("chunked attention keeps only (T, chunk_size) scores at a time, plus (T, D) sums: "
                           "linear in n.")),
        (lambda: (4, 1), _("the chunked scores are (T, chunk_size): the chunk is fixed but T = n still doubles.")),
        (lambda: (2, 1), _("the plain weights are n × n (factor 4), the chunked (T, chunk_size) (factor 2).")),
    ])


# `student_fn()` -> (plain, chunked): factors by which peak memory grows when n doubles (n ≫ d, chunk).
check_predict_memory_growth = Prediction(
    name="predict_memory_growth", reference=lambda: (4, 2), cases=lambda: [()], mistakes=_growth_mistakes,
    atol=0.05, form=lazy_gettext("a pair of two numbers: (plain_factor, chunked_factor)"),
    retry=lazy_gettext("For each, find the largest tensor it keeps alive and how its size depends on n.")).check
