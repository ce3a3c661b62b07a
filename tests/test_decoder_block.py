"""lib.blocks.DecoderBlock and cross-attention, against torch.nn.TransformerDecoderLayer and MultiheadAttention."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lib.blocks import DecoderBlock, EncoderBlock
from lib.heads import MultiHeadAttention
from lib.masks import causal_mask, combine_masks, padding_mask

B, T, S, C, H, F_ = 3, 4, 6, 8, 2, 16
SOURCE_LENGTHS = [6, 3, 1]


def _inputs(gen, dtype=torch.float32):
    x = torch.randn(B, T, C, generator=gen, dtype=dtype)  # (B, T, C)
    memory = torch.randn(B, S, C, generator=gen, dtype=dtype)  # (B, S, C)
    return x, memory


def _torch_layer(norm_first: bool, **kw) -> nn.TransformerDecoderLayer:
    torch.manual_seed(0)
    return nn.TransformerDecoderLayer(C, H, F_, dropout=0.0, batch_first=True, norm_first=norm_first, **kw).eval()


# --- cross-attention: queries from x, keys and values from memory -------------------------


def test_cross_attention_equals_torch_multihead_attention(gen):
    mha = nn.MultiheadAttention(C, H, batch_first=True)
    ours = MultiHeadAttention.from_torch(mha)
    x, memory = _inputs(gen)
    value = torch.randn(B, S, C, generator=gen)  # key != value, so a swap of the two would show
    pad = padding_mask(SOURCE_LENGTHS, S)  # (B, 1, S)
    out, weights = ours(x, memory, value, pad)
    ref, ref_weights = mha(x, memory, value, key_padding_mask=~pad[:, 0], average_attn_weights=False)
    assert weights.shape == (B, H, T, S)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(weights, ref_weights)


def test_padded_source_positions_get_zero_weight_and_cannot_change_real_outputs(gen):
    block = DecoderBlock(C, H, F_).eval()
    x, memory = _inputs(gen)
    pad = padding_mask(SOURCE_LENGTHS, S)  # (B, 1, S)
    out, _, cross = block(x, memory, self_mask=causal_mask(T), memory_mask=pad)
    blocked = ~pad.expand(B, T, S)  # (B, T, S)
    assert torch.all(cross.permute(1, 0, 2, 3)[:, blocked] == 0)  # every head, every query
    torch.testing.assert_close(cross.sum(-1), torch.ones(B, H, T))
    junk = memory.clone()
    junk[blocked[:, 0]] = 1e3 * torch.randn(int(blocked[:, 0].sum()), C, generator=gen)  # garbage in the pad rows
    out_junk, _, _ = block(x, junk, self_mask=causal_mask(T), memory_mask=pad)
    torch.testing.assert_close(out_junk, out)


def test_padded_memory_rows_get_no_gradient(gen):
    block = DecoderBlock(C, H, F_)
    x, memory = _inputs(gen)
    memory.requires_grad_(True)
    pad = padding_mask(SOURCE_LENGTHS, S)
    out, _, _ = block(x, memory, memory_mask=pad)
    # a random read-out: out.sum() would be constant (a LayerNorm's outputs sum to Σ bias), its gradient ~0
    (out * torch.randn(out.shape, generator=gen)).sum().backward()
    assert torch.all(memory.grad[~pad[:, 0]] == 0) and torch.all(memory.grad[pad[:, 0]].abs().sum(-1) > 0)


# --- the block against PyTorch --------------------------------------------------------------


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_decoder_block_equals_torch_decoder_layer(gen, norm_first, masked):
    layer = _torch_layer(norm_first)
    block = DecoderBlock.from_torch(layer)
    assert block.norm_first == norm_first
    x, memory = _inputs(gen)
    if masked:  # lib: True = may attend; torch: True = blocked
        pad = padding_mask(SOURCE_LENGTHS, S)
        out, self_w, cross_w = block(x, memory, self_mask=causal_mask(T), memory_mask=pad)
        ref = layer(x, memory, tgt_mask=~causal_mask(T), memory_key_padding_mask=~pad[:, 0])
    else:
        out, self_w, cross_w = block(x, memory)
        ref = layer(x, memory)
    assert out.shape == (B, T, C) and self_w.shape == (B, H, T, T) and cross_w.shape == (B, H, T, S)
    torch.testing.assert_close(out, ref)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_block_equals_torch_in_float64_with_target_padding(gen, norm_first):
    layer = _torch_layer(norm_first)
    block = DecoderBlock.from_torch(layer).double()  # from_torch copies into float32 modules, then .double()
    layer = layer.double()
    x, memory = _inputs(gen, torch.float64)
    tgt_pad, src_pad = padding_mask([4, 4, 2], T), padding_mask(SOURCE_LENGTHS, S)
    self_mask = combine_masks(tgt_pad, causal_mask(T))  # (B, T, T)
    out, _, _ = block(x, memory, self_mask=self_mask, memory_mask=src_pad)
    ref = layer(x, memory, tgt_mask=~causal_mask(T), tgt_key_padding_mask=~tgt_pad[:, 0],
                memory_key_padding_mask=~src_pad[:, 0])
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)  # float64: agreement to rounding


def test_from_torch_copies_every_parameter_and_dropout():
    layer = nn.TransformerDecoderLayer(C, H, F_, dropout=0.25, batch_first=True)
    block = DecoderBlock.from_torch(layer)
    assert block.dropout.p == 0.25 and block.ff.dropout.p == 0.25
    assert sum(p.numel() for p in block.parameters()) == sum(p.numel() for p in layer.parameters())


def test_same_parameter_count_as_torch_and_one_attention_more_than_encoder():
    dec = DecoderBlock(C, H, F_)
    enc = EncoderBlock(C, H, F_)
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert n(dec) == n(nn.TransformerDecoderLayer(C, H, F_, batch_first=True))
    assert n(dec) - n(enc) == 4 * (C * C + C) + 2 * C  # one MultiHeadAttention and one LayerNorm


@pytest.mark.parametrize("norm_first", [False, True])
def test_causal_mask_stops_a_future_target_token(gen, norm_first):
    block = DecoderBlock(C, H, F_, norm_first=norm_first).eval()
    x, memory = _inputs(gen)
    changed = x.clone()
    changed[:, -1] = torch.randn(B, C, generator=gen)  # a different last target token
    out, _, _ = block(x, memory, self_mask=causal_mask(T))
    out_changed, _, _ = block(changed, memory, self_mask=causal_mask(T))
    torch.testing.assert_close(out_changed[:, :-1], out[:, :-1], rtol=0, atol=0)
    assert not torch.allclose(out_changed[:, -1], out[:, -1])
    free, _, _ = block(x, memory)
    free_changed, _, _ = block(changed, memory)
    assert not torch.allclose(free_changed[:, 0], free[:, 0])  # without the mask the future leaks


def test_shapes_with_t_different_from_s_and_per_head_masks(gen):
    block = DecoderBlock(C, 4, F_)
    x, memory = torch.randn(2, 3, C, generator=gen), torch.randn(2, 7, C, generator=gen)
    per_head = torch.ones(2, 4, 3, 7, dtype=torch.bool)
    per_head[:, 1, :, 0] = False
    _, self_w, cross_w = block(x, memory, memory_mask=per_head)
    assert self_w.shape == (2, 4, 3, 3) and cross_w.shape == (2, 4, 3, 7)
    assert torch.all(cross_w[:, 1, :, 0] == 0) and torch.all(cross_w[:, 0, :, 0] > 0)


def test_dropout_is_active_in_training_only(gen):
    block = DecoderBlock(C, H, F_, dropout=0.5)
    x, memory = _inputs(gen)
    torch.manual_seed(0)
    a, _, _ = block(x, memory)
    b, _, _ = block(x, memory)
    assert not torch.allclose(a, b)
    block.eval()
    torch.testing.assert_close(block(x, memory)[0], block(x, memory)[0], rtol=0, atol=0)


# --- bad inputs -----------------------------------------------------------------------------


def test_bad_inputs_are_refused_naming_what_came_in(gen):
    block = DecoderBlock(C, H, F_)
    x, memory = _inputs(gen)
    with pytest.raises(TypeError, match=r"memory \(B, S, C\) must be a torch.Tensor, got a NumPy array"):
        block(x, np.zeros((B, S, C), dtype=np.float32))
    with pytest.raises(TypeError, match=r"memory \(B, S, C\) has dtype torch.float64 .* use memory.float\(\)"):
        block(x, memory.double())
    with pytest.raises(ValueError, match=r"memory \(B, S, C\) must have d_model=8 features, got shape \(3, 6, 5\)"):
        block(x, torch.randn(B, S, 5))
    with pytest.raises(ValueError, match=r"x \(B, T, C\) must have 3 dimensions, got shape \(4, 8\)"):
        block(x[0], memory)
    with pytest.raises(ValueError, match=r"must share the batch size B"):
        block(x, memory[:2])
    with pytest.raises(TypeError, match="mask must be boolean"):
        block(x, memory, memory_mask=padding_mask(SOURCE_LENGTHS, S).float())
    with pytest.raises(ValueError, match=r"mask .* of shape \(3, 6\) does not broadcast to \(3, 4, 6\)"):
        block(x, memory, memory_mask=padding_mask(SOURCE_LENGTHS, S)[:, 0])
    with pytest.raises(ValueError, match=r"does not broadcast to \(3, 4, 4\)"):
        block(x, memory, self_mask=causal_mask(S))


@pytest.mark.parametrize(
    ("args", "kw", "error", "message"),
    [
        ((0, 2, 16), {}, ValueError, "d_model must be >= 1, got 0"),
        ((8, -1, 16), {}, ValueError, "n_heads must be >= 1, got -1"),
        ((8, 3, 16), {}, ValueError, "must be divisible by n_heads=3"),
        ((8, 2, 2.5), {}, TypeError, "d_ff must be a whole number"),
        ((8, 2, 16), {"dropout": float("nan")}, ValueError, "dropout must be a finite number"),
        ((8, 2, 16), {"eps": 0.0}, ValueError, r"eps must lie in \(0, inf\)"),
    ],
)
def test_bad_settings(args, kw, error, message):
    with pytest.raises(error, match=message):
        DecoderBlock(*args, **kw)


def test_from_torch_refuses_what_it_cannot_copy():
    with pytest.raises(ValueError, match="batch_first=True"):
        DecoderBlock.from_torch(nn.TransformerDecoderLayer(C, H, F_))
    with pytest.raises(ValueError, match="ReLU"):
        DecoderBlock.from_torch(nn.TransformerDecoderLayer(C, H, F_, batch_first=True, activation=F.gelu))
    with pytest.raises(ValueError, match="bias=True"):
        DecoderBlock.from_torch(nn.TransformerDecoderLayer(C, H, F_, batch_first=True, bias=False))
