"""lib.residual: deep stacks, per-layer gradient norms, encoder stacks, block-by-block outputs."""

import numpy as np
import pytest
import torch

from lib.blocks import EncoderBlock
from lib.residual import (
    DeepStack,
    block_outputs,
    cosine_to_input,
    encoder_grad_norms,
    encoder_stack,
    layer_grad_norms,
    make_norm,
    stack_grad_norms,
)


@pytest.mark.parametrize("n_layers", [12, 24, 48])
def test_gradient_vanishes_without_residuals_and_not_with(n_layers):
    plain = stack_grad_norms(n_layers, residual=False)
    res = stack_grad_norms(n_layers, residual=True)
    # Per layer, the plain stack multiplies the gradient by at most √(1/3) in expectation (default init).
    assert plain[0] / plain[-1] < 3.0 ** (-(n_layers - 1) / 4)
    # The identity path: E‖(I + J)g‖² = ‖g‖² + E‖Jg‖² >= ‖g‖², and <= (4/3)‖g‖².
    assert 1 <= res[0] / res[-1] <= (4 / 3) ** ((n_layers - 1) / 2)


def test_stack_grad_norms_is_seeded_and_leaves_the_global_generator_alone():
    torch.manual_seed(5)
    before = torch.rand(1)
    torch.manual_seed(5)
    a = stack_grad_norms(8, norm="batch", norm_first=True, seed=3)
    after = torch.rand(1)
    assert torch.equal(a, stack_grad_norms(8, norm="batch", norm_first=True, seed=3))
    assert torch.equal(before, after)
    assert not torch.equal(a, stack_grad_norms(8, norm="batch", norm_first=True, seed=4))


@pytest.mark.parametrize("norm", ["none", "layer", "batch"])
@pytest.mark.parametrize("residual", [True, False])
@pytest.mark.parametrize("norm_first", [True, False])
def test_stack_grad_norms_over_the_widget_range(norm, residual, norm_first):
    for depth in (2, 25, 48):
        g = stack_grad_norms(depth, residual=residual, norm=norm, norm_first=norm_first)
        assert g.shape == (depth,) and torch.isfinite(g).all() and (g > 0).all()


def test_deep_stack_forward_by_hand(gen):
    stack = DeepStack(2, 3, residual=True, norm="layer", norm_first=False)
    x = torch.randn(4, 3, generator=gen)
    h = x
    for lin, ln in zip(stack.layers, stack.norms, strict=True):
        h = ln(h + torch.tanh(lin(h)))
    torch.testing.assert_close(stack(x), h)
    assert stack(torch.randn(2, 5, 3, generator=gen)).shape == (2, 5, 3)


def test_batch_norm_module_normalises_the_last_axis(gen):
    bn = make_norm("batch", 4)
    out = bn(torch.randn(3, 5, 4, generator=gen) * 3 + 2)
    torch.testing.assert_close(out.mean(dim=(0, 1)), torch.zeros(4), atol=1e-6, rtol=0)


def test_encoder_stack_shapes_and_final_norm():
    post, pre = encoder_stack(3, norm_first=False), encoder_stack(3, norm_first=True)
    assert len(post) == 3 and len(pre) == 4 and isinstance(pre[-1], torch.nn.LayerNorm)
    assert post(torch.randn(2, 5, 32)).shape == (2, 5, 32)


def test_post_ln_grows_towards_the_output_and_pre_ln_does_not():
    for seed in range(3):
        post = encoder_grad_norms(12, norm_first=False, seed=seed)
        pre = encoder_grad_norms(12, norm_first=True, seed=seed)
        assert post[-4:].mean() > post[:4].mean() and pre[-4:].mean() < pre[:4].mean(), seed


def test_layer_grad_norms_by_hand(gen):
    lin = torch.nn.Linear(3, 2)
    x, up = torch.randn(4, 3, generator=gen), torch.randn(4, 2, generator=gen)
    g = layer_grad_norms([lin], lin, x, up)
    by_hand = torch.sqrt((up.T @ x).pow(2).sum() + up.sum(0).pow(2).sum())
    torch.testing.assert_close(g, by_hand[None])


def test_block_outputs_and_cosine(gen):
    blocks = [EncoderBlock(8, 2, 16) for _ in range(3)]
    x = torch.randn(2, 4, 8, generator=gen)
    outs = block_outputs(blocks, x)
    assert len(outs) == 4 and outs[0] is x
    torch.testing.assert_close(outs[2], blocks[1](blocks[0](x)[0])[0])
    cos = cosine_to_input(outs)
    assert cos.shape == (3,) and (cos < 1).all() and (cos > -1).all()
    torch.testing.assert_close(cosine_to_input([x, x]), torch.ones(1))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: DeepStack(0, 4), ValueError, "n_layers must be >= 1"),
        (lambda: DeepStack(2.0, 4), TypeError, "n_layers must be a whole number"),
        (lambda: make_norm("group", 4), ValueError, "norm must be one of"),
        (lambda: DeepStack(2, 4)(np.ones((2, 4))), TypeError, "torch.from_numpy"),
        (lambda: DeepStack(2, 4)(torch.ones(2, 4, dtype=torch.float64)), TypeError, "x.float()"),
        (lambda: stack_grad_norms(3, batch=1), ValueError, "batch must be >= 2"),
        (lambda: stack_grad_norms(3, seed=-1), ValueError, "seed must be >= 0"),
        (lambda: layer_grad_norms([], torch.nn.Linear(2, 2), torch.ones(1, 2), torch.ones(1, 3)), ValueError,
         r"upstream must have the output's shape \(1, 2\)"),
        (lambda: block_outputs([], torch.ones(2, 3)), ValueError, "must have 3 dimensions"),
    ],
)
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
