"""The widget plumbing (lib/widgets/__init__.py): FigureView renders and caches, LiveFigure wires
controls to an update and shows its errors. Each notebook's widget is tested in tests/test_<slug>.py."""

import base64
import io

import ipywidgets as widgets
import numpy as np
import PIL.Image
import pytest

from lib.widgets import FigureView, LiveFigure, encode_png


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


def test_png_is_lossless_and_travels_as_a_data_url():
    view = FigureView(figsize=(3.0, 2.0), dpi=50)
    view.axes[0].imshow(np.random.default_rng(0).random((6, 6)))
    view.axes[0].set_title("attention")
    view.render()
    pixels = np.asarray(view.fig.canvas.buffer_rgba())[..., :3]
    shown = np.asarray(PIL.Image.open(io.BytesIO(bytes(view.image.value))).convert("RGB"))
    assert shown.shape == (100, 150, 3) and (shown == pixels).all()
    sent = view.image.get_state()  # what goes to the page
    assert sent["format"] == "url" and bytes(sent["value"]).startswith(b"data:image/png;base64,")
    assert base64.b64decode(bytes(sent["value"]).split(b",", 1)[1]) == bytes(view.image.value)


def test_encode_png_refuses_what_is_not_a_canvas_buffer():
    with pytest.raises(ValueError, match=r"\(H, W, 4\) uint8 array, got uint8 of shape \(2, 2, 3\)"):
        encode_png(np.zeros((2, 2, 3), np.uint8))
