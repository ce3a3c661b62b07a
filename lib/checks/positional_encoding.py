"""Exercises on positional encoding, 포지셔널 인코딩."""

from __future__ import annotations

import torch

from lib.checks import Mistake, Result, check_function
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


def check_sinusoidal(student_fn) -> Result:
    """`student_fn(n_positions, d_model, base)` -> PE (P, C): sin in even columns, cos in odd ones."""
    mistakes = [
        Mistake(lambda n, d, b: sinusoidal_encoding_concatenated(n, d, base=b),
                "all sines first, then all cosines is the concatenated layout; here (and in the paper) they "
                "are interleaved: sin in column 2i, cos in column 2i+1."),
        Mistake(lambda n, d, b: _encoding(n, d, b, lambda j, d: (j - j % 2) / d, swap=True),
                "sin and cos are swapped: the even columns 2i hold sin, the odd columns 2i+1 hold cos."),
        Mistake(lambda n, d, b: _encoding(n, d, b, lambda j, d: j / d),
                "columns 2i and 2i+1 share one frequency: use the even index 2i in the exponent for both, "
                "not each column's own index."),
        Mistake(lambda n, d, b: _encoding(n, d, b, lambda j, d: (j // 2) / d),
                "the exponent is 2i/d_model with i counting pairs; with i/d_model the wavelengths stop "
                "half way (the slowest pair should have base^((d_model−2)/d_model))."),
        Mistake(lambda n, d, b: _encoding(n, d, b, lambda j, d: -(j - j % 2) / d),
                "divide the position by base^(2i/d_model), do not multiply: later pairs must turn slower."),
        Mistake(lambda n, d, b: _encoding(n, d, b, lambda j, d: j - j % 2),
                "the exponent is 2i/d_model: you left out the division by d_model."),
    ]
    cases = [(6, 8, 10000.0), (10, 16, 100.0), (7, 4, 10.0)]
    return check_function(student_fn, name="sinusoidal", reference=_sinusoidal_ref, cases=cases,
                          mistakes=mistakes)


def _rotation(k: int, d_model: int, base: float, exponent) -> torch.Tensor:
    """Block-diagonal [[cos, -sin], [sin, cos]] with pair i's angle k / base^exponent(i, d_model)."""
    i = torch.arange(d_model // 2, dtype=torch.float64)  # (C/2,)
    angle = k / base ** exponent(i, d_model)  # (C/2,)
    c, s = torch.cos(angle), torch.sin(angle)
    blocks = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)  # (C/2, 2, 2)
    return torch.block_diag(*blocks)  # (C, C)


def _rotation_ref(k, d_model, base):
    return offset_rotation(k, d_model, base=base)


def check_offset_rotation(student_fn) -> Result:
    """`student_fn(k, d_model, base)` -> M (C, C) with PE(p + k) = PE(p) @ M for every p."""
    def concatenated(k, d, b):
        order = concatenated_columns(d)  # concatenated column j holds interleaved column order[j]
        return offset_rotation(k, d, base=b)[order][:, order]

    mistakes = [
        Mistake(lambda k, d, b: offset_rotation(k, d, base=b).T,
                "you built M_kᵀ = M_(−k), which shifts back by k: with PE(p) a row vector, PE(p) @ M "
                "needs block [[cos kω, −sin kω], [sin kω, cos kω]] (entry [r, c] multiplies column r)."),
        Mistake(lambda k, d, b: _rotation(k, d, b, lambda i, d: i / d),
                "pair i turns by k·ω_i with ω_i = 1 / base^(2i/d_model); your exponent uses i instead of 2i."),
        Mistake(lambda k, d, b: _rotation(k, d, b, lambda i, d: 0 * i),
                "every pair turns by its own angle k·ω_i (fast for the first columns, slow for the last), not k."),
        Mistake(concatenated,
                "your blocks pair column i with column i + d_model/2 (the concatenated layout); in this "
                "encoding sin and cos of one frequency are neighbours, columns 2i and 2i+1."),
        Mistake(lambda k, d, b: torch.eye(d), "that is the identity: PE(p + k) differs from PE(p) for k ≠ 0."),
    ]
    cases = [(1, 8, 10000.0), (3, 6, 100.0), (-2, 4, 10.0), (5, 16, 10000.0)]
    return check_function(student_fn, name="offset_rotation", reference=_rotation_ref, cases=cases,
                          mistakes=mistakes)


def _concat_ref(pe):
    return pe[:, concatenated_columns(pe.shape[-1])]


def check_to_concatenated(student_fn) -> Result:
    """`student_fn(pe)`: interleaved PE (P, C), C even -> the same numbers, sines first then cosines."""
    def inverse(pe):
        P, C = pe.shape
        return pe.reshape(P, 2, C // 2).transpose(1, 2).reshape(P, C)  # concatenated -> interleaved

    mistakes = [
        Mistake(inverse,
                "that is the opposite conversion (concatenated → interleaved). Read the pairs first: "
                "pe.reshape(P, C/2, 2) has pair i in row i, sin at [..., 0] and cos at [..., 1]."),
        Mistake(lambda pe: pe, "you returned the input unchanged; move the sines (even columns) to the front."),
        Mistake(lambda pe: torch.cat([pe[:, 1::2], pe[:, 0::2]], dim=1),
                "cosines first: the concatenated layout puts the sines (even columns) first."),
        Mistake(lambda pe: torch.cat([pe[0::2], pe[1::2]], dim=0),
                "you reordered the rows (positions); reorder the columns (dimensions) instead."),
    ]
    g = torch.Generator().manual_seed(7)
    cases = [(sinusoidal_encoding(5, 8),), (torch.randn(3, 6, generator=g),), (torch.randn(2, 4, generator=g),)]
    return check_function(student_fn, name="to_concatenated", reference=_concat_ref, cases=cases,
                          mistakes=mistakes)
