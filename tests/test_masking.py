"""Notebook 09 (masking): its widget and its exercises."""

import pytest
import torch
from widget_harness import exercise

from lib.attention import masked_softmax
from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.masking import check_causal_weights, check_decoder_mask, check_safe_masked_softmax
from lib.masks import causal_mask
from lib.widgets.masking import masking_widget

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


def _not_done(*args):
    raise NotImplementedError


def _causal_good(scores):
    T = scores.shape[-1]
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    return torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)


def _causal_lecture(scores):
    T = scores.shape[-1]
    zeroed = torch.softmax(scores, dim=-1) * torch.ones(T, T).tril()
    return zeroed / zeroed.sum(-1, keepdim=True)


def _tril(scores, diagonal=0):
    T = scores.shape[-1]
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal)


@pytest.mark.parametrize("fn", [_causal_good, _causal_lecture])
def test_causal_weights_solutions_pass(fn):
    result = check_causal_weights(fn)
    assert result.passed and result.message.startswith(PASS)


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda s: torch.softmax(s, -1), "no mask"),
        (lambda s: masked_softmax(s, _tril(s).T), "torch.triu keeps the future"),
        (lambda s: masked_softmax(s, ~_tril(s)), "keeps the future and hides the past"),
        (lambda s: masked_softmax(s, _tril(s, -1)), "the diagonal must stay"),
        (lambda s: torch.softmax(s, -1) * _tril(s), "did not renormalise"),
        (lambda s: torch.softmax(s.masked_fill(~_tril(s), 0.0), -1), "exp(0) = 1"),
        (lambda s: torch.softmax(s.masked_fill(~_tril(s, -1), float("-inf")), -1), "NaN"),
    ],
)
def test_causal_weights_mistakes_get_their_hint(fn, hint):
    result = check_causal_weights(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message


def _decoder_good(lengths, T):
    real = torch.arange(T)[None, :] < lengths[:, None]  # (B, T)
    return real[:, None, :] & torch.ones(T, T, dtype=torch.bool).tril()


def _real(lengths, T):
    return torch.arange(T)[None, :] < torch.as_tensor(lengths)[:, None]  # (B, S)


def test_decoder_mask_solution_passes():
    assert check_decoder_mask(_decoder_good).passed


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda n, T: ~_decoder_good(n, T), "polarity is inverted"),
        (lambda n, T: _real(n, T) & causal_mask(T), "(B, 1, S)"),
        (lambda n, T: _real(n, T)[:, :, None] & causal_mask(T), "padded queries (rows)"),
        (lambda n, T: _real(n, T)[:, None, :] | causal_mask(T), "logical and"),
        (lambda n, T: causal_mask(T).expand(len(n), T, T), "padding mask is missing"),
        (lambda n, T: _real(n, T)[:, None, :].expand(len(n), T, T), "causal mask is missing"),
        (lambda n, T: _real(n, T)[:, None, :] & causal_mask(T).T, "triu keeps the future"),
    ],
)
def test_decoder_mask_mistakes_get_their_hint(fn, hint):
    result = check_decoder_mask(fn)
    assert not result.passed and hint in result.message


def _safe_good(scores, mask):
    filled = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    return torch.softmax(filled, dim=-1).masked_fill(~mask, 0.0)


def test_safe_masked_softmax_solution_passes():
    assert check_safe_masked_softmax(_safe_good).passed


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda s, m: torch.softmax(s.masked_fill(~m, float("-inf")), -1), "a fully masked row gives NaN"),
        (lambda s, m: torch.softmax(s.masked_fill(~m, -1e9), -1), "came out uniform"),
        (lambda s, m: torch.softmax(s.masked_fill(~m, 0.0), -1), "exp(0) = 1"),
        (lambda s, m: torch.softmax(s, -1) * m, "did not renormalise"),
        (lambda s, m: _safe_good(s, ~m), "polarity is inverted"),
    ],
)
def test_safe_masked_softmax_mistakes_get_their_hint(fn, hint):
    result = check_safe_masked_softmax(fn)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize("check", [check_causal_weights, check_decoder_mask, check_safe_masked_softmax])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message

