"""lib.blocks against torch.nn.TransformerEncoderLayer; lib.model, lib.data and lib.train."""

import math

import pytest
import torch
from torch import nn

from lib.blocks import EncoderBlock, FeedForward
from lib.data import TASKS, minibatches, toy_task
from lib.masks import padding_mask
from lib.model import TransformerEncoder
from lib.train import cross_entropy, evaluate, train


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
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, d_model=8\), got \(5, 8\)"):
        block(torch.randn(5, 8))
    with pytest.raises(ValueError, match="divisible by n_heads"):
        EncoderBlock(10, 3, 16)
    gelu = nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", batch_first=True)
    with pytest.raises(ValueError, match="ReLU"):
        EncoderBlock.from_torch(gelu)
    with pytest.raises(ValueError, match="batch_first"):
        EncoderBlock.from_torch(nn.TransformerEncoderLayer(8, 2, 16))


def small_model(**kw):
    torch.manual_seed(0)
    return TransformerEncoder(7, 5, d_model=16, n_heads=4, d_ff=32, n_layers=3, max_len=10, **kw)


def test_model_shapes_and_separate_layers(gen):
    model = small_model()
    tokens = torch.randint(7, (2, 6), generator=gen)
    logits, weights = model(tokens)
    assert logits.shape == (2, 6, 5)
    assert len(weights) == 3 and all(w.shape == (2, 4, 6, 6) for w in weights)
    first, second = model.blocks[0].attn.q_proj.weight, model.blocks[1].attn.q_proj.weight
    assert first.data_ptr() != second.data_ptr() and not torch.equal(first, second)


def test_model_is_the_blocks_on_scaled_embeddings_plus_positions(gen):
    from lib.positional import sinusoidal_encoding

    model = small_model(norm_first=True)
    tokens = torch.randint(7, (2, 6), generator=gen)
    x = model.embed(tokens) * math.sqrt(16) + sinusoidal_encoding(6, 16)
    for block in model.blocks:
        x, _ = block(x)
    torch.testing.assert_close(model(tokens)[0], model.head(model.final_norm(x)))


def test_model_padding_changes_nothing_at_real_tokens(gen):
    model = small_model(pool="mean")
    tokens = torch.randint(7, (2, 6), generator=gen)
    keep = padding_mask([6, 4], 6)
    logits, weights = model(tokens, keep)
    assert logits.shape == (2, 5)
    torch.testing.assert_close(logits[1], model(tokens[1:, :4])[0][0])  # padding is invisible
    assert all(torch.all(w[1, :, :, 4:] == 0) for w in weights)


def test_model_bad_input():
    model = small_model()
    with pytest.raises(ValueError, match=r"integer ids of shape \(B, T\)"):
        model(torch.randn(2, 6))
    with pytest.raises(ValueError, match="longer than max_len=10"):
        model(torch.zeros(1, 11, dtype=torch.long))
    with pytest.raises(ValueError, match=r"padding mask \(B, 1, T\) = \(2, 1, 6\), got \(2, 6\)"):
        model(torch.zeros(2, 6, dtype=torch.long), torch.ones(2, 6, dtype=torch.bool))
    with pytest.raises(ValueError, match="pool must be"):
        TransformerEncoder(7, 5, pool="max")


@pytest.mark.parametrize("task", sorted(TASKS))
def test_toy_task_targets_and_seed(task):
    x, y = toy_task(task, 50, 6, 4, seed=3)
    assert x.shape == y.shape == (50, 6) and x.dtype == torch.int64
    assert int(x.min()) >= 0 and int(x.max()) <= 3
    assert torch.equal(x, toy_task(task, 50, 6, 4, seed=3)[0])
    assert not torch.equal(x, toy_task(task, 50, 6, 4, seed=4)[0])
    assert torch.equal(y.sort(-1).values, x.sort(-1).values)  # same symbols, rearranged
    expected = {"copy": x, "reverse": x.flip(-1), "sort": x.sort(-1).values}[task]
    assert torch.equal(y, expected)
    assert torch.equal(y[0], expected[0])


def test_data_bad_input():
    with pytest.raises(ValueError, match="unknown task 'shuffle'"):
        toy_task("shuffle", 4, 3, 5)
    x, y = toy_task("copy", 4, 3, 5)
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, N=4\], got 8"):
        next(minibatches(x, y, batch_size=8, n_steps=1))
    with pytest.raises(ValueError, match="need the same N"):
        next(minibatches(x, y[:2], batch_size=2, n_steps=1))


def test_minibatches_are_seeded_rows_of_the_data():
    x, y = toy_task("reverse", 20, 4, 6)
    batches = list(minibatches(x, y, batch_size=5, n_steps=3, seed=1))
    again = list(minibatches(x, y, batch_size=5, n_steps=3, seed=1))
    assert len(batches) == 3
    for (bx, by), (ax, ay) in zip(batches, again, strict=True):
        assert bx.shape == (5, 4) and torch.equal(bx, ax) and torch.equal(by, ay)
        assert torch.equal(by, bx.flip(-1))  # inputs and targets stay paired


def fit(seed=0, dropout=0.0, n_steps=60):
    x, y = toy_task("copy", 256, 5, 6, seed=0)
    torch.manual_seed(0)
    model = TransformerEncoder(6, 6, d_model=16, n_heads=2, d_ff=32, n_layers=1, dropout=dropout)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = train(model, opt, minibatches(x, y, batch_size=32, n_steps=n_steps), seed=seed)
    return model, losses, (x, y)


def test_train_learns_the_copy_task_and_is_deterministic(one_thread):
    model, losses, (x, y) = fit()
    assert len(losses) == 60
    assert losses[0] > math.log(6) - 0.5 and losses[-1] < 0.5 * losses[0]
    assert losses == fit()[1]
    model.train()
    loss, accuracy = evaluate(model, x, y)
    assert model.training  # evaluate restores the mode
    assert accuracy > 0.9 and loss == pytest.approx(losses[-1], abs=0.3)


def test_train_seed_fixes_dropout_and_leaves_the_global_generator_alone(one_thread):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    _, a, _ = fit(seed=1, dropout=0.2, n_steps=5)
    torch.manual_seed(123)
    assert torch.equal(torch.get_rng_state(), before)
    _, b, _ = fit(seed=1, dropout=0.2, n_steps=5)
    _, c, _ = fit(seed=2, dropout=0.2, n_steps=5)
    assert a == b and a != c


def test_train_steps_the_scheduler_once_per_batch():
    x, y = toy_task("copy", 16, 3, 4)
    model = TransformerEncoder(4, 4, d_model=8, n_heads=2, d_ff=8, n_layers=1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda n: 1 / (n + 1))
    train(model, opt, minibatches(x, y, batch_size=4, n_steps=7), scheduler=sched)
    assert opt.param_groups[0]["lr"] == pytest.approx(1 / 8)


def test_cross_entropy_shapes():
    logits = torch.zeros(2, 3, 4)
    assert cross_entropy(logits, torch.zeros(2, 3, dtype=torch.long)).item() == pytest.approx(
        math.log(4)
    )
    with pytest.raises(ValueError, match=r"logits \(\.\.\., V\) = \(2, 3, 4\)"):
        cross_entropy(logits, torch.zeros(2, 4, dtype=torch.long))
