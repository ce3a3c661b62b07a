"""The cost widget: n and d sliders over multiply-adds (formula), measured time and peak memory."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from lib.complexity import CostGrid, attention_layer_macs, attention_macs, rnn_layer_macs
from lib.plots import SERIES, loglog_lines
from lib.widgets import FigureView, LiveFigure

ATTENTION, RNN, CHUNKED = SERIES[0], SERIES[1], SERIES[2]


def _counts(ns, d: int) -> dict[str, np.ndarray]:
    """Multiply-adds over ns at width d: the whole attention layer, its n²-part, the RNN."""
    return {
        "attention layer": np.array([attention_layer_macs(n, d) for n in ns], dtype=float),
        "attention, n² part": np.array([(m := attention_macs(n, d))["scores"] + m["weighted sum"] for n in ns],
                                       dtype=float),
        "RNN": np.array([rnn_layer_macs(n, d) for n in ns], dtype=float),
    }


def _layout(grid: CostGrid, fine: np.ndarray):
    view = FigureView(1, 3, figsize=(11.0, 3.3), dpi=80)
    ax_ops, ax_time, ax_mem = view.axes
    every = [v for d in grid.ds for v in _counts(fine, d).values()]
    ops = loglog_lines(ax_ops, fine, {"attention layer": (ATTENTION, "-"), "attention, n² part": (ATTENTION, "--"),
                                      "RNN": (RNN, "-")}, ylabel="multiply-adds (formula)",
                       ylim=(min(v.min() for v in every), max(v.max() for v in every)))
    time = loglog_lines(ax_time, grid.ns, {"attention (lib)": (ATTENTION, "o-"), "RNN loop": (RNN, "o-")},
                        ylabel=f"median seconds (batch {grid.batch})",
                        ylim=(min(grid.attention_seconds.min(), grid.rnn_seconds.min()),
                              max(grid.attention_seconds.max(), grid.rnn_seconds.max())))
    mem_all = np.stack([grid.attention_bytes, grid.chunked_bytes, grid.rnn_bytes]) / 2**20
    mem = loglog_lines(ax_mem, grid.ns, {"attention (lib)": (ATTENTION, "o-"), "chunked attention": (CHUNKED, "s-"),
                                         "RNN loop": (RNN, "o-")},
                       ylabel="peak tensor MiB, one sequence", ylim=(mem_all.min(), mem_all.max()))
    ax_ops.set_title("operations")
    ax_time.set_title("wall time (CPU, noisy)")
    ax_mem.set_title("memory")
    for panel in (ops, time, mem):
        view.animate(*panel.lines.values(), panel.n_is_d, *panel.markers.values())
    return view, ops, time, mem


def complexity_widget(grid: CostGrid) -> LiveFigure:
    """Controls: n and d, each over the grid's values. Nothing is measured on an update."""
    fine = np.geomspace(grid.ns[0], grid.ns[-1], 60).round().astype(int)
    view, ops, time, mem = _layout(grid, fine)

    def update(n: int, d: int) -> str:
        i, j = grid.ds.index(d), grid.ns.index(n)
        counts = _counts(fine, d)
        ops.show(counts, {name: _counts([n], d)[name][0] for name in counts}, n, d)
        t = {"attention (lib)": grid.attention_seconds[i], "RNN loop": grid.rnn_seconds[i]}
        time.show(t, {name: row[j] for name, row in t.items()}, n, d)
        m = {"attention (lib)": grid.attention_bytes[i] / 2**20, "chunked attention": grid.chunked_bytes[i] / 2**20,
             "RNN loop": grid.rnn_bytes[i] / 2**20}
        mem.show(m, {name: row[j] for name, row in m.items()}, n, d)
        a, r = attention_layer_macs(n, d), rnn_layer_macs(n, d)
        return (
            f"n = {n}, d = {d} ({'n &gt; d' if n > d else 'n ≤ d'}): multiply-adds attention {a:,} = "
            f"{a / r:.2f} × RNN {r:,} (= 2 + n/d); sequential steps attention 1, RNN {n}<br>"
            f"measured: attention {1e3 * t['attention (lib)'][j]:.2f} ms, RNN {1e3 * t['RNN loop'][j]:.2f} ms; "
            f"peak memory attention {m['attention (lib)'][j]:.2f} MiB, chunked {m['chunked attention'][j]:.2f} MiB, "
            f"RNN {m['RNN loop'][j]:.2f} MiB"
        )

    controls = {
        "n": widgets.SelectionSlider(options=list(grid.ns), value=grid.ns[len(grid.ns) // 2],
                                     description="length n", continuous_update=True),
        "d": widgets.SelectionSlider(options=list(grid.ds), value=grid.ds[len(grid.ds) // 2],
                                     description="width d", continuous_update=True),
    }
    return LiveFigure(controls, update, view)
