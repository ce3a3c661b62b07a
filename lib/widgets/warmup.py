"""Notebook 08's widget: d_model, warmup and factor sliders redraw the Noam schedule in place."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from lib.schedules import inverse_sqrt_lr, noam_lr
from lib.widgets import FigureView, LiveFigure, float_slider, slider


@dataclass
class ScheduleLines:
    """The artists of `schedule_plot`; `update` moves them, it never makes new ones."""

    noam: Line2D
    no_warmup: Line2D
    peak: Line2D  # one marker at (warmup, peak rate)

    def update(self, d_model: int, warmup: int, factor: float) -> float:
        steps = self.noam.get_xdata()
        self.noam.set_ydata(noam_lr(steps, d_model, warmup, factor=factor))
        self.no_warmup.set_ydata(inverse_sqrt_lr(steps, d_model, warmup, factor=factor))
        peak = noam_lr(warmup, d_model, warmup, factor=factor)
        self.peak.set_data([warmup], [peak])
        return peak


def schedule_plot(ax: Axes, steps: np.ndarray) -> ScheduleLines:
    """Empty Noam and no-warm-up curves over a fixed step grid, plus the peak marker.

    Shapes: steps (N,).
    """
    zeros = np.zeros(len(steps))
    (noam,) = ax.plot(steps, zeros, color="C0", lw=2, label="Noam: warm-up, then 1/√step")
    (flat,) = ax.plot(steps, zeros, color="C1", lw=1.5, ls="--", label="no warm-up, same peak")
    (peak,) = ax.plot([0], [0], "o", color="C3", ms=7, label="peak (step = warmup)")
    ax.set_xlim(steps[0], steps[-1])
    ax.set_xlabel("step (optimizer updates)")
    ax.set_ylabel("learning rate")
    ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))  # ticks keep their width as the scale moves
    ax.legend(loc="upper right", fontsize=8)
    return ScheduleLines(noam, flat, peak)


def nice_top(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least 1.1 · value (a y-limit that rarely moves)."""
    exponent = math.floor(math.log10(1.1 * value))
    for mantissa in (1, 2, 5, 10):
        if mantissa * 10.0**exponent >= 1.1 * value:
            return mantissa * 10.0**exponent
    raise AssertionError("unreachable")


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
        peak = lines.update(d_model, warmup, factor)
        top = nice_top(peak)
        if ax.get_ylim() != (0.0, top):
            ax.set_ylim(0.0, top)
            view.invalidate()
        end = noam_lr(n_steps, d_model, warmup, factor=factor)
        return (
            f"peak at step {warmup}: lr = {factor:g} · {d_model}<sup>-½</sup> · {warmup}<sup>-½</sup>"
            f" = <b>{peak:.3g}</b>; during warm-up it grows by {peak / warmup:.3g} per step"
            f" (∝ step); at step {n_steps}: {end:.3g} = {end / peak:.0%} of the peak"
        )

    controls = {
        "d_model": slider("d_model", 512, 16, 1024, 16),
        "warmup": slider("warmup", 4000, 100, 8000, 100),
        "factor": float_slider("factor", 1.0, 0.1, 5.0, 0.1),
    }
    return LiveFigure(controls, update, view)
