"""Notebook 06 (block): the widget and the exercises."""

import pytest
import torch
from widget_harness import exercise

from lib.blocks import EncoderBlock
from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.block import (
    D_FF,
    D_MODEL,
    N_BLOCKS,
    N_HEADS,
    check_batch_norm,
    check_layer_norm,
    check_stack_parameters,
)
from lib.widgets.block import block_widget

# --- widget ----------------------------------------------------------------------------------


def test_block_widget_over_its_range():
    live = block_widget(max_depth=12)
    exercise(live)
    c = live.controls
    for name, value in (("depth", 12), ("residual", False), ("norm", "none"), ("placement", "Post")):
        c[name].value = value
    assert "12 layers, residual off" in live.readout.value and "Pre and Post are the same" in live.readout.value
    c["residual"].value = True
    assert "residual on" in live.readout.value and live.last_error is None


def test_block_widget_image_keeps_its_size():
    live = block_widget(max_depth=10)
    sizes = set()
    for depth in (2, 5, 10):
        live.controls["depth"].value = depth
        sizes.add(live.view.image.value[16:24])  # PNG width and height
    assert len(sizes) == 1


def test_block_widget_update_time(capsys, one_thread):
    import time

    live = block_widget()
    live.controls["norm"].value, live.controls["residual"].value = "batch", True
    times = []
    for depth in range(40, 49):
        start = time.perf_counter()
        live.controls["depth"].value = depth
        times.append(time.perf_counter() - start)
    with capsys.disabled():  # measured, not asserted: the machine is shared
        print(f"\nblock widget, one uncached update at depth 40-48: median {sorted(times)[4] * 1e3:.1f} ms")
    assert live.last_error is None


def test_block_widget_bad_input():
    with pytest.raises(ValueError, match="max_depth must be >= 2"):
        block_widget(max_depth=1)


# --- exercises -------------------------------------------------------------------------------


def _not_done(*args):
    raise NotImplementedError


def _ln_good(x, weight, bias):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5) * weight + bias


def test_layer_norm_solutions_pass():
    assert check_layer_norm(_ln_good).message.startswith(PASS)
    assert check_layer_norm(lambda x, w, b: torch.nn.functional.layer_norm(x, x.shape[-1:], w, b)).passed


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, w, b: (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + 1e-5) * w + b, "that is BatchNorm"),
        (lambda x, w, b: (x - x.mean(-1, True)) / torch.sqrt(x.var(-1, keepdim=True) + 1e-5) * w + b,
         "biased variance"),
        (lambda x, w, b: w * (x - x.mean(-1, True)) / (x.std(-1, keepdim=True) + 1e-5) + b, "Annotated Transformer"),
        (lambda x, w, b: (x - x.mean(-1, True)) / (x.var(-1, False, True).sqrt() + 1e-5) * w + b, "inside the square"),
        (lambda x, w, b: torch.nn.functional.layer_norm(x, x.shape[-1:]), "left out the affine map"),
        (lambda x, w, b: torch.nn.functional.layer_norm(x, x.shape[-1:]) * w, "add the bias"),
    ],
)
def test_layer_norm_mistakes_get_their_hint(fn, hint):
    result = check_layer_norm(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message


def _bn_good(x):
    return (x - x.mean((0, 1))) / torch.sqrt(x.var((0, 1), unbiased=False) + 1e-5)


def test_batch_norm_solutions_pass():
    assert check_batch_norm(_bn_good).passed
    assert check_batch_norm(lambda x: torch.nn.functional.batch_norm(
        x.transpose(1, 2), None, None, training=True).transpose(1, 2)).passed


def _bn_over(dims, unbiased=False):
    return lambda x: (x - x.mean(dims, True)) / torch.sqrt(x.var(dims, unbiased=unbiased, keepdim=True) + 1e-5)


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (_bn_over(-1), "that is LayerNorm"),
        (_bn_over(0), "each position t has its own"),
        (_bn_over(1), "every sentence then has its own"),
        (_bn_over((0, 1), unbiased=True), "biased batch variance"),
        (_bn_over((0, 1, 2)), "one mean and one variance for the whole tensor"),
    ],
)
def test_batch_norm_mistakes_get_their_hint(fn, hint):
    result = check_batch_norm(fn)
    assert not result.passed and hint in result.message


def test_stack_parameters_answer_is_the_real_count():
    one = sum(p.numel() for p in EncoderBlock(D_MODEL, N_HEADS, D_FF).parameters())
    assert check_stack_parameters(lambda: N_BLOCKS * one).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(8544, "that is one block"), (6 * (8544 - 128), "two LayerNorms"), (6 * 8320, "bias"),
     (6 * (8544 + 3 * (32 * 32 + 32)), "does not depend on h"), (12345, "wrong values")],
)
def test_stack_parameters_mistakes_get_their_hint(answer, hint):
    result = check_stack_parameters(lambda: answer)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize("check", [check_layer_norm, check_batch_norm, check_stack_parameters])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message
