"""Exercises on the block: LayerNorm, BatchNorm over a padded batch, and the parameters of ×N."""

from __future__ import annotations

import torch

from lib.checks import Mistake, Result, check_function
from lib.normalization import batch_norm, layer_norm

EPS = 1e-5
# The parameters of the stack asked about in the prediction exercise (lib.model.Encoder's defaults).
N_BLOCKS, D_MODEL, N_HEADS, D_FF = 6, 32, 2, 64


def _cases(shapes, seed: int, *, affine: bool) -> list[tuple]:
    g = torch.Generator().manual_seed(seed)
    cases = []
    for s in shapes:
        x = torch.randn(*s, generator=g) * 3 + 1  # (..., C): mean and spread far from 0 and 1
        if affine:
            C = s[-1]
            cases.append((x, torch.randn(C, generator=g), torch.randn(C, generator=g)))
        else:
            cases.append((x,))
    return cases


def _ln_ref(x, weight, bias):
    return layer_norm(x, weight, bias, eps=EPS)


def _ln_with(*, dim=-1, unbiased=False, eps_outside=False, affine=True):
    def wrong(x, weight, bias):
        mean = x.mean(dim=dim, keepdim=True)
        var = x.var(dim=dim, unbiased=unbiased, keepdim=True)
        x_hat = (x - mean) / (var.sqrt() + EPS if eps_outside else torch.sqrt(var + EPS))
        return x_hat * weight + bias if affine else x_hat
    return wrong


def check_layer_norm(student_fn) -> Result:
    """`student_fn(x, weight, bias)`: x (..., C), weight and bias (C,) -> LayerNorm(x) with eps = 1e-5."""
    mistakes = [
        Mistake(_ln_with(dim=0), "you normalised over the batch (axis 0): that is BatchNorm. LayerNorm "
                "normalises each input vector over its own features, the last axis (dim=-1)."),
        Mistake(_ln_with(unbiased=True), "torch.nn.LayerNorm uses the biased variance (divide by C): "
                "x.var(dim=-1, unbiased=False)."),
        Mistake(_ln_with(unbiased=True, eps_outside=True), "this is the Annotated Transformer's version: "
                "unbiased std and eps added outside the root. torch's is (x − mean)/√(var + eps), var biased."),
        Mistake(_ln_with(eps_outside=True), "eps goes inside the square root: √(var + eps), not √var + eps."),
        Mistake(_ln_with(affine=False), "you normalised but left out the affine map (Affine 변환): "
                "y = weight · x̂ + bias."),
        Mistake(lambda x, w, b: _ln_with(affine=False)(x, w, b) * w,
                "the affine map y = a·x̂ + b has a shift too: add the bias."),
    ]
    g = torch.Generator().manual_seed(3)
    x = 2 + 1e-3 * torch.randn(3, 6, generator=g)  # (B, C): a spread of 1e-3, var 1e-6 < eps
    near_constant = (x, torch.randn(6, generator=g), torch.randn(6, generator=g))
    cases = [near_constant, *_cases([(4, 6), (2, 3, 8), (5, 2)], seed=0, affine=True)]  # eps matters in the first
    return check_function(student_fn, name="layer_norm", reference=_ln_ref, cases=cases, mistakes=mistakes,
                          atol=1e-4)


def _bn_ref(x):
    return batch_norm(x, eps=EPS)[0]


def _bn_over(dims, *, unbiased=False):
    def wrong(x):
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, unbiased=unbiased, keepdim=True)
        return (x - mean) / torch.sqrt(var + EPS)
    return wrong


def check_batch_norm(student_fn) -> Result:
    """`student_fn(x)`: x (B, T, C) -> BatchNorm in training mode, no affine map, eps = 1e-5."""
    mistakes = [
        Mistake(_bn_over(-1), "you normalised each token over its features: that is LayerNorm. BatchNorm "
                "normalises each feature over the batch: for (B, T, C), over every token of every sentence."),
        Mistake(_bn_over(0), "you averaged over the sentences only (axis 0), so each position t has its own "
                "statistics. For a (B, T, C) batch every token is one sample: average over dims (0, 1)."),
        Mistake(_bn_over(1), "you averaged over the tokens of each sentence (axis 1): every sentence then has "
                "its own statistics. BatchNorm averages each feature over the whole batch, dims (0, 1)."),
        Mistake(_bn_over((0, 1), unbiased=True), "in training, BatchNorm normalises with the biased batch "
                "variance (divide by the count); the unbiased one only goes into the running variance."),
        Mistake(_bn_over((0, 1, 2)), "you used one mean and one variance for the whole tensor: each feature "
                "(the last axis) gets its own, so keep dim=-1 out of the reduction."),
    ]
    cases = [c[0] for c in _cases([(4, 5, 3), (2, 6, 4), (3, 2, 5)], seed=1, affine=False)]
    scale = torch.tensor([1.0, 4.0, 0.5, 2.0, 3.0])  # features with different spreads
    cases = [(x * scale[: x.shape[-1]],) for x in cases]
    return check_function(student_fn, name="batch_norm", reference=_bn_ref, cases=cases, mistakes=mistakes,
                          atol=1e-4)


def _block_count() -> int:
    attn = 4 * (D_MODEL * D_MODEL + D_MODEL)  # W_Q, W_K, W_V, W_O and their biases
    ffn = (D_MODEL * D_FF + D_FF) + (D_FF * D_MODEL + D_MODEL)  # two linear maps
    norms = 2 * 2 * D_MODEL  # two LayerNorms, each a and b
    return attn + ffn + norms


def check_stack_parameters(student_fn) -> Result:
    """`student_fn()` -> the number of parameters in N_BLOCKS encoder blocks (an int)."""
    one = _block_count()
    no_norms = one - 4 * D_MODEL
    no_bias = 4 * D_MODEL * D_MODEL + 2 * D_MODEL * D_FF + 4 * D_MODEL
    per_head = one + 3 * (N_HEADS - 1) * (D_MODEL * D_MODEL + D_MODEL)
    mistakes = [
        Mistake(lambda: one, f"that is one block ({one}). ×N stacks N copies with their own parameters, "
                "none shared: multiply by N."),
        Mistake(lambda: N_BLOCKS * no_norms, "you left out the two LayerNorms of each block: each has a "
                "weight a and a bias b of d_model entries (the affine map)."),
        Mistake(lambda: N_BLOCKS * no_bias, "every nn.Linear has a bias too (d_out entries), and there are six "
                "linear maps per block: W_Q, W_K, W_V, W_O and the FFN's two."),
        Mistake(lambda: N_BLOCKS * per_head, "the heads do not each get d_model × d_model maps: W_Q is one "
                "d_model × d_model matrix cut into heads of d_k columns, so the count does not depend on h."),
    ]
    return check_function(student_fn, name="stack_parameters", reference=lambda: N_BLOCKS * one, cases=[()],
                          mistakes=mistakes, atol=0.5)
