"""Plot helpers. Each takes an `ax`, draws, and returns what is needed to update it in place."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib as mpl
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle, StepPatch
from matplotlib.text import Text

# --- one colour scheme for every figure and widget -------------------------------------
NO_TOKEN = "#d9d9d9"  # cells beyond the sequence, or beyond d_model: grey
# Masks: 0 = blocked (black), 1 = may attend (green); NaN = no token (grey).
MASK_CMAP = mpl.colors.ListedColormap(["#1b1b1b", "#5cb85c"]).with_extremes(bad=NO_TOKEN)
# Attention weights in [0, 1]; a value above 1 is how a NaN weight is shown (red), see `pad_nan`.
WEIGHT_CMAP = mpl.colormaps["viridis"].with_extremes(bad=NO_TOKEN, over="#e63946")
# Signed values (positional encodings, Jacobians), centred on 0.
SIGNED_CMAP = mpl.colormaps["RdBu_r"].with_extremes(bad=NO_TOKEN)
NAN_AS = 2.0  # a NaN inside a weight matrix is stored as this, above vmax = 1, drawn "over" (red)


def to_numpy(x) -> np.ndarray:
    """A detached CPU NumPy copy of a tensor, array or list."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


@dataclass
class Heatmap:
    """An image plus optional per-cell labels; `update` changes the numbers, not the artists."""

    image: AxesImage
    texts: list[Text] = field(default_factory=list)
    fmt: str = "{:.2f}"
    threshold: float = 0.5  # cells above it get dark text, below it light text

    def update(self, matrix) -> None:
        m = to_numpy(matrix)
        if m.shape != self.image.get_array().shape:
            raise ValueError(f"heatmap is {self.image.get_array().shape}, new matrix is {m.shape}")
        self.image.set_data(m)
        for text, value in zip(self.texts, m.ravel() if self.texts else [], strict=True):
            text.set_text(self.fmt.format(value))
            text.set_color("black" if value > self.threshold else "white")


def heatmap(
    ax: Axes,
    matrix,
    *,
    xlabels: Sequence[str] | None = None,
    ylabels: Sequence[str] | None = None,
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    cmap: str = "viridis",
    annotate: bool = False,
    fmt: str = "{:.2f}",
    xlabel: str = "key",
    ylabel: str = "query",
) -> Heatmap:
    """Draw a matrix (e.g. attention weights, rows = queries) as an image.

    Shapes: matrix (T, S).
    """
    m = to_numpy(matrix)
    if m.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D matrix, got shape {m.shape}")
    image = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    for setter, labels, n in ((ax.set_xticks, xlabels, m.shape[1]), (ax.set_yticks, ylabels, m.shape[0])):
        if labels is not None:
            setter(range(n), labels=list(labels))
    mid = (vmin + vmax) / 2 if vmin is not None and vmax is not None else float(np.median(m))
    grid = Heatmap(image, fmt=fmt, threshold=mid)
    if annotate:
        kw = {"ha": "center", "va": "center", "fontsize": 8}
        grid.texts = [ax.text(j, i, "", **kw) for i, j in np.ndindex(*m.shape)]
        grid.update(m)
    return grid


def bars(ax: Axes, values, labels: Sequence[str] | None = None, *, ylim=(0.0, 1.0), color="C0") -> BarContainer:
    """Bar chart of a vector (e.g. one query's weights over the keys).

    Shapes: values (S,).
    """
    v = to_numpy(values)
    container = ax.bar(range(len(v)), v, color=color)
    if labels is not None:
        ax.set_xticks(range(len(v)), labels=list(labels))
    if ylim is not None:
        ax.set_ylim(*ylim)
    return container


def update_bars(container: BarContainer, values) -> None:
    """Set new heights on the bars returned by `bars`."""
    v = to_numpy(values)
    if len(v) != len(container.patches):
        raise ValueError(f"{len(container.patches)} bars, {len(v)} new values")
    for patch, height in zip(container.patches, v, strict=True):
        patch.set_height(float(height))


def histogram_bars(ax: Axes, edges, heights, *, ylim=(0.0, 0.6), color="C0") -> StepPatch:
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


def influence_plot(ax: Axes, t_max: int, names: tuple[str, ...]) -> dict[str, Line2D]:
    """Empty log-scale influence curves, one per layer, over token positions 0 .. t_max − 1."""
    found = {name: ax.plot([], [], marker=".", ms=3, color=f"C{i}", label=name)[0] for i, name in enumerate(names)}
    ax.set_yscale("log")
    ax.set_xlim(-0.5, t_max - 0.5)
    ax.set_ylim(INFLUENCE_FLOOR, INFLUENCE_CEILING)
    ax.set_xlabel("token position i")
    ax.set_ylabel("‖∂h/∂x_i‖₂ (influence)")
    ax.legend(loc="lower right", fontsize=8)
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
    (line,) = ax.plot(layers, np.full(n_layers, np.nan), "o-", ms=3, lw=1.5, color="C0", label="‖∂L/∂θ‖ per layer")
    (first,) = ax.plot([1], [np.nan], "o", ms=8, color="C3", label="layer 1 (next to the input)")
    ax.set_yscale("log")
    ax.set_ylim(GRAD_FLOOR, GRAD_CEILING)
    ax.set_xlim(0.5, n_layers + 0.5)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("gradient norm (log)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return GradNormLines(line, first, n_layers)


# --- a marker around one heat-map row ---

def row_marker(ax: Axes, n_cols: int, *, color: str = "#e63946") -> Rectangle:
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
                 ylim: tuple[float, float]) -> LogLogLines:
    """Empty curves (NaN) named by `styles` (colour, line style); fixed limits, so updates need no relayout."""
    ns = np.asarray(ns, dtype=float)
    lines = {name: ax.plot(ns, np.full(ns.shape, np.nan), style, color=colour, label=name, markersize=3)[0]
             for name, (colour, style) in styles.items()}
    markers = {name: ax.plot([np.nan], [np.nan], "o", color=colour, markersize=9, markeredgecolor="black")[0]
               for name, (colour, _) in styles.items()}
    n_is_d = ax.axvline(ns[0], color="grey", linestyle=":", label="n = d")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlim(ns[0] / 1.2, ns[-1] * 1.2)
    ax.set_ylim(ylim[0] / 1.5, ylim[1] * 1.5)
    ax.set_xlabel("sequence length n")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, loc="upper left")
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
    ax.annotate("memory", xy=(5.4, cross.get_y() + cross.get_height() / 2), xytext=(4.0, tops["encoder"] - 0.1),
                fontsize=7, color="#c0392b",
                arrowprops={"arrowstyle": "->", "color": "#c0392b", "lw": 1.5})
    boxes["model"] = ax.add_patch(Rectangle((-0.6, 0.0), 10.4, top + 1.7, fill=False, edgecolor="none"))
    for key, labels in (places or {}).items():
        if key not in boxes:
            raise ValueError(f"no box {key!r} in the diagram; boxes: {sorted(boxes)}")
        r = boxes[key]
        right = r.get_x() + r.get_width() > 8 or key == "model"
        x = r.get_x() + r.get_width() + 0.1 if right else r.get_x() - 0.1
        text = ("whole model: " if key == "model" else "") + " ".join(labels)
        ax.text(x, r.get_y() + r.get_height() / 2 if key != "model" else top + 1.6, text,
                ha="left" if right else "right", va="center", fontsize=8, color="#1f4e79", weight="bold",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#1f4e79", "lw": 0.8})
    ax.set_xlim(-2.2, 11.4)
    ax.set_ylim(0.0, top + 1.8)
    ax.set_axis_off()
    return boxes
