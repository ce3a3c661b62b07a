"""Notebook 06 (block): the widget and the exercises.

The exercises' reference answers live in solutions/06_block.py (loaded by path; tests/test_solutions.py
runs every listed mistake); here: wrong answers written the way students write them.
"""

import sys
from pathlib import Path

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
    check_sublayer,
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions  # noqa: E402

SOLUTIONS = load_solutions("06_block.ipynb")


def _not_done(*args):
    raise NotImplementedError


def test_layer_norm_solutions_pass():
    assert check_layer_norm(SOLUTIONS.my_layer_norm).message.startswith(PASS)
    assert check_layer_norm(lambda x, w, b: torch.nn.functional.layer_norm(x, x.shape[-1:], w, b)).passed


def _ln(x, w, b, *, unbiased=False, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(x.var(-1, unbiased=unbiased, keepdim=True) + eps) * w + b


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, w, b: (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + 1e-5) * w + b, "that is BatchNorm"),
        (lambda x, w, b: _ln(x, w, b, unbiased=True), "biased variance"),
        (lambda x, w, b: w * (x - x.mean(-1, True)) / (x.std(-1, keepdim=True) + 1e-5) + b, "Annotated Transformer"),
        (lambda x, w, b: (x - x.mean(-1, True)) / (x.var(-1, False, True).sqrt() + 1e-5) * w + b, "inside the square"),
        (lambda x, w, b: (x - x.mean(-1, True)) / x.std(-1, unbiased=False, keepdim=True) * w + b, "without eps"),
        (lambda x, w, b: torch.nn.functional.layer_norm(x, x.shape[-1:]), "left out the affine map"),
        (lambda x, w, b: torch.nn.functional.layer_norm(x, x.shape[-1:]) * w, "add the bias"),
    ],
)
def test_layer_norm_mistakes_get_their_hint(fn, hint):
    result = check_layer_norm(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


def test_layer_norm_nan_hint_names_the_constant_input():
    def no_eps_but_rescaled(x, w, b):  # a NaN the listed mistakes do not produce
        return 2 * _ln(x, w, b, eps=0.0)

    result = check_layer_norm(no_eps_but_rescaled)
    assert not result.passed and "an input vector is constant" in result.message, result.message


def test_batch_norm_solutions_pass():
    assert check_batch_norm(SOLUTIONS.my_batch_norm).passed
    assert check_batch_norm(lambda x: torch.nn.functional.batch_norm(
        x.transpose(1, 2), None, None, training=True).transpose(1, 2)).passed


def _bn_over(dims, unbiased=False, eps=1e-5):
    return lambda x: (x - x.mean(dims, True)) / torch.sqrt(x.var(dims, unbiased=unbiased, keepdim=True) + eps)


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (_bn_over(-1), "that is LayerNorm"),
        (_bn_over(0), "each position t has its own"),
        (_bn_over(1), "every sentence then has its own"),
        (_bn_over((0, 1), unbiased=True), "biased batch variance"),
        (_bn_over((0, 1), eps=0.0), "same in every token (variance 0)"),
        (_bn_over((0, 1, 2)), "one mean and one variance for the whole tensor"),
        (lambda x: 3 * _bn_over((0, 1), eps=0.0)(x), "NaN where a feature is the same in every token"),
    ],
)
def test_batch_norm_mistakes_get_their_hint(fn, hint):
    result = check_batch_norm(fn)
    assert not result.passed and hint in result.message, result.message


def test_sublayer_solutions_pass():
    from lib.normalization import layer_norm

    assert check_sublayer(SOLUTIONS.sublayer).passed
    assert check_sublayer(lambda x, f, pre: x + f(layer_norm(x)) if pre else layer_norm(x + f(x))).passed


def _norm(x):
    return torch.nn.functional.layer_norm(x, x.shape[-1:])


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, f, pre: _norm(x + f(x)), "mixed up"),  # Post-LN for both
        (lambda x, f, pre: x + f(_norm(x)), "mixed up"),  # Pre-LN for both
        (lambda x, f, pre: _norm(x + f(x)) if pre else x + f(_norm(x)), "mixed up"),
        (lambda x, f, pre: f(_norm(x)) if pre else _norm(f(x)), "residual connection (잔차 연결) is missing"),
        (lambda x, f, pre: x + f(_norm(x)) if pre else x + _norm(f(x)), "after the sum"),
        (lambda x, f, pre: (lambda z: z + f(z))(_norm(x)) if pre else _norm(x + f(x)), "carries x itself"),
        (lambda x, f, pre: _norm(x + f(_norm(x))) if pre else _norm(x + f(x)), "no LayerNorm after the sum"),
    ],
)
def test_sublayer_mistakes_get_their_hint(fn, hint):
    result = check_sublayer(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


def test_sublayer_errors_show_f_by_name():
    result = check_sublayer(lambda x, f, pre: f(x, pre))
    assert "TypeError" in result.message and "(2, 3, 6), f, False" in result.message, result.message


def test_stack_parameters_answer_is_the_real_count():
    one = sum(p.numel() for p in EncoderBlock(D_MODEL, N_HEADS, D_FF).parameters())
    assert N_BLOCKS * one == 199936 == SOLUTIONS.stack_parameters()
    assert check_stack_parameters(lambda: N_BLOCKS * one).message == f"{PASS} stack_parameters: right."


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(49984, "that is one block"), (4 * (49984 - 256), "you left out the two LayerNorms"),
     (4 * (49984 - 4 * 64 - 256 - 64), "every nn.Linear has a bias too"),
     (4 * (49984 - 256 * 64 - 64), "the FFN has two linear maps"),
     (4 * (49984 + 3 * 3 * (64 * 64 + 64)), "does not depend on h"),
     (123456, "not quite. Count one block"), (6 * 8544, "not quite"), ((4, 49984), "return a whole number")],
)
def test_stack_parameters_mistakes_get_their_hint(answer, hint):
    result = check_stack_parameters(lambda: answer)
    assert not result.passed and hint in result.message, result.message
    assert "difference" not in result.message


@pytest.mark.parametrize("check", [check_layer_norm, check_batch_norm, check_sublayer, check_stack_parameters])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message
