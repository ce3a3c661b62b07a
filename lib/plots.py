"""Plot helpers. Each takes an `ax`, draws, and returns what is needed to update it in place.

The colours live here once (the series palette, the weight colour map, the mask colours), for the
static figures and the widgets alike. The statistical helpers at the end draw with seaborn, which is
imported inside them only: importing this module never imports seaborn or touches matplotlib's rcParams.

Every word a helper draws itself (its default axis labels, legends, colour-bar ticks) is in the current
language (`lib.i18n`): a label argument left at None means the helper's own label, translated when drawn.
A label the caller passes is drawn as given (wrap it in `_()` where it is written).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib as mpl
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle, StepPatch
from matplotlib.text import Text

from lib.i18n import _

# --- one colour scheme for every figure and widget -------------------------------------
# The series palette: ten colours that stay apart for colour-blind eyes and on a washed-out projector
# (the values of seaborn's "colorblind" palette). `setup_notebook` makes it matplotlib's colour cycle,
# so "C0", "C1", ... in a notebook are these colours; lib code names them through SERIES.
PALETTE = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc",
           "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9")
SERIES = PALETTE  # SERIES[i] is the i-th series of a figure, in widgets and static figures alike
PREDICTED = PALETTE[3]  # a curve that theory predicts, drawn over what was measured
REFERENCE = "#7f7f7f"  # reference lines: chance, uniform 1/S, n = d
HIGHLIGHT = "#e63946"  # the one thing to look at: the framed row, the marked entry, a NaN weight
NO_TOKEN = "#d9d9d9"  # cells beyond the sequence, or beyond d_model: grey
BLOCKED = "#1b1b1b"  # a masked ("may not attend") cell: black, in every mask and weight map
ALLOWED = "#5cb85c"  # a cell the mask lets through: green
MASK_LABELS = ("blocked", "may attend")  # colour-bar ticks of a mask map: 0 and 1 (English; drawn translated)
# Masks: 0 = blocked (black), 1 = may attend (green); NaN = no token (grey).
MASK_CMAP = mpl.colors.ListedColormap([BLOCKED, ALLOWED], name="mask").with_extremes(bad=NO_TOKEN)
# Attention weights; on a fixed [0, 1] scale a value above 1 is how a NaN weight is shown (red), see `pad_nan`.
WEIGHT_CMAP = mpl.colormaps["viridis"].with_extremes(bad=NO_TOKEN, over=HIGHLIGHT)
# Signed values (positional encodings, Jacobians), centred on 0.
SIGNED_CMAP = mpl.colormaps["RdBu_r"].with_extremes(bad=NO_TOKEN)
NAN_AS = 2.0  # a NaN inside a weight matrix is stored as this, above vmax = 1, drawn "over" (red)
TEXT_SIZE = 10  # the smallest text in a figure (annotations, legends) at the figure's own size: readable at 1280×720
MAX_ANNOTATED = 10  # annotated heat maps (a number in every cell) up to this many rows and columns


def to_numpy(x) -> np.ndarray:
    """A detached CPU NumPy copy of a tensor, array or list."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def data_range(*matrices, symmetric: bool = False) -> tuple[float, float]:
    """(vmin, vmax) of the finite entries of all `matrices`: a colour scale that spans what is drawn.

    Weights that all sit between 0.1 and 0.3 are dark on a fixed 0–1 scale; on their own range the
    differences the prose talks about show. `symmetric`: (−m, m) with m the largest |entry| (for RdBu).
    """
    finite = [v[np.isfinite(v)] for v in (to_numpy(m).astype(float).ravel() for m in matrices)]
    values = np.concatenate(finite) if finite else np.array([])
    if values.size == 0:
        raise ValueError(f"data_range needs at least one finite entry, got {len(matrices)} matrices without one")
    if symmetric:
        top = float(np.abs(values).max()) or 1.0
        return -top, top
    lo, hi = float(values.min()), float(values.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _text_colour(rgba) -> str:
    """Black on light cells, white on dark ones (by the cell colour's luminance)."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _colorbar(ax: Axes, mappable, label: str, **kw) -> Colorbar:
    """A colour bar beside `ax` (or beside the list of axes `ax`), with its label set."""
    figure = (ax[0] if isinstance(ax, list | tuple | np.ndarray) else ax).figure
    bar = figure.colorbar(mappable, ax=ax, fraction=kw.pop("fraction", 0.046), pad=kw.pop("pad", 0.03), **kw)
    bar.set_label(label)
    return bar


def colorbar(ax, mappable, label: str, **kw) -> Colorbar:
    """A labelled colour bar beside `ax` or a list of axes that share one scale (`mappable`: an image).

    `label` must say what the colour is, and its scale if it is not fixed (e.g. "weight (scale: this map's range)").
    """
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"a colour bar needs a label saying what the colour means, got {label!r}")
    return _colorbar(ax, mappable, label, **kw)


@dataclass
class Heatmap:
    """An image plus optional per-cell labels and colour bar; `update` changes the numbers, not the artists."""

    image: AxesImage
    texts: list[Text] = field(default_factory=list)
    fmt: str = "{:.2f}"
    colorbar: Colorbar | None = None

    def update(self, matrix) -> None:
        m = to_numpy(matrix)
        if m.shape != self.image.get_array().shape:
            raise ValueError(f"heatmap is {self.image.get_array().shape}, new matrix is {m.shape}")
        self.image.set_data(m)
        if self.texts:
            colours = self.image.cmap(self.image.norm(m.ravel()))
            for text, value, rgba in zip(self.texts, m.ravel(), colours, strict=True):
                text.set_text(self.fmt.format(value))
                text.set_color(_text_colour(rgba))


def heatmap(
    ax: Axes,
    matrix,
    *,
    xlabels: Sequence[str] | None = None,
    ylabels: Sequence[str] | None = None,
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    cmap=WEIGHT_CMAP,
    annotate: bool = False,
    fmt: str = "{:.2f}",
    xlabel: str | None = None,
    ylabel: str | None = None,
    colorbar: str | None = None,
    fontsize: float = TEXT_SIZE,
) -> Heatmap:
    """Draw a matrix (e.g. attention weights, rows = queries) as an image, in place-updatable form.

    `vmin`/`vmax` fix the colour scale (0–1 by default, for widgets whose weights change); pass
    `data_range(matrix)` for a static map. `colorbar`: the colour bar's label (None: no bar here,
    e.g. one shared bar for several maps, see `colorbar`). `annotate` writes each value in its cell.
    `xlabel`/`ylabel`: None is "key"/"query" in the current language ("" for none).
    Shapes: matrix (T, S).
    """
    m = to_numpy(matrix)
    if m.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D matrix, got shape {m.shape}")
    for name, labels, n in (("xlabels", xlabels, m.shape[1]), ("ylabels", ylabels, m.shape[0])):
        if labels is not None and len(labels) != n:
            raise ValueError(f"the matrix is {m.shape[0]} × {m.shape[1]}, so {name} needs {n} labels, "
                             f"got {len(labels)}")
    image = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.grid(False)
    ax.set_xlabel(_("key") if xlabel is None else xlabel)
    ax.set_ylabel(_("query") if ylabel is None else ylabel)
    for setter, labels, n in ((ax.set_xticks, xlabels, m.shape[1]), (ax.set_yticks, ylabels, m.shape[0])):
        if labels is not None:
            setter(range(n), labels=[str(label) for label in labels])
    grid = Heatmap(image, fmt=fmt)
    if annotate:
        kw = {"ha": "center", "va": "center", "fontsize": fontsize}
        grid.texts = [ax.text(j, i, "", **kw) for i, j in np.ndindex(*m.shape)]
        grid.update(m)
    if colorbar is not None:
        grid.colorbar = _colorbar(ax, image, colorbar)
    return grid


def mask_map(ax: Axes, mask, *, xlabels: Sequence[str] | None = None, ylabels: Sequence[str] | None = None,
             xlabel: str | None = None, ylabel: str | None = None, colorbar: bool = True) -> Heatmap:
    """A boolean mask (True = may attend) in the one mask scheme: green may attend, black blocked, grey no token.

    Also takes the float/NaN arrays of `pad_nan` (a widget's fixed-size layout). The colour bar has two
    ticks, `MASK_LABELS`. `xlabel`/`ylabel`: None is "key (may be attended to)"/"query" in the current
    language. Shapes: mask (T, S).
    """
    m = to_numpy(mask).astype(float)
    grid = heatmap(ax, m, xlabels=xlabels, ylabels=ylabels, vmin=0.0, vmax=1.0, cmap=MASK_CMAP,
                   xlabel=_("key (may be attended to)") if xlabel is None else xlabel, ylabel=ylabel)
    if colorbar:
        grid.colorbar = _colorbar(ax, grid.image, _("mask"), ticks=[0.25, 0.75])
        grid.colorbar.ax.set_yticklabels([_("blocked"), _("may attend")])  # MASK_LABELS
    return grid


def bars(ax: Axes, values, labels: Sequence[str] | None = None, *, ylim=(0.0, 1.0), color=SERIES[1],
         xlabel: str | None = None, ylabel: str | None = None) -> BarContainer:
    """Bar chart of a vector (e.g. one query's weights over the keys), its axes labelled.

    `xlabel`/`ylabel`: None is "key"/"attention weight" in the current language ("" for none).
    Shapes: values (S,).
    """
    v = to_numpy(values)
    container = ax.bar(range(len(v)), v, color=color)
    if labels is not None:
        if len(labels) != len(v):
            raise ValueError(f"{len(v)} bars need {len(v)} labels, got {len(labels)}")
        ax.set_xticks(range(len(v)), labels=[str(label) for label in labels])
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(_("key") if xlabel is None else xlabel)
    ax.set_ylabel(_("attention weight") if ylabel is None else ylabel)
    return container


def update_bars(container: BarContainer, values) -> None:
    """Set new heights on the bars returned by `bars`."""
    v = to_numpy(values)
    if len(v) != len(container.patches):
        raise ValueError(f"{len(container.patches)} bars, {len(v)} new values")
    for patch, height in zip(container.patches, v, strict=True):
        patch.set_height(float(height))


def histogram_bars(ax: Axes, edges, heights, *, ylim=(0.0, 0.6), color=SERIES[0]) -> StepPatch:
    """Filled histogram bars on fixed bin edges, drawn as ONE artist (fast to repaint).

    Update the heights in place with `update_histogram`; the edges never change.
    Shapes: edges (E,), heights (E-1,).
    """
    edges, heights = np.asarray(edges, dtype=float), to_numpy(heights)
    if heights.shape != (edges.size - 1,):
        raise ValueError(f"{edges.size} edges need {edges.size - 1} heights, got shape {heights.shape}")
    patch = ax.stairs(heights, edges, fill=True, color=color, alpha=0.8)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(*ylim)
    return patch


def update_histogram(patch: StepPatch, heights) -> None:
    """New bar heights for `histogram_bars`, same bins."""
    heights = to_numpy(heights)
    if heights.shape != patch.get_data().values.shape:
        raise ValueError(f"{patch.get_data().values.shape} bars, new heights of shape {heights.shape}")
    patch.set_data(values=heights)


def pad_nan(values, shape: tuple[int, ...], *, nan_as: float | None = None) -> np.ndarray:
    """`values` in the top-left corner of a NaN array of `shape` (NaN cells are drawn grey or not at all).

    With `nan_as`, NaN inside `values` becomes that number first, so a colour map can show it
    in its "over" colour instead of grey. Lets a widget keep one fixed layout for every size.
    Shapes: values (n,) or (T, S), shape at least as large on every axis -> shape.
    """
    v = to_numpy(values).astype(float)
    if v.ndim != len(shape) or any(a > b for a, b in zip(v.shape, shape, strict=True)):
        raise ValueError(f"values of shape {v.shape} do not fit into {shape}")
    if nan_as is not None:
        v = np.nan_to_num(v, nan=nan_as)
    out = np.full(shape, np.nan)
    out[tuple(slice(0, n) for n in v.shape)] = v
    return out


@dataclass
class ScheduleLines:
    """The artists of `schedule_plot`; `update` moves them to new learning rates, never makes new ones."""

    noam: Line2D
    no_warmup: Line2D
    peak: Line2D  # one marker at (warmup, peak rate)

    def update(self, noam_rates, flat_rates, warmup: int, peak: float) -> None:
        self.noam.set_ydata(noam_rates)
        self.no_warmup.set_ydata(flat_rates)
        self.peak.set_data([warmup], [peak])


def schedule_plot(ax: Axes, steps: np.ndarray) -> ScheduleLines:
    """Empty Noam and no-warm-up curves over a fixed step grid, plus the peak marker.

    Shapes: steps (N,).
    """
    zeros = np.zeros(len(steps))
    (noam,) = ax.plot(steps, zeros, color=SERIES[0], lw=2, label=_("Noam: warm-up, then 1/√step"))
    (flat,) = ax.plot(steps, zeros, color=SERIES[1], lw=1.5, ls="--", label=_("no warm-up, same peak"))
    (peak,) = ax.plot([0], [0], "o", color=HIGHLIGHT, ms=7, label=_("peak (step = warmup)"))
    ax.set_xlim(steps[0], steps[-1])
    ax.set_xlabel(_("step (optimizer updates)"))
    ax.set_ylabel(_("learning rate"))
    ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))  # ticks keep their width as the scale moves
    ax.legend(loc="upper right", fontsize=TEXT_SIZE)
    return ScheduleLines(noam, flat, peak)


def nice_top(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least 1.1 · value (an axis limit that rarely moves)."""
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"nice_top needs a finite value > 0, got {value!r}")
    exponent = math.floor(math.log10(1.1 * value))
    for mantissa in (1, 2, 5, 10):
        if mantissa * 10.0**exponent >= 1.1 * value:
            return mantissa * 10.0**exponent
    raise AssertionError("unreachable")


# --- influence plots (RNN vs attention) ---

INFLUENCE_FLOOR, INFLUENCE_CEILING = 1e-16, 1e10  # the y-range of influence plots; values beyond are drawn at the edge


def influence_plot(ax: Axes, t_max: int, names: tuple[str, ...],
                   labels: Mapping[str, str] | None = None) -> dict[str, Line2D]:
    """Empty log-scale influence curves, one per layer, over token positions 0 .. t_max − 1.

    `labels` maps a name to its legend text (a name not in it is shown as it is).
    """
    labels = labels or {}
    found = {name: ax.plot([], [], marker=".", ms=3, color=SERIES[i % len(SERIES)], label=labels.get(name, name))[0]
             for i, name in enumerate(names)}
    ax.set_yscale("log")
    ax.set_xlim(-0.5, t_max - 0.5)
    ax.set_ylim(INFLUENCE_FLOOR, INFLUENCE_CEILING)
    ax.set_xlabel(_("token position i"))
    ax.set_ylabel(_("‖∂h/∂x_i‖₂ (influence)"))
    ax.legend(loc="lower right", fontsize=TEXT_SIZE)
    return found


def update_influence_plot(lines: dict[str, Line2D], curves: dict[str, np.ndarray], *, highlight: str) -> None:
    """New data for the curves of `influence_plot`; the highlighted one bold, the others faint."""
    for name, line in lines.items():
        values = np.clip(curves[name], INFLUENCE_FLOOR, INFLUENCE_CEILING)  # (T,)
        line.set_data(np.arange(len(values)), values)
        line.set_linewidth(2.5 if name == highlight else 1.0)
        line.set_alpha(1.0 if name == highlight else 0.35)


# --- per-layer gradient norms ---

GRAD_FLOOR, GRAD_CEILING = 1e-14, 1e5  # the fixed log-y range; smaller values are drawn on the floor


@dataclass
class GradNormLines:
    """The artists of `grad_norm_plot`; `update` moves them, never makes new ones."""

    line: Line2D  # one point per layer, NaN beyond the depth
    first: Line2D  # a marker on layer 1
    n: int

    def update(self, norms) -> None:
        g = np.clip(np.asarray(norms, dtype=float), GRAD_FLOOR, None)
        if g.ndim != 1 or not 1 <= len(g) <= self.n:
            raise ValueError(f"need 1 to {self.n} gradient norms, got shape {g.shape}")
        y = np.full(self.n, np.nan)
        y[: len(g)] = g
        self.line.set_ydata(y)
        self.first.set_data([1], [g[0]])


def grad_norm_plot(ax: Axes, n_layers: int) -> GradNormLines:
    """Empty per-layer gradient-norm curve on a log y axis fixed to [GRAD_FLOOR, GRAD_CEILING], layers 1..n.

    Shapes: the curve takes (n,) values, n <= n_layers.
    """
    layers = np.arange(1, n_layers + 1)
    (line,) = ax.plot(layers, np.full(n_layers, np.nan), "o-", ms=3, lw=1.5, color=SERIES[0],
                      label=_("‖∂L/∂θ‖ per layer"))
    (first,) = ax.plot([1], [np.nan], "o", ms=8, color=HIGHLIGHT, label=_("layer 1 (next to the input)"))
    ax.set_yscale("log")
    ax.set_ylim(GRAD_FLOOR, GRAD_CEILING)
    ax.set_xlim(0.5, n_layers + 0.5)
    ax.set_xlabel(_("layer (1 = next to the input)"))
    ax.set_ylabel(_("gradient norm (log)"))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower right", fontsize=TEXT_SIZE)
    return GradNormLines(line, first, n_layers)


# --- a marker around one heat-map row ---

def row_marker(ax: Axes, n_cols: int, *, color: str = HIGHLIGHT) -> Rectangle:
    """An outline around one row of a heat map drawn by `heatmap` (move it with `move_row_marker`)."""
    box = Rectangle((-0.5, -0.5), n_cols, 1.0, fill=False, edgecolor=color, linewidth=2.5)
    ax.add_patch(box)
    return box


def move_row_marker(box: Rectangle, row: int) -> None:
    """Put the outline of `row_marker` around row `row`."""
    box.set_y(row - 0.5)


# --- log-log cost curves ---

class LogLogLines:
    """Named curves over n on log-log axes, a vertical n = d line and one marker per curve."""

    def __init__(self, lines: dict[str, Line2D], markers: dict[str, Line2D], n_is_d: Line2D) -> None:
        self.lines, self.markers, self.n_is_d = lines, markers, n_is_d

    def show(self, curves: dict[str, np.ndarray], at_n: dict[str, float], n: int, d: int) -> None:
        """New y-values for every curve, the markers at (n, at_n[name]) and the n = d line at d."""
        for name, values in curves.items():
            self.lines[name].set_ydata(values)
            self.markers[name].set_data([n], [at_n[name]])
        self.n_is_d.set_xdata([d, d])


def loglog_lines(ax: Axes, ns, styles: dict[str, tuple[str, str]], *, ylabel: str,
                 ylim: tuple[float, float], labels: Mapping[str, str] | None = None) -> LogLogLines:
    """Empty curves (NaN) named by `styles` (colour, line style); fixed limits, so updates need no relayout.

    `labels` maps a curve's name to its legend text (a name not in it is shown as it is).
    """
    ns = np.asarray(ns, dtype=float)
    labels = labels or {}
    lines = {name: ax.plot(ns, np.full(ns.shape, np.nan), style, color=colour, label=labels.get(name, name),
                           markersize=3)[0]
             for name, (colour, style) in styles.items()}
    markers = {name: ax.plot([np.nan], [np.nan], "o", color=colour, markersize=9, markeredgecolor="black")[0]
               for name, (colour, _) in styles.items()}
    n_is_d = ax.axvline(ns[0], color=REFERENCE, linestyle=":", label="n = d")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlim(ns[0] / 1.2, ns[-1] * 1.2)
    ax.set_ylim(ylim[0] / 1.5, ylim[1] * 1.5)
    ax.set_xlabel(_("sequence length n"))
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=TEXT_SIZE, loc="upper left")
    return LogLogLines(lines, markers, n_is_d)


# --- the whole model, drawn from its modules ----------------------------------------------------
_BOX_TEXT = {  # module name in lib.blocks -> what the box says (English / 한국어)
    "attn": "Multi-Head Self-Attention\n멀티헤드 셀프 어텐션",
    "self_attn": "Masked Multi-Head Self-Attention\n마스크드 셀프 어텐션",
    "cross_attn": "Cross-Attention\nQ: decoder · K, V: encoder\n인코더–디코더 어텐션",
    "ff": "Feed-Forward\n피드포워드",
}
_BOX_COLOUR = {"attn": "#fde0c5", "ff": "#d6eaf8", "norm": "#fcf3cf", "embed": "#e8daef", "out": "#d5f5e3"}


def _sublayers(block) -> list[str]:
    """A block's sublayer names in the order its forward pass runs them (each with its LayerNorm)."""
    from torch import nn

    from lib.blocks import FeedForward
    from lib.heads import MultiHeadAttention

    parts = [n for n, m in block.named_children() if isinstance(m, MultiHeadAttention | FeedForward)]
    norms = [n for n, m in block.named_children() if isinstance(m, nn.LayerNorm)]
    if len(parts) != len(norms):
        raise ValueError(f"{type(block).__name__} has {len(parts)} sublayers but {len(norms)} LayerNorms")
    pairs = [(norm, part) if block.norm_first else (part, norm) for part, norm in zip(parts, norms, strict=True)]
    return [name for pair in pairs for name in pair]


def transformer_diagram(ax: Axes, model, *, places: dict[str, Sequence[str]] | None = None) -> dict[str, Rectangle]:
    """The encoder–decoder of `model` (a lib.model.Transformer) as boxes, bottom to top.

    The boxes come from the model's own modules: one per sublayer of its first encoder and decoder
    block, in the order their forward pass runs them, "×N" from the number of blocks. `places`
    maps a box key (e.g. "encoder.attn", "decoder.cross_attn", "src_embedding", "out", "training",
    "model") to labels written beside it (the notebooks that teach that part).
    Returns the boxes by key.
    """
    from lib.model import Transformer

    if not isinstance(model, Transformer):
        raise TypeError(f"transformer_diagram draws a lib.model.Transformer, got {type(model).__name__}")
    boxes: dict[str, Rectangle] = {}
    tops: dict[str, float] = {}

    def box(key, x, y, w, h, text, colour):
        boxes[key] = ax.add_patch(Rectangle((x, y), w, h, facecolor=colour, edgecolor="#444", lw=1))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=7.5)

    for side, x0 in (("encoder", 0.0), ("decoder", 5.2)):
        names = _sublayers(getattr(model, side)[0])
        y = 1.6
        box(f"{'src' if side == 'encoder' else 'tgt'}_embedding", x0, 0.2, 4.0, 0.9,
            "Embedding · √d_model + PE\n임베딩 + 위치 인코딩", _BOX_COLOUR["embed"])
        start = y
        for name in names:
            norm = name.startswith("norm")
            height = 0.55 if norm else 1.0
            text = "Add & Norm  잔차 연결 + 레이어 정규화" if norm else _BOX_TEXT[name]
            colour = _BOX_COLOUR["norm" if norm else "attn" if name.endswith("attn") else "ff"]
            box(f"{side}.{name}", x0 + 0.2, y, 3.6, height, text, colour)
            y += height + 0.15
        ax.add_patch(Rectangle((x0, start - 0.2), 4.0, y - start + 0.25, fill=False, edgecolor="#888", ls="--"))
        ax.text(x0 - 0.15, (start + y) / 2, f"×{len(getattr(model, side))}", ha="right", va="center", fontsize=11)
        ax.text(x0 + 2.0, y + 0.25, f"{side} · {'인코더' if side == 'encoder' else '디코더'}", ha="center",
                fontsize=9, weight="bold")
        tops[side] = y
    top = max(tops.values())
    box("out", 5.2, top + 0.7, 4.0, 0.8, "Linear + Softmax → next token\n출력 확률", _BOX_COLOUR["out"])
    box("training", 0.0, top + 0.7, 4.0, 0.8, "Training: Adam + warm-up\n학습률 워밍업", "#eeeeee")
    cross = boxes["decoder.cross_attn"]
    ax.annotate(_("memory"), xy=(5.4, cross.get_y() + cross.get_height() / 2), xytext=(4.0, tops["encoder"] - 0.1),
                fontsize=7, color="#c0392b",
                arrowprops={"arrowstyle": "->", "color": "#c0392b", "lw": 1.5})
    boxes["model"] = ax.add_patch(Rectangle((-0.6, 0.0), 10.4, top + 1.7, fill=False, edgecolor="none"))
    for key, labels in (places or {}).items():
        if key not in boxes:
            raise ValueError(f"no box {key!r} in the diagram; boxes: {sorted(boxes)}")
        r = boxes[key]
        right = r.get_x() + r.get_width() > 8 or key == "model"
        x = r.get_x() + r.get_width() + 0.1 if right else r.get_x() - 0.1
        text = _("whole model: {labels}").format(labels=" ".join(labels)) if key == "model" else " ".join(labels)
        ax.text(x, r.get_y() + r.get_height() / 2 if key != "model" else top + 1.6, text,
                ha="left" if right else "right", va="center", fontsize=8, color="#1f4e79", weight="bold",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#1f4e79", "lw": 0.8})
    ax.set_xlim(-2.2, 11.4)
    ax.set_ylim(0.0, top + 1.8)
    ax.set_axis_off()
    return boxes


# --- statistical figures: seaborn, imported inside each helper only ---------------------------------------------
# Static figures only: a seaborn call builds new artists every time (60–90 ms), so the live widgets keep
# updating the matplotlib artists of the helpers above instead.

def _seaborn():
    import seaborn

    return seaborn


def _estimator_name(name: str | None) -> str:
    """What a line or a bin shows, as a legend says it: seaborn's/NumPy's estimator name, translated."""
    words = {"median": _("median"), "mean": _("mean"), None: _("estimate")}
    return words.get(name, name)


def _frame(rows: list[dict]):
    import pandas

    return pandas.DataFrame(rows)


def annotated_heatmap(ax: Axes, matrix, *, xlabels: Sequence[str], ylabels: Sequence[str],
                      vmin: float | None = None, vmax: float | None = None, cmap=WEIGHT_CMAP, fmt: str = ".2f",
                      xlabel: str | None = None, ylabel: str | None = None, colorbar: str | None = "attention weight",
                      allowed=None, fontsize: float = TEXT_SIZE) -> Axes:
    """A small static map with its value written in every cell and the tokens on both axes (seaborn).

    Without `vmin`/`vmax` the colours span the map's own range and the colour bar says so. `allowed`
    (a boolean mask, True = may attend) draws the blocked cells in BLOCKED, with no number.
    `colorbar=None`: no bar (add one shared bar with `colorbar`); the default "attention weight" is drawn in the
    current language, as are `xlabel`/`ylabel` left at None ("key"/"query"). Shapes: matrix (T, S), at most 10 × 10.
    """
    m = to_numpy(matrix).astype(float)
    if m.ndim != 2 or max(m.shape) > MAX_ANNOTATED:
        raise ValueError(f"annotated_heatmap is for small maps (2-D, at most {MAX_ANNOTATED} × {MAX_ANNOTATED}), "
                         f"got shape {m.shape}; use heatmap for larger ones")
    if len(xlabels) != m.shape[1] or len(ylabels) != m.shape[0]:
        raise ValueError(f"the matrix is {m.shape[0]} × {m.shape[1]}: give {m.shape[0]} ylabels and {m.shape[1]} "
                         f"xlabels, got {len(ylabels)} and {len(xlabels)}")
    hidden = None
    if allowed is not None:
        hidden = ~to_numpy(allowed).astype(bool)
        if hidden.shape != m.shape:
            raise ValueError(f"allowed must have the matrix's shape {m.shape}, got {hidden.shape}")
    own = vmin is None and vmax is None
    lo, hi = data_range(m if hidden is None else m[~hidden]) if own else (vmin, vmax)
    label = _("attention weight") if colorbar == "attention weight" else colorbar
    if colorbar is not None and own:
        label = _("{label}\n(scale: this map, {lo:.2f}–{hi:.2f})").format(label=label, lo=lo, hi=hi)
    if hidden is not None:  # masked cells are "bad" to the colour map: draw them in the blocked colour
        cmap = (mpl.colormaps[cmap] if isinstance(cmap, str) else cmap).with_extremes(bad=BLOCKED)
    _seaborn().heatmap(m, ax=ax, vmin=lo, vmax=hi, cmap=cmap, annot=True, fmt=fmt, mask=hidden,
                       annot_kws={"fontsize": fontsize}, xticklabels=[str(x) for x in xlabels],
                       yticklabels=[str(y) for y in ylabels], cbar=colorbar is not None, square=False,
                       cbar_kws={"label": label} if colorbar is not None else None, linewidths=0.5,
                       linecolor="white")
    ax.tick_params(axis="y", labelrotation=0)
    ax.set_xlabel(_("key") if xlabel is None else xlabel)
    ax.set_ylabel(_("query") if ylabel is None else ylabel)
    return ax


def density_plot(ax: Axes, samples, edges, *, curves: Mapping[str, tuple], label: str | None = None,
                 xlabel: str | None = None, ylabel: str | None = None, color=SERIES[0]) -> Axes:
    """A histogram of `samples` on fixed bins as a density (seaborn), with predicted curves on top.

    `curves` maps a legend label to (x, y) of a predicted density; the first is drawn in PREDICTED.
    The legend lists the histogram and every curve. `label`, `xlabel`, `ylabel`: None is "sampled",
    "score", "density" in the current language. Shapes: samples (N,), edges (E,).
    """
    samples, edges = to_numpy(samples).astype(float).ravel(), to_numpy(edges).astype(float)
    if samples.size < 2 or edges.ndim != 1 or edges.size < 2:
        raise ValueError(f"density_plot needs at least 2 samples and 2 bin edges, got {samples.size} and "
                         f"{edges.size}")
    _seaborn().histplot(x=samples, bins=edges, stat="density", ax=ax, color=color, alpha=0.55, edgecolor="none",
                        label=_("sampled") if label is None else label)
    styles = [(PREDICTED, "-"), (SERIES[2], "--"), (SERIES[4], ":"), (SERIES[5], "-.")]
    for (name, (x, y)), (colour, style) in zip(curves.items(), styles, strict=False):
        ax.plot(to_numpy(x), to_numpy(y), style, color=colour, lw=2, label=name)
    ax.set_xlim(edges[0], edges[-1])
    ax.set(xlabel=_("score") if xlabel is None else xlabel, ylabel=_("density") if ylabel is None else ylabel)
    ax.legend(fontsize=TEXT_SIZE)
    return ax


def band_plot(ax: Axes, x, runs: Mapping[str, object], *, xlabel: str, ylabel: str, estimator: str = "median",
              errorbar=("pi", 100), band: str | None = None, colors: Sequence | None = None,
              dashes: Mapping[str, tuple] | None = None) -> dict[str, Line2D]:
    """One line per series with a band over its runs (seeds, repeats), drawn by seaborn's lineplot.

    `runs` maps a series name to an (R, N) array: R runs over the N points of `x`. The line is the
    `estimator` over the runs, the band their spread (`errorbar`, seaborn's spec; by default the full
    range; `band=None` says so in the current language). The legend lists every series; its title says what
    the line and band are.
    Returns the lines by series name. Shapes: x (N,), every runs value (R, N).
    """
    x = to_numpy(x).astype(float).ravel()
    rows = []
    for name, values in runs.items():
        v = np.atleast_2d(to_numpy(values).astype(float))
        if v.ndim != 2 or v.shape[1] != x.size:
            raise ValueError(f"runs[{name!r}] must be (R, N) with N = {x.size} points, got shape {v.shape}")
        rows += [{"x": x[j], "y": v[r, j], "series": name, "run": r} for r in range(v.shape[0]) for j in range(x.size)]
    names = list(runs)
    palette = dict(zip(names, colors or SERIES, strict=False))
    _seaborn().lineplot(data=_frame(rows), x="x", y="y", hue="series", hue_order=names, palette=palette,
                        estimator=estimator, errorbar=errorbar, ax=ax, legend=False, lw=1.8)
    lines = dict(zip(names, ax.lines[-len(names):], strict=True))
    for name, style in (dashes or {}).items():
        lines[name].set_dashes(style)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    title = _("line: {estimator}; {band}").format(estimator=_estimator_name(estimator),
                                                   band=_("band: smallest to largest run") if band is None else band)
    ax.legend(handles=list(lines.values()), labels=names, title=title, fontsize=TEXT_SIZE, title_fontsize=TEXT_SIZE)
    return lines


def grouped_bars(ax: Axes, table: Mapping[str, Mapping[str, float]], *, xlabel: str, ylabel: str,
                 reference: tuple[float, str] | None = None, ylim: tuple[float, float] | None = None) -> Axes:
    """Grouped bars (seaborn's barplot): one group per outer key, one coloured bar per inner key.

    E.g. per-head ablations: {"without head 0": {"task A": 0.1, "task B": 1.0}, ...}. `reference`
    (value, label) draws a dashed line such as chance level. Every bar gets its value written on it.
    """
    rows = [{"group": g, "series": s, "value": float(v)} for g, inner in table.items() for s, v in inner.items()]
    if not rows:
        raise ValueError("grouped_bars needs at least one value, got an empty table")
    names = list(dict.fromkeys(r["series"] for r in rows))
    _seaborn().barplot(data=_frame(rows), x="group", y="value", hue="series", hue_order=names,
                       palette=dict(zip(names, SERIES, strict=False)), ax=ax, errorbar=None)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.2f", fontsize=TEXT_SIZE, padding=2)
    if reference is not None:
        ax.axhline(reference[0], color=REFERENCE, ls="--", lw=1.2, label=reference[1])
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=TEXT_SIZE)
    return ax


def binned_scatter(ax: Axes, x, y, groups: Mapping[str, object], *, bins, xlabel: str, ylabel: str,
                   estimator=np.median, colors: Sequence | None = None) -> Axes:
    """Every (x, y) point, coloured by group (seaborn's scatterplot), and for each group the `estimator`
    of y within bins of x (seaborn's regplot with `x_bins`, a fit that assumes no straight line).

    `groups` maps a legend label to a boolean mask over the points. Shapes: x, y and every mask (N,).
    """
    sns = _seaborn()
    x, y = to_numpy(x).astype(float).ravel(), to_numpy(y).astype(float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.shape} and {y.shape}")
    colours = list(colors or [REFERENCE, SERIES[3], *SERIES])
    for (name, mask), colour in zip(groups.items(), colours, strict=False):
        keep = to_numpy(mask).astype(bool).ravel()
        if keep.shape != x.shape:
            raise ValueError(f"groups[{name!r}] must be a mask of {x.size} points, got shape {keep.shape}")
        sns.scatterplot(x=x[keep], y=y[keep], ax=ax, s=6, alpha=0.25, color=colour, edgecolor="none",
                        rasterized=True, label=name)
    for (name, mask), colour in zip(groups.items(), colours, strict=False):
        keep = to_numpy(mask).astype(bool).ravel()
        sns.regplot(x=x[keep], y=y[keep], x_bins=bins, x_estimator=estimator, x_ci=None, fit_reg=False, ax=ax,
                    color=colour, marker="D", scatter_kws={"s": 45, "edgecolor": "black", "linewidths": 0.8,
                                                           "zorder": 5},
                    label=_("{name}: {estimator} per bin").format(
                        name=name, estimator=_estimator_name(getattr(estimator, "__name__", None))))
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=TEXT_SIZE, markerscale=1.5)
    return ax
