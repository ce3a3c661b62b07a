"""The masking widget: sequence length, padding and the causal switch; see the mask and the weights."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import torch

from lib import validate
from lib.attention import masked_softmax
from lib.i18n import _
from lib.masks import sequence_mask
from lib.plots import NAN_AS, WEIGHT_CMAP, heatmap, mask_map, pad_nan
from lib.softmax import naive_masked_softmax
from lib.widgets import FigureView, LiveFigure, slider


def _layout(n: int, tokens: list[str]):
    """Mask and weights side by side, laid out once for the longest sequence; tokens on the axes."""
    view = FigureView(1, 2, figsize=(8.0, 3.4))
    ax_mask, ax_w = view.axes
    blank = np.full((n, n), np.nan)
    mask_grid = mask_map(ax_mask, blank, xlabels=tokens, ylabels=tokens, colorbar=False)
    ax_mask.set_title(_("mask: green = may attend, black = blocked"), fontsize=10)
    weight_map = heatmap(ax_w, blank, xlabels=tokens, ylabels=tokens, cmap=WEIGHT_CMAP)
    ax_w.set_title(_("weights (red = NaN, grey = no token)"), fontsize=10)
    for ax in view.axes:
        ax.tick_params(axis="x", labelrotation=90)
    view.fig.colorbar(weight_map.image, ax=ax_w, fraction=0.046, label=_("attention weight (0–1)"))
    view.animate(mask_grid.image, weight_map.image)
    return view, mask_grid, weight_map


def _readout(tokens, T: int, n_pad: int, pad_side: str, causal: bool, naive: bool,
             mask: torch.Tensor, weights: torch.Tensor) -> str:
    empty = [t for t in range(T) if not mask[t].any()]
    words = [html.escape(tokens[i]) for i in range(T - n_pad)]  # the first T - n_pad tokens, as text
    pads = ["&lt;pad&gt;"] * n_pad
    seq = " ".join(words + pads if pad_side == "right" else pads + words)
    sums = " ".join("nan" if np.isnan(x) else f"{x:.2f}" for x in weights.sum(-1).tolist())
    how = _("naive: −inf then softmax") if naive else "lib masked_softmax"
    if not empty:
        rows = _("fully masked rows: none")
    else:
        rows = _("fully masked rows {rows}: they get <b>{what}</b>").format(
            rows=empty, what=_("NaN (red)") if naive else _("all-zero weights"))
    side = {"right": _("right"), "left": _("left")}[pad_side]
    return "<br>".join([
        _("T = {T}, {n_pad} pad token(s) on the {side}, causal {state}, {how}").format(
            T=T, n_pad=n_pad, side=side, state=_("on") if causal else _("off"), how=how),
        _("sequence: {sequence}").format(sequence=seq),
        _("allowed entries {allowed} of {total}; {rows}").format(allowed=int(mask.sum()), total=T * T, rows=rows),
        _("row sums: {sums}").format(sums=sums),
    ])


def masking_widget(scores: torch.Tensor, tokens: Sequence[str] | None = None) -> LiveFigure:
    """Controls: sequence length T, pad tokens, padding side, causal on/off, naive softmax.

    The first T rows and columns of `scores` are used; the pictures keep their full size and
    show cells beyond the sequence in grey, so only the image data changes.
    Shapes: scores (T_max, T_max); len(tokens) == T_max.
    """
    validate.tensor(scores, "scores (T_max, T_max)", dims=2)
    if scores.shape[0] != scores.shape[1]:
        raise ValueError(f"scores must be square (T_max, T_max), got shape {tuple(scores.shape)}")
    n = scores.shape[0]
    tokens = list(tokens) if tokens is not None else [f"x{i}" for i in range(n)]
    if len(tokens) != n:
        raise ValueError(f"scores is ({n}, {n}) but {len(tokens)} tokens were given")
    view, mask_map, weight_map = _layout(n, tokens)

    def update(T: int, n_pad: int, pad_side: str, causal: bool, naive: bool) -> str:
        n_pad = min(n_pad, T)
        mask = sequence_mask(T, n_pad, causal=causal, pad_side=pad_side)  # (T, T)
        s = scores[:T, :T]  # (T, T)
        weights = naive_masked_softmax(s, mask) if naive else masked_softmax(s, mask)  # (T, T)
        mask_map.update(pad_nan(mask, (n, n)))
        weight_map.update(pad_nan(weights, (n, n), nan_as=NAN_AS))
        return _readout(tokens, T, n_pad, pad_side, causal, naive, mask, weights)

    controls = {
        "T": slider(_("length T"), min(6, n), 1, n),
        "n_pad": slider(_("pad tokens"), min(2, n - 1), 0, n),
        "pad_side": widgets.ToggleButtons(options=[(_("right"), "right"), (_("left"), "left")], value="right",
                                          description=_("padding on")),
        "causal": widgets.Checkbox(value=True, description=_("causal mask")),
        "naive": widgets.Checkbox(value=False, description=_("naive softmax (−inf, no guard)")),
    }
    return LiveFigure(controls, update, view)
