"""lib.schedules: the Noam warm-up schedule against the paper's formula and LambdaLR, the
schedule without warm-up, and the training claim of notebook 08 on seeds it does not use."""

import math

import numpy as np
import pytest
import torch

from lib.schedules import inverse_sqrt_lr, noam_lambda, noam_lr


def test_noam_matches_paper_formula_and_lambdalr():
    d_model, warmup = 512, 4000
    steps = np.arange(1, 20001)
    expected = d_model**-0.5 * np.minimum(steps**-0.5, steps * warmup**-1.5)
    np.testing.assert_allclose(noam_lr(steps, d_model, warmup), expected)
    assert noam_lr(0, d_model, warmup) == 0.0
    assert int(np.argmax(noam_lr(steps, d_model, warmup))) + 1 == warmup
    assert noam_lr(warmup, d_model, warmup) == pytest.approx(d_model**-0.5 * warmup**-0.5)
    assert isinstance(noam_lr(5, 16, 4), float)

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: noam_lr(s, 64, 10, factor=2.0))
    seen = []
    for _ in range(30):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(seen, noam_lr(np.arange(30), 64, 10, factor=2.0))


def test_noam_bad_input():
    with pytest.raises(ValueError, match=r"warmup must be >= 1, got 0"):
        noam_lr(3, 16, 0)
    with pytest.raises(ValueError, match=r"d_model must be >= 1, got 0"):
        noam_lr(3, 0, 4)
    with pytest.raises(ValueError, match=r"factor must lie in \(0, inf\), got 0"):
        noam_lr(3, 16, 4, factor=0.0)
    with pytest.raises(ValueError, match=r"step must be >= 0, got min -1"):
        noam_lr(-1, 16, 4)
    with pytest.raises(ValueError, match="step counts optimizer updates: whole numbers only"):
        noam_lr(1.5, 16, 4)
    with pytest.raises(TypeError, match="step must be a whole number or an array of them, got bool"):
        noam_lr(True, 16, 4)


# --- over the widget's slider range --------------------------------------------------------------

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
    with pytest.raises(ValueError, match=r"warmup must be >= 1, got 0"):
        inverse_sqrt_lr(3, 16, 0)
    with pytest.raises(ValueError, match=r"step must be >= 0, got min -1"):
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
    with pytest.raises(ValueError, match=r"warmup must be >= 1, got 0"):
        noam_lambda(32, 0)


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
