"""lib.model: the token embedding, the encoder (any boolean mask), mean pooling outside it,
the encoder with a linear head, and the encoder–decoder Transformer (= torch.nn.Transformer)."""

import math

import pytest
import torch
from torch import nn

from lib.blocks import DecoderBlock, EncoderBlock
from lib.masks import causal_mask, combine_masks, padding_mask
from lib.model import Encoder, TokenEmbedding, Transformer, TransformerEncoder, greedy_decode, mean_pool
from lib.positional import sinusoidal_encoding


def small_model(**kw):
    torch.manual_seed(0)
    return TransformerEncoder(7, 5, d_model=16, n_heads=4, d_ff=32, n_layers=3, max_len=10, **kw)


def small_encoder(**kw):
    torch.manual_seed(0)
    return Encoder(7, d_model=16, n_heads=4, d_ff=32, n_layers=3, max_len=10, **kw)


# --- the encoder with a linear head ---------------------------------------------------------------


def test_model_shapes_and_separate_layers(gen):
    model = small_model()
    tokens = torch.randint(7, (2, 6), generator=gen)
    logits, weights = model(tokens)
    assert logits.shape == (2, 6, 5)
    assert len(weights) == 3 and all(w.shape == (2, 4, 6, 6) for w in weights)
    blocks = model.encoder.blocks
    first, second = blocks[0].attn.q_proj.weight, blocks[1].attn.q_proj.weight
    assert first.data_ptr() != second.data_ptr() and not torch.equal(first, second)


def test_model_is_the_blocks_on_scaled_embeddings_plus_positions(gen):
    model = small_model(norm_first=True)
    encoder = model.encoder
    tokens = torch.randint(7, (2, 6), generator=gen)
    x = encoder.embedding.embed(tokens) * math.sqrt(16) + sinusoidal_encoding(6, 16)
    for block in encoder.blocks:
        x, _ = block(x)
    torch.testing.assert_close(model(tokens)[0], model.head(encoder.final_norm(x)))


def test_model_padding_changes_nothing_at_real_tokens(gen):
    encoder = small_encoder()
    tokens = torch.randint(7, (2, 6), generator=gen)
    keep = padding_mask([6, 4], 6)  # (B, 1, T)
    x, weights = encoder(tokens, keep)
    pooled = mean_pool(x, keep[:, 0])  # (B, C): one vector per sequence, over its real tokens
    assert pooled.shape == (2, 16)
    alone, _ = encoder(tokens[1:, :4])
    torch.testing.assert_close(pooled[1], mean_pool(alone)[0])  # padding is invisible
    torch.testing.assert_close(x[1, :4], alone[0])
    assert all(torch.all(w[1, :, :, 4:] == 0) for w in weights)
    model = small_model()  # the same with the per-position head
    logits, _ = model(tokens, keep)
    torch.testing.assert_close(logits[1, :4], model(tokens[1:, :4])[0][0])


def test_model_bad_input():
    model = small_model()
    with pytest.raises(TypeError, match=(
        r"tokens \(B, T\) must hold integer token ids, got dtype "
        r"torch\.float32; use tokens\.long\(\)"
    )):
        model(torch.randn(2, 6))
    with pytest.raises(ValueError, match=r"tokens \(B, T\) must have 2 dimensions, got shape \(6,\)"):
        model(torch.zeros(6, dtype=torch.long))
    with pytest.raises(ValueError, match=r"tokens \(B, T\) = \(1, 11\) are longer than max_len=10"):
        model(torch.zeros(1, 11, dtype=torch.long))
    with pytest.raises(ValueError, match=r"tokens \(B, T\) must lie in 0\.\.6 \(vocab_size=7\), got ids from 0 to 7"):
        model(torch.tensor([[0, 7]]))
    with pytest.raises(ValueError, match=(
        r"mask \(True = may attend\) of shape \(2, 6\) "
        r"does not broadcast to \(2, 6, 6\)"
    )):
        model(torch.zeros(2, 6, dtype=torch.long), torch.ones(2, 6, dtype=torch.bool))
    with pytest.raises(TypeError, match=r"mask must be boolean \(True = may attend\), got dtype torch\.float32"):
        model(torch.zeros(2, 6, dtype=torch.long), torch.ones(6, 6))
    with pytest.raises(ValueError, match=r"n_out must be >= 1, got 0"):
        TransformerEncoder(7, 0)
    with pytest.raises(ValueError, match=r"n_layers must be >= 1, got 0"):
        Encoder(7, n_layers=0)
    with pytest.raises(ValueError, match=r"dropout must lie in \[0, 1\), got 1\.5"):
        Encoder(7, dropout=1.5)


# --- the token embedding ---------------------------------------------------------------------------


def test_token_embedding_is_scaled_embedding_plus_positions(gen):
    torch.manual_seed(0)
    emb = TokenEmbedding(1000, 64, max_len=12)
    assert abs(emb.embed.weight.std().item() - 64**-0.5) < 0.005  # std d_model^-½ (SE ≈ 0.0003)
    tokens = torch.randint(1000, (3, 12), generator=gen)
    out = emb(tokens)
    assert out.shape == (3, 12, 64)
    torch.testing.assert_close(out, emb.embed.weight[tokens] * 8 + sinusoidal_encoding(12, 64))
    token_part = emb.embed.weight[tokens] * 8  # after ·√d_model: about unit size, like the PE
    assert 0.9 < token_part.std().item() < 1.1


def test_token_embedding_bad_input():
    emb = TokenEmbedding(5, 8, max_len=4)
    with pytest.raises(ValueError, match=r"tokens \(B, T\) must lie in 0\.\.4 \(vocab_size=5\), got ids from -1 to 2"):
        emb(torch.tensor([[-1, 2]]))
    with pytest.raises(TypeError, match=r"tokens \(B, T\) must be an integer torch\.Tensor of token ids, got a list"):
        emb([[0, 1]])
    with pytest.raises(ValueError, match=r"vocab_size must be >= 1, got 0"):
        TokenEmbedding(0, 8)


# --- the encoder and its masks ----------------------------------------------------------------------


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_with_a_causal_mask_does_not_see_the_future(gen, norm_first):
    encoder = small_encoder(norm_first=norm_first)
    T = 8
    tokens = torch.randint(7, (2, T), generator=gen)
    causal = causal_mask(T)
    x, weights = encoder(tokens, causal)
    assert all(torch.all(w.triu(1) == 0) for w in weights)
    for t in range(T - 1):
        changed = tokens.clone()
        changed[:, t + 1 :] = (changed[:, t + 1 :] + 1) % 7  # every token after t is different
        y, _ = encoder(changed, causal)
        torch.testing.assert_close(y[:, : t + 1], x[:, : t + 1])  # positions 0..t: unchanged
        assert not torch.allclose(y[:, t + 1 :], x[:, t + 1 :])  # the later ones do change
    changed = tokens.clone()
    changed[:, -1] = (changed[:, -1] + 1) % 7
    assert not torch.allclose(encoder(changed)[0][:, 0], encoder(tokens)[0][:, 0])  # no mask: it sees


def test_encoder_with_a_combined_padding_and_causal_mask(gen):
    encoder = small_encoder()
    tokens = torch.randint(7, (2, 6), generator=gen)
    mask = combine_masks(padding_mask([6, 4], 6), causal_mask(6))  # (B, T, T)
    x, weights = encoder(tokens, mask)
    for w in weights:  # (B, H, T, T)
        assert torch.all(w[~mask[:, None].expand_as(w)] == 0)
    torch.testing.assert_close(x[0], encoder(tokens[:1], causal_mask(6))[0][0])  # no padding: causal only
    torch.testing.assert_close(x[1, :4], encoder(tokens[1:, :4], causal_mask(4))[0][0])  # its 4 tokens alone
    per_head = mask[:, None].expand(2, 4, 6, 6)  # (B, H, T, T): the same mask for each of the 4 heads
    torch.testing.assert_close(encoder(tokens, per_head)[0], x)


# --- mean pooling -------------------------------------------------------------------------------------


def test_mean_pool_is_the_mean_over_the_kept_positions(gen):
    x = torch.randn(3, 5, 4, generator=gen, dtype=torch.float64)
    keep = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [0, 1, 0, 1, 1]], dtype=torch.bool)
    pooled = mean_pool(x, keep)
    assert pooled.shape == (3, 4) and pooled.dtype == torch.float64
    for b in range(3):
        kept = [x[b, t] for t in range(5) if keep[b, t]]
        torch.testing.assert_close(pooled[b], sum(kept) / len(kept))
    padded = x.clone()
    padded[~keep] = 1e6  # whatever sits at the padding does not count
    torch.testing.assert_close(mean_pool(padded, keep), pooled)
    torch.testing.assert_close(mean_pool(x), x.mean(dim=1))
    torch.testing.assert_close(mean_pool(x, torch.ones(3, 5, dtype=torch.bool)), x.mean(dim=1))


def test_mean_pool_bad_input():
    x = torch.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"keep must have shape \(B, T\) = \(2, 3\), got \(2, 1, 3\)"):
        mean_pool(x, padding_mask([3, 2], 3))  # the (B, 1, S) attention mask, not (B, T)
    with pytest.raises(TypeError, match=(
        r"keep \(B, T\) must be boolean \(True = may "
        r"attend\), got dtype torch\.float32"
    )):
        mean_pool(x, torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"x \(B, T, C\) must have 3 dimensions, got shape \(3, 4\)"):
        mean_pool(torch.zeros(3, 4))


# --- the encoder–decoder Transformer -------------------------------------------------------------


def _copied_transformer(norm_first: bool):
    """lib's Transformer holding the weights of a torch.nn.Transformer of the same size."""
    ref = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=32,
                         dropout=0.0, batch_first=True, norm_first=norm_first)
    model = Transformer(11, 13, d_model=16, n_heads=4, d_ff=32, n_layers=2, norm_first=norm_first)
    model.encoder = nn.ModuleList(EncoderBlock.from_torch(layer) for layer in ref.encoder.layers)
    model.decoder = nn.ModuleList(DecoderBlock.from_torch(layer) for layer in ref.decoder.layers)
    model.encoder_norm.load_state_dict(ref.encoder.norm.state_dict())
    model.decoder_norm.load_state_dict(ref.decoder.norm.state_dict())
    return model.eval(), ref.eval()


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_equals_torch_transformer(norm_first):
    torch.manual_seed(0)
    model, ref = _copied_transformer(norm_first)
    src = torch.randint(1, 11, (3, 7))
    src[1, 5:] = 0  # padding in the source
    tgt = torch.randint(1, 13, (3, 5))
    tgt[2, 3:] = 0  # and in the target
    logits, weights = model(src, tgt)
    causal_blocked = torch.ones(5, 5, dtype=torch.bool).triu(1)  # torch: True = blocked
    out = ref(model.src_embedding(src), model.tgt_embedding(tgt), tgt_mask=causal_blocked,
              src_key_padding_mask=src == 0, tgt_key_padding_mask=tgt == 0, memory_key_padding_mask=src == 0)
    real = tgt != 0  # torch leaves padded query rows undefined; compare the real ones
    torch.testing.assert_close(logits[real], model.out(out)[real])
    assert [w.shape for w in weights["cross"]] == [(3, 4, 5, 7)] * 2
    assert [w.shape for w in weights["self"]] == [(3, 4, 5, 5)] * 2
    assert [w.shape for w in weights["encoder"]] == [(3, 4, 7, 7)] * 2
    assert torch.all(weights["cross"][0][1, :, :, 5:] == 0)  # padded source keys get no weight


def test_transformer_future_target_tokens_change_nothing_earlier():
    torch.manual_seed(0)
    model = Transformer(9, 9, d_model=16, n_heads=2, d_ff=32, n_layers=2).eval()
    src = torch.randint(1, 9, (2, 6))
    tgt = torch.randint(1, 9, (2, 5))
    changed = tgt.clone()
    changed[:, 3:] = (changed[:, 3:] % 8) + 1  # different tokens from position 3 on
    a, _ = model(src, tgt)
    b, _ = model(src, changed)
    torch.testing.assert_close(a[:, :3], b[:, :3])
    assert not torch.allclose(a[:, 3:], b[:, 3:])


def test_transformer_padding_in_the_source_changes_nothing():
    torch.manual_seed(0)
    model = Transformer(9, 9, d_model=16, n_heads=2, d_ff=32, n_layers=1).eval()
    src = torch.tensor([[3, 4, 5, 0, 0]])
    tgt = torch.tensor([[1, 6, 7]])
    torch.testing.assert_close(model(src, tgt)[0], model(src[:, :3], tgt)[0])


def test_greedy_decode_is_the_argmax_loop():
    torch.manual_seed(0)
    model = Transformer(9, 9, d_model=16, n_heads=2, d_ff=32, n_layers=1).eval()
    src = torch.randint(3, 9, (4, 6))
    out = greedy_decode(model, src, bos=1, eos=2, max_len=6)
    assert out.shape[0] == 4 and out.shape[1] <= 6 and torch.all(out[:, 0] == 1)
    for row in range(4):  # one sequence at a time, by hand
        seq = torch.tensor([[1]])
        for _ in range(out.shape[1] - 1):
            nxt = model(src[row:row + 1], seq)[0][0, -1].argmax()
            seq = torch.cat([seq, nxt.view(1, 1)], dim=1)
            if nxt == 2:
                break
        assert out[row, : seq.shape[1]].tolist() == seq[0].tolist()
        assert torch.all(out[row, seq.shape[1]:] == 0)  # padded after <eos>


def test_transformer_bad_input():
    model = Transformer(9, 9, d_model=16, n_heads=2, d_ff=32, n_layers=1)
    with pytest.raises(ValueError, match=r"must lie in 0\.\.8"):
        model(torch.tensor([[1, 9]]), torch.tensor([[1]]))
    with pytest.raises(ValueError, match=r"must share B"):
        model(torch.ones(2, 3, dtype=torch.long), torch.ones(3, 2, dtype=torch.long))
    with pytest.raises(ValueError, match=r"max_len must be >= 2"):
        greedy_decode(model, torch.ones(1, 3, dtype=torch.long), bos=1, eos=2, max_len=1)
