"""Exercises on positional encoding, 위치 인코딩 (notebook 07)."""

from __future__ import annotations

import torch

from lib.checks import Exercise, Prediction, as_mistakes
from lib.i18n import _, lazy_gettext
from lib.positional import (
    concatenated_columns,
    offset_rotation,
    sinusoidal_encoding,
    sinusoidal_encoding_concatenated,
)


def _encoding(n_positions: int, d_model: int, base: float, exponent, *, swap: bool = False) -> torch.Tensor:
    """Interleaved sin/cos with column j's angle p / base^exponent(j, d_model) (a wrong one, usually)."""
    p = torch.arange(n_positions, dtype=torch.float64)[:, None]  # (P, 1)
    j = torch.arange(d_model, dtype=torch.float64)  # (C,)
    angle = p / base ** exponent(j, d_model)  # (P, C)
    even = (j.long() % 2 == 0) != swap  # (C,): columns that get sin
    return torch.where(even, torch.sin(angle), torch.cos(angle))


def _sinusoidal_ref(n_positions, d_model, base):
    return sinusoidal_encoding(n_positions, d_model, base=base)


def _sinusoidal_mistakes():
    return as_mistakes([
        (lambda n, d, b: sinusoidal_encoding_concatenated(n, d, base=b),
         _("all sines first, then all cosines is the concatenated layout; here (and in the paper) they are "
           "interleaved: sin in column 2i, cos in column 2i+1.")),
        (lambda n, d, b: _encoding(n, d, b, lambda j, d: (j - j % 2) / d, swap=True),
         _("sin and cos are swapped: the even columns 2i hold sin, the odd columns 2i+1 hold cos.")),
        (lambda n, d, b: _encoding(n, d, b, lambda j, d: j / d),
         _("columns 2i and 2i+1 share one frequency: use the even index 2i in the exponent for both, not each "
           "column's own index.")),
        (lambda n, d, b: _encoding(n, d, b, lambda j, d: (j // 2) / d),
         _("the exponent is 2i/d_model with i counting pairs; with i/d_model the wavelengths stop half way (the "
           "slowest pair should have base^((d_model−2)/d_model)).")),
        (lambda n, d, b: _encoding(n, d, b, lambda j, d: -(j - j % 2) / d),
         _("divide the position by base^(2i/d_model), do not multiply: later pairs must turn slower.")),
        (lambda n, d, b: _encoding(n, d, b, lambda j, d: j - j % 2),
         _("the exponent is 2i/d_model: you left out the division by d_model.")),
        (lambda n, d, b: sinusoidal_encoding(n, d),
         _("you used 10000 whatever `base` is: the angle is p / base^(2i/d_model), with the base passed in.")),
        (lambda n, d, b: sinusoidal_encoding(n + 1, d, base=b)[1:],
         _("positions count from 0: the first row is PE(0) = (sin 0, cos 0, ...) = (0, 1, 0, 1, ...).")),
    ])


# `student_fn(n_positions, d_model, base)` -> PE (P, C): sin in even columns, cos in odd ones.
check_sinusoidal = Exercise(name="sinusoidal", reference=_sinusoidal_ref,
                            cases=lambda: [(10, 16, 100.0), (6, 8, 10000.0), (7, 4, 10.0)],
                            mistakes=_sinusoidal_mistakes).check


def _rotation(k: int, d_model: int, base: float, exponent) -> torch.Tensor:
    """Block-diagonal [[cos, -sin], [sin, cos]] with pair i's angle k / base^exponent(i, d_model)."""
    i = torch.arange(d_model // 2, dtype=torch.float64)  # (C/2,)
    angle = k / base ** exponent(i, d_model)  # (C/2,)
    c, s = torch.cos(angle), torch.sin(angle)
    blocks = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)  # (C/2, 2, 2)
    return torch.block_diag(*blocks)  # (C, C)


def _rotation_ref(k, d_model, base):
    return offset_rotation(k, d_model, base=base)


def _rotation_mistakes():
    def concatenated(k, d, b):
        order = concatenated_columns(d)  # concatenated column j holds interleaved column order[j]
        return offset_rotation(k, d, base=b)[order][:, order]

    return as_mistakes([
        (lambda k, d, b: offset_rotation(k, d, base=b).T,
         _("you built M_kᵀ = M_(−k), which shifts back by k: with PE(p) a row vector, PE(p) @ M needs block "
           "[[cos kω, −sin kω], [sin kω, cos kω]] (entry [r, c] multiplies column r).")),
        (lambda k, d, b: _rotation(k, d, b, lambda i, d: i / d),
         _("pair i turns by k·ω_i with ω_i = 1 / base^(2i/d_model); your exponent uses i instead of 2i.")),
        (lambda k, d, b: _rotation(k, d, b, lambda i, d: 0 * i),
         _("every pair turns by its own angle k·ω_i (fast for the first columns, slow for the last), not k.")),
        (lambda k, d, b: offset_rotation(1, d, base=b),
         _("that turns each pair by ω_i, one position (M_1); k positions turn it by k·ω_i.")),
        (lambda k, d, b: offset_rotation(k, d),
         _("you used 10000 whatever `base` is: ω_i = 1 / base^(2i/d_model), with the base passed in.")),
        (concatenated,
         _("your blocks pair column i with column i + d_model/2 (the concatenated layout); in this encoding sin "
           "and cos of one frequency are neighbours, columns 2i and 2i+1.")),
        (lambda k, d, b: torch.eye(d), _("that is the identity: PE(p + k) differs from PE(p) for k ≠ 0.")),
    ])


# `student_fn(k, d_model, base)` -> M (C, C) with PE(p + k) = PE(p) @ M for every p.
check_offset_rotation = Exercise(name="offset_rotation", reference=_rotation_ref,
                                 cases=lambda: [(1, 8, 10000.0), (3, 6, 100.0), (-2, 4, 10.0), (5, 16, 10000.0)],
                                 mistakes=_rotation_mistakes).check


def _concat_ref(pe):
    return pe[:, concatenated_columns(pe.shape[-1])]


def _concat_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(7)
    return [(sinusoidal_encoding(5, 8),), (torch.randn(3, 6, generator=g),), (torch.randn(2, 4, generator=g),)]


def _concat_mistakes():
    def inverse(pe):
        P, C = pe.shape
        return pe.reshape(P, 2, C // 2).transpose(1, 2).reshape(P, C)  # concatenated -> interleaved

    return as_mistakes([
        (inverse, _("that is the opposite conversion (concatenated → interleaved). Read the pairs first: "
                    "pe.reshape(P, C/2, 2) has pair i in row i, sin at [..., 0] and cos at [..., 1].")),
        (lambda pe: pe, _("you returned the input unchanged; move the sines (even columns) to the front.")),
        (lambda pe: torch.cat([pe[:, 1::2], pe[:, 0::2]], dim=1),
         _("cosines first: the concatenated layout puts the sines (even columns) first.")),
        (lambda pe: torch.cat([pe[0::2], pe[1::2]], dim=0),
         _("you reordered the rows (positions); reorder the columns (dimensions) instead.")),
    ])


# `student_fn(pe)`: interleaved PE (P, C), C even -> the same numbers, sines first then cosines.
check_to_concatenated = Exercise(name="to_concatenated", reference=_concat_ref, cases=_concat_cases,
                                 mistakes=_concat_mistakes).check


# --- exercise 4 (predict): lengths and dot products ------------------------------------------------

PREDICT_D_MODEL = 512  # the encoding asked about, base 10000


def _norms_and_offset() -> tuple[float, float, float]:
    """(‖PE(0)‖², ‖PE(1000)‖², PE(3)·PE(10) − PE(100)·PE(107)) at d_model = 512."""
    pe = sinusoidal_encoding(1001, PREDICT_D_MODEL).double()  # (P, C)
    return (float(pe[0] @ pe[0]), float(pe[1000] @ pe[1000]), float(pe[3] @ pe[10] - pe[100] @ pe[107]))


def _norms_mistakes():
    pairs = PREDICT_D_MODEL // 2
    return as_mistakes([
        (lambda: (2 * pairs, 2 * pairs, 0), _("each sin/cos pair adds sin² + cos² = 1, and there are d_model/2 = "
                                              "{pairs} pairs, not {twice}.").format(pairs=pairs, twice=2 * pairs)),
        (lambda: (0, pairs, 0), _("PE(0) is not the zero vector: its cosine columns hold cos 0 = 1, so PE(0) is as "
                                  "long as every other PE(p).")),
        (lambda: (1, 1, 0), _("sin² + cos² = 1 for each pair, and there are d_model/2 = {pairs} pairs: the squared "
                              "lengths add up.").format(pairs=pairs)),
    ])


# `student_fn()` -> (‖PE(0)‖², ‖PE(1000)‖², PE(3)·PE(10) − PE(100)·PE(107)) at d_model = 512.
check_predict_norms = Prediction(
    name="predict_norms", reference=_norms_and_offset, cases=lambda: [()], mistakes=_norms_mistakes, atol=0.01,
    form=lazy_gettext("a tuple of three numbers: (‖PE(0)‖², ‖PE(1000)‖², PE(3)·PE(10) − PE(100)·PE(107))"),
    retry=lazy_gettext("Work pair by pair: sin²a + cos²a = 1, and sin a·sin b + cos a·cos b = cos(a − b).")).check
