"""Exercises on the block (notebook 06): LayerNorm, BatchNorm over a padded batch, the residual
sublayer in its Post-LN and Pre-LN forms, and the parameters of ×N."""

from __future__ import annotations

import torch

from lib.blocks import EncoderBlock
from lib.checks import Exercise, Prediction, as_mistakes
from lib.i18n import _, lazy_gettext
from lib.normalization import batch_norm, layer_norm

EPS = 1e-5
# The stack asked about in the prediction exercise (not the one built in the notebook, whose count is printed).
N_BLOCKS, D_MODEL, N_HEADS, D_FF = 4, 64, 4, 256


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


# --- exercise 1: LayerNorm -----------------------------------------------------------------------


def _ln_ref(x, weight, bias):
    return layer_norm(x, weight, bias, eps=EPS)


def _ln_with(*, dim=-1, unbiased=False, eps=EPS, eps_outside=False, affine=True):
    def wrong(x, weight, bias):
        mean = x.mean(dim=dim, keepdim=True)
        var = x.var(dim=dim, unbiased=unbiased, keepdim=True)
        x_hat = (x - mean) / (var.sqrt() + eps if eps_outside else torch.sqrt(var + eps))
        return x_hat * weight + bias if affine else x_hat
    return wrong


def _ln_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(3)
    x = 2 + 1e-3 * torch.randn(3, 6, generator=g)  # (B, C): a spread of 1e-3, var 1e-6 < eps
    x[0] = 2.0  # one input exactly constant: variance 0, where eps alone keeps 0/0 away
    near_constant = (x, torch.randn(6, generator=g), torch.randn(6, generator=g))
    return [near_constant, *_cases([(4, 6), (2, 3, 8), (5, 2)], seed=0, affine=True)]  # eps matters in the first


def _ln_mistakes():
    return as_mistakes([
        (_ln_with(dim=0), _("you normalised over the batch (axis 0): that is BatchNorm. LayerNorm normalises each "
                            "input vector over its own features, the last axis (dim=-1).")),
        (_ln_with(unbiased=True), _("torch.nn.LayerNorm uses the biased variance (divide by C): "
                                    "x.var(dim=-1, unbiased=False).")),
        (_ln_with(unbiased=True, eps_outside=True), _("this is the Annotated Transformer's version: unbiased std "
                                                      "and eps added outside the root. torch's is "
                                                      "(x − mean)/√(var + eps), var biased.")),
        (_ln_with(eps_outside=True), _("eps goes inside the square root: √(var + eps), not √var + eps.")),
        (_ln_with(eps=0.0), _("without eps a constant input (variance 0) gives 0/0 = NaN: divide by "
                              "√(var + eps) with eps = 1e-5.")),
        (_ln_with(affine=False), _("you normalised but left out the affine map (Affine 변환): "
                                   "y = weight · x̂ + bias.")),
        (lambda x, w, b: _ln_with(affine=False)(x, w, b) * w, _("the affine map y = a·x̂ + b has a shift too: "
                                                                "add the bias.")),
    ])


# `student_fn(x, weight, bias)`: x (..., C), weight and bias (C,) -> LayerNorm(x) with eps = 1e-5.
check_layer_norm = Exercise(
    name="layer_norm", reference=_ln_ref, cases=_ln_cases, mistakes=_ln_mistakes, atol=1e-4,
    nan_hint=lazy_gettext(
        "NaN where an input vector is constant: its variance is 0, and (x − mean)/√var is 0/0. Put eps inside the "
        "root, √(var + eps), so that a constant input comes out as 0 (then the bias).")).check


# --- exercise 2: BatchNorm -----------------------------------------------------------------------


def _bn_ref(x):
    return batch_norm(x, eps=EPS)[0]


def _bn_over(dims, *, unbiased=False, eps=EPS):
    def wrong(x):
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, unbiased=unbiased, keepdim=True)
        return (x - mean) / torch.sqrt(var + eps)
    return wrong


def _bn_cases() -> list[tuple]:
    cases = [c[0] for c in _cases([(4, 5, 3), (2, 6, 4), (3, 2, 5)], seed=1, affine=False)]
    scale = torch.tensor([1.0, 4.0, 0.5, 2.0, 3.0])  # features with different spreads
    cases = [x * scale[: x.shape[-1]] for x in cases]
    cases[0][..., 1] = 1.5  # feature 1 of the first batch is the same in every token: variance 0
    return [(x,) for x in cases]


def _bn_mistakes():
    return as_mistakes([
        (_bn_over(-1), _("you normalised each token over its features: that is LayerNorm. BatchNorm normalises "
                         "each feature over the batch: for (B, T, C), over every token of every sentence.")),
        (_bn_over(0), _("you averaged over the sentences only (axis 0), so each position t has its own "
                        "statistics. For a (B, T, C) batch every token is one sample: average over dims (0, 1).")),
        (_bn_over(1), _("you averaged over the tokens of each sentence (axis 1): every sentence then has its own "
                        "statistics. BatchNorm averages each feature over the whole batch, dims (0, 1).")),
        (_bn_over((0, 1), unbiased=True), _("in training, BatchNorm normalises with the biased batch variance "
                                            "(divide by the count); the unbiased one only goes into the running "
                                            "variance.")),
        (_bn_over((0, 1), eps=0.0), _("without eps a feature that is the same in every token (variance 0) gives "
                                      "0/0 = NaN: divide by √(var + eps) with eps = 1e-5.")),
        (_bn_over((0, 1, 2)), _("you used one mean and one variance for the whole tensor: each feature (the last "
                                "axis) gets its own, so keep dim=-1 out of the reduction.")),
    ])


# `student_fn(x)`: x (B, T, C) -> BatchNorm in training mode, no affine map, eps = 1e-5.
check_batch_norm = Exercise(
    name="batch_norm", reference=_bn_ref, cases=_bn_cases, mistakes=_bn_mistakes, atol=1e-4,
    nan_hint=lazy_gettext(
        "NaN where a feature is the same in every token of the batch: its variance is 0, and (x − mean)/√var is 0/0. "
        "Put eps inside the root, √(var + eps).")).check


# --- exercise 3: the residual sublayer, Post-LN and Pre-LN ---------------------------------------


class _Sublayer:
    """A fixed stand-in for attention or the FFN: f(x) = 2·tanh(x W + b). Shows itself as `f`."""

    def __init__(self, C: int, g: torch.Generator) -> None:
        self.w, self.b = torch.randn(C, C, generator=g) / C**0.5, torch.randn(C, generator=g)  # (C, C), (C,)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * torch.tanh(x @ self.w + self.b)  # (..., C) @ (C, C) -> (..., C)

    def __repr__(self) -> str:
        return "f"


def _ln(x):
    return layer_norm(x, eps=EPS)  # no affine map: a = 1, b = 0


def _sublayer_ref(x, f, norm_first):
    return x + f(_ln(x)) if norm_first else _ln(x + f(x))


def _sublayer_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(5)
    cases = []
    for shape, norm_first in (((2, 3, 6), False), ((1, 4, 8), True), ((3, 2, 4), True), ((2, 5, 6), False)):
        x = torch.randn(*shape, generator=g) * 3 + 1  # (B, T, C): far from mean 0, variance 1
        cases.append((x, _Sublayer(shape[-1], g), norm_first))
    return cases


def _sublayer_mistakes():
    def post_or_pre(post, pre):
        return lambda x, f, norm_first: pre(x, f) if norm_first else post(x, f)

    right_post, right_pre = (lambda x, f: _ln(x + f(x))), (lambda x, f: x + f(_ln(x)))
    return as_mistakes([
        (post_or_pre(right_pre, right_post),
         _("Post-LN and Pre-LN are mixed up. Post-LN (norm_first=False, the paper) normalises after the sum, "
           "LN(x + f(x)); Pre-LN (norm_first=True) normalises only the sublayer's input, x + f(LN(x)).")),
        (post_or_pre(lambda x, f: _ln(f(x)), lambda x, f: f(_ln(x))),
         _("the residual connection (잔차 연결) is missing: add the sublayer's input x back to its output.")),
        (post_or_pre(lambda x, f: x + _ln(f(x)), right_pre),
         _("in Post-LN the LayerNorm comes after the sum, LN(x + f(x)), not on f(x) alone.")),
        (post_or_pre(right_post, lambda x, f: _ln(x) + f(_ln(x))),
         _("in Pre-LN the residual path carries x itself, not LN(x): x + f(LN(x)). Only the sublayer's input is "
           "normalised.")),
        (post_or_pre(right_post, lambda x, f: _ln(x + f(_ln(x)))),
         _("Pre-LN has no LayerNorm after the sum: x + f(LN(x)). (One last LayerNorm closes the whole stack "
           "instead.)")),
    ])


# `student_fn(x, f, norm_first)`: x (B, T, C), f a sublayer (..., C) -> (..., C) -> the sublayer with its
# residual connection and LayerNorm (no affine map, eps = 1e-5), Post-LN or Pre-LN.
check_sublayer = Exercise(name="sublayer", reference=_sublayer_ref, cases=_sublayer_cases,
                          mistakes=_sublayer_mistakes, atol=1e-4).check


# --- exercise 4 (predict): the parameters of N blocks --------------------------------------------


def _stack_count() -> int:
    """The parameters of N_BLOCKS lib encoder blocks, counted from the modules themselves."""
    with torch.random.fork_rng(devices=[]):  # building the block must not move the notebook's random numbers
        return N_BLOCKS * sum(p.numel() for p in EncoderBlock(D_MODEL, N_HEADS, D_FF).parameters())


def _stack_mistakes():
    C, F, N, H = D_MODEL, D_FF, N_BLOCKS, N_HEADS
    attention, ffn, norms = 4 * (C * C + C), (C * F + F) + (F * C + C), 2 * 2 * C
    one = attention + ffn + norms
    return as_mistakes([
        (lambda: one, _("that is one block ({one}). ×N stacks N copies with their own parameters, none shared: "
                        "multiply by N.").format(one=one)),
        (lambda: N * (one - norms), _("you left out the two LayerNorms of each block: each has a weight a and a "
                                      "bias b of d_model entries (the affine map).")),
        (lambda: N * (4 * C * C + 2 * C * F + norms), _("every nn.Linear has a bias too (d_out entries), and there "
                                                        "are six linear maps per block: W_Q, W_K, W_V, W_O and the "
                                                        "FFN's two.")),
        (lambda: N * (one - (F * C + C)), _("the FFN has two linear maps, d_model → d_ff and back d_ff → d_model, "
                                            "each with its bias.")),
        (lambda: N * (one + 3 * (H - 1) * (C * C + C)), _("the heads do not each get d_model × d_model maps: W_Q "
                                                          "is one d_model × d_model matrix cut into heads of d_k "
                                                          "columns, so the count does not depend on h.")),
    ])


# `student_fn()` -> the number of parameters in N_BLOCKS encoder blocks (an int).
check_stack_parameters = Prediction(
    name="stack_parameters", reference=_stack_count, cases=lambda: [()], mistakes=_stack_mistakes, atol=0.5,
    form=lazy_gettext("a whole number"),
    retry=lazy_gettext(
        "Count one block: the attention's four d_model × d_model maps, the FFN's two maps, a bias on every linear "
        "map, two LayerNorms with a and b each; then ×N.")).check
