"""The block widget: depth, residual on/off, LayerNorm/BatchNorm/none, Pre/Post → per-layer gradient norm."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from lib import validate
from lib.residual import stack_grad_norms
from lib.widgets import FigureView, LiveFigure, slider

FLOOR, CEILING = 1e-14, 1e5  # the fixed log-y range; smaller values are drawn on the floor


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


# --- drawing helpers, to move into lib/plots.py ---


@dataclass
class GradNormLines:
    """The artists of `grad_norm_plot`; `update` moves them, never makes new ones."""

    line: Line2D  # one point per layer, NaN beyond the depth
    first: Line2D  # a marker on layer 1
    n: int

    def update(self, norms) -> None:
        g = np.clip(np.asarray(norms, dtype=float), FLOOR, None)
        if g.ndim != 1 or not 1 <= len(g) <= self.n:
            raise ValueError(f"need 1 to {self.n} gradient norms, got shape {g.shape}")
        y = np.full(self.n, np.nan)
        y[: len(g)] = g
        self.line.set_ydata(y)
        self.first.set_data([1], [g[0]])


def grad_norm_plot(ax: Axes, n_layers: int) -> GradNormLines:
    """Empty per-layer gradient-norm curve on a log y axis fixed to [FLOOR, CEILING], layers 1..n.

    Shapes: the curve takes (n,) values, n <= n_layers.
    """
    layers = np.arange(1, n_layers + 1)
    (line,) = ax.plot(layers, np.full(n_layers, np.nan), "o-", ms=3, lw=1.5, color="C0", label="‖∂L/∂θ‖ per layer")
    (first,) = ax.plot([1], [np.nan], "o", ms=8, color="C3", label="layer 1 (next to the input)")
    ax.set_yscale("log")
    ax.set_ylim(FLOOR, CEILING)
    ax.set_xlim(0.5, n_layers + 0.5)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("gradient norm (log)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return GradNormLines(line, first, n_layers)
