"""The cost widget: n and d sliders over multiply-adds (formula), measured time and peak memory."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from lib.complexity import CostGrid, attention_layer_macs, attention_macs, rnn_layer_macs
from lib.i18n import _
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


def _labels() -> dict[str, str]:
    """The legend text of each curve (its name is what the code matches on), in the current language."""
    return {"attention layer": _("attention layer"), "attention, n² part": _("attention, n² part"),
            "attention (lib)": _("attention (lib)"), "RNN loop": _("RNN loop"),
            "chunked attention": _("chunked attention")}


def _layout(grid: CostGrid, fine: np.ndarray):
    view = FigureView(1, 3, figsize=(11.0, 3.3), dpi=80)
    ax_ops, ax_time, ax_mem = view.axes
    every = [v for d in grid.ds for v in _counts(fine, d).values()]
    labels = _labels()
    ops = loglog_lines(ax_ops, fine, {"attention layer": (ATTENTION, "-"), "attention, n² part": (ATTENTION, "--"),
                                      "RNN": (RNN, "-")}, ylabel=_("multiply-adds (formula)"),
                       ylim=(min(v.min() for v in every), max(v.max() for v in every)), labels=labels)
    time = loglog_lines(ax_time, grid.ns, {"attention (lib)": (ATTENTION, "o-"), "RNN loop": (RNN, "o-")},
                        ylabel=_("median seconds (batch {batch})").format(batch=grid.batch),
                        ylim=(min(grid.attention_seconds.min(), grid.rnn_seconds.min()),
                              max(grid.attention_seconds.max(), grid.rnn_seconds.max())), labels=labels)
    mem_all = np.stack([grid.attention_bytes, grid.chunked_bytes, grid.rnn_bytes]) / 2**20
    mem = loglog_lines(ax_mem, grid.ns, {"attention (lib)": (ATTENTION, "o-"), "chunked attention": (CHUNKED, "s-"),
                                         "RNN loop": (RNN, "o-")},
                       ylabel=_("peak tensor MiB, one sequence"), ylim=(mem_all.min(), mem_all.max()), labels=labels)
    ax_ops.set_title(_("operations"))
    ax_time.set_title(_("CPU time (noisy)"))
    ax_mem.set_title(_("memory"))
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
        counted = _("n = {n}, d = {d} ({relation}): multiply-adds attention {a:,} = {ratio:.2f} × RNN {r:,} "
                    "(= 2 + n/d); sequential steps attention 1, RNN {n}").format(
            n=n, d=d, relation="n &gt; d" if n > d else "n ≤ d", a=a, ratio=a / r, r=r)
        measured = _("measured: attention {t_attention:.2f} ms, RNN {t_rnn:.2f} ms; peak memory attention "
                     "{m_attention:.2f} MiB, chunked {m_chunked:.2f} MiB, RNN {m_rnn:.2f} MiB").format(
            t_attention=1e3 * t["attention (lib)"][j], t_rnn=1e3 * t["RNN loop"][j],
            m_attention=m["attention (lib)"][j], m_chunked=m["chunked attention"][j], m_rnn=m["RNN loop"][j])
        return counted + "<br>" + measured

    controls = {
        "n": widgets.SelectionSlider(options=list(grid.ns), value=grid.ns[len(grid.ns) // 2],
                                     description=_("length n"), continuous_update=True),
        "d": widgets.SelectionSlider(options=list(grid.ds), value=grid.ds[len(grid.ds) // 2],
                                     description=_("width d"), continuous_update=True),
    }
    return LiveFigure(controls, update, view)
