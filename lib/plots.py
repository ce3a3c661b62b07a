"""Plot helpers. Each takes an `ax`, draws, and returns what is needed to update it in place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage
from matplotlib.patches import StepPatch
from matplotlib.text import Text


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
