"""Reference answers for notebooks/08_warmup.ipynb (워밍업, the warm-up learning-rate schedule).

One function per exercise, under the name the notebook's stub has, written as a student would.
Try the exercises yourself first: the checkers in the notebook give hints, these give it all away.
"""

import math

import numpy as np

from lib.schedules import noam_lr


def noam(step, d_model, warmup, factor):
    """Exercise 1. step: an array of steps >= 1 -> the learning rate at each step."""
    rising = step * warmup**-1.5  # grows in proportion to the step
    decaying = step**-0.5  # falls as 1/√step
    return factor * d_model**-0.5 * np.minimum(rising, decaying)  # np.minimum: element by element


def factor_for_peak(peak_lr, d_model, warmup):
    """Exercise 2. The factor whose Noam peak is peak_lr."""
    # At step = warmup both terms equal warmup^-½, so peak = factor · d_model^-½ · warmup^-½.
    return peak_lr * math.sqrt(d_model * warmup)


def make_lr_lambda(d_model, warmup, factor):
    """Exercise 3. A function of n for LambdaLR (optimizer lr = 1.0): update n + 1 gets noam_lr(n + 1)."""
    # LambdaLR calls it with n = 0 before the first update; the paper counts updates from 1.
    return lambda n: noam_lr(n + 1, d_model, warmup, factor=factor)


def warmup_linear(step, peak, warmup, total):
    """Exercise 4. Linear warm-up to `peak` at step = warmup, then linearly down to 0 at step = total."""
    rising = step / warmup
    falling = (total - step) / (total - warmup)  # 1 at step = warmup, 0 at step = total
    return peak * np.clip(np.minimum(rising, falling), 0.0, None)  # never below 0 after `total`


def peak_fractions():
    """Exercise 5 (predict). d_model = 512, warmup = 4000: lr(1000) / peak and lr(16000) / peak."""
    # Step 1000 is a quarter of the warm-up, and the rise is linear: 1/4.
    # Step 16000 is 4 × warmup, and the decay is 1/√step: 1/√4 = 1/2.
    return (0.25, 0.5)
