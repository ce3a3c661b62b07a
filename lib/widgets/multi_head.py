"""The multi-head widget: cut d_model into h heads, pick one, see its attention map."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import torch

from lib import validate
from lib.heads import head_counts, mean_attention_distance, per_head_weights
from lib.i18n import _
from lib.plots import WEIGHT_CMAP, heatmap
from lib.widgets import FigureView, LiveFigure, slider


def _layout(tokens: Sequence[str]):
    """Two attention maps side by side (÷√d_k and ÷√d_model), tokens on both axes, one colour bar."""
    T = len(tokens)
    view = FigureView(1, 2, figsize=(8.6, 3.2))
    maps = []
    titles = (_("scores ÷ {scale} (right)").format(scale="√d_k"),
              _("scores ÷ {scale} (mistake)").format(scale="√d_model"))
    for ax, title in zip(view.axes, titles, strict=True):
        maps.append(heatmap(ax, torch.zeros(T, T), xlabels=tokens, ylabels=tokens, cmap=WEIGHT_CMAP))
        ax.set_title(title)
        ax.tick_params(axis="x", labelrotation=45)
    view.fig.colorbar(maps[-1].image, ax=view.axes[-1], fraction=0.046, label=_("attention weight (0–1)"))
    view.animate(*(grid.image for grid in maps))
    return view, maps


def _readout(C: int, n_heads: int, head: int, right: torch.Tensor, wrong: torch.Tensor) -> str:
    D = C // n_heads
    return "<br>".join([
        _("d_model = {C}, h = {h} heads of d_k = {d_k}; head {head} uses columns {first}..{last} of W_Q and W_K"
          ).format(C=C, h=n_heads, d_k=D, head=head, first=head * D, last=(head + 1) * D - 1),
        _("÷√d_k: largest weight per query {top:.2f}, mean attention distance {distance:.2f} words").format(
            top=right.max(-1).values.mean(), distance=mean_attention_distance(right)),
        _("÷√d_model: largest weight {top:.2f} (uniform would be {uniform:.2f})").format(
            top=wrong.max(-1).values.mean(), uniform=1 / right.shape[-1]),
    ])


def multihead_widget(
    x: torch.Tensor,
    w_q: torch.Tensor,
    w_k: torch.Tensor,
    tokens: Sequence[str],
    *,
    n_heads: int = 2,
) -> LiveFigure:
    """Controls: the number of heads (a divisor of d_model) and which head to show.

    The same W_Q, W_K are cut into h column blocks; the left map divides the scores by √d_k,
    the right one by √d_model (the classic mistake), so the two agree only at h = 1.
    Shapes: x (T, C), w_q and w_k (C, C); len(tokens) == T.
    """
    validate.tensor(x, "x (T, C)", dims=2)
    if x.shape[0] != len(tokens):
        raise ValueError(f"x must be (T, C) with T = {len(tokens)} tokens, got {tuple(x.shape)}")
    C = x.shape[1]
    validate.choice(n_heads, f"n_heads (must divide d_model={C})", head_counts(C))
    view, maps = _layout(tokens)

    def update(n_heads: int, head: int) -> str:
        head = min(head, n_heads - 1)  # only while the slider catches up with a new n_heads
        right = per_head_weights(x, w_q, w_k, n_heads)[head]  # (T, T)
        wrong = per_head_weights(x, w_q, w_k, n_heads, scale=C**-0.5)[head]  # (T, T)
        for grid, weights in zip(maps, (right, wrong), strict=True):
            grid.update(weights)
        return _readout(C, n_heads, head, right, wrong)

    heads = widgets.Dropdown(options=head_counts(C), value=n_heads, description=_("heads h"))
    head = slider(_("head"), 0, 0, n_heads - 1)

    def follow(change) -> None:  # registered before LiveFigure's observer, so it runs first
        head.max = change["new"] - 1  # a head beyond the new h is clamped to the last head

    heads.observe(follow, names="value")
    return LiveFigure({"n_heads": heads, "head": head}, update, view)
