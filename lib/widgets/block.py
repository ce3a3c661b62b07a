"""The block widget: depth, residual on/off, LayerNorm/BatchNorm/none, Pre/Post → per-layer gradient norm."""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from lib import validate
from lib.plots import grad_norm_plot
from lib.residual import stack_grad_norms
from lib.widgets import FigureView, LiveFigure, slider


@lru_cache(maxsize=512)
def _norms(depth: int, residual: bool, norm: str, norm_first: bool, width: int) -> np.ndarray:
    """Seeded, so a setting always gives the same curve: cached, a revisit costs nothing."""
    return stack_grad_norms(depth, width=width, residual=residual, norm=norm, norm_first=norm_first).numpy()


def _readout(g: np.ndarray, residual: bool, norm: str, norm_first: bool) -> str:
    place = "Pre" if norm_first else "Post"
    kind = {"none": "no normalisation", "layer": "LayerNorm", "batch": "BatchNorm"}[norm]
    same = " (without a norm, Pre and Post are the same stack)" if norm == "none" else ""
    ratio = g[0] / g[-1]
    return (
        f"{len(g)} layers, residual {'on' if residual else 'off'}, {kind}, {place}-norm{same}<br>"
        f"gradient norm at layer 1: <b>{g[0]:.3g}</b>, at layer {len(g)}: {g[-1]:.3g}; "
        f"layer 1 / last layer = <b>{ratio:.3g}</b> (10<sup>{np.log10(ratio):.1f}</sup>)"
    )


def block_widget(*, max_depth: int = 48, width: int = 16) -> LiveFigure:
    """Controls: depth, residual connections, the normalisation and where it sits; one curve moves in place.

    Each update builds and back-propagates a seeded `lib.residual.DeepStack` of `depth` layers of
    `width` features (a few ms for 48 × 16).
    """
    max_depth = validate.size(max_depth, "max_depth", minimum=2)
    view = FigureView(1, 1, figsize=(7.0, 3.3))
    curve = grad_norm_plot(view.axes[0], max_depth)
    view.animate(curve.line, curve.first)

    def update(depth: int, residual: bool, norm: str, placement: str) -> str:
        g = _norms(depth, residual, norm, placement == "Pre", width)  # (depth,)
        curve.update(g)
        return _readout(g, residual, norm, placement == "Pre")

    controls = {
        "depth": slider("depth (layers)", min(24, max_depth), 2, max_depth),
        "residual": widgets.Checkbox(value=False, description="residual connection (x + f(x))"),
        "norm": widgets.ToggleButtons(options=["none", "layer", "batch"], value="none", description="norm"),
        "placement": widgets.ToggleButtons(options=["Post", "Pre"], value="Post", description="norm at"),
    }
    return LiveFigure(controls, update, view)
