import pytest
import torch

from lib.masks import causal_mask, padding_mask


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


@pytest.mark.parametrize("lengths,S,message", [([5], 4, r"lengths must lie in \[0, S=4\]"), ([[1]], 3, r"\(B,\)")])
def test_padding_mask_bad_input(lengths, S, message):
    with pytest.raises(ValueError, match=message):
        padding_mask(lengths, S)


def test_causal_mask_bad_length():
    with pytest.raises(ValueError, match="T >= 1"):
        causal_mask(0)
