"""Widgets: every control over its range, no error, and the picture or read-out changes."""

import ipywidgets as widgets
import pytest
import torch
from widget_harness import exercise

from lib.widgets import FigureView, LiveFigure
from lib.widgets.self_attention import self_attention_widget


def test_self_attention_widget():
    g = torch.Generator().manual_seed(0)
    x, w_q, w_k, w_v = torch.randn(5, 6, generator=g), *(torch.randn(6, 4, generator=g) for _ in range(3))
    live = self_attention_widget(x, w_q, w_k, w_v, list("abcde"))
    exercise(live)
    with pytest.raises(ValueError, match="x has 5 rows"):
        self_attention_widget(x, w_q, w_k, w_v, list("abc"))


def test_live_figure_shows_errors_instead_of_losing_them():
    view = FigureView()
    (line,) = view.axes[0].plot([0, 1], [0, 1])
    view.animate(line)

    def update(n):
        if n > 2:
            raise RuntimeError("boom")
        line.set_ydata([0, n])
        return f"n={n}"

    live = LiveFigure({"n": widgets.IntSlider(value=1, min=0, max=5)}, update, view)
    first = bytes(view.image.value)
    assert first.startswith(b"\x89PNG") and live.readout.value == "n=1"
    live.controls["n"].value = 2
    assert bytes(view.image.value) != first and live.last_error is None
    live.controls["n"].value = 3
    assert isinstance(live.last_error, RuntimeError) and "boom" in live.readout.value


def test_unregistered_artist_needs_invalidate():
    view = FigureView()
    ax = view.axes[0]
    view.render()
    frame = bytes(view.image.value)
    ax.set_xlim(0, 10)  # a static change: only a full redraw shows it
    view.invalidate()
    view.render()
    assert bytes(view.image.value) != frame
