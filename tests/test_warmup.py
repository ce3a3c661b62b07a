"""Notebook 08: the schedules appended to lib.schedules, its widget and its exercises."""

import math

import numpy as np
import pytest
import torch
from widget_harness import exercise

from lib.checks.warmup import check_factor_for_peak, check_lr_lambda, check_noam
from lib.plots import nice_top
from lib.schedules import inverse_sqrt_lr, noam_lambda, noam_lr
from lib.widgets.warmup import warmup_widget

# The widget's slider ranges: d_model 16..1024, warmup 100..8000, factor 0.1..5.
GRID = [(d, w, f) for d in (16, 512, 1024) for w in (100, 4000, 8000) for f in (0.1, 1.0, 5.0)]


@pytest.mark.parametrize(("d_model", "warmup", "factor"), GRID)
def test_noam_peak_and_shape_over_the_widget_range(d_model, warmup, factor):
    steps = np.arange(0, 20001)
    lr = noam_lr(steps, d_model, warmup, factor=factor)
    peak = factor * d_model**-0.5 * warmup**-0.5
    assert int(np.argmax(lr)) == warmup
    assert lr[warmup] == pytest.approx(peak, rel=1e-12)
    np.testing.assert_allclose(lr[: warmup + 1], steps[: warmup + 1] * peak / warmup, rtol=1e-12)
    np.testing.assert_allclose(lr[warmup:], peak * np.sqrt(warmup / steps[warmup:]), rtol=1e-12)


@pytest.mark.parametrize(("d_model", "warmup", "factor"), GRID)
def test_inverse_sqrt_is_noam_without_the_ramp(d_model, warmup, factor):
    steps = np.arange(0, 20001)
    flat = inverse_sqrt_lr(steps, d_model, warmup, factor=factor)
    noam = noam_lr(steps, d_model, warmup, factor=factor)
    peak = noam[warmup]
    np.testing.assert_allclose(flat[: warmup + 1], peak, rtol=1e-12)  # the peak from step 0
    np.testing.assert_allclose(flat[warmup:], noam[warmup:], rtol=1e-12)  # then the same decay
    assert flat.max() == pytest.approx(noam.max(), rel=1e-12)


def test_inverse_sqrt_scalar_and_bad_input():
    assert isinstance(inverse_sqrt_lr(3, 16, 4), float)
    with pytest.raises(ValueError, match="warmup >= 1"):
        inverse_sqrt_lr(3, 16, 0)
    with pytest.raises(ValueError, match="step must be >= 0"):
        inverse_sqrt_lr(np.array([2, -1]), 16, 4)


def test_noam_lambda_drives_lambdalr_from_step_one():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([param], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, noam_lambda(32, 10, factor=3.0))
    used = []
    for _ in range(40):
        used.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(used, noam_lr(np.arange(1, 41), 32, 10, factor=3.0), rtol=1e-12)
    assert used[0] > 0 and int(np.argmax(used)) + 1 == 10
    with pytest.raises(ValueError, match="warmup >= 1"):
        noam_lambda(32, 0)


def test_nice_top():
    assert nice_top(0.0008) == pytest.approx(0.001)
    assert nice_top(0.0009) == pytest.approx(0.001)
    assert nice_top(0.00095) == pytest.approx(0.002)  # 1.1 · 0.00095 > 0.001
    assert nice_top(3e-5) == pytest.approx(5e-5)
    for value in np.geomspace(1e-6, 1.0, 200):
        top = nice_top(value)
        assert 1.1 * value <= top * (1 + 1e-12) < 1.1 * value * 5  # room above, never too much


def test_warmup_widget_over_its_range():
    live = warmup_widget()
    exercise(live)
    ax = live.view.axes[0]
    for d_model, warmup, factor in GRID:
        for name, value in (("d_model", d_model), ("warmup", warmup), ("factor", factor)):
            live.controls[name].value = value
        assert live.last_error is None
        peak = factor * d_model**-0.5 * warmup**-0.5
        line = ax.lines[0]
        assert line.get_ydata().max() == pytest.approx(peak, rel=1e-9)  # the grid holds the peak
        assert ax.lines[2].get_xydata().tolist() == [[warmup, pytest.approx(peak)]]
        assert peak * 1.1 <= ax.get_ylim()[1] < peak * 6  # the whole curve is visible
        assert f"{peak:.3g}" in live.readout.value


def test_warmup_widget_updates_in_place():
    live = warmup_widget()
    lines = list(live.view.axes[0].lines)
    live.controls["warmup"].value = 2000
    assert list(live.view.axes[0].lines) == lines  # same artists, new data


# --- exercises ------------------------------------------------------------------------------

def good_noam(step, d_model, warmup, factor):
    return factor * d_model**-0.5 * np.minimum(step**-0.5, step * warmup**-1.5)


def not_written(*args):
    raise NotImplementedError


def test_check_noam():
    assert check_noam(good_noam).passed
    assert check_noam(lambda s, d, w, f: torch.as_tensor(good_noam(s, d, w, f))).passed
    assert "not done yet" in check_noam(not_written).message
    wrong = {
        "warmup^-1.5": lambda s, d, w, f: f * d**-0.5 * np.minimum(s**-0.5, s * w**-0.5),
        "minimum": lambda s, d, w, f: f * d**-0.5 * np.maximum(s**-0.5, s * w**-1.5),
        "not 1/d_model": lambda s, d, w, f: f / d * np.minimum(s**-0.5, s * w**-1.5),
        "left out d_model": lambda s, d, w, f: f * np.minimum(s**-0.5, s * w**-1.5),
        "`factor`": lambda s, d, w, f: d**-0.5 * np.minimum(s**-0.5, s * w**-1.5),
        "step^-½": lambda s, d, w, f: f * d**-0.5 * np.minimum(s**-1.0, s * w**-1.5),
    }
    for hint, fn in wrong.items():
        result = check_noam(fn)
        assert not result.passed and hint in result.message, (hint, result.message)
    assert "wrong values" in check_noam(lambda s, d, w, f: 1.01 * good_noam(s, d, w, f)).message


def test_check_factor_for_peak():
    assert check_factor_for_peak(lambda p, d, w: p * math.sqrt(d * w)).passed
    assert "not done yet" in check_factor_for_peak(not_written).message
    wrong = {
        "multiplies by √(d_model · warmup)": lambda p, d, w: p / math.sqrt(d * w),
        "warm-up length lowers": lambda p, d, w: p * math.sqrt(d),
        "d_model lowers": lambda p, d, w: p * math.sqrt(w),
        "square roots": lambda p, d, w: p * d * w,
    }
    for hint, fn in wrong.items():
        result = check_factor_for_peak(fn)
        assert not result.passed and hint in result.message, (hint, result.message)


def test_check_lr_lambda():
    assert check_lr_lambda(lambda d, w, f: lambda n: noam_lr(n + 1, d, w, factor=f)).passed
    assert "not done yet" in check_lr_lambda(not_written).message
    assert "returned None" in check_lr_lambda(lambda d, w, f: None).message
    assert "pass your function itself" in check_lr_lambda(3).message
    result = check_lr_lambda(lambda d, w, f: lambda n: noam_lr(n, d, w, factor=f))
    assert not result.passed and "calls your function with 0" in result.message and "n + 1" in result.message
    result = check_lr_lambda(lambda d, w, f: lambda n: noam_lr(n + 1, d, w))
    assert not result.passed and "factor" in result.message
    result = check_lr_lambda(lambda d, w, f: 0.5)
    assert not result.passed and "should return a function" in result.message


# --- the notebook's training claim, on seeds the notebook does not use -----------------------

def reversal_run(seed: int, warm: bool):
    """Notebook 08's run: the same model, data and peak rate 0.03; only the first 50 rates differ."""
    from lib.data import minibatches, toy_task
    from lib.model import TransformerEncoder
    from lib.schedules import inverse_sqrt_lr
    from lib.train import evaluate, train

    d_model, warmup, peak = 32, 50, 0.03
    factor = peak * math.sqrt(d_model * warmup)
    x, y = toy_task("reverse", 4000, 8, 10, seed=0)
    torch.manual_seed(seed)
    model = TransformerEncoder(10, 10, d_model=d_model, n_heads=2, d_ff=64, n_layers=2, max_len=8)
    opt = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
    lr_lambda = noam_lambda(d_model, warmup, factor=factor) if warm else (
        lambda n: inverse_sqrt_lr(n + 1, d_model, warmup, factor=factor))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    losses = train(model, opt, minibatches(x, y, batch_size=32, n_steps=150, seed=seed), scheduler=sched)
    return np.array(losses), evaluate(model, *toy_task("reverse", 1000, 8, 10, seed=1))[1]


@pytest.mark.parametrize("seed", [1, 2])
def test_warmup_learns_where_no_warmup_stays_at_chance(seed, one_thread):
    warm_losses, warm_acc = reversal_run(seed, warm=True)
    flat_losses, flat_acc = reversal_run(seed, warm=False)
    assert warm_acc > 0.9 and flat_acc < 0.5
    assert flat_losses[-20:].mean() > 0.8 * math.log(10)
    assert flat_losses[:50].max() > warm_losses[:50].max()
