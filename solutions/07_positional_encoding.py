"""Reference answers to the exercises of notebooks/07_positional_encoding.ipynb (positional encoding).

One function per exercise, under the name the notebook's stub has, written as a student would:
plain torch and math, no lib. The checkers (lib/checks/positional_encoding.py) never import this
file; the tests load it by path.
"""

import math

import torch


def sinusoidal(n_positions, d_model, base):
    """Exercise 1: PE[p, 2i] = sin(p / base^(2i/d_model)), PE[p, 2i+1] = cos of the same angle."""
    p = torch.arange(n_positions, dtype=torch.float64)[:, None]  # (P, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (C/2,): 0, 2, 4, ...
    angle = p / base ** (two_i / d_model)  # (P, C/2): one frequency per pair
    pe = torch.zeros(n_positions, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)  # even columns
    pe[:, 1::2] = torch.cos(angle)  # odd columns
    return pe


def offset_matrix(k, d_model, base):
    """Exercise 2: M with PE(p + k) = PE(p) @ M: one 2 x 2 rotation by k·ω_i per pair i."""
    m = torch.zeros(d_model, d_model)
    for i in range(d_model // 2):
        a = k / base ** (2 * i / d_model)  # how far pair i turns in k steps
        rows = slice(2 * i, 2 * i + 2)
        m[rows, rows] = torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return m


def to_concatenated(pe):
    """Exercise 3: the sines (even columns) first, then the cosines (odd columns)."""
    return torch.cat([pe[:, 0::2], pe[:, 1::2]], dim=1)


def predict_norms():
    """Exercise 4: d_model = 512: every ‖PE(p)‖² is 256 pairs × (sin² + cos²); the dot products only see p − q."""
    return (256, 256, 0)  # PE(3)·PE(10) and PE(100)·PE(107) both equal Σ_i cos(7·ω_i)
