"""Exercises on the warm-up learning-rate schedule."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from lib.checks import Mistake, Result, check_function
from lib.schedules import noam_lambda, noam_lr

# Learning rates are ~1e-3: compare them relative to their size, not with an absolute 1e-5.
ATOL = 1e-12


def _noam_ref(step, d_model, warmup, factor):
    return noam_lr(step, d_model, warmup, factor=factor)


def _noam_with(warm_power: float = -1.5, decay_power: float = -0.5, d_power: float = -0.5,
               *, pick=np.minimum, use_factor: bool = True) -> Callable:
    def wrong(step, d_model, warmup, factor):
        lr = d_model**d_power * pick(step**decay_power, step * warmup**warm_power)
        return lr * factor if use_factor else lr
    return wrong


def check_noam(student_fn) -> Result:
    """`student_fn(step, d_model, warmup, factor)`: step a float array (all >= 1) -> rates."""
    mistakes = [
        Mistake(_noam_with(warm_power=-0.5),
                "the warm-up term is step · warmup^-1.5; with warmup^-0.5 the two terms do not "
                "meet at step = warmup, so the peak moves."),
        Mistake(_noam_with(pick=np.maximum),
                "take the minimum of the two terms (np.minimum): the smaller one is the rising "
                "line before step = warmup and the decay after it."),
        Mistake(_noam_with(d_power=-1.0), "scale by d_model^-½ (one over the square root), not 1/d_model."),
        Mistake(_noam_with(d_power=0.0), "you left out d_model^-½: wider models get smaller rates."),
        Mistake(_noam_with(use_factor=False), "multiply by `factor` too."),
        Mistake(_noam_with(decay_power=-1.0), "after the warm-up the rate decays as step^-½ (1/√step), not 1/step."),
    ]
    cases = [
        (np.arange(1.0, 60.0), 16, 10, 1.0),
        (np.arange(1.0, 20001.0, 37.0), 512, 4000, 1.0),
        (np.array([1.0, 50.0, 100.0, 400.0, 1600.0]), 64, 100, 2.0),
    ]
    return check_function(student_fn, name="noam", reference=_noam_ref, cases=cases,
                          mistakes=mistakes, atol=ATOL)


def _factor_ref(peak_lr, d_model, warmup):
    return peak_lr * math.sqrt(d_model * warmup)


def check_factor_for_peak(student_fn) -> Result:
    """`student_fn(peak_lr, d_model, warmup)` -> the factor whose Noam peak is `peak_lr`."""
    mistakes = [
        Mistake(lambda p, d, w: p / math.sqrt(d * w),
                "the peak is factor · d_model^-½ · warmup^-½; solving for factor multiplies by √(d_model · warmup)."),
        Mistake(lambda p, d, w: p * math.sqrt(d),
                "the warm-up length lowers the peak too: the peak rate is factor / √(d_model · warmup)."),
        Mistake(lambda p, d, w: p * math.sqrt(w), "d_model lowers the peak too: multiply by √d_model as well."),
        Mistake(lambda p, d, w: p * d * w, "the peak depends on the square roots: √(d_model · warmup)."),
    ]
    cases = [(1e-3, 512, 4000), (0.01, 32, 50), (5e-4, 64, 1000)]
    return check_function(student_fn, name="factor_for_peak", reference=_factor_ref, cases=cases,
                          mistakes=mistakes, atol=1e-9)


def _rates(make_lambda: Callable, d_model: int, warmup: int, factor: float, n_updates: int):
    """The learning rate each of `n_updates` optimizer steps used under LambdaLR."""
    lr_lambda = make_lambda(d_model, warmup, factor)
    if lr_lambda is None:
        return None
    if not callable(lr_lambda):
        raise TypeError(f"make_lr_lambda should return a function of the step, got {type(lr_lambda).__name__}")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    used = []
    for _ in range(n_updates):
        used.append(opt.param_groups[0]["lr"])  # the rate the next opt.step() will use
        opt.step()
        sched.step()
    return np.array(used, dtype=float)


def _lambda_ref(d_model: int, warmup: int, factor: float):
    return noam_lambda(d_model, warmup, factor=factor)


def check_lr_lambda(student_fn) -> Result:
    """`student_fn(d_model, warmup, factor)` -> lr_lambda for LambdaLR; update n uses noam_lr(n)."""
    if not callable(student_fn):
        return check_function(student_fn, name="lr_lambda", reference=_noam_ref, cases=[])

    def no_offset(d, w, f):
        return lambda n: noam_lr(n, d, w, factor=f)

    def rates_of(maker):
        return lambda *args: _rates(maker, *args)

    mistakes = [
        Mistake(rates_of(no_offset),
                "LambdaLR calls your function with 0 before the first update, and noam_lr(0) = 0: "
                "the first step learns nothing and every rate is one step late. Count from 1: n + 1."),
        Mistake(rates_of(lambda d, w, f: lambda n: noam_lr(n + 1, d, w)), "pass `factor` on to noam_lr."),
    ]
    cases = [(16, 10, 1.0, 40), (64, 5, 2.0, 12)]
    return check_function(rates_of(student_fn), name="lr_lambda", reference=rates_of(_lambda_ref),
                          cases=cases, mistakes=mistakes, atol=ATOL)
