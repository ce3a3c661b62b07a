"""The self-attention widget: pick a query token, see its weights over the keys and its output."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import torch
from matplotlib.patches import Rectangle

from lib import validate
from lib.attention import scaled_dot_product_attention
from lib.i18n import _
from lib.plots import HIGHLIGHT, SERIES, WEIGHT_CMAP, bars, heatmap, update_bars
from lib.widgets import FigureView, LiveFigure


def _layout(tokens: Sequence[str]):
    """All queries' weights (a heat map with the chosen row framed) and that row as bars."""
    T = len(tokens)
    view = FigureView(1, 2, figsize=(8.5, 3.2))
    ax_map, ax_bar = view.axes
    grid = heatmap(ax_map, torch.zeros(T, T), xlabels=tokens, ylabels=tokens, cmap=WEIGHT_CMAP)
    ax_map.set_title(_("weights, all queries (rows)"))
    view.fig.colorbar(grid.image, ax=ax_map, fraction=0.046, label=_("attention weight (0–1)"))
    frame = ax_map.add_patch(Rectangle((-0.5, -0.5), T, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=2.5))
    row = bars(ax_bar, torch.zeros(T), tokens, color=SERIES[1])
    ax_bar.set(xlabel=_("key"), ylabel=_("attention weight"),
               title=_("the framed row: one query's weights over the keys"))
    view.animate(grid.image, frame, *row.patches)
    return view, grid, frame, row


def _readout(tokens: Sequence[str], query: int, weights: torch.Tensor, out: torch.Tensor) -> str:
    shares = ", ".join(f"{tok} {w:.2f}" for tok, w in zip(tokens, weights.tolist(), strict=True))
    values = ", ".join(f"{value:+.2f}" for value in out.tolist())
    return (_("query <b>{token}</b>: weights {shares} (sum {total:.3f})").format(
                token=tokens[query], shares=shares, total=weights.sum().item())
            + "<br>" + _("output (hidden vector) z = Σ weight·v = [{values}]").format(values=values))


def self_attention_widget(
    x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor, tokens: Sequence[str]
) -> LiveFigure:
    """Controls: the query token and whether to divide by √d_k.

    Shapes: x (T, C), w_q and w_k (C, D), w_v (C, Dv); len(tokens) == T.
    """
    for name, t in (("x", x), ("w_q", w_q), ("w_k", w_k), ("w_v", w_v)):
        validate.tensor(t, name, dims=2)
    if x.shape[0] != len(tokens):
        raise ValueError(f"x has {x.shape[0]} rows (T) but {len(tokens)} tokens were given")
    q, k, v = x @ w_q, x @ w_k, x @ w_v  # (T, D), (T, D), (T, Dv)
    view, grid, frame, row = _layout(tokens)

    def update(query: int, scaled: bool) -> str:
        out, weights = scaled_dot_product_attention(q, k, v, scale=None if scaled else 1.0)  # (T, Dv), (T, T)
        grid.update(weights)
        frame.set_y(query - 0.5)
        update_bars(row, weights[query])
        return _readout(tokens, query, weights[query], out[query])

    controls = {
        "query": widgets.Dropdown(options=[(tok, i) for i, tok in enumerate(tokens)], value=0,
                                  description=_("query")),
        "scaled": widgets.Checkbox(value=True, description=_("divide by √d_k")),
    }
    return LiveFigure(controls, update, view)
