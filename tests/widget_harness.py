"""Shared by the widget tests: move every control of a LiveFigure and check the effect."""

import ipywidgets as widgets

from lib.widgets import LiveFigure


def options_of(control):
    """Every value a control can take (sliders: a few points across their range)."""
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        return [not control.value, control.value]
    if hasattr(control, "options") and control.options:
        labelled = isinstance(control.options[0], tuple)
        return [value for _, value in control.options] if labelled else list(control.options)
    lo, hi = control.min, control.max
    return [lo, (lo + hi) / 2 if isinstance(control.value, float) else (lo + hi) // 2, hi]


def exercise(live: LiveFigure) -> None:
    """Move each control through its values; each move must redraw something, without error."""
    assert live.last_error is None, live.last_error
    for name, control in live.controls.items():
        for value in options_of(control):
            if value == control.value:
                continue
            before = (bytes(live.view.image.value), live.readout.value)
            control.value = value
            assert live.last_error is None, f"{name}={value!r}: {live.last_error!r}"
            assert (bytes(live.view.image.value), live.readout.value) != before, f"{name}={value!r} changed nothing"
