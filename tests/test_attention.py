"""lib.attention against torch.nn.functional.scaled_dot_product_attention: the scale knob,
masks, error messages, and chunked (online-softmax) attention."""

import math

import pytest
import torch
import torch.nn.functional as F

from lib.attention import attention_scores, chunked_attention, scale_factor, scaled_dot_product_attention
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
        ((2, 3, 8), (3, 4, 8), (3, 4, 8), r"the batch dims of q \(2, 3, 8\) and k \(3, 4, 8\) do not broadcast"),
        ((8,), (4, 8), (4, 8), r"q must have at least 2 dimensions, got shape \(8,\)"),
    ],
)
def test_bad_shapes_name_the_shapes(q_shape, k_shape, v_shape, message):
    with pytest.raises(ValueError, match=message):
        scaled_dot_product_attention(torch.zeros(q_shape), torch.zeros(k_shape), torch.zeros(v_shape))


@pytest.mark.parametrize(
    "mask_shape,message",
    [
        ((4, 3), r"mask \(True = may attend\) of shape \(4, 3\) does not broadcast to \(2, 3, 4\)"),
        ((5, 3, 4), r"mask \(True = may attend\) of shape \(5, 3, 4\) does not broadcast to \(2, 3, 4\)"),
        # would silently grow the batch
        ((2, 2, 3, 4), r"mask \(True = may attend\) of shape \(2, 2, 3, 4\) does not broadcast to \(2, 3, 4\)"),
    ],
)
def test_bad_mask_shape(mask_shape, message):
    q = torch.zeros(2, 3, 8)
    k = v = torch.zeros(2, 4, 8)
    with pytest.raises(ValueError, match=message):
        scaled_dot_product_attention(q, k, v, torch.ones(mask_shape, dtype=torch.bool))


def test_float_mask_is_refused():
    q = k = v = torch.zeros(1, 3, 4)
    with pytest.raises(TypeError, match=r"mask must be boolean \(True = may attend\), got dtype torch\.float32"):
        scaled_dot_product_attention(q, k, v, torch.ones(3, 3))


# --- the scale knob ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "d_k,scale,expected",
    [(16, None, 0.25), (3, None, 1 / math.sqrt(3)), (16, 1.0, 1.0), (16, 0.3, 0.3), (5, 2, 2.0), (1, None, 1.0)],
)
def test_scale_factor_values(d_k, scale, expected):
    factor = scale_factor(d_k, scale)
    assert isinstance(factor, float) and factor == pytest.approx(expected, rel=1e-15)


def test_scale_factor_defaults_to_one_over_root_d_k():
    assert scale_factor(64) == scale_factor(64, None) == 0.125


@pytest.mark.parametrize(
    "scale,error,message",
    [
        (True, TypeError, r"scale \(None for 1/√d_k, or a positive multiplier\) must be a number, got bool True"),
        (False, TypeError, r"scale \(None for 1/√d_k, or a positive multiplier\) must be a number, got bool False"),
        ("0.5", TypeError, r"scale \(None .*\) must be a number, got str '0\.5'"),
        (0, ValueError, r"scale \(None .*\) must lie in \(0, inf\), got 0"),
        (-1.0, ValueError, r"scale \(None .*\) must lie in \(0, inf\), got -1"),
        (float("nan"), ValueError, r"scale \(None .*\) must be a finite number, got nan"),
        (float("inf"), ValueError, r"scale \(None .*\) must be a finite number, got inf"),
    ],
)
def test_scale_factor_refuses_bad_scales(scale, error, message):
    with pytest.raises(error, match=message):
        scale_factor(8, scale)


@pytest.mark.parametrize(
    "d_k,error,message",
    [
        (0, ValueError, r"d_k \(the feature size of q and k\) must be >= 1, got 0"),
        (2.0, TypeError, r"d_k \(the feature size of q and k\) must be a whole number >= 1, got float 2\.0"),
        (True, TypeError, r"d_k \(the feature size of q and k\) must be a whole number >= 1, got bool True"),
    ],
)
def test_scale_factor_refuses_bad_widths(d_k, error, message):
    with pytest.raises(error, match=message):
        scale_factor(d_k)


def test_the_old_boolean_switch_is_refused_everywhere(gen):
    q, k, v = qkv(gen, (2,), 3, 4, 8, 8)
    for scale in (True, False):  # the old spelling: False must not silently mean "scale by 0"
        with pytest.raises(TypeError, match=rf"must be a number, got bool {scale}"):
            attention_scores(q, k, scale=scale)
        with pytest.raises(TypeError, match=rf"must be a number, got bool {scale}"):
            scaled_dot_product_attention(q, k, v, scale=scale)
        with pytest.raises(TypeError, match=rf"must be a number, got bool {scale}"):
            chunked_attention(q, k, v, scale=scale)


@pytest.mark.parametrize("scale", [None, 1.0, 0.1, 2.5])
def test_attention_scores_are_q_k_times_the_scale_factor(gen, scale):
    q, k, v = qkv(gen, (2,), 3, 4, 16, 5)
    expected = q @ k.transpose(-2, -1) * scale_factor(16, scale)
    torch.testing.assert_close(attention_scores(q, k, scale=scale), expected)
    out, _ = scaled_dot_product_attention(q, k, v, scale=scale)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, scale=scale))


# --- chunked (online-softmax) attention ------------------------------------------------------

CHUNK_T, CHUNK_S = 5, 7


def chunk_inputs(gen, batch=(2, 3), D=4, Dv=3, spread=1.0):
    q = spread * torch.randn(*batch, CHUNK_T, D, generator=gen, dtype=torch.float64)
    k = spread * torch.randn(*batch, CHUNK_S, D, generator=gen, dtype=torch.float64)
    v = torch.randn(*batch, CHUNK_S, Dv, generator=gen, dtype=torch.float64)
    return q, k, v


@pytest.mark.parametrize("chunk_size", [1, 2, 3, CHUNK_S - 1, CHUNK_S, CHUNK_S + 1, 64])
@pytest.mark.parametrize("scale", [None, 1.0, 0.3])
def test_chunked_attention_equals_scaled_dot_product_attention(gen, chunk_size, scale):
    q, k, v = chunk_inputs(gen)
    out = chunked_attention(q, k, v, chunk_size=chunk_size, scale=scale)
    assert out.shape == (2, 3, CHUNK_T, 3) and out.dtype == torch.float64
    ref, _ = scaled_dot_product_attention(q, k, v, scale=scale)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, scale=scale))


@pytest.mark.parametrize("chunk_size", [1, 3, CHUNK_S, CHUNK_S + 1])
def test_chunked_attention_with_a_mask_and_a_fully_masked_row(gen, chunk_size):
    q, k, v = chunk_inputs(gen)
    mask = torch.rand(2, 3, CHUNK_T, CHUNK_S, generator=gen) > 0.5
    mask[..., 1, :] = False  # query 1 may attend to nothing
    mask[..., 2, :] = False
    mask[..., 2, -1] = True  # query 2 sees only the last key, in the last chunk
    mask[..., 3, :3] = True  # query 3 keeps a key in the first chunk
    out = chunked_attention(q, k, v, mask, chunk_size=chunk_size)
    ref, _ = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, ref)
    assert torch.all(out[..., 1, :] == 0)  # zeros, not NaN
    torch.testing.assert_close(out[..., 2, :], v[..., -1, :])
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))


@pytest.mark.parametrize("chunk_size", [1, 2, CHUNK_S])
def test_chunked_attention_with_broadcast_masks(gen, chunk_size):
    q, k, v = chunk_inputs(gen, batch=(2,))
    causal = torch.ones(CHUNK_T, CHUNK_S, dtype=torch.bool).tril()  # (T, S)
    padding = padding_mask([CHUNK_S, 3], CHUNK_S)  # (B, 1, S)
    for mask in (causal, padding, causal & padding):
        ref, _ = scaled_dot_product_attention(q, k, v, mask)
        torch.testing.assert_close(chunked_attention(q, k, v, mask, chunk_size=chunk_size), ref)


def test_chunked_attention_broadcasts_batch_dims(gen):
    q = torch.randn(2, 1, CHUNK_T, 4, generator=gen, dtype=torch.float64)
    k = torch.randn(1, 3, CHUNK_S, 4, generator=gen, dtype=torch.float64)
    v = torch.randn(CHUNK_S, 2, generator=gen, dtype=torch.float64)  # no batch dims at all
    out = chunked_attention(q, k, v, chunk_size=3)
    assert out.shape == (2, 3, CHUNK_T, 2)
    torch.testing.assert_close(out, scaled_dot_product_attention(q, k, v)[0])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("chunk_size", [1, 3])
def test_chunked_attention_survives_scores_exp_cannot_hold(gen, dtype, chunk_size):
    # scores in the thousands: exp(score) overflows even in float64, so only the running-max rescaling works
    q, k, v = (t.to(dtype) for t in chunk_inputs(gen, batch=(2,), spread=40.0))
    scores = attention_scores(q, k)
    assert torch.isinf(scores.exp()).any()
    out = chunked_attention(q, k, v, chunk_size=chunk_size)
    assert out.dtype == dtype and torch.isfinite(out).all()
    torch.testing.assert_close(out, scaled_dot_product_attention(q, k, v)[0])


def test_chunked_attention_bad_input(gen):
    q, k, v = chunk_inputs(gen, batch=(2,))
    with pytest.raises(ValueError, match=r"chunk_size must be >= 1, got 0"):
        chunked_attention(q, k, v, chunk_size=0)
    with pytest.raises(TypeError, match=r"chunk_size must be a whole number >= 1, got float 2\.0"):
        chunked_attention(q, k, v, chunk_size=2.0)
    with pytest.raises(ValueError, match=r"k \(2, 7, 4\) has S=7, v \(2, 6, 3\) has S=6"):
        chunked_attention(q, k, v[:, :6])
    with pytest.raises(ValueError, match=(
        r"mask \(True = may attend\) of shape \(3, 5, 7\) "
        r"does not broadcast to \(2, 5, 7\)"
    )):
        chunked_attention(q, k, v, torch.ones(3, CHUNK_T, CHUNK_S, dtype=torch.bool))
    with pytest.raises(TypeError, match=r"mask must be boolean \(True = may attend\), got dtype torch\.float64"):
        chunked_attention(q, k, v, torch.ones(CHUNK_T, CHUNK_S, dtype=torch.float64))
