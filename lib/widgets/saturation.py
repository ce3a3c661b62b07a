"""Notebook 03's widget: grow d_k and watch one query's softmax saturate and its Jacobian fade."""

from __future__ import annotations

import math

import ipywidgets as widgets
import torch

from lib.plots import bars, heatmap, update_bars
from lib.saturation import max_weight, prefix_scores, softmax_entropy, softmax_jacobian
from lib.widgets import FigureView, LiveFigure, slider

JACOBIAN_LIMIT = 0.25  # every entry of diag(p) − p pᵀ lies in [−¼, ¼]: p(1 − p) ≤ ¼, p_i p_j ≤ ¼


def saturation_widget(
    q: torch.Tensor, k: torch.Tensor, *, d_k: int = 8, scaled: bool = False
) -> LiveFigure:
    """Controls: d_k (how many features of q and k enter the dot products) and the √d_k division.

    Left: the query's weights over the keys. Right: the softmax Jacobian diag(p) − p pᵀ.
    Shapes: q (Dmax,), k (S, Dmax).
    """
    if q.dim() != 1 or k.dim() != 2 or k.shape[1] != q.shape[0]:
        raise ValueError(
            f"expected q (Dmax,) and k (S, Dmax), got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    S, d_max = k.shape
    labels = [f"k{j}" for j in range(S)]
    view = FigureView(1, 2, figsize=(8.0, 3.1), gridspec_kw={"width_ratios": [1, 1.15]})
    ax_bar, ax_jac = view.axes
    row = bars(ax_bar, torch.full((S,), 1 / S), labels, color="C1")
    ax_bar.set(ylabel="weight p", title="one query's weights over the keys")
    lim = JACOBIAN_LIMIT
    grid = heatmap(ax_jac, torch.zeros(S, S), xlabels=labels, ylabels=labels, vmin=-lim, vmax=lim,
                   cmap="RdBu_r", xlabel="score $s_j$", ylabel="weight $p_i$")
    ax_jac.set_title(r"Jacobian $\partial p_i / \partial s_j = \mathrm{diag}(p) - p\,p^{\top}$")
    view.fig.colorbar(grid.image, ax=ax_jac, fraction=0.05)
    view.animate(*row.patches, grid.image)
    q_rows = q.unsqueeze(0)  # (1, Dmax): one query

    def update(d_k: int, scaled: bool) -> str:
        scores = prefix_scores(q_rows, k, d_k, scale=scaled)[0].double()  # (S,)
        weights = torch.softmax(scores, dim=-1)  # (S,); float64 keeps 1 − p exact near saturation
        jac = softmax_jacobian(weights)  # (S, S)
        update_bars(row, weights)
        grid.update(jac)
        spread = scores.std().item() if S > 1 else 0.0
        top, entropy = max_weight(weights).item(), softmax_entropy(weights).item()
        norm = torch.linalg.eigvalsh(jac)[-1].item()  # J is symmetric positive semi-definite
        bound = 1 - (weights**2).sum().item()
        return (
            f"d_k = {d_k}, scores {'divided by √d_k' if scaled else 'not scaled'}: "
            f"spread (std) of the scores {spread:.2f}<br>"
            f"largest weight {top:.3f}, entropy {entropy:.3f} "
            f"(uniform: log S = {math.log(S):.3f}, one-hot: 0)<br>"
            f"‖J‖₂ = {norm:.2e} ≤ 1 − Σp² = {bound:.2e}: the gradient reaching the scores "
            f"(and so q and k) is at most this fraction of the gradient on the weights"
        )

    controls = {
        "d_k": slider("d_k", min(d_k, d_max), 1, d_max),
        "scaled": widgets.Checkbox(value=scaled, description="divide by √d_k"),
    }
    return LiveFigure(controls, update, view)
