"""Tests that kill mutations of lib that slipped past the other tests (scripts/mutation_check.py).

Each test pins one thing entry by entry, against its formula or against PyTorch, on inputs chosen
so that the mutation shows: a key different from the value, a d_model other than 64,
pre-activations of both signs, more rows than a with-replacement draw could keep distinct, ...
"""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lib.attention import chunked_attention, masked_softmax, scaled_dot_product_attention
from lib.blocks import EncoderBlock, FeedForward
from lib.data import TASKS, minibatches, toy_task
from lib.heads import MultiHeadAttention
from lib.masks import causal_mask, combine_masks, left_padding_mask, padding_mask
from lib.model import Encoder, TokenEmbedding, mean_pool
from lib.positional import offset_rotation, sinusoidal_encoding, sinusoidal_encoding_concatenated
from lib.schedules import noam_lambda, noam_lr
from lib.train import evaluate

T_, F_ = True, False


def seeded(make, seed: int = 0):
    """make() with torch's global generator seeded for it (layer initialisation), then restored."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


# --- multi-head attention: V comes from `value` --------------------------------------------------
@pytest.mark.parametrize("masked", [False, True])
def test_multi_head_attention_with_distinct_key_and_value_equals_torch(gen, masked):
    ref = seeded(lambda: nn.MultiheadAttention(8, 2, batch_first=True))  # d_k = 4, not √d_model = √8
    ours = MultiHeadAttention.from_torch(ref)
    query = torch.randn(2, 3, 8, generator=gen)  # T = 3
    key = torch.randn(2, 5, 8, generator=gen)  # S = 5
    value = torch.randn(2, 5, 8, generator=gen)  # not the key: a V read from `key` would show
    keep = padding_mask([5, 2], 5) if masked else None  # (B, 1, S)
    out, weights = ours(query, key, value, keep)
    ref_out, ref_weights = ref(query, key, value, key_padding_mask=None if keep is None else ~keep[:, 0],
                               average_attn_weights=False)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(weights, ref_weights)
    assert not torch.allclose(out, ours(query, key, key, keep)[0])  # the value really matters


# --- minibatches: without replacement, and seeded -------------------------------------------------
@pytest.mark.parametrize("batch_size", [6, 10])
def test_minibatch_rows_are_distinct_and_keep_their_targets(batch_size):
    N = 10
    inputs = torch.arange(N)[:, None].repeat(1, 3)  # row i holds i: a batch shows which rows it drew
    targets = inputs + 100
    batches = list(minibatches(inputs, targets, batch_size=batch_size, n_steps=40, seed=0))
    assert len(batches) == 40
    for x, y in batches:
        rows = x[:, 0].tolist()
        assert len(set(rows)) == batch_size, f"row drawn twice in one batch: {rows}"
        assert torch.equal(y, x + 100)  # each target stays with its input
    assert len({tuple(x[:, 0].tolist()) for x, _ in batches}) > 1  # batches differ from step to step


def test_minibatches_follow_their_seed():
    inputs = torch.arange(20)[:, None]

    def draw(seed):
        return [x[:, 0].tolist() for x, _ in minibatches(inputs, inputs, batch_size=5, n_steps=4, seed=seed)]

    assert draw(0) == draw(0)
    assert draw(0) != draw(1)
    assert draw(1) != draw(2)


# --- toy tasks: seeded, and the right targets -----------------------------------------------------
@pytest.mark.parametrize("task", sorted(TASKS))
def test_toy_task_follows_its_seed(task):
    x0, y0 = toy_task(task, 32, 6, 5, seed=0)
    again = toy_task(task, 32, 6, 5, seed=0)
    x1, _ = toy_task(task, 32, 6, 5, seed=1)
    assert torch.equal(x0, again[0]) and torch.equal(y0, again[1])
    assert not torch.equal(x0, x1)
    assert x0.dtype == torch.int64 and set(x0.unique().tolist()) == set(range(5))


@pytest.mark.parametrize("task, rule", [
    ("copy", lambda x: x),
    ("reverse", lambda x: x.flip(-1)),
    ("sort", lambda x: x.sort(dim=-1).values),
])
def test_toy_task_targets_follow_the_task(task, rule):
    x, y = toy_task(task, 16, 7, 9, seed=3)
    assert torch.equal(y, rule(x))


# --- positional encoding, entry by entry, at d_model other than 64 --------------------------------
@pytest.mark.parametrize("base", [10000.0, 100.0])
@pytest.mark.parametrize("d_model", [2, 6, 7, 10, 64])
def test_sinusoidal_encoding_entry_by_entry(d_model, base):
    P = 12
    pe = sinusoidal_encoding(P, d_model, base=base)
    assert pe.shape == (P, d_model) and pe.dtype == torch.float32
    for p, j in itertools.product(range(P), range(d_model)):
        angle = p / base ** (2 * (j // 2) / d_model)  # pair i = j // 2 shares one frequency
        want = math.sin(angle) if j % 2 == 0 else math.cos(angle)
        assert pe[p, j].item() == pytest.approx(want, abs=1e-6), f"PE[{p}, {j}] at d_model={d_model}"


@pytest.mark.parametrize("d_model", [6, 10])
def test_concatenated_layout_entry_by_entry(d_model):
    P, half = 9, d_model // 2
    pe = sinusoidal_encoding_concatenated(P, d_model)
    for p, i in itertools.product(range(P), range(half)):
        angle = p / 10000.0 ** (2 * i / d_model)
        assert pe[p, i].item() == pytest.approx(math.sin(angle), abs=1e-6)
        assert pe[p, half + i].item() == pytest.approx(math.cos(angle), abs=1e-6)


@pytest.mark.parametrize("d_model", [6, 10])
def test_offset_rotation_moves_the_encoding_at_any_width(d_model):
    pe = sinusoidal_encoding(20, d_model).double()
    for k in (1, 3):
        torch.testing.assert_close(pe[:-k] @ offset_rotation(k, d_model).double(), pe[k:], atol=1e-5, rtol=0)


# --- masks: exact boolean tables ------------------------------------------------------------------
def test_padding_mask_exact_table():
    want = torch.tensor([
        [F_, F_, F_, F_],
        [T_, F_, F_, F_],
        [T_, T_, T_, F_],
        [T_, T_, T_, T_],
    ])[:, None, :]  # (B, 1, S)
    for lengths in ([0, 1, 3, 4], torch.tensor([0, 1, 3, 4])):
        got = padding_mask(lengths, 4)
        assert got.dtype == torch.bool and torch.equal(got, want)
    assert torch.equal(left_padding_mask([0, 1, 3, 4], 4), want.flip(-1))


def test_causal_mask_exact_table():
    want = torch.tensor([
        [T_, F_, F_, F_],
        [T_, T_, F_, F_],
        [T_, T_, T_, F_],
        [T_, T_, T_, T_],
    ])
    got = causal_mask(4)
    assert got.dtype == torch.bool and torch.equal(got, want)


def test_combine_masks_is_a_logical_and():
    got = combine_masks(padding_mask([3, 1], 3), causal_mask(3))  # (2, 1, 3) & (3, 3) -> (2, 3, 3)
    want = torch.tensor([
        [[T_, F_, F_], [T_, T_, F_], [T_, T_, T_]],
        [[T_, F_, F_], [T_, F_, F_], [T_, F_, F_]],
    ])
    assert torch.equal(got, want)


# --- attention and its softmax --------------------------------------------------------------------
@pytest.mark.parametrize("masked", [False, True])
def test_attention_equals_torch_with_more_keys_than_queries(gen, masked):
    q = torch.randn(2, 3, 4, generator=gen)  # T = 3 queries
    k, v = torch.randn(2, 5, 4, generator=gen), torch.randn(2, 5, 6, generator=gen)  # S = 5 keys
    mask = (torch.rand(2, 3, 5, generator=gen) > 0.4) | torch.eye(3, 5, dtype=torch.bool) if masked else None
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3))  # a distribution over the keys


def test_a_fully_masked_row_gets_zero_weights():
    scores = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    mask = torch.tensor([[T_, F_, T_], [F_, F_, F_]])
    weights = masked_softmax(scores, mask)
    torch.testing.assert_close(weights[0], torch.softmax(torch.tensor([1.0, -math.inf, 3.0]), dim=-1))
    assert torch.equal(weights[1], torch.zeros(3))


@pytest.mark.parametrize("chunk_size", [1, 2, 3])
def test_chunked_attention_when_later_chunks_hold_larger_scores(gen, chunk_size):
    q = torch.randn(3, 4, generator=gen)
    k = torch.randn(7, 4, generator=gen) * torch.arange(1.0, 8.0)[:, None]  # scores grow chunk by chunk
    v = torch.randn(7, 5, generator=gen)
    want, _ = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(chunked_attention(q, k, v, chunk_size=chunk_size), want)


# --- blocks: the ReLU and the residuals -----------------------------------------------------------
def test_feed_forward_is_relu_between_two_linear_maps(gen):
    ff = seeded(lambda: FeedForward(8, 16))
    x = torch.randn(2, 5, 8, generator=gen)
    pre = x @ ff.linear1.weight.T + ff.linear1.bias  # (B, T, F)
    assert (pre < 0).any() and (pre > 0).any()  # the ReLU has something to cut
    want = torch.clamp(pre, min=0) @ ff.linear2.weight.T + ff.linear2.bias  # (B, T, C)
    torch.testing.assert_close(ff(x), want)


def torch_layer(*, norm_first: bool) -> nn.TransformerEncoderLayer:
    layer = seeded(lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=norm_first))
    with torch.no_grad():  # LayerNorms away from 1 and 0, so a norm left out or swapped shows
        for norm in (layer.norm1, layer.norm2):
            norm.weight.copy_(torch.linspace(0.5, 1.5, 8))
            norm.bias.copy_(torch.linspace(-0.5, 0.5, 8))
    return layer.train()  # dropout is 0; train mode keeps PyTorch off its fused fast path


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_block_equals_torch_layer_where_relu_matters(gen, norm_first, masked):
    layer = torch_layer(norm_first=norm_first)
    block = EncoderBlock.from_torch(layer)
    x = 2 * torch.randn(2, 5, 8, generator=gen)
    keep = padding_mask([5, 3], 5) if masked else None
    seen = []
    hook = block.ff.linear1.register_forward_hook(lambda _m, _i, out: seen.append(out))
    out, _ = block(x, keep)
    hook.remove()
    assert (seen[0] < 0).any() and (seen[0] > 0).any()  # the FFN's ReLU cuts something on this input
    ref = layer(x, src_key_padding_mask=None if keep is None else ~keep[:, 0])
    torch.testing.assert_close(out, ref)


# --- the encoder: its own parameters per layer, scaled embeddings, a last LayerNorm for Pre-LN ----
def test_encoder_layers_share_no_parameters():
    enc = seeded(lambda: Encoder(10, d_model=8, n_heads=2, d_ff=16, n_layers=3))
    assert len(enc.blocks) == 3
    storage = [{p.data_ptr() for p in block.parameters()} for block in enc.blocks]
    for i, j in itertools.combinations(range(3), 2):
        assert not storage[i] & storage[j], f"blocks {i} and {j} share parameter storage"
        pairs = zip(enc.blocks[i].parameters(), enc.blocks[j].parameters(), strict=True)
        assert any(not torch.equal(a, b) for a, b in pairs), f"blocks {i} and {j} hold the same numbers"
    per_block = sum(p.numel() for p in enc.blocks[0].parameters())
    assert sum(p.numel() for p in enc.parameters()) == 10 * 8 + 3 * per_block


@pytest.mark.parametrize("d_model", [4, 16])
def test_token_embedding_is_the_scaled_embedding_plus_positions(d_model):
    emb = seeded(lambda: TokenEmbedding(10, d_model, max_len=12))
    tokens = torch.tensor([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]])
    want = emb.embed.weight[tokens] * math.sqrt(d_model) + sinusoidal_encoding(12, d_model)[:5]  # (B, T, C)
    assert torch.equal(emb(tokens), want)


def test_encoder_is_its_blocks_on_the_embedding(gen):
    enc = seeded(lambda: Encoder(10, d_model=8, n_heads=2, d_ff=16, n_layers=2))
    tokens = torch.randint(10, (2, 6), generator=gen)
    keep = padding_mask([6, 4], 6)
    x = enc.embedding(tokens)
    for block in enc.blocks:
        x, _ = block(x, keep)
    out, weights = enc(tokens, keep)
    torch.testing.assert_close(out, x)
    assert len(weights) == 2


def test_pre_ln_encoder_ends_with_a_layer_norm(gen):
    enc = seeded(lambda: Encoder(10, d_model=8, n_heads=2, d_ff=16, n_layers=2, norm_first=True))
    out, _ = enc(torch.randint(10, (2, 6), generator=gen))
    torch.testing.assert_close(out.mean(-1), torch.zeros(2, 6), atol=1e-5, rtol=0)  # LayerNorm at a=1, b=0
    torch.testing.assert_close(out.var(-1, unbiased=False), torch.ones(2, 6), atol=1e-3, rtol=0)


def test_mean_pool_averages_only_the_real_tokens():
    x = torch.arange(24.0).reshape(2, 4, 3)
    keep = padding_mask([4, 2], 4)[:, 0]  # (B, T)
    want = torch.stack([x[0].mean(0), x[1, :2].mean(0)])
    torch.testing.assert_close(mean_pool(x, keep), want)


# --- training: accuracy over scored positions; the warm-up schedule -------------------------------
class FixedLogits(nn.Module):
    """A 'model' that returns the logits it was built with, whatever the input."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, inputs):
        return self.logits, None


def test_accuracy_counts_only_scored_positions():
    logits = torch.tensor([[[5.0, 0.0], [5.0, 0.0], [0.0, 5.0], [0.0, 5.0]]])  # predicts 0, 0, 1, 1
    targets = torch.tensor([[0, 1, -100, -100]])  # one right, one wrong, two ignored
    loss, accuracy = evaluate(FixedLogits(logits), torch.zeros(1, 4, dtype=torch.long), targets)
    assert accuracy == 0.5
    assert loss == pytest.approx(F.cross_entropy(logits[0, :2], targets[0, :2]).item())


@pytest.mark.parametrize("d_model, warmup", [(64, 400), (512, 4000)])
def test_noam_lr_is_its_formula(d_model, warmup):
    for step in (1, warmup // 3, warmup, 3 * warmup):
        want = d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)
        assert noam_lr(step, d_model, warmup) == pytest.approx(want, rel=1e-12)
    assert noam_lr(warmup, d_model, warmup) == pytest.approx((d_model * warmup) ** -0.5, rel=1e-12)


def test_noam_lambda_gives_the_first_update_step_one():
    param = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, noam_lambda(64, 10))
    rates = []
    for _ in range(3):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert rates == pytest.approx([noam_lr(n, 64, 10) for n in (1, 2, 3)], rel=1e-12)
