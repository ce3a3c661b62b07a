"""Exercises on masking (마스킹, notebook 09): the causal mask, masked weights, the decoder's mask,
a softmax that survives fully masked rows, and a prediction about empty rows.

Each `check_<x>` is an `Exercise` (or a `Prediction`): the reference, the cases and the known
mistakes, each mistake written the way a student would get it wrong (NaN where their code gives
NaN: the engine recognises a NaN by its places) and paired with its own hint.
"""

from __future__ import annotations

import torch

from lib.attention import masked_softmax
from lib.checks import Exercise, Mistake, Prediction, as_mistakes
from lib.i18n import _, lazy_gettext
from lib.masks import causal_mask, left_padding_mask, padding_mask
from lib.softmax import naive_masked_softmax

NEG_INF = float("-inf")


def _tril(T: int, diagonal: int = 0) -> torch.Tensor:
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal)  # (T, T)


# --- Exercise 1: causal_mask_for(T) -------------------------------------------------------------


def _mask_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda T: _tril(T).T,
         _("that is triu: it lets query t see the keys s >= t, the future. Query t may attend to s <= t: tril.")),
        (lambda T: ~_tril(T),
         _("the polarity is inverted: True must mean 'may attend' (lib, F.scaled_dot_product_attention), so the "
           "allowed keys s <= t are True.")),
        (lambda T: _tril(T, -1),
         _("the diagonal must stay: a token may attend to itself (s <= t), so use tril(), not tril(-1). "
           "With tril(-1) row 0 allows nothing.")),
        (lambda T: _tril(T, 1),
         _("tril(1) lets every query see one token of the future: use tril() (diagonal 0).")),
        (lambda T: torch.ones(T, T, dtype=torch.bool),
         _("every entry is True, so nothing is masked: the future keys s > t must be False.")),
    ])


# `student_fn(T)` -> (T, T) bool, True on and below the diagonal.
check_causal_mask = Exercise(
    name="causal_mask", reference=causal_mask, cases=lambda: [(4,), (1,), (7,)], mistakes=_mask_mistakes,
    dtype=torch.bool,
).check


# --- Exercise 2: causal_weights(scores) ---------------------------------------------------------


def _causal_ref(scores):
    return masked_softmax(scores, causal_mask(scores.shape[-1]))


def _blocked(s: torch.Tensor, allowed: torch.Tensor, *, dim: int = -1) -> torch.Tensor:
    """What a student's −∞ code gives: a row with nothing allowed comes out NaN."""
    return torch.softmax(s.masked_fill(~allowed, NEG_INF), dim=dim)


def _causal_mistakes() -> list[Mistake]:
    def T(s):
        return s.shape[-1]

    def zeroed(s):
        return torch.softmax(s, dim=-1) * _tril(T(s))

    return as_mistakes([
        (lambda s: torch.softmax(s, dim=-1),
         _("no mask: every query still sees the future. Block the keys s > t (마스킹).")),
        (lambda s: _blocked(s, ~_tril(T(s))),
         _("your mask keeps the future and hides the past (the polarity is inverted): the allowed keys are on "
           "and below the diagonal, tril. The last query then has no allowed key left, hence its NaN row.")),
        (lambda s: _blocked(s, _tril(T(s)).T),
         _("torch.triu keeps the future: query t may attend to keys s <= t, which is torch.tril.")),
        (lambda s: _blocked(s, _tril(T(s), -1)),
         _("the diagonal must stay: a token may attend to itself (s <= t), so use tril(), not tril(-1). "
           "With tril(-1) the first query allows no key at all, hence its NaN row.")),
        (lambda s: _blocked(s, _tril(T(s), 1)),
         _("tril(1) lets each query see one token of the future: use tril() (diagonal 0).")),
        (lambda s: _blocked(s, _tril(T(s)), dim=-2),
         _("the softmax runs over the queries (dim=-2): each query's weights over its keys must sum to 1, "
           "so take it over the keys, dim=-1.")),
        (zeroed,
         _("you set the future weights to 0 but did not renormalise (재정규화): divide each row by its new sum.")),
        (lambda s: zeroed(s) / zeroed(s).sum(dim=-2, keepdim=True),
         _("you renormalised the columns: each row (one query) must sum to 1, so divide by the sum over the "
           "keys, .sum(dim=-1, keepdim=True).")),
        (lambda s: torch.softmax(s.masked_fill(~_tril(T(s)), 0.0), dim=-1),
         _("filling blocked scores with 0 does not block them, since exp(0) = 1: fill with -inf instead.")),
    ])


def _score_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(*s, generator=g) * 2,) for s in [(3, 3), (2, 5, 5), (2, 2, 6, 6)]]


# `student_fn(scores)`: scores (..., T, T) -> causal attention weights (..., T, T).
check_causal_weights = Exercise(
    name="causal_weights", reference=_causal_ref, cases=_score_cases, mistakes=_causal_mistakes,
    nan_hint=lazy_gettext(
        "a row of your weights is NaN: every key of that query was blocked, and softmax of a row of -inf is 0/0. In "
        "a causal mask no row is empty (query t may always attend to itself): check the diagonal and the polarity of "
        "your mask."),
).check


# --- Exercise 3: decoder_mask_for(lengths, T) ---------------------------------------------------


def _decoder_ref(lengths, T):
    return padding_mask(lengths, T) & causal_mask(T)  # (B, 1, T) & (T, T) -> (B, T, T)


def _real(lengths, T):
    return torch.arange(T)[None, :] < lengths[:, None]  # (B, S): True at the real tokens


def _decoder_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda n, T: ~_decoder_ref(n, T),
         _("the polarity is inverted: True must mean 'may attend', as in F.scaled_dot_product_attention "
           "(nn.MultiheadAttention's masks use True = blocked).")),
        (lambda n, T: _real(n, T) & causal_mask(T),
         _("your padding mask is (B, S); broadcasting lines B up with the query axis T. "
           "Give it a middle axis, (B, 1, S), e.g. mask[:, None, :].")),
        (lambda n, T: _real(n, T)[:, :, None] & causal_mask(T),
         _("you blocked padded queries (rows) instead of padded keys (columns): the padding mask is (B, 1, S).")),
        (lambda n, T: _real(n, T)[:, None, :] | causal_mask(T),
         _("combine with & (logical and): a key is allowed only if both masks allow it, not either.")),
        (lambda n, T: causal_mask(T).expand(len(n), T, T),
         _("the padding mask is missing: padded keys must be blocked too.")),
        (lambda n, T: _real(n, T)[:, None, :].expand(len(n), T, T),
         _("the causal mask is missing: query t may not see keys after t.")),
        (lambda n, T: _real(n, T)[:, None, :] & causal_mask(T).T,
         _("triu keeps the future: the causal part is torch.tril (on and below the diagonal).")),
        (lambda n, T: (torch.arange(T)[None, :] <= n[:, None])[:, None, :] & causal_mask(T),
         _("off by one: a sentence of length n has its real tokens at positions 0 .. n-1 (use <, not <=).")),
    ])


# `student_fn(lengths, T)`: lengths (B,) -> (B, T, T) bool, True = may attend (padding AND causal).
check_decoder_mask = Exercise(
    name="decoder_mask", reference=_decoder_ref,
    cases=lambda: [(torch.tensor([3, 1, 2]), 3), (torch.tensor([5, 2]), 5), (torch.tensor([4, 0, 1, 4]), 6)],
    mistakes=_decoder_mistakes, dtype=torch.bool,
).check


# --- Exercise 4: safe_masked_softmax(scores, mask) ----------------------------------------------


def _masked_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(2)
    right = padding_mask([3, 5], 5).expand(2, 5, 5)  # (2, 5, 5): no empty row
    left_causal = left_padding_mask([4, 2, 1], 4) & causal_mask(4)  # (3, 4, 4): empty rows
    empty = torch.zeros(1, 3, 3, dtype=torch.bool)  # (1, 3, 3): a sequence of padding only
    return [(torch.randn(*m.shape, generator=g) * 2, m) for m in (right, left_causal, empty)]


def _safe_mistakes() -> list[Mistake]:
    def soft(s):
        return torch.softmax(s, dim=-1)

    return as_mistakes([
        (naive_masked_softmax,
         _("a fully masked row gives NaN: softmax of a row that is all -inf is 0/0. "
           "Zero those rows (e.g. masked_fill(~mask, 0) after the softmax).")),
        (lambda s, m: soft(s.masked_fill(~m, torch.finfo(s.dtype).min)),
         _("a fully masked row came out uniform (1/S each): filling with a very negative number avoids NaN, "
           "but softmax of equal numbers spreads evenly. Zero the blocked entries after the softmax.")),
        (lambda s, m: soft(s.masked_fill(~m, 0.0)),
         _("filling blocked scores with 0 does not block them (exp(0) = 1): fill with -inf or finfo.min.")),
        (lambda s, m: soft(s) * m,
         _("you zeroed the blocked weights after the softmax but did not renormalise the rows (재정규화).")),
        (lambda s, m: masked_softmax(s, ~m),
         _("the polarity is inverted: True = may attend, so block where the mask is False (~mask).")),
    ])


# `student_fn(scores, mask)`: (..., T, S) each -> weights; fully masked rows give zeros, never NaN.
check_safe_masked_softmax = Exercise(
    name="safe_masked_softmax", reference=masked_softmax, cases=_masked_cases, mistakes=_safe_mistakes,
    nan_hint=lazy_gettext(
        "NaN again, in a row where the mask allows no key: softmax of a row that is all -inf is 0/0. Fill the "
        "blocked scores with a finite number, torch.finfo(scores.dtype).min, and zero the blocked weights after the "
        "softmax."),
).check


# --- Exercise 5 (predict): how many rows are empty, padded on the right and on the left ----------

# The sentence asked about: 3 tokens padded to T = 6 positions, decoder mask = padding AND causal.
PREDICT_LENGTH, PREDICT_T = 3, 6


def _empty_rows() -> tuple[int, int]:
    """(padded on the right, padded on the left): query rows that may attend to no key."""
    def empty(pad):
        return int((~(pad & causal_mask(PREDICT_T)).any(dim=-1)).sum())
    return empty(padding_mask([PREDICT_LENGTH], PREDICT_T)), empty(left_padding_mask([PREDICT_LENGTH], PREDICT_T))


def _empty_rows_mistakes() -> list[Mistake]:
    n_pad = PREDICT_T - PREDICT_LENGTH
    return as_mistakes([
        (lambda: (n_pad, n_pad),
         _("padded on the right, a pad query still may attend to the real tokens before it (key 0 is always "
           "real): no row is empty. Only on the left do the pads come first.")),
        (lambda: (n_pad, 0), _("the other way round: on the right every query sees key 0, a real token; on the "
                               "left the first queries are pads that may only look back at pads.")),
        (lambda: (0, 0),
         _("padded on the left, the first queries are pads, and the causal mask lets them look back at pads "
           "only: those rows allow no key at all.")),
        (lambda: (0, n_pad - 1),
         _("off by one: the {n_pad} pads are positions 0 .. {last}; each of those queries may look only "
           "at keys up to itself, all pads.").format(n_pad=n_pad, last=n_pad - 1)),
        (lambda: (0, n_pad + 1),
         _("off by one: the first real token is at position {n_pad} and may attend to itself, so its row is "
           "not empty.").format(n_pad=n_pad)),
    ])


# `student_fn()` -> (empty rows padded on the right, empty rows padded on the left).
check_empty_rows = Prediction(
    name="empty_rows", reference=_empty_rows, cases=lambda: [()], mistakes=_empty_rows_mistakes, atol=0.0,
    form=lazy_gettext("a tuple of two whole numbers: (padded on the right, padded on the left)"),
    retry=lazy_gettext(
        "Draw the 6 × 6 mask: a column is allowed when the key is a real token and not in the future (s <= t); count "
        "the rows with no allowed column, once for each side."),
).check
