"""Reference answers for notebooks/09_masking.ipynb (마스크드 셀프 어텐션, masked self-attention).

One function per exercise, under the name the notebook's stub has, written as a student would.
Try the exercises yourself first: the checkers in the notebook give hints, these give it all away.
"""

import torch


def causal_mask_for(T):
    """Exercise 1. (T, T) bool: query t may attend to keys s <= t (True = may attend)."""
    return torch.ones(T, T, dtype=torch.bool).tril()  # on and below the diagonal


def causal_weights(scores):
    """Exercise 2. scores (..., T, T) -> weights (..., T, T) with the future blocked."""
    T = scores.shape[-1]
    allowed = torch.ones(T, T, dtype=torch.bool).tril()  # (T, T)
    return torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)  # e^-inf = 0


def decoder_mask_for(lengths, T):
    """Exercise 3. lengths (B,) -> (B, T, T) bool: a key that is real AND not in the future."""
    real = torch.arange(T)[None, :] < lengths[:, None]  # (B, S): True at the real tokens
    causal = torch.ones(T, T, dtype=torch.bool).tril()  # (T, S)
    return real[:, None, :] & causal  # (B, 1, S) & (T, S) -> (B, T, S)


def safe_masked_softmax(scores, mask):
    """Exercise 4. Like -inf then softmax, but a row with no allowed key gives zeros, not NaN."""
    filled = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)  # finite: no 0/0
    weights = torch.softmax(filled, dim=-1)  # an empty row comes out uniform here ...
    return weights.masked_fill(~mask, 0.0)  # ... and is zeroed here, with every blocked entry


def empty_rows():
    """Exercise 5 (predict). 3 tokens padded to T = 6: empty rows (padded on the right, on the left)."""
    # Right: every query may attend to key 0, a real token, so no row is empty.
    # Left: positions 0, 1, 2 are pads; the causal mask lets them see keys up to themselves, all pads.
    return (0, 3)
