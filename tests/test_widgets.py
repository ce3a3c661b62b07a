"""The widget plumbing (lib/widgets/__init__.py): FigureView renders and caches, LiveFigure wires
controls to an update and shows its errors. Each notebook's widget is tested in tests/test_<slug>.py."""

import ipywidgets as widgets

from lib.widgets import FigureView, LiveFigure


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
