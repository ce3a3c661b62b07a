"""Boolean attention masks. True means "may attend", as in PyTorch's SDPA."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from lib import validate


def causal_mask(T: int) -> torch.Tensor:
    """Query t may attend to keys 0..t (on and below the diagonal).

    Shapes: -> (T, T) bool.
    """
    T = validate.size(T, "T (the sequence length)")
    return torch.ones(T, T, dtype=torch.bool).tril()


def padding_mask(lengths: Sequence[int] | torch.Tensor, S: int) -> torch.Tensor:
    """True at the real tokens of each sequence, False at its padding.

    The middle axis of size 1 lets it broadcast over the queries.
    Shapes: lengths (B,) -> (B, 1, S) bool.
    """
    S = validate.size(S, "S (the padded length)")
    if isinstance(lengths, torch.Tensor):
        if lengths.dtype.is_floating_point or lengths.dtype == torch.bool:
            raise TypeError(f"lengths must be whole numbers, got a {lengths.dtype} tensor; use lengths.long()")
    elif isinstance(lengths, Sequence | np.ndarray) and not isinstance(lengths, str):
        lengths = torch.tensor([validate.size(n, "each length", minimum=0) for n in lengths], dtype=torch.long)
    else:
        raise TypeError(f"lengths must be a sequence of whole numbers (one per sentence, e.g. [3]), "
                        f"got {type(lengths).__name__} {lengths!r}")
    if lengths.numel() == 0:
        raise ValueError("lengths is empty: give one length per sentence of the batch")
    if lengths.dim() != 1:
        raise ValueError(f"lengths must be 1-D (B,), got shape {tuple(lengths.shape)}")
    if len(lengths) and (lengths.min() < 0 or lengths.max() > S):
        raise ValueError(f"lengths must lie in [0, S={S}], got {lengths.tolist()}")
    positions = torch.arange(S)  # (S,)
    return (positions[None, :] < lengths[:, None])[:, None, :]  # (B, 1, S)


def combine_masks(*masks: torch.Tensor) -> torch.Tensor:
    """An entry may attend only if every mask allows it: the logical AND, broadcast.

    Give a padding mask its query axis first, (B, 1, S): a (B, S) mask would line B
    up with the queries T.
    Shapes: e.g. padding (B, 1, S) and causal (T, S) -> (B, T, S).
    """
    if not masks:
        raise ValueError("combine_masks needs at least one mask")
    for i, m in enumerate(masks):
        validate.mask(m, f"mask {i}")
    shapes = [tuple(m.shape) for m in masks]
    combined = masks[0].clone()
    for m in masks[1:]:
        try:
            combined = combined & m  # broadcast, e.g. (B, 1, S) & (T, S) -> (B, T, S)
        except RuntimeError:
            raise ValueError(f"masks of shapes {shapes} do not broadcast together") from None
    return combined


def left_padding_mask(lengths: Sequence[int] | torch.Tensor, S: int) -> torch.Tensor:
    """Like `padding_mask`, with the padding at the start and the real tokens at the end.

    Decoder-only models pad a batch of prompts this way, so every prompt ends at position S - 1.
    Shapes: lengths (B,) -> (B, 1, S) bool.
    """
    return padding_mask(lengths, S).flip(-1)  # (B, 1, S), True on the last `length` positions


def sequence_mask(T: int, n_pad: int, *, causal: bool = True, pad_side: str = "right") -> torch.Tensor:
    """The self-attention mask of one sequence of T positions, n_pad of them padding.

    Rows are queries, columns keys. Padded keys are blocked for every query; with `causal`,
    query t also may not see keys after t. With left padding and `causal`, the first n_pad
    rows allow nothing (fully masked rows).
    Shapes: -> (T, T) bool.
    """
    validate.choice(pad_side, "pad_side", ("right", "left"))
    T = validate.size(T, "T")
    n_pad = validate.size(n_pad, "n_pad", minimum=0)
    if n_pad > T:
        raise ValueError(f"need T >= 1 and 0 <= n_pad <= T, got T={T}, n_pad={n_pad}")
    make = padding_mask if pad_side == "right" else left_padding_mask
    keys = make([T - n_pad], T)[0]  # (1, T): one row, broadcast over the queries
    if causal:
        return combine_masks(keys, causal_mask(T))  # (1, T) & (T, T) -> (T, T)
    return keys.expand(T, T).clone()  # (T, T)
