"""The positional-encoding widget: the sinusoidal encoding, one position's vector, its similarity to all."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from lib import validate
from lib.i18n import _
from lib.plots import SERIES, SIGNED_CMAP, heatmap, pad_nan, to_numpy
from lib.positional import pe_similarity, sinusoidal_encoding, wavelengths
from lib.widgets import FigureView, LiveFigure, slider

BASES = [("100", 100.0), ("1 000", 1000.0), ("10 000 (paper)", 10000.0), ("100 000", 100000.0)]  # (English label, base)
MAX_D_MODEL = 64  # the largest slider values; every plot is laid out for them once
MAX_POSITIONS = 64


def _base_options() -> list[tuple[str, float]]:
    """The base dropdown's (label, base), as BASES, the paper's base labelled in the current language."""
    return [(_("10 000 (paper)") if base == 10000.0 else label, base) for label, base in BASES]


def _layout():
    """Three panels drawn once for the largest setting; returns the view and the moving artists."""
    view = FigureView(1, 3, figsize=(9.6, 3.2), dpi=80, gridspec_kw={"width_ratios": [1.1, 1, 1]})
    ax_map, ax_vec, ax_sim = view.axes
    grid = heatmap(ax_map, np.full((MAX_POSITIONS, MAX_D_MODEL), np.nan), vmin=-1, vmax=1, cmap=SIGNED_CMAP,
                   xlabel=_("column (dimension)"), ylabel=_("position p"))  # rows = positions, p = 0 on top
    ax_map.set_title(_("PE (grey: beyond d_model / positions)"), fontsize=10)
    view.fig.colorbar(grid.image, ax=ax_map, fraction=0.05, label=_("PE value"))
    marker = ax_map.axhline(0, color="black", linewidth=1.5)
    columns = np.arange(MAX_D_MODEL)
    half = np.full(MAX_D_MODEL // 2, np.nan)
    (sin_dots,) = ax_vec.plot(columns[0::2], half, "o", markersize=3, color=SERIES[0], label=_("sin (even)"))
    (cos_dots,) = ax_vec.plot(columns[1::2], half, "o", markersize=3, color=SERIES[3], label=_("cos (odd)"))
    ax_vec.set(xlim=(-2, MAX_D_MODEL + 1), ylim=(-1.1, 1.1), xlabel=_("column"), ylabel=_("PE value"), title="PE(p)")
    ax_vec.legend(loc="lower right", fontsize=9)
    (sim_line,) = ax_sim.plot(np.arange(MAX_POSITIONS), np.full(MAX_POSITIONS, np.nan), color=SERIES[2])
    sim_mark = ax_sim.axvline(0, color="black", linewidth=1, linestyle=":")
    ax_sim.set(xlim=(-1, MAX_POSITIONS), ylim=(-1.05, 1.05), xlabel=_("position q"), ylabel=_("similarity"),
               title="PE(p)·PE(q) / (d_model/2)")
    artists = {"grid": grid, "marker": marker, "sin": sin_dots, "cos": cos_dots, "sim": sim_line, "mark": sim_mark}
    view.animate(grid.image, marker, sin_dots, cos_dots, sim_line, sim_mark)
    return view, artists


def _readout(p: int, row: np.ndarray, d_model: int, base: float) -> str:
    slowest = wavelengths(d_model, base=base)[-1].item()
    first = ", ".join(f"{v:+.2f}" for v in row[:6])
    return "<br>".join([
        _("p = {p}: PE(p) = [{first}, …]; ‖PE(p)‖² = {norm:.2f} = d_model/2 for every p.").format(
            p=p, first=first, norm=float((row ** 2).sum())),
        _("wavelengths run from 2π ≈ 6.3 positions (columns 0, 1) to 2π·base^((d−2)/d) ≈ {slowest:,.0f} "
          "positions (columns {a}, {b}).").format(slowest=slowest, a=d_model - 2, b=d_model - 1),
        _("right: PE(p)·PE(q) divided by d_model/2 = ‖PE(p)‖², so it is 1 at q = p and stays in [−1, 1]."),
    ])


def positional_widget(*, d_model: int = 64, n_positions: int = 50, base: float = 10000.0) -> LiveFigure:
    """Controls: d_model, number of positions, base, and the position p to inspect.

    Left: PE as an image (rows = positions), p marked. Middle: the vector PE(p), sines on the
    even columns, cosines on the odd ones. Right: PE(p)·PE(q) / (d_model/2) for every q.
    Every plot keeps the axes of the largest setting (64 positions x 64 columns); what lies
    beyond the current d_model or number of positions is grey or not drawn, so a control
    change only swaps data and never relayouts the figure.
    Shapes: the encoding is (n_positions, d_model); d_model even, 4..64; n_positions 2..64.
    """
    validate.size(d_model, "d_model", minimum=4)
    validate.size(n_positions, "n_positions", minimum=2)
    if d_model % 2 or d_model > MAX_D_MODEL or n_positions > MAX_POSITIONS:
        raise ValueError(
            f"the encoding (n_positions, d_model) must have n_positions in 2..{MAX_POSITIONS} and an even "
            f"d_model in 4..{MAX_D_MODEL}, got ({n_positions}, {d_model})"
        )
    validate.choice(base, "base", [b for _, b in BASES])
    view, art = _layout()
    cache: dict = {"key": None}

    def update(d_model: int, n_positions: int, base: float, position: int) -> str:
        if cache["key"] != (d_model, n_positions, base):  # a new encoding: recompute, swap the data
            pe = sinusoidal_encoding(n_positions, d_model, base=base)  # (P, C)
            cache.update(key=(d_model, n_positions, base), pe=to_numpy(pe), sim=to_numpy(pe_similarity(pe)))
            art["grid"].image.set_data(pad_nan(pe, (MAX_POSITIONS, MAX_D_MODEL)))
        p = min(position, n_positions - 1)  # the slider's max follows n_positions; be safe anyway
        row = cache["pe"][p]  # (C,)
        art["marker"].set_ydata([p, p])
        art["sin"].set_ydata(pad_nan(row[0::2], (MAX_D_MODEL // 2,)))
        art["cos"].set_ydata(pad_nan(row[1::2], (MAX_D_MODEL // 2,)))
        art["sim"].set_ydata(pad_nan(cache["sim"][p], (MAX_POSITIONS,)))
        art["mark"].set_xdata([p, p])
        return _readout(p, row, d_model, base)

    controls = {
        "d_model": slider("d_model", d_model, 4, MAX_D_MODEL, 2),
        "n_positions": slider(_("positions"), n_positions, 2, MAX_POSITIONS),
        "base": widgets.Dropdown(options=_base_options(), value=base, description=_("base")),
        "position": slider(_("position p"), 0, 0, n_positions - 1),
    }

    def follow(change) -> None:  # registered before LiveFigure's observer, so it runs first
        controls["position"].max = change["new"] - 1

    controls["n_positions"].observe(follow, names="value")
    return LiveFigure(controls, update, view)
