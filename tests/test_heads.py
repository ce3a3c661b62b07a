"""lib.heads against torch.nn.MultiheadAttention: splitting, masks, dtypes, per-head weights,
mean attention distance and the possible numbers of heads."""

import math

import pytest
import torch
from torch import nn

from lib.attention import scaled_dot_product_attention
from lib.heads import (
    MultiHeadAttention,
    check_heads,
    head_counts,
    mean_attention_distance,
    merge_heads,
    per_head_weights,
    split_heads,
)
from lib.masks import causal_mask, padding_mask


def torch_mha(d_model, n_heads, bias=True):
    torch.manual_seed(0)
    return nn.MultiheadAttention(d_model, n_heads, batch_first=True, bias=bias).eval()


def test_split_then_merge_is_identity(gen):
    x = torch.randn(2, 5, 12, generator=gen)
    heads = split_heads(x, 3)
    assert heads.shape == (2, 3, 5, 4)
    torch.testing.assert_close(heads[:, 1], x[..., 4:8])  # head h holds features h*D:(h+1)*D
    assert torch.equal(merge_heads(heads), x)


@pytest.mark.parametrize("d_model,n_heads", [(8, 1), (12, 3), (16, 4), (32, 8)])
def test_self_attention_matches_torch(gen, d_model, n_heads):
    mha = torch_mha(d_model, n_heads)
    ours = MultiHeadAttention.from_torch(mha)
    x = torch.randn(3, 6, d_model, generator=gen)
    out, weights = ours(x, x, x)
    ref_out, ref_weights = mha(x, x, x, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(weights, ref_weights)
    assert weights.shape == (3, n_heads, 6, 6)


def test_cross_attention_with_padding_matches_torch(gen):
    mha = torch_mha(16, 4)
    ours = MultiHeadAttention.from_torch(mha)
    query, memory = torch.randn(2, 3, 16, generator=gen), torch.randn(2, 5, 16, generator=gen)
    keep = padding_mask([5, 2], 5)  # (B, 1, S), True = real token
    out, weights = ours(query, memory, memory, keep)
    # PyTorch's key_padding_mask is True where the key must be IGNORED: the opposite polarity.
    ref_out, ref_weights = mha(query, memory, memory, key_padding_mask=~keep[:, 0], average_attn_weights=False)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(weights, ref_weights)
    assert torch.all(weights[1, :, :, 2:] == 0)


def test_causal_self_attention_matches_torch(gen):
    mha = torch_mha(8, 2, bias=False)
    ours = MultiHeadAttention.from_torch(mha)
    x = torch.randn(2, 5, 8, generator=gen)
    out, _ = ours(x, x, x, causal_mask(5))
    ref_out, _ = mha(x, x, x, attn_mask=~causal_mask(5))  # torch: True = not allowed
    torch.testing.assert_close(out, ref_out)


def test_each_head_equals_attention_on_its_slice(gen):
    torch.manual_seed(1)
    mha = MultiHeadAttention(12, 3)
    x = torch.randn(1, 4, 12, generator=gen)
    _, weights = mha(x, x, x)
    for h in range(3):
        cols = slice(4 * h, 4 * h + 4)
        q = x @ mha.q_proj.weight[cols].T + mha.q_proj.bias[cols]
        k = x @ mha.k_proj.weight[cols].T + mha.k_proj.bias[cols]
        _, w_h = scaled_dot_product_attention(q, k, k)  # scale uses d_k = 12 / 3 = 4
        torch.testing.assert_close(weights[:, h], w_h)


def test_parameter_count_does_not_depend_on_heads():
    counts = {sum(p.numel() for p in MultiHeadAttention(24, h).parameters()) for h in (1, 2, 3, 4, 6, 8)}
    assert counts == {4 * (24 * 24 + 24)}


@pytest.mark.parametrize("d_model,n_heads", [(10, 3), (6, 4)])
def test_indivisible_d_model(d_model, n_heads):
    with pytest.raises(ValueError, match=f"d_model={d_model} must be divisible by n_heads={n_heads}"):
        MultiHeadAttention(d_model, n_heads)


@pytest.mark.parametrize(
    "d_model,n_heads,error,message",
    [
        (8, 0, ValueError, r"n_heads must be >= 1, got 0"),
        (8, -2, ValueError, r"n_heads must be >= 1, got -2"),
        (0, 1, ValueError, r"d_model must be >= 1, got 0"),
        (8.0, 2, TypeError, r"d_model must be a whole number >= 1, got float 8\.0"),
        (8, True, TypeError, r"n_heads must be a whole number >= 1, got bool True"),
    ],
)
def test_bad_sizes_are_refused(d_model, n_heads, error, message):
    with pytest.raises(error, match=message):
        MultiHeadAttention(d_model, n_heads)


def test_bad_inputs_name_shapes():
    mha = MultiHeadAttention(8, 2)
    x = torch.zeros(2, 3, 8)
    with pytest.raises(ValueError, match=r"query must have shape \(B, length, d_model=8\), got \(2, 3, 6\)"):
        mha(torch.zeros(2, 3, 6), x, x)
    with pytest.raises(ValueError, match=r"key \(2, 3, 8\), value \(2, 4, 8\)"):
        mha(x, x, torch.zeros(2, 4, 8))
    with pytest.raises(ValueError, match=(
        r"mask \(True = may attend\) of shape \(3, 4\) "
        r"does not broadcast to \(2, 3, 3\)"
    )):
        mha(x, x, x, torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=(
        r"mask \(True = may attend\) of shape \(2, 3, 3, 3\) "
        r"does not broadcast to \(2, 2, 3, 3\)"
    )):
        mha(x, x, x, torch.ones(2, 3, 3, 3, dtype=torch.bool))  # per head, but 3 heads for a 2-head layer
    with pytest.raises(TypeError, match=r"mask must be boolean \(True = may attend\), got dtype torch\.float32"):
        mha(x, x, x, torch.ones(3, 3))
    with pytest.raises(ValueError, match=r"x \(B, T, C\) must have 3 dimensions, got shape \(3, 8\)"):
        split_heads(torch.zeros(3, 8), 2)


def test_a_different_dtype_is_refused_with_the_fix():
    mha = MultiHeadAttention(8, 2)
    x = torch.zeros(2, 3, 8)
    with pytest.raises(TypeError, match=(
        r"query has dtype torch\.float64 but the layer's weights "
        r"are torch\.float32; use query\.float\(\)"
    )):
        mha(x.double(), x, x)
    with pytest.raises(TypeError, match=r"value has dtype torch\.float64 but the layer's weights are torch\.float32"):
        mha(x, x, x.double())
    mha64 = MultiHeadAttention(8, 2).double()
    with pytest.raises(TypeError, match=(
        r"query has dtype torch\.float32 but the layer's weights "
        r"are torch\.float64; use query\.double\(\)"
    )):
        mha64(x, x, x)
    out, weights = mha64(x.double(), x.double(), x.double())  # the same dtype works
    assert out.dtype == weights.dtype == torch.float64


@pytest.mark.parametrize("shape", [(5, 6), (2, 1, 6), (2, 5, 6)])
def test_mask_shapes_shared_by_every_head(gen, shape):
    torch.manual_seed(2)
    mha = MultiHeadAttention(8, 2)
    query, memory = torch.randn(2, 5, 8, generator=gen), torch.randn(2, 6, 8, generator=gen)
    mask = torch.rand(shape, generator=gen) > 0.3
    mask[..., 0] = True
    _, weights = mha(query, memory, memory, mask)  # (B, H, T, S)
    full = mask.expand(2, 5, 6)
    for h in range(2):
        assert torch.all(weights[:, h][~full] == 0)
        torch.testing.assert_close(weights[:, h].sum(-1), torch.ones(2, 5))


def test_per_head_mask_is_each_heads_own_mask(gen):
    torch.manual_seed(2)
    mha = MultiHeadAttention(8, 2)
    x = torch.randn(2, 4, 8, generator=gen)
    per_head = torch.rand(2, 2, 4, 4, generator=gen) > 0.4  # (B, H, T, S)
    per_head |= torch.eye(4, dtype=torch.bool)
    _, weights = mha(x, x, x, per_head)
    assert torch.all(weights[~per_head] == 0)
    for h in range(2):  # head h with the per-head mask = head h when every head gets mask h
        _, shared = mha(x, x, x, per_head[:, h])
        torch.testing.assert_close(weights[:, h], shared[:, h])
    _, same = mha(x, x, x, per_head[:, :1].expand(2, 2, 4, 4))  # one mask repeated per head
    torch.testing.assert_close(same, mha(x, x, x, per_head[:, 0])[1])


def test_from_torch_refuses_sequence_first():
    with pytest.raises(ValueError, match="batch_first=True"):
        MultiHeadAttention.from_torch(nn.MultiheadAttention(8, 2))


# --- per_head_weights ------------------------------------------------------------------------


@pytest.mark.parametrize("n_heads", [1, 2, 3, 4, 6, 12])
def test_per_head_weights_match_torch_multihead_attention(gen, n_heads):
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(12, n_heads, batch_first=True, bias=False).eval()
    x = torch.randn(7, 12, generator=gen)
    w_q, w_k, _ = mha.in_proj_weight.detach().chunk(3)  # each (C, C), stored as Wᵀ
    _, ref = mha(x[None], x[None], x[None], average_attn_weights=False)  # (1, H, T, T)
    torch.testing.assert_close(per_head_weights(x, w_q.T, w_k.T, n_heads), ref[0])


def test_per_head_weights_match_lib_layer(gen):
    torch.manual_seed(3)
    mha = MultiHeadAttention(8, 4, bias=False)
    x = torch.randn(5, 8, generator=gen)
    _, ref = mha(x[None], x[None], x[None])
    got = per_head_weights(x, mha.q_proj.weight.detach().T, mha.k_proj.weight.detach().T, 4)
    torch.testing.assert_close(got, ref[0].detach())


def test_per_head_weights_scale(gen):
    x, w_q, w_k = torch.randn(6, 8, generator=gen), torch.randn(8, 8, generator=gen), torch.randn(8, 8, generator=gen)
    right, wrong = per_head_weights(x, w_q, w_k, 4), per_head_weights(x, w_q, w_k, 4, scale=8**-0.5)
    q, k = (x @ w_q)[:, 2:4], (x @ w_k)[:, 2:4]  # head 1 of 4: columns 2..3
    torch.testing.assert_close(right[1], torch.softmax(q @ k.T / math.sqrt(2), -1))
    torch.testing.assert_close(wrong[1], torch.softmax(q @ k.T / math.sqrt(8), -1))
    torch.testing.assert_close(right.sum(-1), torch.ones(4, 6))

    def entropy(w):
        return -(w * w.log()).sum(-1).mean()

    assert entropy(wrong) > entropy(right)  # √d_model over-divides: flatter
    torch.testing.assert_close(per_head_weights(x, w_q, w_k, 1, scale=8**-0.5), per_head_weights(x, w_q, w_k, 1))
    torch.testing.assert_close(per_head_weights(x, w_q, w_k, 4, scale=None), right)  # None is the default: ÷ √d_k


def test_per_head_weights_errors():
    with pytest.raises(ValueError, match=r"x must have 2 dimensions, got shape \(2, 3, 4\)"):
        per_head_weights(torch.zeros(2, 3, 4), torch.zeros(4, 4), torch.zeros(4, 4), 2)
    with pytest.raises(ValueError, match=r"w_q \(4, 2\)"):
        per_head_weights(torch.zeros(3, 4), torch.zeros(4, 2), torch.zeros(4, 2), 2)
    with pytest.raises(ValueError, match="d_model=4 must be divisible by n_heads=3"):
        per_head_weights(torch.zeros(3, 4), torch.zeros(4, 4), torch.zeros(4, 4), 3)


# --- mean_attention_distance -------------------------------------------------------------------


def test_mean_attention_distance_known_patterns():
    T = 5
    look_back = torch.zeros(T, T)
    look_back[0, 0] = 1
    look_back[torch.arange(1, T), torch.arange(T - 1)] = 1  # query t -> key t-1
    first = torch.zeros(T, T)
    first[:, 0] = 1  # every query -> key 0
    uniform = torch.full((T, T), 1 / T)
    got = mean_attention_distance(torch.stack([torch.eye(T), look_back, first, uniform]))
    expected = torch.tensor([0.0, 4 / 5, 2.0, sum(abs(t - s) for t in range(T) for s in range(T)) / T**2])
    torch.testing.assert_close(got, expected)


def test_mean_attention_distance_rectangular_and_errors():
    w = torch.zeros(2, 3)
    w[:, 2] = 1  # queries 0, 1 look at key 2
    assert mean_attention_distance(w).item() == pytest.approx(1.5)
    with pytest.raises(ValueError, match=r"weights \(\.\.\., T, S\) must have at least 2 dimensions, got shape \(4,\)"):
        mean_attention_distance(torch.ones(4))


# --- the possible numbers of heads ---------------------------------------------------------------


def test_head_counts():
    assert head_counts(12) == [1, 2, 3, 4, 6, 12] and head_counts(7) == [1, 7]


@pytest.mark.parametrize("d_model", [1, 2, 7, 12, 24, 64, 97, 512])
def test_head_counts_are_exactly_the_splits_check_heads_accepts(d_model):
    counts = head_counts(d_model)
    assert counts[0] == 1 and counts[-1] == d_model and counts == sorted(set(counts))
    for h in range(1, d_model + 1):
        if h in counts:
            assert check_heads(d_model, h) * h == d_model  # d_k is whole
        else:
            with pytest.raises(ValueError, match=f"d_model={d_model} must be divisible by n_heads={h}"):
                check_heads(d_model, h)


def test_head_counts_bad_input():
    with pytest.raises(ValueError, match=r"d_model must be >= 1, got 0"):
        head_counts(0)
    with pytest.raises(TypeError, match=r"d_model must be a whole number >= 1, got bool True"):
        head_counts(True)
