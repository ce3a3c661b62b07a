"""Learning-rate schedules."""

from __future__ import annotations

import numpy as np

from lib import validate


def _steps(step) -> np.ndarray:
    """`step` (an int or an array of them) as a float array, after checking it holds steps >= 0."""
    array_like = isinstance(step, np.ndarray | list | tuple)
    if isinstance(step, bool | str | bytes) or (not array_like and not np.isscalar(step)):
        raise TypeError(f"step must be a whole number or an array of them, got {type(step).__name__}")
    s = np.array(step, dtype=float)  # a copy: the caller's array is never changed
    if s.size == 0:
        raise ValueError("step is empty; give at least one step")
    if not np.all(np.isfinite(s)):
        raise ValueError("step must be finite, got NaN or inf")
    if np.any(s < 0):
        raise ValueError(f"step must be >= 0, got min {s.min():g}")
    if np.any(s != np.round(s)):
        raise ValueError(f"step counts optimizer updates: whole numbers only, got {s[s != np.round(s)].ravel()[0]:g}")
    return s


def noam_lr(step, d_model: int, warmup: int, *, factor: float = 1.0):
    """factor · d_model^-½ · min(step^-½, step · warmup^-1.5): linear warm-up, then 1/√step decay.

    `step` is an int or an array of ints >= 0; step 0 gives 0. The peak, at step = warmup,
    is factor · d_model^-½ · warmup^-½. Returns a float for a scalar step, else an array.
    """
    d_model = validate.size(d_model, "d_model")
    warmup = validate.size(warmup, "warmup")
    factor = validate.number(factor, "factor", low=0.0, low_open=True)
    s = _steps(step)
    decay = 1.0 / np.sqrt(np.maximum(s, 1.0))  # never divides by zero; at s=0 the warm-up term wins
    lr = factor * d_model**-0.5 * np.minimum(decay, s * warmup**-1.5)
    return float(lr) if lr.ndim == 0 else lr


def inverse_sqrt_lr(step, d_model: int, warmup: int, *, factor: float = 1.0):
    """The Noam schedule without its warm-up: the same peak from step 0, then the same decay.

    factor · d_model^-½ · max(step, warmup)^-½: flat at noam_lr's peak up to step = warmup,
    equal to noam_lr from there on. Returns a float for a scalar step, else an array.
    """
    peak = noam_lr(warmup, d_model, warmup, factor=factor)  # also validates d_model, warmup, factor
    s = _steps(step)
    lr = peak * np.sqrt(warmup / np.maximum(s, warmup))
    return float(lr) if lr.ndim == 0 else lr


def noam_lambda(d_model: int, warmup: int, *, factor: float = 1.0):
    """A multiplier for `torch.optim.lr_scheduler.LambdaLR` (with the optimizer's lr = 1.0).

    LambdaLR calls it with 0 before the first update; the paper counts updates from 1, so the
    n-th update (n = 1, 2, ...) gets noam_lr(n) and never a rate of 0.
    """
    noam_lr(1, d_model, warmup, factor=factor)  # validate now, not at the first step
    return lambda n_done: noam_lr(n_done + 1, d_model, warmup, factor=factor)


def warmup_linear_decay(step, *, peak: float, warmup: int, total: int):
    """A linear warm-up (워밍업) to `peak` at step = warmup, then a straight line down to 0 at step = total.

    peak · step / warmup while step <= warmup, then peak · (total − step) / (total − warmup), and 0
    beyond `total`. Returns a float for a scalar step, else an array.
    """
    peak = validate.number(peak, "peak", low=0.0, low_open=True)
    warmup = validate.size(warmup, "warmup")
    total = validate.size(total, "total", minimum=warmup + 1)
    s = _steps(step)
    rising = s / warmup
    falling = np.clip((total - s) / (total - warmup), 0.0, None)
    lr = peak * np.minimum(rising, falling)
    return float(lr) if lr.ndim == 0 else lr
