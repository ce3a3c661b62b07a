"""lib.positional: the sinusoidal encoding entry by entry, the offset rotation M_k, the
concatenated layout, the wavelengths and the similarity PE(p)·PE(q)."""

import math

import numpy as np
import pytest
import torch

from lib.positional import (
    concatenated_columns,
    offset_rotation,
    pe_similarity,
    sinusoidal_encoding,
    sinusoidal_encoding_concatenated,
    wavelengths,
)

# float32 entries of size <= 1 are off by at most 2^-24; a 2-term sum with |weights| <= 1 and
# the rounding of M itself stay below 4 * 2^-24 (see notebook 07).
TOL = 4 * 2.0**-24


# --- the encoding ------------------------------------------------------------------------------


@pytest.mark.parametrize("n,d,base", [(10, 8, 10000.0), (50, 64, 10000.0), (7, 6, 100.0), (6, 5, 10000.0)])
def test_sinusoidal_formula_entry_by_entry(n, d, base):
    pe = sinusoidal_encoding(n, d, base=base)
    assert pe.shape == (n, d) and pe.dtype == torch.float32
    for p in range(n):
        for col in range(d):
            angle = p / base ** ((col - col % 2) / d)  # columns 2i and 2i+1 share one frequency
            expected = math.sin(angle) if col % 2 == 0 else math.cos(angle)
            assert pe[p, col].item() == pytest.approx(expected, abs=1e-6)


def test_sinusoidal_bad_input():
    with pytest.raises(ValueError, match=r"d_model must be >= 1, got 0"):
        sinusoidal_encoding(4, 0)
    with pytest.raises(ValueError, match=r"n_positions must be >= 1, got 0"):
        sinusoidal_encoding(0, 4)
    with pytest.raises(ValueError, match=r"base must lie in \(1, inf\), got 0\.5"):
        sinusoidal_encoding(4, 4, base=0.5)


# --- the offset rotation and the concatenated layout -------------------------------------------


@pytest.mark.parametrize("d_model", [2, 4, 16, 64, 128])
@pytest.mark.parametrize("base", [100.0, 10000.0])
def test_offset_rotation_shifts_every_position(d_model, base):
    pe = sinusoidal_encoding(60, d_model, base=base).double()  # (P, C)
    for k in (1, 2, 5, 17, 59):
        m = offset_rotation(k, d_model, base=base).double()  # (C, C)
        assert (pe[:-k] @ m - pe[k:]).abs().max().item() <= TOL, k
        back = offset_rotation(-k, d_model, base=base).double()
        assert (pe[k:] @ back - pe[:-k]).abs().max().item() <= TOL, -k


def test_offset_rotation_is_a_block_diagonal_rotation():
    d_model = 10
    m3, m4 = offset_rotation(3, d_model).double(), offset_rotation(4, d_model).double()
    eye = torch.eye(d_model, dtype=torch.float64)
    torch.testing.assert_close(m3 @ m3.T, eye, atol=1e-6, rtol=0)  # orthogonal
    torch.testing.assert_close(offset_rotation(-3, d_model).double(), m3.T)  # M_-k = M_kᵀ
    torch.testing.assert_close(m3 @ m4, offset_rotation(7, d_model).double(), atol=1e-6, rtol=0)
    torch.testing.assert_close(offset_rotation(0, d_model), torch.eye(d_model))
    pair = torch.arange(d_model) // 2
    assert torch.all(m3[pair[:, None] != pair[None, :]] == 0)  # nothing outside the 2 x 2 blocks
    # block i turns by 3 / 10000^(2i/10): [[cos, -sin], [sin, cos]] as row-vector convention
    angle = 3 / 10000 ** (4 / d_model)
    expected = [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    np.testing.assert_allclose(m3[4:6, 4:6].numpy(), expected, atol=1e-7)


def test_offset_rotation_bad_input():
    with pytest.raises(ValueError, match="d_model must be even"):
        offset_rotation(1, 7)
    with pytest.raises(ValueError, match=r"base must lie in \(1, inf\), got 1"):
        offset_rotation(1, 8, base=1.0)
    with pytest.raises(ValueError, match=r"d_model must be >= 2, got 0"):
        offset_rotation(1, 0)
    with pytest.raises(ValueError, match=r"k \(the offset\) must be a finite number, got nan"):
        offset_rotation(float("nan"), 8)


@pytest.mark.parametrize(("n", "d"), [(9, 8), (20, 64), (5, 7)])
def test_concatenated_layout_against_its_formula(n, d):
    pos = torch.arange(n, dtype=torch.float64)[:, None]
    inv_freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
    expected = torch.cat([torch.sin(pos * inv_freq), torch.cos(pos * inv_freq)[:, : d // 2]], dim=1)
    torch.testing.assert_close(sinusoidal_encoding_concatenated(n, d), expected.float())
    order = concatenated_columns(d)
    assert sorted(order.tolist()) == list(range(d))
    with pytest.raises(ValueError, match=r"d_model must be >= 1, got 0"):
        concatenated_columns(0)


def test_gram_matrix_depends_only_on_the_offset():
    d_model = 32
    pe = sinusoidal_encoding(40, d_model).double()
    gram = pe @ pe.T  # (P, P)
    offsets = torch.arange(40, dtype=torch.float64)
    freqs = 1 / 10000 ** (torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    expected = torch.cos((offsets[:, None] - offsets[None, :])[..., None] * freqs).sum(-1)
    assert (gram - expected).abs().max().item() <= 2 * d_model * 2.0**-24


# --- wavelengths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("d_model", [1, 2, 7, 16, 64])
@pytest.mark.parametrize("base", [100.0, 10000.0])
def test_wavelengths_are_two_pi_base_to_the_2i_over_d(d_model, base):
    lam = wavelengths(d_model, base=base)
    assert lam.shape == ((d_model + 1) // 2,) and lam.dtype == torch.float64
    for i, value in enumerate(lam.tolist()):
        assert value == pytest.approx(2 * math.pi * base ** (2 * i / d_model), rel=1e-12)
    assert lam[0].item() == pytest.approx(2 * math.pi)  # pair 0 is the fastest
    assert (lam.diff() > 0).all()  # each pair slower than the one before


@pytest.mark.parametrize("d_model", [6, 16])
def test_wavelengths_are_the_periods_of_the_encoding(d_model):
    pe = sinusoidal_encoding(40, d_model).double()  # (P, C)
    lam = wavelengths(d_model)
    p = torch.arange(40, dtype=torch.float64)[:, None]
    angle = 2 * math.pi * p / lam  # (P, C/2): one full turn every wavelength positions
    torch.testing.assert_close(pe[:, 0::2], torch.sin(angle), atol=1e-7, rtol=0)
    torch.testing.assert_close(pe[:, 1::2], torch.cos(angle[:, : d_model // 2]), atol=1e-7, rtol=0)


def test_wavelengths_bad_input():
    with pytest.raises(ValueError, match=r"d_model must be >= 1, got 0"):
        wavelengths(0)
    with pytest.raises(ValueError, match=r"base must lie in \(1, inf\), got 1"):
        wavelengths(8, base=1.0)


# --- the similarity PE(p)·PE(q) / (d_model/2) ---------------------------------------------------------


@pytest.mark.parametrize("d_model", [2, 8, 32, 64])
@pytest.mark.parametrize("base", [100.0, 10000.0])
def test_pe_similarity_depends_only_on_the_offset(d_model, base):
    P = 30
    sim = pe_similarity(sinusoidal_encoding(P, d_model, base=base).double())  # (P, P)
    assert sim.shape == (P, P)
    torch.testing.assert_close(sim.diagonal(), torch.ones(P, dtype=torch.float64))  # 1 at q = p
    torch.testing.assert_close(sim, sim.T)
    torch.testing.assert_close(sim[1:, 1:], sim[:-1, :-1])  # Toeplitz: constant along every diagonal
    first_row, first_col = sim[0], sim[:, 0]
    offsets = torch.arange(P)[:, None] - torch.arange(P)[None, :]  # p − q
    toeplitz = torch.where(offsets >= 0, first_col[offsets.abs()], first_row[offsets.abs()])
    torch.testing.assert_close(sim, toeplitz)
    assert (sim.abs() <= 1 + 1e-6).all()  # PE itself is rounded to float32


def test_pe_similarity_is_the_mean_cosine_of_the_offset_angles():
    d_model, P = 16, 25
    sim = pe_similarity(sinusoidal_encoding(P, d_model).double())
    omega = 1 / 10000 ** (torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)  # (C/2,)
    offsets = (torch.arange(P)[:, None] - torch.arange(P)[None, :]).double()  # (P, P)
    expected = torch.cos(offsets[..., None] * omega).mean(-1)  # mean over the C/2 pairs
    torch.testing.assert_close(sim, expected, atol=1e-7, rtol=0)


def test_pe_similarity_in_float32_and_of_any_matrix(gen):
    sim32 = pe_similarity(sinusoidal_encoding(20, 8))
    assert sim32.dtype == torch.float32
    torch.testing.assert_close(sim32, pe_similarity(sinusoidal_encoding(20, 8).double()).float())
    pe = torch.randn(5, 6, generator=gen)
    torch.testing.assert_close(pe_similarity(pe), pe @ pe.T / 3)


def test_pe_similarity_bad_input():
    with pytest.raises(ValueError, match=r"pe \(n_positions, d_model\) must have 2 dimensions, got shape \(8,\)"):
        pe_similarity(torch.zeros(8))
    with pytest.raises(TypeError, match=r"pe \(n_positions, d_model\) must be a torch\.Tensor, got a NumPy array"):
        pe_similarity(np.zeros((4, 4)))
