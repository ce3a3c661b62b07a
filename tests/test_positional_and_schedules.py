import math

import numpy as np
import pytest
import torch

from lib.positional import sinusoidal_encoding
from lib.schedules import noam_lr


@pytest.mark.parametrize("n,d,base", [(10, 8, 10000.0), (50, 64, 10000.0), (7, 6, 100.0), (6, 5, 10000.0)])
def test_sinusoidal_formula_entry_by_entry(n, d, base):
    pe = sinusoidal_encoding(n, d, base=base)
    assert pe.shape == (n, d) and pe.dtype == torch.float32
    for p in range(n):
        for col in range(d):
            angle = p / base ** ((col - col % 2) / d)  # columns 2i and 2i+1 share one frequency
            expected = math.sin(angle) if col % 2 == 0 else math.cos(angle)
            assert pe[p, col].item() == pytest.approx(expected, abs=1e-6)


def test_sinusoidal_bad_input():
    with pytest.raises(ValueError, match="d_model >= 1"):
        sinusoidal_encoding(4, 0)


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
    with pytest.raises(ValueError, match="warmup >= 1"):
        noam_lr(3, 16, 0)
    with pytest.raises(ValueError, match="step must be >= 0"):
        noam_lr(-1, 16, 4)
