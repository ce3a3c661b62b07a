"""Notebook 10 (decoder): the cross-attention widget and the exercises."""

import sys
from pathlib import Path

import pytest
import torch
from widget_harness import exercise

from lib.attention import scaled_dot_product_attention
from lib.blocks import DecoderBlock
from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.decoder import (
    D_MODEL,
    N_HEADS,
    B,
    S,
    T,
    check_cross_attention,
    check_cross_weights_shape,
    check_masked_cross_attention,
    check_memory_mask,
)
from lib.masks import padding_mask
from lib.widgets.decoder import decoder_widget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions  # solutions/ is loaded by path, as in test_solutions

SOURCE, TARGET = list("abcdef"), list("fedcb")  # S = 6, T = 5


def _weights(gen, H=2, T=5, S=6):
    return torch.softmax(torch.randn(H, T, S, generator=gen) * 2, dim=-1)  # (H, T, S)


# --- widget ----------------------------------------------------------------------------------


def test_decoder_widget_over_its_range(gen):
    live = decoder_widget(_weights(gen), SOURCE, TARGET)
    exercise(live)
    live.controls["t"].value = 2
    assert "decoder position t = 2, target token <b>d</b>" in live.readout.value
    assert live.readout.value.count("looks most at source position") == 2 and live.last_error is None


def test_decoder_widget_reports_each_heads_argmax():
    w = torch.zeros(2, 3, 4)
    w[0, :, 1] = 1.0  # head 0 always looks at source position 1
    w[1, torch.arange(3), torch.tensor([3, 2, 0])] = 1.0  # head 1: 3, 2, 0
    live = decoder_widget(w, ["<s>", "x&y", "c", "d"], ["p", "q", "r"])
    live.controls["t"].value = 2
    assert "head 0 looks most at source position 1 (<b>x&amp;y</b>), weight 1.00" in live.readout.value
    assert "head 1 looks most at source position 0 (<b>&lt;s&gt;</b>), weight 1.00" in live.readout.value


def test_decoder_widget_image_keeps_its_size(gen):
    live = decoder_widget(_weights(gen), SOURCE, TARGET)
    sizes = set()
    for t in range(5):
        live.controls["t"].value = t
        sizes.add(live.view.image.value[16:24])  # PNG width and height
    live.controls["shown"].value = "head 1"
    sizes.add(live.view.image.value[16:24])
    assert len(sizes) == 1


def test_decoder_widget_update_time(capsys, one_thread, gen):
    import time

    live = decoder_widget(_weights(gen, H=4, T=8, S=8), list("abcdefgh"), list("hgfedcba"))
    times = []
    for t in [0, 7, 1, 6, 2, 5, 3, 4, 0]:
        start = time.perf_counter()
        live.controls["t"].value = t
        times.append(time.perf_counter() - start)
    with capsys.disabled():  # measured, not asserted: the machine is shared
        print(f"\ndecoder widget, one update (H=4, 8 x 8): median {sorted(times)[4] * 1e3:.1f} ms")
    assert live.last_error is None


def test_decoder_widget_bad_input(gen):
    with pytest.raises(ValueError, match=r"\(H, T, S\) = \(2, 5, 6\) but 4 target and 6 source tokens"):
        decoder_widget(_weights(gen), SOURCE, list("abcd"))
    with pytest.raises(ValueError, match=r"cross_weights \(H, T, S\) must have 3 dimensions"):
        decoder_widget(_weights(gen)[0], SOURCE, TARGET)
    with pytest.raises(TypeError, match=r"must be a torch\.Tensor"):
        decoder_widget(_weights(gen).numpy(), SOURCE, TARGET)


# --- exercises -------------------------------------------------------------------------------
# The reference answers live in solutions/10_decoder.py (tests/test_solutions.py runs them and every
# listed mistake through the checkers); here: answers written other ways, and what the engine adds.

SOLUTIONS = load_solutions("10_decoder.ipynb")


def _not_done(*args):
    raise NotImplementedError


def _attend(q, k, v, scale=None, mask=None, dim=-1):
    scores = q @ k.transpose(-2, -1) * (q.shape[-1] ** -0.5 if scale is None else scale)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=dim) @ v


def test_cross_attention_the_lib_way_passes():
    lib_way = lambda x, m, wq, wk, wv: scaled_dot_product_attention(x @ wq, m @ wk, m @ wv)[0]  # noqa: E731
    assert check_cross_attention(lib_way).message.startswith(PASS)


def _tril(x, m):
    return torch.ones(x.shape[1], m.shape[1], dtype=torch.bool).tril()


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, m, wq, wk, wv: _attend(m @ wq, x @ wk, x @ wv), "the roles are swapped"),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, dim=1), "over the queries"),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv, mask=_tril(x, m)), "no causal mask"),
        (lambda x, m, wq, wk, wv: scaled_dot_product_attention(x @ wq, m @ wk, m @ wv)[1], "returned the weights"),
        (lambda x, m, wq, wk, wv: _attend(x @ wq, m @ wk, m @ wv) * 2, "wrong values"),
    ],
)
def test_cross_attention_written_other_ways_gets_its_hint(fn, hint):
    result = check_cross_attention(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


def test_memory_mask_other_answers_and_non_boolean_masks():
    assert check_memory_mask(lambda n, T, S: SOLUTIONS.memory_mask(n, T, S).clone()).passed
    assert check_memory_mask(lambda n, T, S: padding_mask(n, S).repeat(1, T, 1)).passed
    for dtype in (torch.float32, torch.int64, torch.int8):  # lib rejects them; SDPA adds a float mask
        result = check_memory_mask(lambda n, T, S, dtype=dtype: SOLUTIONS.memory_mask(n, T, S).to(dtype))
        assert not result.passed and "must be boolean" in result.message


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda n, T, S: ~SOLUTIONS.memory_mask(n, T, S), "polarity is inverted"),
        (lambda n, T, S: SOLUTIONS.memory_mask(n, 1, S), "expand it to one row per target position"),
        (lambda n, T, S: (torch.arange(T)[None, :] < n[:, None])[:, :, None].expand(len(n), T, S),
         "you blocked query rows"),
        (lambda n, T, S: (torch.arange(S)[None, :] < n[:, None])[None].expand(T, len(n), S), "axes are swapped"),
    ],
)
def test_memory_mask_written_other_ways_gets_its_hint(fn, hint):
    result = check_memory_mask(fn)
    assert not result.passed and hint in result.message, result.message


def _masked(x, m, wq, wk, wv, mask, fill=float("-inf")):
    scores = (x @ wq) @ (m @ wk).transpose(-2, -1) / wq.shape[1] ** 0.5
    return torch.softmax(scores.masked_fill(~mask, fill), dim=-1) @ (m @ wv)


def test_masked_cross_attention_other_answers_pass():
    lib_way = lambda x, m, wq, wk, wv, mask: scaled_dot_product_attention(x @ wq, m @ wk, m @ wv, mask)[0]  # noqa: E731
    assert check_masked_cross_attention(lib_way).passed
    assert check_masked_cross_attention(lambda *a: _masked(*a, fill=-1e9)).passed  # no empty rows in the cases


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, m, wq, wk, wv, mask: SOLUTIONS.cross_attention(x, m, wq, wk, wv), "you ignored memory_mask"),
        (lambda x, m, wq, wk, wv, mask: _masked(x, m, wq, wk, wv, ~mask), "the polarity is inverted"),
        (lambda x, m, wq, wk, wv, mask: _masked(x, m, wq, wk, wv, mask, fill=0.0), "exp(0) = 1"),
        (lambda x, m, wq, wk, wv, mask: torch.softmax((x @ wq) @ (m @ wk).transpose(-2, -1) / wq.shape[1] ** 0.5, -1)
         @ (m @ wv).masked_fill(~mask.transpose(-2, -1), 0.0), "or the padded values"),
        (lambda x, m, wq, wk, wv, mask: _masked(x, m, wq, wk, wv, mask & _tril(x, m)), "no causal mask"),
    ],
)
def test_masked_cross_attention_written_other_ways_gets_its_hint(fn, hint):
    result = check_masked_cross_attention(fn)
    assert not result.passed and hint in result.message, result.message


def test_masked_cross_attention_nan_elsewhere_gets_the_exercises_nan_hint():
    def blocks_everything_of_the_first_source(x, m, wq, wk, wv, mask):
        mask = mask.clone()
        mask[0] = False
        return _masked(x, m, wq, wk, wv, mask)

    result = check_masked_cross_attention(blocks_everything_of_the_first_source)
    assert not result.passed and "is the polarity right?" in result.message


def test_cross_weights_shape_answer_is_what_the_block_returns():
    block = DecoderBlock(D_MODEL, N_HEADS, 64)
    _, _, cross = block(torch.randn(B, T, D_MODEL), torch.randn(B, S, D_MODEL))
    assert SOLUTIONS.cross_weights_shape() == tuple(cross.shape)
    assert check_cross_weights_shape(lambda: cross.shape).passed  # a torch.Size is fine too


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ((2, 4, 9, 5), "rows are queries"),
        ((2, 4, 5, 5), "self-attention"),
        ((2, 5, 9), "head axis"),
        ((2, 4, 5, 8), "D = d_k"),
        ((2, 5, 32), "block's output"),
        ((2, 4, 5, 7), "not quite"),
        ((2, 4, 5), "return a tuple of four whole numbers"),
    ],
)
def test_cross_weights_shape_answers(answer, hint):
    result = check_cross_weights_shape(lambda: answer)
    assert not result.passed and hint in result.message and "largest difference" not in result.message


@pytest.mark.parametrize("check", [check_cross_attention, check_memory_mask, check_masked_cross_attention,
                                   check_cross_weights_shape])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message
