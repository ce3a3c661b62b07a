"""lib.attention against torch.nn.functional.scaled_dot_product_attention."""

import math

import pytest
import torch
import torch.nn.functional as F

from lib.attention import scaled_dot_product_attention
from lib.masks import causal_mask, padding_mask

SHAPES = [  # (batch dims, T, S, D, Dv)
    ((), 4, 4, 8, 8),
    ((2,), 3, 5, 4, 6),
    ((2, 3), 6, 2, 16, 5),
    ((1, 4, 2), 1, 7, 3, 3),
]


def qkv(gen, batch, T, S, D, Dv):
    return (
        torch.randn(*batch, T, D, generator=gen),
        torch.randn(*batch, S, D, generator=gen),
        torch.randn(*batch, S, Dv, generator=gen),
    )


@pytest.mark.parametrize("batch,T,S,D,Dv", SHAPES)
def test_matches_torch_without_mask(gen, batch, T, S, D, Dv):
    q, k, v = qkv(gen, batch, T, S, D, Dv)
    out, weights = scaled_dot_product_attention(q, k, v)
    assert out.shape == (*batch, T, Dv) and weights.shape == (*batch, T, S)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v))


@pytest.mark.parametrize("batch,T,S,D,Dv", SHAPES)
def test_matches_torch_with_random_mask(gen, batch, T, S, D, Dv):
    q, k, v = qkv(gen, batch, T, S, D, Dv)
    mask = torch.rand(*batch, T, S, generator=gen) > 0.4
    mask[..., 0] = True  # every query keeps one key, so PyTorch's result is defined
    out, _ = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))


def test_matches_torch_causal(gen):
    q, k, v = qkv(gen, (2, 3), 6, 6, 8, 8)
    out, weights = scaled_dot_product_attention(q, k, v, causal_mask(6))
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True))
    assert torch.all(weights.triu(1) == 0)


def test_padding_mask_broadcasts_over_queries(gen):
    q, k, v = qkv(gen, (3,), 4, 5, 8, 8)
    mask = padding_mask([5, 2, 3], 5)  # (B, 1, S)
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    assert torch.all(weights[1, :, 2:] == 0) and torch.all(weights[2, :, 3:] == 0)


def test_unscaled_matches_torch_with_scale_one(gen):
    q, k, v = qkv(gen, (2,), 3, 4, 16, 5)
    out, _ = scaled_dot_product_attention(q, k, v, scale=1.0)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, scale=1.0))


def test_weights_are_a_distribution_per_query(gen):
    q, k, v = qkv(gen, (2,), 5, 7, 4, 4)
    _, weights = scaled_dot_product_attention(q * 10, k, v)  # large scores: still a distribution
    assert torch.all(weights >= 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 5))


def test_weights_by_hand(gen):
    q, k, v = qkv(gen, (), 2, 3, 4, 2)
    _, weights = scaled_dot_product_attention(q, k, v)
    scores = [[sum(q[t, d] * k[s, d] for d in range(4)) / math.sqrt(4) for s in range(3)] for t in range(2)]
    expected = torch.softmax(torch.tensor(scores), dim=-1)
    torch.testing.assert_close(weights, expected)


def test_fully_masked_row_gives_zeros_not_nan(gen):
    q, k, v = qkv(gen, (2,), 3, 4, 8, 8)
    mask = torch.ones(2, 3, 4, dtype=torch.bool)
    mask[1, 2] = False  # query 2 of item 1 may attend to nothing
    q.requires_grad_(True)
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert torch.all(weights[1, 2] == 0) and torch.all(out[1, 2] == 0)
    assert torch.isfinite(out).all()
    out.sum().backward()
    assert torch.isfinite(q.grad).all() and torch.all(q.grad[1, 2] == 0)
    torch.testing.assert_close(weights[mask.any(-1)].sum(-1), torch.ones(5))


def test_masked_keys_get_no_gradient(gen):
    q, k, v = qkv(gen, (), 4, 4, 8, 8)
    v.requires_grad_(True)
    out, _ = scaled_dot_product_attention(q, k, v, causal_mask(4))
    out[1].sum().backward()  # query 1 sees keys 0 and 1 only
    assert torch.all(v.grad[2:] == 0) and torch.all(v.grad[:2] != 0)


@pytest.mark.parametrize(
    "q_shape,k_shape,v_shape,message",
    [
        ((2, 3, 8), (2, 4, 6), (2, 4, 6), r"q and k must share the feature size D: q \(2, 3, 8\)"),
        ((2, 3, 8), (2, 4, 8), (2, 5, 8), r"k \(2, 4, 8\) has S=4, v \(2, 5, 8\) has S=5"),
        ((2, 3, 8), (3, 4, 8), (3, 4, 8), r"batch dims of q and k: shapes \(2,\) and \(3,\)"),
        ((8,), (4, 8), (4, 8), r"q must have at least 2 dims"),
    ],
)
def test_bad_shapes_name_the_shapes(q_shape, k_shape, v_shape, message):
    with pytest.raises(ValueError, match=message):
        scaled_dot_product_attention(torch.zeros(q_shape), torch.zeros(k_shape), torch.zeros(v_shape))


@pytest.mark.parametrize(
    "mask_shape,message",
    [
        ((4, 3), r"mask of shape \(4, 3\) does not broadcast to the attention scores \(\.\.\., T, S\) = \(2, 3, 4\)"),
        ((5, 3, 4), r"mask of shape \(5, 3, 4\) does not broadcast"),
        ((2, 2, 3, 4), r"mask of shape \(2, 2, 3, 4\) does not broadcast"),  # would silently grow the batch
    ],
)
def test_bad_mask_shape(mask_shape, message):
    q = torch.zeros(2, 3, 8)
    k = v = torch.zeros(2, 4, 8)
    with pytest.raises(ValueError, match=message):
        scaled_dot_product_attention(q, k, v, torch.ones(mask_shape, dtype=torch.bool))


def test_float_mask_is_refused():
    q = k = v = torch.zeros(1, 3, 4)
    with pytest.raises(ValueError, match="mask must be boolean"):
        scaled_dot_product_attention(q, k, v, torch.ones(3, 3))
