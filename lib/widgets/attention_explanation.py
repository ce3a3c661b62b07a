"""The attention-explanation widget: one held-out date, one output character, three rankings of its source.

Pick an input (one per format) and an output position t of YYYY-MM-DD: grouped bars show, for
every source character, its attention weight, its occlusion (leave-one-out) drop and its
gradient × input, each divided by the largest |score| of its row so that the three share one
axis; the shaded column is the character the output is copied from. The read-out names each
method's top character with its raw score, and the true source character.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch, Rectangle

from lib import validate
from lib.explain import top1
from lib.i18n import _
from lib.plots import SERIES, TEXT_SIZE
from lib.widgets import FigureView, LiveFigure, slider

METHODS = ("attention", "occlusion", "grad × input")
COLOURS = {"attention": SERIES[0], "occlusion": SERIES[1], "grad × input": SERIES[2]}
SOURCE_COLOUR = "#ffe08a"  # the shaded column: the character the output is copied from
YLIM = (-1.05, 1.05)


def method_label(name: str) -> str:
    """A method's name as the legend and the read-out say it, in the current language (others: as given)."""
    return {"attention": _("attention"), "occlusion": _("occlusion"), "grad × input": _("grad × input")}.get(name, name)


def _score(name: str, value: float) -> str:
    """A method's raw score with its unit: an attention weight, a drop in nats, a signed score."""
    units = {"attention": _("weight {value:.2f}"), "occlusion": _("drop {value:.3g} nats"),
             "grad × input": _("score {value:+.3g}")}
    return units.get(name, _("score {value:.3g}")).format(value=value)


def shown_char(c: str) -> str:
    """A source character as a tick label: a space is drawn as ␣ so it can be seen."""
    return "␣" if c == " " else c


def relative(row: torch.Tensor) -> torch.Tensor:
    """A score row divided by its largest |score| (all zeros stay zeros); NaN (padding) becomes 0.

    Shapes: (S,) -> (S,) float64, every entry in [-1, 1].
    """
    row = row.double().nan_to_num(0.0)
    top = row.abs().max()
    return row / top if top > 0 else row


def _rectangles(left: np.ndarray, width: float, heights: np.ndarray) -> list[np.ndarray]:
    """One closed rectangle (4 corners) per bar, from 0 up (or down) to its height."""
    return [np.array([[x, 0.0], [x, h], [x + width, h], [x + width, 0.0]]) for x, h in zip(left, heights, strict=True)]


@dataclass
class AttributionBars:
    """The artists of `attribution_bars`; `show` moves them, never makes new ones.

    Each method's bars are one PolyCollection (one artist to repaint, not one per bar: 3 × 29 bar
    patches took ~20 ms to repaint, three collections a few ms).
    """

    ax: Axes
    bars: dict[str, PolyCollection]
    left: dict[str, np.ndarray]  # the left edge of each method's bars
    width: float
    source: Rectangle  # shaded behind the copied-from character

    @property
    def n_chars(self) -> int:
        return len(next(iter(self.left.values())))

    def artists(self) -> list:
        return [self.source, *self.bars.values()]

    def label(self, chars: Sequence[str]) -> None:
        """New tick labels (a static change: the figure needs a full redraw afterwards)."""
        labels = [shown_char(c) for c in chars] + [""] * (self.n_chars - len(chars))
        self.ax.set_xticks(range(self.n_chars), labels=labels)

    def show(self, rows: Mapping[str, torch.Tensor], source: int) -> None:
        """Each method's row (S,) as bars ÷ its largest |score|; shade column `source` (−1: none)."""
        for name, bars in self.bars.items():
            heights = np.zeros(self.n_chars)
            heights[: len(rows[name])] = relative(rows[name]).numpy()
            bars.set_verts(_rectangles(self.left[name], self.width, heights))
        self.source.set_visible(source >= 0)
        self.source.set_x(source - 0.5)


def attribution_bars(ax: Axes, n_chars: int, methods: Sequence[str] = METHODS) -> AttributionBars:
    """Empty grouped bars, one group per source character and one bar per method, on a fixed axis.

    Shapes: each method's row (S,) with S <= n_chars.
    """
    width = 0.8 / len(methods)
    left, bars = {}, {}
    for j, name in enumerate(methods):
        left[name] = np.arange(n_chars) - 0.4 + j * width
        bars[name] = ax.add_collection(PolyCollection(_rectangles(left[name], width, np.zeros(n_chars)),
                                                      facecolors=COLOURS.get(name, SERIES[j]), label=name))
    source = ax.add_patch(Rectangle((-0.5, YLIM[0]), 1.0, YLIM[1] - YLIM[0], color=SOURCE_COLOUR, zorder=0))
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xlim(-0.6, n_chars - 0.4)
    ax.set_ylim(*YLIM)
    ax.set_xlabel(_("source character"))
    ax.set_ylabel(_("score ÷ largest |score|"))
    handles = [Patch(color=COLOURS.get(name, SERIES[j]), label=method_label(name)) for j, name in enumerate(methods)]
    ax.legend(handles=[*handles, Patch(color=SOURCE_COLOUR, label=_("copied from"))], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize=TEXT_SIZE, frameon=False)
    return AttributionBars(ax, bars, left, width, source)


def _check(scores: Mapping[str, torch.Tensor], sources: list[str], targets: list[str], alignment: torch.Tensor,
           examples: dict[str, int]) -> None:
    if not isinstance(scores, Mapping) or not scores:
        raise TypeError(f"scores must be a dict of method name -> (N, T, S) tensor, got {type(scores).__name__}")
    shape = None
    for name, s in scores.items():
        validate.tensor(s, f"scores[{name!r}] (N, T, S)", dims=3)
        shape = shape or s.shape
        if s.shape != shape:
            raise ValueError(f"every score must have the same shape (N, T, S); {name!r} is {tuple(s.shape)}, "
                             f"another {tuple(shape)}")
    N, T, S = shape
    if len(sources) != N or len(targets) != N or any(len(t) < T for t in targets):
        raise ValueError(f"the scores are (N, T, S) = {tuple(shape)}: give N = {N} sources and N targets of at "
                         f"least T = {T} characters, got {len(sources)} sources and {len(targets)} targets")
    validate.tensor(alignment, "alignment (N, T)", dims=2, floating=False)
    if alignment.shape != (N, T) or alignment.dtype.is_floating_point or alignment.max() >= S or alignment.min() < -1:
        raise ValueError(f"alignment must be (N, T) = ({N}, {T}) integer source positions (−1 = none), got "
                         f"{alignment.dtype} {tuple(alignment.shape)}")
    if not examples or not all(isinstance(i, int) and 0 <= i < N for i in examples.values()):
        raise ValueError(f"examples must map a label to a row index in 0..{N - 1}, got {examples!r}")
    first = next(iter(scores.values()))
    for i in examples.values():
        real, n = ~first[i, 0].isnan(), len(sources[i])  # (S,)
        if not real[:n].all() or real[n:].any():
            raise ValueError(f"row {i}: the scores have {int(real.sum())} real (non-NaN) source positions, "
                             f"but the source {sources[i]!r} has {n} characters (padding must come last)")


def _readout(label: str, source: str, target: str, t: int, rows: Mapping[str, torch.Tensor], copied: int) -> str:
    def char(s: int) -> str:
        return _("'<b>{char}</b>' (position {position})").format(char=html.escape(shown_char(source[s])), position=s)

    where = char(copied) if copied >= 0 else _("no single source character (−1)")
    lines = [_("{label}: {source} → {target}; output position t = {t}: <b>{char}</b>, copied from {where}").format(
        label=html.escape(label), source=html.escape(source), target=html.escape(target), t=t,
        char=html.escape(target[t]), where=where)]
    for name, row in rows.items():
        s = int(top1(row))
        mark = "" if copied < 0 else (" ✓" if s == copied else " ✗")
        lines.append(_("{method}: top {char}, {score}{mark}").format(
            method=html.escape(method_label(name)), char=char(s), score=_score(name, row[s].item()), mark=mark))
    return "<br>".join(lines)


def attention_explanation_widget(scores: Mapping[str, torch.Tensor], sources: Sequence[str],
                                 targets: Sequence[str], alignment: torch.Tensor,
                                 examples: Mapping[str, int]) -> LiveFigure:
    """Controls: the input (a dropdown over `examples`, label -> row) and the output position t.

    `scores` maps each method to its (N, T, S) scores, NaN at source padding (lib.explain);
    `alignment` (N, T) gives the source position each output is copied from, −1 for none.
    Shapes: scores (N, T, S) each, len(sources) == len(targets) == N, alignment (N, T).
    """
    sources, targets, examples = list(sources), list(targets), dict(examples)
    _check(scores, sources, targets, alignment, examples)
    T = alignment.shape[1]
    n_chars = max(len(sources[i]) for i in examples.values())
    view = FigureView(1, 1, figsize=(9.0, 3.3), dpi=80)
    drawn = attribution_bars(view.axes[0], n_chars, list(scores))
    view.axes[0].set_title(_("three rankings of the source for one output character"))
    view.animate(*drawn.artists())
    labels = {i: label for label, i in examples.items()}
    shown = {"row": None}

    def update(example: int, t: int) -> str:
        if example != shown["row"]:
            drawn.label(sources[example])
            view.invalidate()
            shown["row"] = example
        n = len(sources[example])
        rows = {name: s[example, t, :n] for name, s in scores.items()}  # (S,) each, real characters only
        copied = int(alignment[example, t])
        drawn.show(rows, copied)
        return _readout(labels[example], sources[example], targets[example], t, rows, copied)

    first = next(iter(examples.values()))
    controls = {
        "example": widgets.Dropdown(options=list(examples.items()), value=first, description=_("input")),
        "t": slider(_("output position t (YYYY-MM-DD)"), min(8, T - 1), 0, T - 1),
    }
    return LiveFigure(controls, update, view)
