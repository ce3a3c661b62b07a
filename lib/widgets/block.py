"""The block widget: depth, residual on/off, LayerNorm/BatchNorm/none, Pre/Post → per-layer gradient norm."""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from lib import validate
from lib.i18n import _
from lib.plots import grad_norm_plot
from lib.residual import stack_grad_norms
from lib.widgets import FigureView, LiveFigure, slider


@lru_cache(maxsize=512)
def _norms(depth: int, residual: bool, norm: str, norm_first: bool, width: int) -> np.ndarray:
    """Seeded, so a setting always gives the same curve: cached, a revisit costs nothing."""
    return stack_grad_norms(depth, width=width, residual=residual, norm=norm, norm_first=norm_first).numpy()


def _readout(g: np.ndarray, residual: bool, norm: str, norm_first: bool) -> str:
    place = "Pre" if norm_first else "Post"
    kind = {"none": _("no normalisation"), "layer": _("LayerNorm"), "batch": _("BatchNorm")}[norm]
    ratio = g[0] / g[-1]
    setting = _("{n} layers, residual {state}, {kind}, {place}-norm").format(
        n=len(g), state=_("on") if residual else _("off"), kind=kind, place=place)
    if norm == "none":
        setting += _(" (without a norm, Pre and Post are the same stack)")
    return setting + "<br>" + _(
        "gradient norm at layer 1: <b>{first:.3g}</b>, at layer {n}: {last:.3g}; "
        "layer 1 / last layer = <b>{ratio:.3g}</b> (10<sup>{exponent:.1f}</sup>)"
    ).format(first=g[0], n=len(g), last=g[-1], ratio=ratio, exponent=np.log10(ratio))


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
        "depth": slider(_("depth (layers)"), min(24, max_depth), 2, max_depth),
        "residual": widgets.Checkbox(value=False, description=_("residual connection (x + f(x))")),
        "norm": widgets.ToggleButtons(options=[(_("none"), "none"), (_("layer"), "layer"), (_("batch"), "batch")],
                                      value="none", description=_("norm")),
        "placement": widgets.ToggleButtons(options=["Post", "Pre"], value="Post", description=_("norm at")),
    }
    return LiveFigure(controls, update, view)
