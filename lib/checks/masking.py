"""Exercises on masking."""

from __future__ import annotations

import torch

from lib.attention import masked_softmax
from lib.checks import HINT, Result, as_mistakes, check_function
from lib.masks import causal_mask, left_padding_mask, padding_mask
from lib.softmax import naive_masked_softmax

NAN_MARK = -1.0  # a NaN in an answer is replaced by this, so a Mistake can reproduce it


def _scores(shapes, seed: int) -> list[tuple]:
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(*s, generator=g) * 2,) for s in shapes]


def _tril(scores: torch.Tensor, diagonal: int = 0) -> torch.Tensor:
    T = scores.shape[-1]
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal)


def _causal_ref(scores):
    return masked_softmax(scores, causal_mask(scores.shape[-1]))


def check_causal_weights(student_fn) -> Result:
    """`student_fn(scores)`: scores (..., T, T) -> causal attention weights (..., T, T)."""
    soft = lambda s: torch.softmax(s, dim=-1)  # noqa: E731
    mistakes = as_mistakes([
        (soft, "no mask: every query still sees the future. Block the keys s > t (마스킹)."),
        (lambda s: masked_softmax(s, ~_tril(s)),
         "your mask keeps the future and hides the past: allowed keys are on and below the diagonal (tril)."),
        (lambda s: masked_softmax(s, _tril(s).T),
         "torch.triu keeps the future: query t may attend to keys s <= t, which is torch.tril."),
        (lambda s: masked_softmax(s, _tril(s, -1)),
         "the diagonal must stay: a token may attend to itself (s <= t), so use tril(), not tril(-1)."),
        (lambda s: soft(s) * _tril(s),
         "you set the future weights to 0 but did not renormalise (재정규화): divide each row by its new sum."),
        (lambda s: soft(s.masked_fill(~_tril(s), 0.0)),
         "filling blocked scores with 0 does not block them, since exp(0) = 1: fill with -inf instead."),
    ])
    cases = _scores([(3, 3), (2, 5, 5), (2, 2, 6, 6)], seed=0)
    return check_function(student_fn, name="causal_weights", reference=_causal_ref, cases=cases, mistakes=mistakes)


def _decoder_ref(lengths, T):
    return padding_mask(lengths, T) & causal_mask(T)  # (B, 1, T) & (T, T) -> (B, T, T)


def _pad2d(lengths, T):
    return padding_mask(lengths, T)[:, 0]  # (B, T)


def check_decoder_mask(student_fn) -> Result:
    """`student_fn(lengths, T)`: lengths (B,) -> (B, T, T) bool, True = may attend (padding AND causal)."""
    causal = lambda T: causal_mask(T)  # noqa: E731
    mistakes = as_mistakes([
        (lambda n, T: ~_decoder_ref(n, T),
         "the polarity is inverted: True must mean 'may attend', as in F.scaled_dot_product_attention "
         "(nn.MultiheadAttention's masks use True = blocked)."),
        (lambda n, T: _pad2d(n, T) & causal(T),
         "your padding mask is (B, S); broadcasting lines B up with the query axis T. "
         "Give it a middle axis, (B, 1, S), e.g. mask[:, None, :]."),
        (lambda n, T: _pad2d(n, T)[:, :, None] & causal(T),
         "you blocked padded queries (rows) instead of padded keys (columns): the padding mask is (B, 1, S)."),
        (lambda n, T: padding_mask(n, T) | causal(T),
         "combine with & (logical and): a key is allowed only if both masks allow it, not either."),
        (lambda n, T: causal(T).expand(len(n), T, T),
         "the padding mask is missing: padded keys must be blocked too."),
        (lambda n, T: padding_mask(n, T).expand(len(n), T, T),
         "the causal mask is missing: query t may not see keys after t."),
        (lambda n, T: padding_mask(n, T) & causal(T).T,
         "triu keeps the future: the causal part is torch.tril (on and below the diagonal)."),
    ])
    cases = [(torch.tensor([3, 1, 2]), 3), (torch.tensor([5, 2]), 5), (torch.tensor([4, 0, 1, 4]), 6)]
    return check_function(student_fn, name="decoder_mask", reference=_decoder_ref, cases=cases, mistakes=mistakes)


def _mark_nan(x):
    if isinstance(x, torch.Tensor) and x.is_floating_point():
        return x.detach().nan_to_num(nan=NAN_MARK)
    return x


def _masked_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(2)
    left_causal = left_padding_mask([4, 2, 1], 4) & causal_mask(4)  # (3, 4, 4): empty rows
    right = padding_mask([3, 5], 5).expand(2, 5, 5)  # (2, 5, 5): no empty row
    empty = torch.zeros(1, 3, 3, dtype=torch.bool)  # (1, 3, 3): a sequence of padding only
    return [(torch.randn(*m.shape, generator=g) * 2, m) for m in (right, left_causal, empty)]


def check_safe_masked_softmax(student_fn) -> Result:
    """`student_fn(scores, mask)`: (..., T, S) each -> weights; fully masked rows give zeros, never NaN."""
    if not callable(student_fn):
        return Result(False, f"{HINT} safe_masked_softmax: pass your function itself, not {student_fn!r}.")
    soft = lambda s: torch.softmax(s, dim=-1)  # noqa: E731
    mistakes = as_mistakes([
        (lambda s, m: naive_masked_softmax(s, m).nan_to_num(nan=NAN_MARK),
         "a fully masked row gives NaN: softmax of a row that is all -inf is 0/0. "
         "Zero those rows (e.g. masked_fill(~mask, 0) after the softmax)."),
        (lambda s, m: soft(s.masked_fill(~m, torch.finfo(s.dtype).min)),
         "a fully masked row came out uniform (1/S each): filling with a very negative number avoids NaN, "
         "but softmax of equal numbers spreads evenly. Zero the blocked entries after the softmax."),
        (lambda s, m: soft(s.masked_fill(~m, 0.0)),
         "filling blocked scores with 0 does not block them (exp(0) = 1): fill with -inf or finfo.min."),
        (lambda s, m: soft(s) * m,
         "you zeroed the blocked weights after the softmax but did not renormalise the rows (재정규화)."),
        (lambda s, m: masked_softmax(s, ~m),
         "the polarity is inverted: True = may attend, so block where the mask is False (~mask)."),
    ])
    return check_function(
        lambda *args: _mark_nan(student_fn(*args)),
        name="safe_masked_softmax",
        reference=masked_softmax,
        cases=_masked_cases(),
        mistakes=mistakes,
    )
