"""Notebook 09 (masking): the mask helpers appended to lib/masks.py, the widget and the exercises."""

import pytest
import torch
import torch.nn.functional as F
from widget_harness import exercise

from lib.attention import masked_softmax, scaled_dot_product_attention
from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.masking import check_causal_weights, check_decoder_mask, check_safe_masked_softmax
from lib.masks import causal_mask, combine_masks, left_padding_mask, padding_mask, sequence_mask
from lib.widgets.masking import masking_widget

# --- lib.masks -----------------------------------------------------------------------------


def test_combine_masks_is_broadcast_and():
    pad = padding_mask([3, 1], 4)  # (2, 1, 4)
    combined = combine_masks(pad, causal_mask(4))
    assert combined.shape == (2, 4, 4) and combined.dtype == torch.bool
    for b, n in enumerate([3, 1]):
        for t in range(4):
            for s in range(4):
                assert bool(combined[b, t, s]) == (s < n and s <= t)


def test_combine_masks_single_mask_is_a_copy():
    mask = causal_mask(3)
    out = combine_masks(mask)
    assert torch.equal(out, mask) and out.data_ptr() != mask.data_ptr()


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        ((), "at least one mask"),
        ((torch.ones(2, 3), causal_mask(3)), r"boolean .* shapes \[\(2, 3\), \(3, 3\)\]"),
        ((padding_mask([1, 2], 3)[:, 0], causal_mask(4)), r"shapes \[\(2, 3\), \(4, 4\)\] do not broadcast"),
    ],
)
def test_combine_masks_bad_input(masks, message):
    with pytest.raises(ValueError, match=message):
        combine_masks(*masks)


def test_left_padding_mask_puts_real_tokens_last():
    mask = left_padding_mask([3, 1, 0, 4], 4)
    assert mask.shape == (4, 1, 4) and mask.dtype == torch.bool
    expected = torch.tensor([[0, 1, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]], dtype=torch.bool)
    assert torch.equal(mask[:, 0], expected)
    with pytest.raises(ValueError, match=r"lengths must lie in \[0, S=4\]"):
        left_padding_mask([5], 4)


@pytest.mark.parametrize("T", range(1, 9))
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("pad_side", ["right", "left"])
def test_sequence_mask_over_the_widget_range(T, causal, pad_side):
    for n_pad in range(T + 1):
        mask = sequence_mask(T, n_pad, causal=causal, pad_side=pad_side)
        assert mask.shape == (T, T) and mask.dtype == torch.bool
        real = [s < T - n_pad if pad_side == "right" else s >= n_pad for s in range(T)]  # key s is a token
        for t in range(T):
            for s in range(T):
                assert bool(mask[t, s]) == (real[s] and (s <= t or not causal))
        empty = (~mask.any(-1)).sum().item()
        expected_empty = T if n_pad == T else (n_pad if causal and pad_side == "left" else 0)
        assert empty == expected_empty


@pytest.mark.parametrize(
    ("args", "kw", "message"),
    [
        ((4, 5), {}, "0 <= n_pad <= T, got T=4, n_pad=5"),
        ((0, 0), {}, "T >= 1"),
        ((4, 1), {"pad_side": "top"}, "pad_side must be 'right' or 'left', got 'top'"),
    ],
)
def test_sequence_mask_bad_input(args, kw, message):
    with pytest.raises(ValueError, match=message):
        sequence_mask(*args, **kw)


def test_decoder_mask_matches_torch_sdpa(gen):
    lengths = [5, 2, 4]
    mask = combine_masks(padding_mask(lengths, 5), causal_mask(5))  # (3, 5, 5)
    q, k, v = (torch.randn(3, 5, 4, generator=gen) for _ in range(3))
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    assert torch.all(weights[~mask] == 0)


def test_fully_masked_rows_give_zeros_like_torch(gen):
    mask = combine_masks(left_padding_mask([4, 2], 4), causal_mask(4))  # sentence 1: rows 0, 1 empty
    q, k, v = (torch.randn(2, 4, 3, generator=gen) for _ in range(3))
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert torch.all(weights[1, :2] == 0) and torch.all(out[1, :2] == 0)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))


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

