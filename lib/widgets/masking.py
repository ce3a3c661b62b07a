"""Notebook 09's widget: sequence length, padding and the causal switch; see the mask and the weights."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
import torch

from lib.attention import masked_softmax
from lib.masks import sequence_mask
from lib.plots import heatmap
from lib.widgets import FigureView, LiveFigure, slider

# Mask picture: 0 = blocked, 1 = may attend; cells beyond the sequence (no token) are grey.
MASK_CMAP = mpl.colors.ListedColormap(["#1b1b1b", "#5cb85c"]).with_extremes(bad="#d9d9d9")
# Weights: NaN weights are drawn as "over" (red) by storing them as 2 > vmax = 1.
WEIGHT_CMAP = mpl.colormaps["viridis"].with_extremes(bad="#d9d9d9", over="#e63946")


def _naive_weights(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """What plain code does: fill blocked scores with -inf, then softmax (NaN on empty rows)."""
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def _padded(matrix: torch.Tensor, size: int) -> np.ndarray:
    """Put a (T, T) matrix in the top-left corner of a (size, size) grid of NaN (no token).

    NaN inside the matrix becomes 2.0, which the colour maps draw in their "over" colour.
    """
    grid = np.full((size, size), np.nan)
    T = matrix.shape[-1]
    grid[:T, :T] = np.nan_to_num(matrix.double().numpy(), nan=2.0)
    return grid


def masking_widget(scores: torch.Tensor, tokens: Sequence[str] | None = None) -> LiveFigure:
    """Controls: sequence length T, pad tokens, padding side, causal on/off, naive softmax.

    The first T rows and columns of `scores` are used; the pictures keep their full size and
    show cells beyond the sequence in grey, so only the image data changes.
    Shapes: scores (T_max, T_max); len(tokens) == T_max.
    """
    if scores.dim() != 2 or scores.shape[0] != scores.shape[1]:
        raise ValueError(f"scores must be square (T_max, T_max), got shape {tuple(scores.shape)}")
    n = scores.shape[0]
    tokens = list(tokens) if tokens is not None else [f"x{i}" for i in range(n)]
    if len(tokens) != n:
        raise ValueError(f"scores is ({n}, {n}) but {len(tokens)} tokens were given")
    view = FigureView(1, 2, figsize=(8.0, 3.4))
    ax_mask, ax_w = view.axes
    ticks = [str(i) for i in range(n)]
    mask_map = heatmap(ax_mask, np.full((n, n), np.nan), xlabels=ticks, ylabels=ticks, cmap=MASK_CMAP)
    ax_mask.set_title("mask: green = may attend, black = blocked")
    weight_map = heatmap(ax_w, np.full((n, n), np.nan), xlabels=ticks, ylabels=ticks, cmap=WEIGHT_CMAP)
    ax_w.set_title("weights (red = NaN, grey = no token)")
    view.fig.colorbar(weight_map.image, ax=ax_w, fraction=0.046)
    view.animate(mask_map.image, weight_map.image)

    def update(T: int, n_pad: int, pad_side: str, causal: bool, naive: bool) -> str:
        n_pad = min(n_pad, T)
        mask = sequence_mask(T, n_pad, causal=causal, pad_side=pad_side)  # (T, T)
        s = scores[:T, :T]  # (T, T)
        weights = _naive_weights(s, mask) if naive else masked_softmax(s, mask)  # (T, T)
        mask_map.update(_padded(mask, n))
        weight_map.update(_padded(weights, n))
        empty = [t for t in range(T) if not mask[t].any()]
        words = [html.escape(tokens[i]) for i in range(T - n_pad)]  # the first T - n_pad tokens, as text
        pads = ["&lt;pad&gt;"] * n_pad
        seq = " ".join(words + pads if pad_side == "right" else pads + words)
        sums = " ".join("nan" if np.isnan(x) else f"{x:.2f}" for x in weights.sum(-1).tolist())
        how = "naive: −inf then softmax" if naive else "lib masked_softmax"
        if not empty:
            rows = "fully masked rows: none"
        else:
            fate = "NaN (red)" if naive else "all-zero weights"
            rows = f"fully masked rows {empty}: they get <b>{fate}</b>"
        return (
            f"T = {T}, {n_pad} pad token(s) on the {pad_side}, causal {'on' if causal else 'off'}, {how}<br>"
            f"sequence: {seq}<br>"
            f"allowed entries {int(mask.sum())} of {T * T}; {rows}<br>"
            f"row sums: {sums}"
        )

    controls = {
        "T": slider("length T", min(6, n), 1, n),
        "n_pad": slider("pad tokens", min(2, n - 1), 0, n),
        "pad_side": widgets.ToggleButtons(options=["right", "left"], value="right", description="padding on"),
        "causal": widgets.Checkbox(value=True, description="causal mask"),
        "naive": widgets.Checkbox(value=False, description="naive softmax (−inf, no guard)"),
    }
    return LiveFigure(controls, update, view)
