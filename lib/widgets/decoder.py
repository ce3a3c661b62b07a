"""The decoder widget: pick a decoder position, see its cross-attention row over the source, per head."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import torch

from lib import validate
from lib.i18n import _
from lib.plots import WEIGHT_CMAP, heatmap, move_row_marker, row_marker
from lib.widgets import FigureView, LiveFigure, slider


def _check(cross_weights: torch.Tensor, source: list[str], target: list[str]) -> None:
    validate.tensor(cross_weights, "cross_weights (H, T, S)", dims=3)
    H, T, S = cross_weights.shape
    if len(source) != S or len(target) != T:
        raise ValueError(
            f"cross_weights is (H, T, S) = ({H}, {T}, {S}) but {len(target)} target and "
            f"{len(source)} source tokens were given"
        )


def _layout(cross_weights: torch.Tensor, source: list[str], target: list[str]):
    """Left: row t of every head (H × S); right: one map (T × S) with row t outlined."""
    H, S = cross_weights.shape[0], cross_weights.shape[2]
    view = FigureView(1, 2, figsize=(8.6, 3.4), dpi=80, gridspec_kw={"width_ratios": [1.0, 1.1]})
    ax_row, ax_map = view.axes
    heads = [_("head {h}").format(h=h) for h in range(H)]
    row_map = heatmap(ax_row, cross_weights[:, 0], xlabels=source, ylabels=heads, cmap=WEIGHT_CMAP,
                      xlabel=_("source token (key, value)"), ylabel="")
    full_map = heatmap(ax_map, cross_weights.mean(0), xlabels=source, ylabels=target, cmap=WEIGHT_CMAP,
                       xlabel=_("source token (key, value)"), ylabel=_("target token (query)"))
    ax_map.set_title(_("cross-attention T × S (the toggle picks the map)"), fontsize=10)
    view.fig.colorbar(full_map.image, ax=ax_map, fraction=0.046, label=_("attention weight (0–1)"))
    marker = row_marker(ax_map, S)
    ax_row.set_title(_("row t of every head (outlined on the right)"), fontsize=10)
    view.animate(row_map.image, full_map.image, marker)  # titles stay: text is the slowest artist to repaint
    return view, row_map, full_map, marker


def _readout(weights_t: torch.Tensor, t: int, source: list[str], target: list[str]) -> str:
    """One line per head: where decoder position t looks most, and with what weight."""
    lines = [_("decoder position t = {t}, target token <b>{token}</b>:").format(t=t, token=html.escape(target[t]))]
    for h, row in enumerate(weights_t):
        s = int(row.argmax())
        lines.append(_("head {h} looks most at source position {s} (<b>{token}</b>), weight {weight:.2f}").format(
            h=h, s=s, token=html.escape(source[s]), weight=row[s].item()))
    return "<br>".join(lines)


def decoder_widget(cross_weights: torch.Tensor, source_tokens: Sequence[str],
                   target_tokens: Sequence[str]) -> LiveFigure:
    """Controls: the decoder position t, and which map (the mean over heads, or one head) is drawn whole.

    Shapes: cross_weights (H, T, S) of one sequence; len(target_tokens) == T, len(source_tokens) == S.
    """
    source, target = list(source_tokens), list(target_tokens)
    _check(cross_weights, source, target)
    w = cross_weights.detach()
    H, T = w.shape[:2]
    view, row_map, full_map, marker = _layout(w, source, target)

    def update(t: int, shown: str) -> str:
        row_map.update(w[:, t])  # (H, S): every head's weights for query t
        full_map.update(w.mean(0) if shown == "mean" else w[int(shown.split()[-1])])  # (T, S)
        move_row_marker(marker, t)
        shown_text = _("the mean of the heads") if shown == "mean" else _("head {h}").format(h=shown.split()[-1])
        return _("right map: {shown}").format(shown=shown_text) + "<br>" + _readout(w[:, t], t, source, target)

    controls = {  # the toggle's values ("mean", "head h") are what `update` reads; only the labels are translated
        "t": slider(_("decoder position t"), min(1, T - 1), 0, T - 1),
        "shown": widgets.ToggleButtons(
            options=[(_("mean"), "mean")] + [(_("head {h}").format(h=h), f"head {h}") for h in range(H)],
            value="mean", description=_("right map")),
    }
    return LiveFigure(controls, update, view)
