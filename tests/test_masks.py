"""lib.masks: causal and padding masks, their combination, and masks against PyTorch's SDPA."""

import pytest
import torch
import torch.nn.functional as F

from lib.attention import scaled_dot_product_attention
from lib.masks import causal_mask, combine_masks, left_padding_mask, padding_mask, sequence_mask


@pytest.mark.parametrize("T", [1, 2, 5, 9])
def test_causal_mask_is_lower_triangle(T):
    mask = causal_mask(T)
    assert mask.dtype == torch.bool and mask.shape == (T, T)
    for t in range(T):
        for s in range(T):
            assert bool(mask[t, s]) == (s <= t)


def test_causal_mask_matches_torch_is_causal_convention():
    # PyTorch's own helper marks the *forbidden* entries with -inf.
    forbidden = torch.nn.Transformer.generate_square_subsequent_mask(6) == float("-inf")
    assert torch.equal(causal_mask(6), ~forbidden)


def test_padding_mask():
    mask = padding_mask([3, 1, 0], 4)
    assert mask.shape == (3, 1, 4) and mask.dtype == torch.bool
    expected = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=torch.bool)
    assert torch.equal(mask[:, 0], expected)


@pytest.mark.parametrize(
    "lengths,S,error,message",
    [
        ([5], 4, ValueError, r"lengths must lie in \[0, S=4\], got \[5\]"),
        (torch.tensor([2, -1]), 4, ValueError, r"lengths must lie in \[0, S=4\], got \[2, -1\]"),
        (torch.tensor([[1]]), 3, ValueError, r"lengths must be 1-D \(B,\), got shape \(1, 1\)"),
        ([[1]], 3, TypeError, r"each length must be a whole number >= 0, got a list"),
        ([1.5], 3, TypeError, r"each length must be a whole number >= 0, got float 1\.5"),
        ([-1], 3, ValueError, r"each length must be >= 0, got -1"),
        (torch.tensor([1.0]), 3, TypeError,
         r"lengths must be whole numbers, got a torch\.float32 tensor; use lengths\.long\(\)"),
        ([1], 0, ValueError, r"S \(the padded length\) must be >= 1, got 0"),
    ],
)
def test_padding_mask_bad_input(lengths, S, error, message):
    with pytest.raises(error, match=message):
        padding_mask(lengths, S)


def test_causal_mask_bad_length():
    with pytest.raises(ValueError, match=r"T \(the sequence length\) must be >= 1, got 0"):
        causal_mask(0)
    with pytest.raises(TypeError, match=r"T \(the sequence length\) must be a whole number >= 1, got float 3\.0"):
        causal_mask(3.0)


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
    ("masks", "error", "message"),
    [
        ((), ValueError, "at least one mask"),
        ((torch.ones(2, 3), causal_mask(3)), TypeError,
         r"mask 0 must be boolean \(True = may attend\), got dtype torch\.float32"),
        ((causal_mask(3), torch.ones(3, 3, dtype=torch.long)), TypeError,
         r"mask 1 must be boolean \(True = may attend\), got dtype torch\.int64"),
        ((padding_mask([1, 2], 3)[:, 0], causal_mask(4)), ValueError,
         r"shapes \[\(2, 3\), \(4, 4\)\] do not broadcast"),
    ],
)
def test_combine_masks_bad_input(masks, error, message):
    with pytest.raises(error, match=message):
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
        ((0, 0), {}, r"T must be >= 1, got 0"),
        ((4, -1), {}, r"n_pad must be >= 0, got -1"),
        ((4, 1), {"pad_side": "top"}, r"pad_side must be one of 'right', 'left'; got 'top'"),
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
