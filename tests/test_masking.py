"""Notebook 09 (masking): its widget and its exercises."""

import sys
from pathlib import Path

import pytest
import torch
from widget_harness import exercise

from lib.attention import masked_softmax
from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.masking import (
    check_causal_mask,
    check_causal_weights,
    check_decoder_mask,
    check_empty_rows,
    check_safe_masked_softmax,
)
from lib.masks import causal_mask, left_padding_mask, padding_mask
from lib.widgets.masking import masking_widget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions  # solutions/ is loaded by path, as in test_solutions

# --- widget ----------------------------------------------------------------------------------


def test_masking_widget_over_its_range(gen):
    live = masking_widget(torch.randn(6, 6, generator=gen), list("abcdef"))
    exercise(live)
    controls = live.controls
    for name, value in (("T", 5), ("n_pad", 2), ("pad_side", "left"), ("causal", True), ("naive", False)):
        controls[name].value = value
    assert "fully masked rows [0, 1]" in live.readout.value and "all-zero" in live.readout.value
    assert "row sums: 0.00 0.00 1.00 1.00 1.00" in live.readout.value
    assert "sequence: &lt;pad&gt; &lt;pad&gt; a b c<br>" in live.readout.value
    controls["naive"].value = True
    assert "NaN" in live.readout.value and "row sums: nan nan 1.00" in live.readout.value
    controls["n_pad"].value = 6  # more pads than tokens: clipped to T
    assert "5 pad token(s)" in live.readout.value and live.last_error is None


def test_masking_widget_escapes_tokens(gen):
    live = masking_widget(torch.randn(4, 4, generator=gen), ["<s>", "a&b", "<b>", "c"])
    live.controls["n_pad"].value = 0
    live.controls["T"].value = 4
    assert "sequence: &lt;s&gt; a&amp;b &lt;b&gt; c<br>" in live.readout.value
    assert "<s>" not in live.readout.value and live.last_error is None


def test_masking_widget_image_keeps_its_size(gen):
    live = masking_widget(torch.randn(5, 5, generator=gen))
    shapes = set()
    for T in range(1, 6):
        live.controls["T"].value = T
        shapes.add(live.view.image.value[16:24])  # PNG width and height
    assert len(shapes) == 1


def test_masking_widget_bad_input():
    with pytest.raises(ValueError, match=r"square \(T_max, T_max\), got shape \(3, 4\)"):
        masking_widget(torch.zeros(3, 4))
    with pytest.raises(ValueError, match=r"scores is \(3, 3\) but 2 tokens"):
        masking_widget(torch.zeros(3, 3), ["a", "b"])


# --- exercises -------------------------------------------------------------------------------
# The reference answers live in solutions/09_masking.py (tests/test_solutions.py runs them and every
# listed mistake through the checkers); here: answers written other ways, and what the engine adds.

SOLUTIONS = load_solutions("09_masking.ipynb")


def _not_done(*args):
    raise NotImplementedError


def _tril(T, diagonal=0):
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal)


def _lecture(scores, allowed):
    """The lecture's recipe: softmax, zero the blocked weights, renormalise (0/0 = NaN in an empty row)."""
    zeroed = torch.softmax(scores, dim=-1) * allowed
    return zeroed / zeroed.sum(-1, keepdim=True)


def test_causal_mask_other_answers_and_non_boolean_masks():
    assert check_causal_mask(lambda T: torch.arange(T)[None, :] <= torch.arange(T)[:, None]).passed
    assert check_causal_mask(lambda T: torch.ones(T, T).tril().bool()).passed
    for dtype in (torch.float32, torch.int64, torch.int8):
        result = check_causal_mask(lambda T, dtype=dtype: torch.ones(T, T, dtype=dtype).tril())
        assert not result.passed and f"dtype {dtype}" in result.message and "must be boolean" in result.message
    result = check_causal_mask(lambda T: torch.arange(T)[None, :] < torch.arange(T)[:, None])  # s < t
    assert not result.passed and "the diagonal must stay" in result.message


@pytest.mark.parametrize(
    "fn",
    [
        lambda s: _lecture(s, _tril(s.shape[-1])),
        lambda s: torch.softmax(s + torch.log(_tril(s.shape[-1]).float()), dim=-1),
        lambda s: torch.softmax(s.masked_fill(~_tril(s.shape[-1]), torch.finfo(s.dtype).min), dim=-1),
    ],
)
def test_causal_weights_either_recipe_passes(fn):
    result = check_causal_weights(fn)
    assert result.passed and result.message.startswith(PASS)


@pytest.mark.parametrize(
    ("fn", "hint"),
    [  # the lecture's recipe with the student's mistakes: its NaN rows are where the −∞ recipe has them
        (lambda s: _lecture(s, _tril(s.shape[-1], -1)), "not tril(-1)"),
        (lambda s: _lecture(s, ~_tril(s.shape[-1])), "the polarity is inverted"),
        (lambda s: _lecture(s, _tril(s.shape[-1], 1)), "tril(1)"),
        (lambda s: torch.softmax(s.masked_fill(~_tril(s.shape[-1]), float("-inf")), dim=-2), "over the queries"),
        (lambda s: torch.softmax(s, -1) * _tril(s.shape[-1]), "did not renormalise"),
        (lambda s: torch.softmax(s.masked_fill(~_tril(s.shape[-1]), 0.0), -1), "exp(0) = 1"),
    ],
)
def test_causal_weights_written_other_ways_gets_its_hint(fn, hint):
    result = check_causal_weights(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


def test_causal_weights_nan_elsewhere_gets_the_exercises_nan_hint():
    def nan_in_the_middle(s):
        T = s.shape[-1]
        allowed = _tril(T)
        allowed[..., T // 2, :] = False  # one row fully blocked
        return torch.softmax(s.masked_fill(~allowed, float("-inf")), dim=-1)

    result = check_causal_weights(nan_in_the_middle)
    assert not result.passed and "query t may always attend to itself" in result.message


def test_causal_weights_that_changes_the_scores_in_place_is_caught():
    def in_place(s):
        s.masked_fill_(~_tril(s.shape[-1]), float("-inf"))
        return torch.softmax(s, dim=-1)

    result = check_causal_weights(in_place)
    assert not result.passed and "changed its input (argument 1) in place" in result.message


def test_decoder_mask_must_be_boolean():
    for dtype in (torch.float32, torch.int64, torch.int8):
        result = check_decoder_mask(lambda n, T, dtype=dtype: SOLUTIONS.decoder_mask_for(n, T).to(dtype))
        assert not result.passed and "must be boolean" in result.message
    assert check_decoder_mask(lambda n, T: SOLUTIONS.decoder_mask_for(n, T).clone()).passed


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda n, T: ~SOLUTIONS.decoder_mask_for(n, T), "polarity is inverted"),
        (lambda n, T: (torch.arange(T) < n[:, None]) & causal_mask(T), "(B, 1, S)"),
        (lambda n, T: (torch.arange(T) < n[:, None])[:, :, None] & causal_mask(T), "padded queries (rows)"),
        (lambda n, T: causal_mask(T).repeat(len(n), 1, 1), "padding mask is missing"),
        (lambda n, T: (torch.arange(T) <= n[:, None])[:, None, :] & causal_mask(T), "off by one"),
    ],
)
def test_decoder_mask_written_other_ways_gets_its_hint(fn, hint):
    result = check_decoder_mask(fn)
    assert not result.passed and hint in result.message, result.message


@pytest.mark.parametrize(
    "fn",
    [
        lambda s, m: masked_softmax(s, m),
        lambda s, m: torch.softmax(s.masked_fill(~m, float("-inf")), -1).nan_to_num(nan=0.0),
        lambda s, m: (lambda w: w / w.sum(-1, keepdim=True).clamp_min(1e-30))(torch.softmax(s, -1) * m),
    ],
)
def test_safe_masked_softmax_other_answers_pass(fn):
    assert check_safe_masked_softmax(fn).passed


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda s, m: torch.softmax(s.masked_fill(~m, float("-inf")), -1), "a fully masked row gives NaN"),
        (lambda s, m: torch.softmax(s.masked_fill(~m, -1e9), -1), "came out uniform"),
        (lambda s, m: torch.softmax(s.masked_fill(~m, 0.0), -1), "exp(0) = 1"),
        (lambda s, m: _lecture(s, m), "a fully masked row gives NaN"),  # 0/0 in the same rows
        (lambda s, m: SOLUTIONS.safe_masked_softmax(s, ~m), "polarity is inverted"),
        (lambda s, m: torch.softmax(s.masked_fill(m, float("-inf")), -1), "NaN again"),  # inverted and unguarded
    ],
)
def test_safe_masked_softmax_written_other_ways_gets_its_hint(fn, hint):
    result = check_safe_masked_softmax(fn)
    assert not result.passed and hint in result.message, result.message


def test_empty_rows_is_what_the_masks_give():
    def empty(pad):
        return int((~(pad & causal_mask(6)).any(dim=-1)).sum())

    assert SOLUTIONS.empty_rows() == (empty(padding_mask([3], 6)), empty(left_padding_mask([3], 6)))


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((0, 3), "✅ empty_rows: right."),
        ((3, 3), "key 0 is always real"),
        ((3, 0), "the other way round"),
        ((0, 2), "off by one"),
        ((1, 3), "not quite"),
        (3, "return a tuple of two whole numbers"),
    ],
)
def test_empty_rows_answers(answer, expected):
    result = check_empty_rows(lambda: answer)
    assert expected in result.message and "largest difference" not in result.message, result.message


@pytest.mark.parametrize("check", [check_causal_mask, check_causal_weights, check_decoder_mask,
                                   check_safe_masked_softmax, check_empty_rows])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message
