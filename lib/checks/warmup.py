"""Exercises on the warm-up (워밍업) learning-rate schedule (notebook 08).

Each `check_<x>` is an `Exercise`: the reference, the cases and the known mistakes, each mistake
written the way a student would get it wrong and paired with its own hint.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from lib.checks import Exercise, Mistake, Prediction, Result, as_mistakes
from lib.i18n import _, lazy_gettext
from lib.schedules import noam_lr, warmup_linear_decay

# Learning rates are ~1e-3: compare them relative to their size (rtol), not with an absolute 1e-5.
ATOL = 1e-12

# --- Exercise: noam(step, d_model, warmup, factor) -----------------------------------------------


def _noam_ref(step, d_model, warmup, factor):
    return noam_lr(step, d_model, warmup, factor=factor)


def _noam_with(warm_power: float = -1.5, decay_power: float = -0.5, d_power: float = -0.5,
               *, pick=np.minimum, use_factor: bool = True) -> Callable:
    def wrong(step, d_model, warmup, factor):
        lr = d_model**d_power * pick(step**decay_power, step * warmup**warm_power)
        return lr * factor if use_factor else lr
    return wrong


def _noam_cases() -> list[tuple]:
    return [
        (np.arange(1.0, 60.0), 16, 10, 1.0),
        (np.arange(1.0, 20001.0, 37.0), 512, 4000, 1.0),
        (np.array([1.0, 50.0, 100.0, 400.0, 1600.0]), 64, 100, 2.0),
    ]


def _noam_mistakes() -> list[Mistake]:
    return as_mistakes([
        (_noam_with(warm_power=-0.5),
         _("the warm-up term is step · warmup^-1.5; with warmup^-0.5 the two terms do not meet at step = warmup, "
           "so the peak moves.")),
        (_noam_with(warm_power=-1.0),
         _("the warm-up term is step · warmup^-1.5, not step / warmup: only with the exponent -1.5 does it equal "
           "the decay term step^-½ at step = warmup, where the peak must be.")),
        (_noam_with(pick=np.maximum),
         _("take the minimum of the two terms (np.minimum): the smaller one is the rising line before "
           "step = warmup and the decay after it.")),
        (_noam_with(d_power=-1.0), _("scale by d_model^-½ (one over the square root), not 1/d_model.")),
        (_noam_with(d_power=0.0), _("you left out d_model^-½: wider models get smaller rates.")),
        (_noam_with(use_factor=False), _("multiply by `factor` too.")),
        (_noam_with(decay_power=-1.0), _("after the warm-up the rate decays as step^-½ (1/√step), not 1/step.")),
        (lambda step, d, w, f: noam_lr(step - 1, d, w, factor=f),
         _("you subtracted 1 from the step: `step` already counts updates from 1, as the formula wants. "
           "Use it as it is.")),
        (lambda step, d, w, f: noam_lr(step + 1, d, w, factor=f),
         _("you added 1 to the step: here `step` already counts updates from 1. The n + 1 belongs in the "
           "LambdaLR function (whose n starts at 0), not in the formula.")),
    ])


check_noam = Exercise(
    name="noam", reference=_noam_ref, cases=_noam_cases, mistakes=_noam_mistakes, atol=ATOL,
).check


# --- Exercise: factor_for_peak(peak_lr, d_model, warmup) -----------------------------------------


def _factor_ref(peak_lr, d_model, warmup):
    return peak_lr * math.sqrt(d_model * warmup)


def _factor_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda p, d, w: p / math.sqrt(d * w),
         _("the peak is factor · d_model^-½ · warmup^-½; solving for factor multiplies by √(d_model · warmup).")),
        (lambda p, d, w: p * math.sqrt(d),
         _("the warm-up length lowers the peak too: the peak rate is factor / √(d_model · warmup).")),
        (lambda p, d, w: p * math.sqrt(w), _("d_model lowers the peak too: multiply by √d_model as well.")),
        (lambda p, d, w: p * d * w, _("the peak depends on the square roots: √(d_model · warmup).")),
        (lambda p, d, w: p * math.sqrt(d) * w**1.5,
         _("you solved step · warmup^-1.5 = peak with step = 1; the peak is at step = warmup, where "
           "warmup · warmup^-1.5 = warmup^-½.")),
    ])


check_factor_for_peak = Exercise(
    name="factor_for_peak", reference=_factor_ref,
    cases=lambda: [(1e-3, 512, 4000), (0.01, 32, 50), (5e-4, 64, 1000)],
    mistakes=_factor_mistakes, atol=1e-9,
).check


# --- Exercise: make_lr_lambda(d_model, warmup, factor) -> a function of n for LambdaLR ------------


def _rates(make_lambda: Callable, d_model: int, warmup: int, factor: float, n_updates: int):
    """The learning rate each of `n_updates` optimizer steps used under LambdaLR."""
    lr_lambda = make_lambda(d_model, warmup, factor)
    if lr_lambda is None:
        return None
    if not callable(lr_lambda):
        raise TypeError(_("make_lr_lambda should return a function of the step, got {type}").format(
            type=type(lr_lambda).__name__))
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    used = []
    for _update in range(n_updates):
        used.append(opt.param_groups[0]["lr"])  # the rate the next opt.step() will use
        opt.step()
        sched.step()
    return np.array(used, dtype=float)


def _rates_of(make_lambda: Callable) -> Callable:
    """(d_model, warmup, factor, n_updates) -> the rates LambdaLR used with make_lambda's function."""
    return lambda d_model, warmup, factor, n_updates: _rates(make_lambda, d_model, warmup, factor, n_updates)


@dataclass(frozen=True)
class _SchedulerExercise(Exercise):
    """An exercise whose answer returns an lr_lambda. The reference, the mistakes and the student's
    function are all makers `(d_model, warmup, factor) -> lr_lambda`; what is compared is the rates
    a real LambdaLR gives each update with that lr_lambda (a case is (d_model, warmup, factor, n_updates))."""

    def check(self, student_fn) -> Result:
        if not callable(student_fn):
            return super().check(student_fn)  # "pass your function itself"
        rated = Exercise(
            name=self.name, reference=_rates_of(self.reference), cases=self.cases, atol=self.atol,
            mistakes=lambda: [Mistake(_rates_of(m.fn), m.hint) for m in self.mistakes()],
            nan_hint=self.nan_hint, time_limit=self.time_limit)
        return rated.check(_rates_of(student_fn))


def _lambda_ref(d_model: int, warmup: int, factor: float):
    return lambda n: noam_lr(n + 1, d_model, warmup, factor=factor)


def _lambda_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda d, w, f: lambda n: noam_lr(n, d, w, factor=f),
         _("LambdaLR calls your function with 0 before the first update, and noam_lr(0) = 0: the first step "
           "learns nothing and every rate is one step late. Count from 1: n + 1.")),
        (lambda d, w, f: lambda n: noam_lr(max(n, 1), d, w, factor=f),
         _("max(n, 1) avoids the rate 0, but the first two updates both get noam_lr(1) and every later one is "
           "still a step late. Shift every n by one: n + 1.")),
        (lambda d, w, f: lambda n: noam_lr(n + 1, d, w), _("pass `factor` on to noam_lr.")),
        (lambda d, w, f: lambda n: noam_lr(n + 1, w, d, factor=f),
         _("noam_lr's arguments are (step, d_model, warmup): you passed warmup where d_model goes.")),
    ])


check_lr_lambda = _SchedulerExercise(
    name="lr_lambda", reference=_lambda_ref, cases=lambda: [(16, 10, 1.0, 40), (64, 5, 2.0, 12)],
    mistakes=_lambda_mistakes, atol=ATOL,
).check


# --- Exercise: warmup_linear(step, peak, warmup, total) -----------------------------------------


def _linear_ref(step, peak, warmup, total):
    return warmup_linear_decay(step, peak=peak, warmup=warmup, total=total)


def _linear_mistakes() -> list[Mistake]:
    def rising(step, warmup):
        return step / warmup

    return as_mistakes([
        (lambda s, p, w, n: p * np.minimum(rising(s, w), (n - s) / (n - w)),
         _("after step = total the rate went negative: clip the falling line at 0 (np.maximum(..., 0) or np.clip).")),
        (lambda s, p, w, n: p * np.clip(np.minimum(rising(s, w), (n - s) / n), 0, None),
         _("the falling line must start at the peak at step = warmup: divide (total − step) by (total − warmup), "
           "not by total.")),
        (lambda s, p, w, n: p * np.clip(np.maximum(rising(s, w), (n - s) / (n - w)), 0, None),
         _("take the minimum of the rising and the falling line (np.minimum), as in noam.")),
        (lambda s, p, w, n: p * np.minimum(rising(s, w), np.sqrt(w / np.maximum(s, 1))),
         _("you kept Noam's 1/√step decay: here the rate falls along a straight line from the peak at "
           "step = warmup to 0 at step = total.")),
        (lambda s, p, w, n: np.clip(np.minimum(rising(s, w), (n - s) / (n - w)), 0, None),
         _("the rising line must reach `peak`, not 1: multiply by peak.")),
        (lambda s, p, w, n: p * np.clip(np.minimum(np.sqrt(rising(s, w)), (n - s) / (n - w)), 0, None),
         _("the warm-up is linear: peak · step / warmup, no square root.")),
    ])


def _linear_cases() -> list[tuple]:
    return [
        (np.arange(0.0, 130.0), 1.0, 10, 100),
        (np.arange(0.0, 2600.0, 50.0), 3e-4, 500, 2000),
        (np.array([0.0, 1.0, 7.0, 8.0, 9.0, 20.0, 32.0, 33.0, 40.0]), 0.01, 8, 32),
    ]


check_warmup_linear = Exercise(
    name="warmup_linear", reference=_linear_ref, cases=_linear_cases, mistakes=_linear_mistakes, atol=ATOL,
).check


# --- Exercise (predict before you run): the rate at step 1000 and 16000, as fractions of the peak -----


def _fraction_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda: (0.25, 0.25), _("after the peak the rate falls as 1/√step: 4× the steps is ½ the rate, not ¼.")),
        (lambda: (0.5, 0.5), _("before the peak the rate is proportional to the step (not to √step): "
                               "a quarter of the steps, a quarter of the rate.")),
        (lambda: (0.5, 0.25), _("the other way round: the rise is linear (¼ of the peak at a quarter of warmup), "
                                "the decay is 1/√step (½ of the peak at 4× warmup).")),
        (lambda: (0.25, 4.0), _("after step = warmup the schedule follows the smaller term, the decay; the rising "
                                "line is no longer used, so the rate never exceeds the peak.")),
        (lambda: (0.25, 1.0), _("the rate does not stay at the peak after warm-up (that is a constant schedule): "
                                "it decays as 1/√step.")),
    ])


# The question's setting: the paper's d_model = 512 and warmup = 4000; the rate at steps 1000 and 16000.
PREDICT_D_MODEL, PREDICT_WARMUP, PREDICT_STEPS = 512, 4000, (1000, 16000)


def _peak_fractions() -> tuple[float, float]:
    peak = noam_lr(PREDICT_WARMUP, PREDICT_D_MODEL, PREDICT_WARMUP)
    return tuple(noam_lr(s, PREDICT_D_MODEL, PREDICT_WARMUP) / peak for s in PREDICT_STEPS)


# `student_fn()` -> (lr(1000) / peak, lr(16000) / peak).
check_peak_fractions = Prediction(
    name="peak_fractions", reference=_peak_fractions, cases=lambda: [()], mistakes=_fraction_mistakes,
    atol=1e-3, form=lazy_gettext("a pair of numbers: (lr(1000) / peak, lr(16000) / peak)"),
    retry=lazy_gettext(
        "Say first which term of the minimum decides at each step, then how that term changes when the step is "
        "divided or multiplied by 4."),
).check
