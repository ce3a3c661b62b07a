"""lib.heads against torch.nn.MultiheadAttention."""

import pytest
import torch
from torch import nn

from lib.attention import scaled_dot_product_attention
from lib.heads import MultiHeadAttention, merge_heads, split_heads
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


@pytest.mark.parametrize("d_model,n_heads", [(10, 3), (8, 0), (6, 4)])
def test_indivisible_d_model(d_model, n_heads):
    with pytest.raises(ValueError, match=f"d_model={d_model} must be divisible by n_heads={n_heads}"):
        MultiHeadAttention(d_model, n_heads)


def test_bad_inputs_name_shapes():
    mha = MultiHeadAttention(8, 2)
    x = torch.zeros(2, 3, 8)
    with pytest.raises(ValueError, match=r"query must have shape \(B, length, d_model=8\), got \(2, 3, 6\)"):
        mha(torch.zeros(2, 3, 6), x, x)
    with pytest.raises(ValueError, match=r"key \(2, 3, 8\), value \(2, 4, 8\)"):
        mha(x, x, torch.zeros(2, 4, 8))
    with pytest.raises(ValueError, match=r"mask of shape \(3, 4\) does not broadcast .* \(2, 3, 3\)"):
        mha(x, x, x, torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"mask must be \(T, S\) or \(B, T, S\)"):
        mha(x, x, x, torch.ones(2, 2, 3, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"split_heads expects x of shape \(B, T, C\), got \(3, 8\)"):
        split_heads(torch.zeros(3, 8), 2)


def test_from_torch_refuses_sequence_first():
    with pytest.raises(ValueError, match="batch_first=True"):
        MultiHeadAttention.from_torch(nn.MultiheadAttention(8, 2))
