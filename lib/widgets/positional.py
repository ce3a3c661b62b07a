"""Notebook 07's widget: the sinusoidal encoding, one position's vector, its similarity to all."""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np

from lib.plots import heatmap, to_numpy
from lib.positional import sinusoidal_encoding
from lib.widgets import FigureView, LiveFigure, slider

BASES = [("100", 100.0), ("1 000", 1000.0), ("10 000 (paper)", 10000.0), ("100 000", 100000.0)]
MAX_D_MODEL = 64  # the largest slider values; every plot is laid out for them once
MAX_POSITIONS = 64
# PE values in [-1, 1]; cells beyond d_model or beyond the last position are NaN, drawn grey.
PE_CMAP = mpl.colormaps["RdBu_r"].with_extremes(bad="#d9d9d9")


def _padded(values: np.ndarray, size: int) -> np.ndarray:
    """`values` (n,) followed by NaN up to length `size`: a NaN point is not drawn."""
    out = np.full(size, np.nan)
    out[: len(values)] = values
    return out


def positional_widget(*, d_model: int = 64, n_positions: int = 50, base: float = 10000.0) -> LiveFigure:
    """Controls: d_model, number of positions, base, and the position p to inspect.

    Left: PE as an image (rows = positions), p marked. Middle: the vector PE(p), sines on the
    even columns, cosines on the odd ones. Right: PE(p)·PE(q) / (d_model/2) for every q.
    Every plot keeps the axes of the largest setting (128 positions x 128 columns); what lies
    beyond the current d_model or number of positions is grey or not drawn, so a control
    change only swaps data and never relayouts the figure.
    Shapes: the encoding is (n_positions, d_model); d_model even, 4..128; n_positions 2..128.
    """
    if d_model % 2 or not 4 <= d_model <= MAX_D_MODEL or not 2 <= n_positions <= MAX_POSITIONS:
        raise ValueError(
            f"the encoding (n_positions, d_model) must have n_positions in 2..{MAX_POSITIONS} and an even "
            f"d_model in 4..{MAX_D_MODEL}, got ({n_positions}, {d_model})"
        )
    if base not in dict(BASES).values():
        raise ValueError(f"base must be one of {[b for _, b in BASES]}, got {base}")
    view = FigureView(1, 3, figsize=(9.6, 3.2), dpi=80, gridspec_kw={"width_ratios": [1.1, 1, 1]})
    ax_map, ax_vec, ax_sim = view.axes
    grid = heatmap(ax_map, np.full((MAX_POSITIONS, MAX_D_MODEL), np.nan), vmin=-1, vmax=1, cmap=PE_CMAP,
                   xlabel="column (dimension)", ylabel="position p")  # rows = positions, p = 0 on top
    ax_map.set_title("PE (grey: beyond d_model / positions)", fontsize=10)
    marker = ax_map.axhline(0, color="black", linewidth=1.5)
    columns = np.arange(MAX_D_MODEL)
    (sin_dots,) = ax_vec.plot(columns[0::2], np.full(MAX_D_MODEL // 2, np.nan), "o", markersize=3,
                              color="C0", label="sin (even)")
    (cos_dots,) = ax_vec.plot(columns[1::2], np.full(MAX_D_MODEL // 2, np.nan), "o", markersize=3,
                              color="C3", label="cos (odd)")
    ax_vec.set(xlim=(-2, MAX_D_MODEL + 1), ylim=(-1.1, 1.1), xlabel="column", title="PE(p)")
    ax_vec.legend(loc="lower right", fontsize=7)
    (sim_line,) = ax_sim.plot(np.arange(MAX_POSITIONS), np.full(MAX_POSITIONS, np.nan), color="C2")
    sim_mark = ax_sim.axvline(0, color="black", linewidth=1, linestyle=":")
    # Σ_i cos((p − q)·ω_i) over d_model/2 pairs, divided by d_model/2: always within [-1, 1]
    ax_sim.set(xlim=(-1, MAX_POSITIONS), ylim=(-1.05, 1.05), xlabel="position q",
               title="PE(p)·PE(q) / (d_model/2)")
    view.animate(grid.image, marker, sin_dots, cos_dots, sim_line, sim_mark)
    cache: dict = {"key": None}

    def update(d_model: int, n_positions: int, base: float, position: int) -> str:
        if cache["key"] != (d_model, n_positions, base):  # a new encoding: recompute, swap the data
            pe = to_numpy(sinusoidal_encoding(n_positions, d_model, base=base))  # (P, C)
            table = np.full((MAX_POSITIONS, MAX_D_MODEL), np.nan)
            table[:n_positions, :d_model] = pe
            cache.update(key=(d_model, n_positions, base), pe=pe, sim=pe @ pe.T / (d_model / 2))  # sim (P, P)
            grid.image.set_data(table)
        p = min(position, n_positions - 1)  # the slider's max follows n_positions; be safe anyway
        row = cache["pe"][p]  # (C,)
        marker.set_ydata([p, p])
        sin_dots.set_ydata(_padded(row[0::2], MAX_D_MODEL // 2))
        cos_dots.set_ydata(_padded(row[1::2], MAX_D_MODEL // 2))
        sim_line.set_ydata(_padded(cache["sim"][p], MAX_POSITIONS))
        sim_mark.set_xdata([p, p])
        slowest = 2 * math.pi * base ** ((d_model - 2) / d_model)
        first = ", ".join(f"{v:+.2f}" for v in row[:6])
        return (
            f"p = {p}: PE(p) = [{first}, …]; ‖PE(p)‖² = {float((row ** 2).sum()):.2f} = d_model/2 for every p.<br>"
            f"wavelengths run from 2π ≈ 6.3 positions (columns 0, 1) to 2π·base^((d−2)/d) ≈ {slowest:,.0f} "
            f"positions (columns {d_model - 2}, {d_model - 1}).<br>"
            f"right: PE(p)·PE(q) divided by d_model/2 = ‖PE(p)‖², so it is 1 at q = p and stays in [−1, 1]."
        )

    controls = {
        "d_model": slider("d_model", d_model, 4, MAX_D_MODEL, 2),
        "n_positions": slider("positions", n_positions, 2, MAX_POSITIONS),
        "base": widgets.Dropdown(options=BASES, value=base, description="base"),
        "position": slider("position p", 0, 0, n_positions - 1),
    }

    def follow(change) -> None:  # registered before LiveFigure's observer, so it runs first
        controls["position"].max = change["new"] - 1

    controls["n_positions"].observe(follow, names="value")
    return LiveFigure(controls, update, view)
