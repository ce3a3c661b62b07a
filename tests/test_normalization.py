"""lib.normalization: LayerNorm and BatchNorm as pure functions, against torch.nn's modules."""

import numpy as np
import pytest
import torch

from lib.normalization import annotated_layer_norm, batch_norm, layer_norm, shares_statistics, statistics_axes


def _random_affine(module, gen):
    with torch.no_grad():
        module.weight.copy_(torch.randn(module.weight.shape, generator=gen))
        module.bias.copy_(torch.randn(module.bias.shape, generator=gen))
    return module


@pytest.mark.parametrize("shape", [(5, 8), (2, 3, 8), (1, 1, 8), (2, 2, 2, 8)])
@pytest.mark.parametrize("eps", [1e-5, 1e-2])
def test_layer_norm_equals_torch(shape, eps, gen):
    ln = _random_affine(torch.nn.LayerNorm(8, eps=eps), gen)
    x = torch.randn(*shape, generator=gen) * 4 + 2
    torch.testing.assert_close(layer_norm(x, ln.weight, ln.bias, eps=eps), ln(x))


def test_layer_norm_without_affine_is_zero_mean_unit_variance(gen):
    out = layer_norm(torch.randn(6, 10, generator=gen) * 5 - 3, eps=0.0)
    torch.testing.assert_close(out.mean(-1), torch.zeros(6), atol=1e-6, rtol=0)
    torch.testing.assert_close(out.var(-1, unbiased=False), torch.ones(6))


def test_layer_norm_float64(gen):
    x = torch.randn(3, 7, generator=gen, dtype=torch.float64)
    ln = torch.nn.LayerNorm(7, dtype=torch.float64)
    torch.testing.assert_close(layer_norm(x, ln.weight, ln.bias), ln(x))


def test_annotated_layer_norm_differs_by_the_bessel_factor(gen):
    C = 4
    x = torch.randn(5, C, generator=gen)
    ratio = annotated_layer_norm(x, eps=0.0) / layer_norm(x, eps=0.0)
    torch.testing.assert_close(ratio, torch.full((5, C), ((C - 1) / C) ** 0.5))


def test_annotated_layer_norm_on_near_constant_input():
    x = torch.tensor([[1.0, 1.0 + 1e-4, 1.0 - 1e-4, 1.0]])  # std ≈ 8e-5, far below √eps ≈ 3e-3
    assert layer_norm(x).abs().max() < 0.05  # √(var + eps) ≈ √eps: the tiny spread stays tiny
    assert annotated_layer_norm(x).abs().max() > 0.5  # std + eps ≈ std: the spread is blown up


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 4)])
def test_batch_norm_train_and_eval_equal_torch(shape, gen):
    bn = _random_affine(torch.nn.BatchNorm1d(4, momentum=0.3), gen)
    mean, var = bn.running_mean.clone(), bn.running_var.clone()
    for _ in range(3):  # three training steps: the running statistics accumulate
        x = torch.randn(*shape, generator=gen) * 2 + 1
        expected = bn(x if x.dim() == 2 else x.transpose(1, 2))
        expected = expected if x.dim() == 2 else expected.transpose(1, 2)
        before = mean.clone()
        out, mean, var = batch_norm(x, bn.weight, bn.bias, running_mean=mean, running_var=var, momentum=0.3)
        torch.testing.assert_close(out, expected)
        torch.testing.assert_close(mean, bn.running_mean)
        torch.testing.assert_close(var, bn.running_var)
        assert not torch.equal(before, mean)
    bn.eval()
    x = torch.randn(*shape, generator=gen)
    expected = bn(x) if x.dim() == 2 else bn(x.transpose(1, 2)).transpose(1, 2)
    out, same_mean, _ = batch_norm(x, bn.weight, bn.bias, running_mean=mean, running_var=var, training=False)
    torch.testing.assert_close(out, expected)
    assert same_mean is mean


def test_batch_norm_does_not_change_its_inputs(gen):
    x = torch.randn(4, 3, generator=gen)
    mean, var = torch.zeros(3), torch.ones(3)
    batch_norm(x, running_mean=mean, running_var=var)
    assert torch.equal(mean, torch.zeros(3)) and torch.equal(var, torch.ones(3))


def test_statistics_axes_and_shares_statistics():
    assert statistics_axes(3, "layer") == (2,) and statistics_axes(3, "batch") == (0, 1)
    ln = shares_statistics((2, 3, 4), "layer", (1, 2, 0))
    assert ln.sum() == 4 and ln[1, 2].all()
    bn = shares_statistics((2, 3, 4), "batch", (1, 2, 0))
    assert bn.sum() == 6 and bn[..., 0].all()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: layer_norm(np.ones((2, 3))), TypeError, "torch.from_numpy"),
        (lambda: layer_norm(torch.ones(2, 3, dtype=torch.float64), torch.ones(3)), TypeError, "dtype torch.float64"),
        (lambda: layer_norm(torch.ones(2, 3), torch.ones(4)), ValueError, r"weight must have shape \(C,\) = \(3,\)"),
        (lambda: layer_norm(torch.ones(2, 3), eps=float("nan")), ValueError, "eps must be a finite number"),
        (lambda: layer_norm(torch.ones(2, 3), eps=-1.0), ValueError, "eps must lie in"),
        (lambda: layer_norm(torch.ones(2, 3, dtype=torch.long)), TypeError, "float32 or float64"),
        (lambda: batch_norm(torch.ones(3)), ValueError, "must have 2 or 3 dimensions"),
        (lambda: batch_norm(torch.ones(1, 3)), ValueError, "more than one value per feature"),
        (lambda: batch_norm(torch.ones(2, 3), training=False), ValueError, "needs running_mean and running_var"),
        (lambda: batch_norm(torch.ones(2, 3), running_mean=torch.zeros(4)), ValueError, "running_mean must have"),
        (lambda: batch_norm(torch.ones(2, 3), momentum=1.5), ValueError, "momentum must lie in"),
        (lambda: statistics_axes(3, "group"), ValueError, "kind must be one of"),
        (lambda: statistics_axes(1, "layer"), ValueError, "x_dims must be >= 2"),
        (lambda: shares_statistics((2, 3), "layer", (2, 0)), ValueError, "does not lie inside"),
    ],
)
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
