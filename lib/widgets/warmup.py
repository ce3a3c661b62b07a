"""The warm-up widget: d_model, warmup and factor sliders redraw the Noam schedule in place."""

from __future__ import annotations

import numpy as np

from lib.i18n import _
from lib.plots import nice_top, schedule_plot
from lib.schedules import inverse_sqrt_lr, noam_lr
from lib.widgets import FigureView, LiveFigure, float_slider, slider


def _readout(d_model: int, warmup: int, factor: float, peak: float, end: float, n_steps: int) -> str:
    return _(
        "peak at step {warmup}: lr = {factor:g} · {d_model}<sup>-½</sup> · {warmup}<sup>-½</sup> = <b>{peak:.3g}</b>; "
        "during warm-up it grows by {slope:.3g} per step (∝ step); at step {n_steps}: {end:.3g} = {fraction:.0%} of "
        "the peak"
    ).format(warmup=warmup, factor=factor, d_model=d_model, peak=peak, slope=peak / warmup, n_steps=n_steps,
             end=end, fraction=end / peak)


def warmup_widget(*, n_steps: int = 20000, n_points: int = 1001) -> LiveFigure:
    """Sliders for d_model, warmup and factor; the curves change in place.

    The y-axis only rescales (a full redraw) when the peak crosses a 1-2-5 boundary.
    """
    steps = np.linspace(0, n_steps, n_points).round()  # a fixed grid that contains every warmup
    view = FigureView(1, 1, figsize=(7.0, 3.2))
    ax = view.axes[0]
    lines = schedule_plot(ax, steps)
    view.animate(lines.noam, lines.no_warmup, lines.peak)

    def update(d_model: int, warmup: int, factor: float) -> str:
        peak = noam_lr(warmup, d_model, warmup, factor=factor)
        lines.update(noam_lr(steps, d_model, warmup, factor=factor),
                     inverse_sqrt_lr(steps, d_model, warmup, factor=factor), warmup, peak)
        top = nice_top(peak)
        if ax.get_ylim() != (0.0, top):
            ax.set_ylim(0.0, top)
            view.invalidate()
        end = noam_lr(n_steps, d_model, warmup, factor=factor)
        return _readout(d_model, warmup, factor, peak, end, n_steps)

    controls = {
        "d_model": slider("d_model", 512, 16, 1024, 16),
        "warmup": slider(_("warmup"), 4000, 100, 8000, 100),
        "factor": float_slider(_("factor"), 1.0, 0.1, 5.0, 0.1),
    }
    return LiveFigure(controls, update, view)
