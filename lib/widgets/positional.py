"""Notebook 07's widget: the sinusoidal encoding, one position's vector, its similarity to all."""

from __future__ import annotations

import math

import ipywidgets as widgets
import torch
from matplotlib.axes import Axes

from lib.plots import heatmap, to_numpy
from lib.positional import sinusoidal_encoding
from lib.widgets import FigureView, LiveFigure, slider

BASES = [("100", 100.0), ("1 000", 1000.0), ("10 000 (paper)", 10000.0), ("100 000", 100000.0)]


def _resize(ax_map: Axes, ax_vec: Axes, ax_sim: Axes, image, n_positions: int, d_model: int) -> None:
    """New image size and axis limits after d_model or the number of positions changed."""
    image.set_extent((-0.5, d_model - 0.5, n_positions - 0.5, -0.5))
    ax_map.set_xlim(-0.5, d_model - 0.5)
    ax_map.set_ylim(n_positions - 0.5, -0.5)  # position 0 at the top, as in a table
    ax_vec.set_xlim(-1, d_model)
    ax_sim.set_xlim(-0.5, n_positions - 0.5)


def positional_widget(*, d_model: int = 64, n_positions: int = 50, base: float = 10000.0) -> LiveFigure:
    """Controls: d_model, number of positions, base, and the position p to inspect.

    Left: PE as an image (rows = positions), p marked. Middle: the vector PE(p), sines on the
    even columns, cosines on the odd ones. Right: PE(p)·PE(q) / (d_model/2) for every q.
    Shapes: the encoding is (n_positions, d_model); d_model even, 4..128; n_positions 2..128.
    """
    if d_model % 2 or not 4 <= d_model <= 128 or not 2 <= n_positions <= 128:
        raise ValueError(
            f"the encoding (n_positions, d_model) must have n_positions in 2..128 and an even d_model "
            f"in 4..128, got ({n_positions}, {d_model})"
        )
    if base not in dict(BASES).values():
        raise ValueError(f"base must be one of {[b for _, b in BASES]}, got {base}")
    view = FigureView(1, 3, figsize=(9.6, 3.2), dpi=80, gridspec_kw={"width_ratios": [1.1, 1, 1]})
    ax_map, ax_vec, ax_sim = view.axes
    grid = heatmap(ax_map, torch.zeros(n_positions, d_model), vmin=-1, vmax=1, cmap="RdBu_r",
                   xlabel="column (dimension)", ylabel="position p")
    ax_map.set_title("PE (rows = positions)")
    marker = ax_map.axhline(0, color="black", linewidth=1.5)
    (sin_dots,) = ax_vec.plot([], [], "o", markersize=3, color="C0", label="sin (even)")
    (cos_dots,) = ax_vec.plot([], [], "o", markersize=3, color="C3", label="cos (odd)")
    ax_vec.set(ylim=(-1.1, 1.1), xlabel="column", title="PE(p)")
    ax_vec.legend(loc="lower right", fontsize=7)
    (sim_line,) = ax_sim.plot([], [], color="C2")
    sim_mark = ax_sim.axvline(0, color="black", linewidth=1, linestyle=":")
    ax_sim.set(ylim=(-1.05, 1.05), xlabel="position q", title="PE(p)·PE(q) / (d_model/2)")
    view.animate(marker, sin_dots, cos_dots, sim_line, sim_mark)
    cache: dict = {"key": None}

    def update(d_model: int, n_positions: int, base: float, position: int) -> str:
        if cache["key"] != (d_model, n_positions, base):  # a new encoding: recompute, relayout
            pe = sinusoidal_encoding(n_positions, d_model, base=base)  # (P, C)
            cache.update(key=(d_model, n_positions, base), pe=pe, sim=to_numpy(pe @ pe.T / (d_model / 2)))
            grid.image.set_data(to_numpy(pe))
            _resize(ax_map, ax_vec, ax_sim, grid.image, n_positions, d_model)
            sin_dots.set_xdata(range(0, d_model, 2))
            cos_dots.set_xdata(range(1, d_model, 2))
            sim_line.set_xdata(range(n_positions))
            view.invalidate()
        p = min(position, n_positions - 1)  # the slider's max follows n_positions; be safe anyway
        row = to_numpy(cache["pe"][p])  # (C,)
        marker.set_ydata([p, p])
        sin_dots.set_ydata(row[0::2])
        cos_dots.set_ydata(row[1::2])
        sim_line.set_ydata(cache["sim"][p])
        sim_mark.set_xdata([p, p])
        slowest = 2 * math.pi * base ** ((d_model - 2) / d_model)
        first = ", ".join(f"{v:+.2f}" for v in row[:6])
        return (
            f"p = {p}: PE(p) = [{first}, …]; ‖PE(p)‖² = {float((row ** 2).sum()):.2f} = d_model/2 for every p.<br>"
            f"wavelengths run from 2π ≈ 6.3 positions (columns 0, 1) to 2π·base^((d−2)/d) ≈ {slowest:,.0f} "
            f"positions (columns {d_model - 2}, {d_model - 1})."
        )

    controls = {
        "d_model": slider("d_model", d_model, 4, 128, 2),
        "n_positions": slider("positions", n_positions, 2, 128),
        "base": widgets.Dropdown(options=BASES, value=base, description="base"),
        "position": slider("position p", 0, 0, n_positions - 1),
    }

    for name in ("d_model", "n_positions"):  # these relayout the figure (~0.2 s): update on release only
        controls[name].continuous_update = False

    def follow(change) -> None:  # registered before LiveFigure's observer, so it runs first
        controls["position"].max = change["new"] - 1

    controls["n_positions"].observe(follow, names="value")
    return LiveFigure(controls, update, view)
