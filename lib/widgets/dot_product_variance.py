"""The dot-product-variance widget: a d_k slider and a scale toggle over the histogram of q·k.

Left: the histogram of n sampled scores on fixed bins, with the normal curve of the predicted
variance. Right: the softmax weights of one query over a few keys at the same d_k.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from lib import validate
from lib.attention import scale_factor
from lib.i18n import _
from lib.plots import PREDICTED, SERIES, TEXT_SIZE, bars, histogram_bars, to_numpy, update_bars, update_histogram
from lib.stats import density_histogram, normal_pdf, variance_standard_error
from lib.variance import predicted_variance, running_scores, sample_qk, score_kurtosis
from lib.widgets import FigureView, LiveFigure, slider


def _layout(n: int, n_keys: int, edges: np.ndarray, centres: np.ndarray):
    view = FigureView(1, 2, figsize=(9.0, 3.2), gridspec_kw={"width_ratios": [2.2, 1]})
    ax_hist, ax_row = view.axes
    hist = histogram_bars(ax_hist, edges, np.zeros(edges.size - 1), color=SERIES[0])
    hist.set_label(_("sampled scores"))
    (curve,) = ax_hist.plot(centres, np.zeros_like(centres), color=PREDICTED, lw=2,
                            label=_("normal, predicted variance"))
    ax_hist.set(xlabel=_("score (unitless)"), ylabel=_("density"),
                title=_("scores of {n} random (q, k) pairs").format(n=n))
    ax_hist.legend(loc="upper right", fontsize=TEXT_SIZE)
    row = bars(ax_row, np.zeros(n_keys), [f"k{s}" for s in range(n_keys)], color=SERIES[1])
    ax_row.set(xlabel=_("key"), ylabel=_("attention weight"), title=_("softmax of one query's row"))
    view.animate(hist, curve, *row.patches)
    return view, hist, curve, row


def _readout(d_k: int, scaled: bool, scores: np.ndarray, variance: float, se: float, outside: float,
             weights: torch.Tensor) -> str:
    what = "q·k / √d_k" if scaled else "q·k"
    return _(
        "d_k = {d_k}, {what}: sample variance <b>{sample:.2f}</b>, predicted {predicted:g} ± {margin:.2f} "
        "(4 standard errors, n = {n}); {outside:.1%} of the scores fall outside the plot."
    ).format(d_k=d_k, what=what, sample=np.var(scores, ddof=1), predicted=variance, margin=4 * se, n=scores.size,
             outside=outside) + "<br>" + _(
        "largest weight in the row: <b>{top:.2f}</b> (uniform would be {uniform:.2f})"
    ).format(top=weights.max().item(), uniform=1 / weights.numel())


def variance_widget(
    *, n: int = 20_000, d_max: int = 128, n_keys: int = 8, half_width: float = 30.0, seed: int = 0
) -> LiveFigure:
    """Controls: d_k (1 .. d_max) and whether the scores are divided by √d_k.

    All samples are drawn once (unit-variance normal components); a running sum over the
    components gives q·k for every d_k, so an update only slices, bins and repaints.
    Shapes: n pairs (N, d_max) for the histogram; one query against n_keys keys for the row.
    """
    validate.size(n, "n", minimum=2)
    validate.size(d_max, "d_max")
    validate.size(n_keys, "n_keys", minimum=2)
    validate.number(half_width, "half_width", low=0.0, low_open=True)
    g = torch.Generator().manual_seed(seed)
    pairs = sample_qk(n, d_max, generator=g, dtype=torch.float32)  # q, k (N, d_max)
    scores_by_d = to_numpy(running_scores(*pairs))  # (d_max, N): row d-1 = q·k over d components
    q, keys = sample_qk(n_keys, d_max, generator=g)  # q row 0 is the query, keys (S, d_max)
    row_by_d = running_scores(q[:1].expand(n_keys, d_max), keys)  # (d_max, S)
    edges = np.linspace(-half_width, half_width, 121)  # fixed bins of width half_width / 60
    centres = (edges[:-1] + edges[1:]) / 2
    view, hist, curve, row = _layout(n, n_keys, edges, centres)

    def update(d_k: int, scaled: bool) -> str:
        scale = None if scaled else 1.0
        factor = scale_factor(d_k, scale)
        scores = scores_by_d[d_k - 1] * factor  # (N,)
        variance = predicted_variance(d_k, scale=scale)
        update_histogram(hist, density_histogram(scores, edges))
        curve.set_ydata(normal_pdf(centres, variance))
        weights = torch.softmax(row_by_d[d_k - 1] * factor, dim=-1)  # (S,)
        update_bars(row, weights)
        se = variance_standard_error(n, variance, score_kurtosis(d_k))
        return _readout(d_k, scaled, scores, variance, se, np.mean(np.abs(scores) > half_width), weights)

    controls = {
        "d_k": slider("d_k", 3, 1, d_max),
        "scaled": widgets.ToggleButtons(
            options=[(_("raw q·k"), False), ("q·k / √d_k", True)], value=False, description=_("scores")
        ),
    }
    return LiveFigure(controls, update, view)
