"""Sinusoidal positional encoding (Vaswani et al., 2017, section 3.5)."""

from __future__ import annotations

import math

import torch

from lib import validate


def sinusoidal_encoding(n_positions: int, d_model: int, *, base: float = 10000.0) -> torch.Tensor:
    """PE[p, 2i] = sin(p / base^(2i/d_model)), PE[p, 2i+1] = cos(same angle); sin and cos interleaved.

    Shapes: -> (n_positions, d_model), float32.
    """
    n_positions = validate.size(n_positions, "n_positions")
    d_model = validate.size(d_model, "d_model")
    base = validate.number(base, "base", low=1.0, low_open=True)
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]  # (P, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (ceil(C/2),)
    angle = pos / base ** (two_i / d_model)  # (P, ceil(C/2))
    pe = torch.empty(n_positions, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe.float()


def offset_rotation(k: int, d_model: int, *, base: float = 10000.0) -> torch.Tensor:
    """The fixed matrix M_k with PE(p + k) = PE(p) @ M_k for every position p (PE(p) a row).

    Sin/cos pair i (columns 2i, 2i+1 of `sinusoidal_encoding`) turns by the angle k·ω_i,
    ω_i = base^(-2i/d_model): block i is [[cos kω_i, -sin kω_i], [sin kω_i, cos kω_i]].
    M_k does not depend on p, is orthogonal, and M_(-k) = M_kᵀ.

    Shapes: -> (d_model, d_model), float32, block-diagonal with d_model/2 blocks of 2 x 2.
    """
    d_model = validate.size(d_model, "d_model", minimum=2)
    if d_model % 2:
        raise ValueError(f"d_model must be even (whole sin/cos pairs), got d_model={d_model}")
    base = validate.number(base, "base", low=1.0, low_open=True)
    k = validate.number(k, "k (the offset)")
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (C/2,)
    angle = k / base ** (two_i / d_model)  # (C/2,): how far each pair turns in k steps
    cos, sin = torch.cos(angle), torch.sin(angle)
    rows = (torch.stack([cos, -sin], dim=-1), torch.stack([sin, cos], dim=-1))  # 2 x (C/2, 2)
    blocks = torch.stack(rows, dim=-2)  # (C/2, 2, 2)
    return torch.block_diag(*blocks).float()  # (C, C)


def concatenated_columns(d_model: int) -> torch.Tensor:
    """Column order that turns the interleaved layout into the concatenated one.

    `sinusoidal_encoding(P, C)[:, order]` has all sines first (columns 0, 2, 4, ...), then
    all cosines (columns 1, 3, 5, ...), the layout of `sinusoidal_encoding_concatenated`.

    Shapes: -> (d_model,), int64, a permutation of 0..d_model-1.
    """
    d_model = validate.size(d_model, "d_model")
    return torch.cat([torch.arange(0, d_model, 2), torch.arange(1, d_model, 2)])


def sinusoidal_encoding_concatenated(
    n_positions: int, d_model: int, *, base: float = 10000.0
) -> torch.Tensor:
    """The other common layout: PE[p, i] = sin(p·ω_i) for the first half, cos for the second.

    Same numbers as `sinusoidal_encoding`, columns reordered: pair i is columns i and
    i + ceil(d_model/2) instead of 2i and 2i+1.

    Shapes: -> (n_positions, d_model), float32.
    """
    return sinusoidal_encoding(n_positions, d_model, base=base)[:, concatenated_columns(d_model)]


def wavelengths(d_model: int, *, base: float = 10000.0) -> torch.Tensor:
    """The wavelength 2π·base^(2i/d_model) of each sin/cos pair i, in positions.

    From 2π (pair 0, the fastest) to 2π·base^((d_model−2)/d_model) (the slowest pair).
    Shapes: -> (ceil(d_model/2),), float64.
    """
    d_model = validate.size(d_model, "d_model")
    base = validate.number(base, "base", low=1.0, low_open=True)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (ceil(C/2),)
    return 2 * math.pi * base ** (two_i / d_model)


def pe_similarity(pe: torch.Tensor) -> torch.Tensor:
    """PE(p)·PE(q) / (d_model/2) for every pair of positions: 1 on the diagonal, within [−1, 1].

    For an even d_model every ‖PE(p)‖² is d_model/2, so this is the cosine similarity and equals
    the mean of cos((p − q)·ω_i) over the pairs: it depends only on the offset p − q.
    Shapes: pe (P, C) -> (P, P).
    """
    validate.tensor(pe, "pe (n_positions, d_model)", dims=2)
    return pe @ pe.T / (pe.shape[1] / 2)  # (P, C) @ (C, P) -> (P, P)
