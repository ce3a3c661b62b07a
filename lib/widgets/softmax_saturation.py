"""The softmax-saturation widget: grow d_k and watch one query's softmax saturate and its Jacobian fade."""

from __future__ import annotations

import math

import ipywidgets as widgets
import torch

from lib import validate
from lib.i18n import _
from lib.plots import SERIES, SIGNED_CMAP, bars, heatmap, update_bars
from lib.softmax import (
    JACOBIAN_ENTRY_LIMIT,
    jacobian_bound,
    jacobian_norm,
    max_weight,
    prefix_scores,
    softmax_entropy,
    softmax_jacobian,
)
from lib.widgets import FigureView, LiveFigure, slider


def _layout(S: int):
    """The two panels, drawn once: the query's weights (bars) and the Jacobian (heat map)."""
    labels = [f"k{j}" for j in range(S)]
    view = FigureView(1, 2, figsize=(8.0, 3.1), gridspec_kw={"width_ratios": [1, 1.15]})
    ax_bar, ax_jac = view.axes
    row = bars(ax_bar, torch.full((S,), 1 / S), labels, color=SERIES[1])
    ax_bar.set(xlabel=_("key"), ylabel=_("weight p"), title=_("one query's weights over the keys"))
    lim = JACOBIAN_ENTRY_LIMIT
    grid = heatmap(ax_jac, torch.zeros(S, S), xlabels=labels, ylabels=labels, vmin=-lim, vmax=lim,
                   cmap=SIGNED_CMAP, xlabel=_("score {s}").format(s="s_j"), ylabel=_("weight {p}").format(p="p_i"))
    # Plain Unicode, not mathtext: mathtext draws the words of a "$...$" label in one font, without the
    # Hangul fallback of ordinary text (lib.notebook.setup_notebook).
    ax_jac.set_title(_("Jacobian {formula}").format(formula="∂p_i/∂s_j = diag(p) − p pᵀ"))
    view.fig.colorbar(grid.image, ax=ax_jac, fraction=0.05, label=r"$\partial p_i / \partial s_j$")
    view.animate(*row.patches, grid.image)
    return view, row, grid


def _readout(d_k: int, scaled: bool, scores: torch.Tensor, weights: torch.Tensor) -> str:
    S = weights.shape[-1]
    spread = scores.std().item() if S > 1 else 0.0
    top, entropy = max_weight(weights).item(), softmax_entropy(weights).item()
    norm, bound = jacobian_norm(weights).item(), jacobian_bound(weights).item()
    scores_line = (_("d_k = {d_k}, scores divided by √d_k: spread (std) of the scores {spread:.2f}") if scaled
                   else _("d_k = {d_k}, scores not scaled: spread (std) of the scores {spread:.2f}"))
    return "<br>".join([
        scores_line.format(d_k=d_k, spread=spread),
        _("largest weight {top:.3f}, entropy {entropy:.3f} (uniform: log S = {log_s:.3f}, one-hot: 0)").format(
            top=top, entropy=entropy, log_s=math.log(S)),
        _("‖J‖₂ = {norm:.2e} ≤ 1 − Σp² = {bound:.2e}: the gradient reaching the scores (and so q and k) is at most "
          "this fraction of the gradient on the weights").format(norm=norm, bound=bound),
    ])


def saturation_widget(
    q: torch.Tensor, k: torch.Tensor, *, d_k: int = 8, scaled: bool = False
) -> LiveFigure:
    """Controls: d_k (how many features of q and k enter the dot products) and the √d_k division.

    Left: the query's weights over the keys. Right: the softmax Jacobian diag(p) − p pᵀ.
    Shapes: q (Dmax,), k (S, Dmax).
    """
    validate.tensor(q, "q (Dmax,)", dims=1)
    validate.tensor(k, "k (S, Dmax)", dims=2)
    if k.shape[1] != q.shape[0]:
        raise ValueError(f"expected q (Dmax,) and k (S, Dmax), got q {tuple(q.shape)} and k {tuple(k.shape)}")
    S, d_max = k.shape
    view, row, grid = _layout(S)
    q_rows = q.unsqueeze(0)  # (1, Dmax): one query

    def update(d_k: int, scaled: bool) -> str:
        scores = prefix_scores(q_rows, k, d_k, scale=None if scaled else 1.0)[0].double()  # (S,)
        weights = torch.softmax(scores, dim=-1)  # (S,); float64 keeps 1 − p exact near saturation
        update_bars(row, weights)
        grid.update(softmax_jacobian(weights))
        return _readout(d_k, scaled, scores, weights)

    controls = {
        "d_k": slider("d_k", min(d_k, d_max), 1, d_max),
        "scaled": widgets.Checkbox(value=scaled, description=_("divide by √d_k")),
    }
    return LiveFigure(controls, update, view)
