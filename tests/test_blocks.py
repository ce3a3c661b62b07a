"""lib.blocks against torch.nn.TransformerEncoderLayer: Post-LN and Pre-LN, masks, the
position-wise feed-forward network."""

import pytest
import torch
from torch import nn

from lib.blocks import EncoderBlock, FeedForward
from lib.masks import padding_mask


def torch_layer(d_model=16, n_heads=4, d_ff=24, *, norm_first=False):
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(
        d_model, n_heads, d_ff, dropout=0.0, batch_first=True, norm_first=norm_first
    )
    with torch.no_grad():  # LayerNorm starts at a=1, b=0; move it so a wrong copy would show
        for norm in (layer.norm1, layer.norm2):
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.5, 0.5)
    return layer


@pytest.mark.parametrize("norm_first", [False, True])
def test_block_matches_torch_layer(gen, norm_first):
    layer = torch_layer(norm_first=norm_first).train()  # dropout=0, and no fast path in train mode
    block = EncoderBlock.from_torch(layer)
    assert block.norm_first is norm_first
    x = torch.randn(3, 5, 16, generator=gen)
    out, weights = block(x)
    torch.testing.assert_close(out, layer(x))
    attn_in = layer.norm1(x) if norm_first else x  # what the attention sublayer sees
    _, ref_weights = layer.self_attn(attn_in, attn_in, attn_in, average_attn_weights=False)
    torch.testing.assert_close(weights, ref_weights)
    assert weights.shape == (3, 4, 5, 5)


@pytest.mark.parametrize("norm_first", [False, True])
def test_block_with_padding_matches_torch_layer(gen, norm_first):
    layer = torch_layer(norm_first=norm_first)
    block = EncoderBlock.from_torch(layer)
    x = torch.randn(2, 6, 16, generator=gen)
    keep = padding_mask([6, 3], 6)  # (B, 1, S), True = real token
    out, weights = block(x, keep)
    # PyTorch's src_key_padding_mask is True where a key is IGNORED: the opposite polarity.
    ref = layer.train()(x, src_key_padding_mask=~keep[:, 0])
    torch.testing.assert_close(out, ref)
    assert torch.all(weights[1, :, :, 3:] == 0)
    ref_eval = layer.eval()(x, src_key_padding_mask=~keep[:, 0])  # eval may take a fused path
    torch.testing.assert_close(out[0], ref_eval[0])
    torch.testing.assert_close(out[1, :3], ref_eval[1, :3])  # real positions only


def test_block_with_attention_mask_matches_torch_layer(gen):
    layer = torch_layer().train()
    block = EncoderBlock.from_torch(layer)
    x = torch.randn(2, 4, 16, generator=gen)
    allowed = torch.rand(4, 4, generator=gen) > 0.4
    allowed |= torch.eye(4, dtype=torch.bool)  # every query keeps at least itself
    out, _ = block(x, allowed)
    torch.testing.assert_close(out, layer(x, src_mask=~allowed))  # torch: True = blocked


def test_post_ln_output_is_normalised_and_pre_ln_is_not(gen):
    x = 3 * torch.randn(2, 5, 8, generator=gen) + 1
    torch.manual_seed(0)
    post, _ = EncoderBlock(8, 2, 16)(x)
    torch.testing.assert_close(post.mean(-1), torch.zeros(2, 5), atol=1e-5, rtol=0)
    torch.testing.assert_close(post.var(-1, unbiased=False), torch.ones(2, 5), atol=1e-3, rtol=0)
    pre, _ = EncoderBlock(8, 2, 16, norm_first=True)(x)
    assert pre.mean(-1).abs().max() > 0.1  # the residual path carries x through unnormalised


def test_feed_forward_is_position_wise(gen):
    ff = FeedForward(8, 32)
    x = torch.randn(2, 5, 8, generator=gen)
    out = ff(x)
    assert out.shape == (2, 5, 8)
    torch.testing.assert_close(out[:, 3], ff(x[:, 3:4])[:, 0])  # one position alone, same result


def test_block_bad_input():
    block = EncoderBlock(8, 2, 16)
    with pytest.raises(ValueError, match=r"x \(B, T, C\) must have 3 dimensions, got shape \(5, 8\)"):
        block(torch.randn(5, 8))
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, d_model=8\), got \(2, 5, 6\)"):
        block(torch.randn(2, 5, 6))
    with pytest.raises(ValueError, match=r"dropout must lie in \[0, 1\), got 1"):
        EncoderBlock(8, 2, 16, dropout=1.0)
    with pytest.raises(ValueError, match=r"d_ff must be >= 1, got 0"):
        FeedForward(8, 0)
    with pytest.raises(ValueError, match="divisible by n_heads"):
        EncoderBlock(10, 3, 16)
    gelu = nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", batch_first=True)
    with pytest.raises(ValueError, match="ReLU"):
        EncoderBlock.from_torch(gelu)
    with pytest.raises(ValueError, match="batch_first"):
        EncoderBlock.from_torch(nn.TransformerEncoderLayer(8, 2, 16))
