"""Time widget updates: move every control of a widget and wait for its picture to change.

`bench.py` imports this inside the notebook's kernel, after the last cell, and calls
`print_report` with the model ids of the widgets the notebook displayed. It works on any
ipywidgets tree; a `lib.widgets.LiveFigure` also reports the error its update raised.

One update is the time from assigning a control's `.value` until an `ipywidgets.Image` of
the same tree holds a new value (for a LiveFigure: compute, draw, encode, send).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import ipywidgets as W
from ipywidgets.widgets import widget as _widget_module

# The line of the kernel's stdout that carries the report: PROBE_MARK + JSON.
PROBE_MARK = "@@bench-widgets@@"
# Value widgets that are output or text entry, not something a student moves.
NOT_CONTROLS = (
    W.Image, W.HTML, W.HTMLMath, W.Label, W.Output, W.Valid, W.Play, W.Text, W.Textarea, W.Password, W.Box,
)  # fmt: skip
# At most this many points across a slider's range (a few values, both ends included).
MAX_POINTS = 21


def walk(widget: W.Widget) -> Iterator[W.Widget]:
    """The widget and everything below it, depth first, through `.children`."""
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from walk(child)


def find_images(root: W.Widget) -> list[W.Image]:
    """Every Image in the tree: what an update must change."""
    return [w for w in walk(root) if isinstance(w, W.Image)]


def find_controls(root: W.Widget) -> list[W.ValueWidget]:
    """Every control in the tree (slider, dropdown, toggle, checkbox, ...), in display order."""
    return [w for w in walk(root) if isinstance(w, W.ValueWidget) and not isinstance(w, NOT_CONTROLS)]


def bounce(points: Sequence[Any], start: Any, n: int) -> list[Any]:
    """`n` values from `points`, walking up from `start` and back down, never the same twice in a row.

    A start not in `points` counts as the first point; fewer than two points give no values.
    """
    if len(points) < 2:
        return []
    i = points.index(start) if start in points else 0
    step, out = 1, []
    while len(out) < n:
        if not 0 <= i + step < len(points):
            step = -step
        i += step
        out.append(points[i])
    return out


def nearest(points: Sequence[float], value: float) -> float:
    """The point closest to `value` (where a walk over a slider's points starts)."""
    return min(points, key=lambda p: abs(p - value))


def int_points(lo: int, hi: int, step: int) -> list[int]:
    """lo, lo + step, ... up to hi; thinned to MAX_POINTS spread over the range when there are more."""
    points = list(range(lo, hi + 1, step))
    if len(points) > MAX_POINTS:
        last = MAX_POINTS - 1
        points = sorted({points[round(k * (len(points) - 1) / last)] for k in range(MAX_POINTS)})
    return points


def float_points(lo: float, hi: float, step: float) -> list[float]:
    """Up to MAX_POINTS values from lo to hi, each on the slider's step grid."""
    count = max(1, min(MAX_POINTS - 1, math.floor((hi - lo) / step + 1e-9)))
    return sorted({round(lo + round(k * (hi - lo) / count / step) * step, 10) for k in range(count + 1)})


def log_points(control: W.FloatLogSlider) -> list[float]:
    """MAX_POINTS values evenly spaced in the exponent, from base**min to base**max."""
    last = MAX_POINTS - 1
    return [control.base ** (control.min + k * (control.max - control.min) / last) for k in range(MAX_POINTS)]


def values_for(control: W.ValueWidget, n: int) -> list[Any]:
    """`n` new values for the control, each different from the one before; [] if it is not one we can move."""
    value = control.value
    if isinstance(control, W.Checkbox | W.ToggleButton):
        return [not value if k % 2 == 0 else value for k in range(n)]
    options = getattr(control, "_options_values", None)  # Dropdown, ToggleButtons, SelectionSlider, ...
    if options is not None and not isinstance(value, tuple):  # not a multiple selection
        return bounce(list(options), value, n)
    if isinstance(control, W.FloatLogSlider):
        points = log_points(control)
        return bounce(points, nearest(points, value), n)
    if isinstance(value, bool) or not isinstance(value, int | float) or not hasattr(control, "min"):
        return []
    if isinstance(value, int):
        points = int_points(int(control.min), int(control.max), int(getattr(control, "step", 1) or 1))
    else:
        lo, hi = control.min, control.max
        points = float_points(lo, hi, float(getattr(control, "step", 0) or (hi - lo) / (MAX_POINTS - 1)))
    return bounce(points, nearest(points, value), n)


class ImageWatch:
    """Notes when any of the images gets a new value (traitlets calls back during the assignment)."""

    def __init__(self, images: Sequence[W.Image]) -> None:
        self.images = list(images)
        self.changed_at: float | None = None

    def _seen(self, _change: dict) -> None:
        self.changed_at = time.perf_counter()

    def __enter__(self) -> ImageWatch:
        for image in self.images:
            image.observe(self._seen, names="value")
        return self

    def __exit__(self, *exc: object) -> None:
        for image in self.images:
            image.unobserve(self._seen, names="value")

    def snapshot(self) -> list[bytes]:
        """The images' current bytes, to compare before and after an update."""
        return [bytes(image.value) for image in self.images]


def time_update(control: W.ValueWidget, value: Any, watch: ImageWatch) -> tuple[float, bool]:
    """Set `control.value = value`; return (milliseconds until an image changed, whether one did).

    When no image changes the time is that of the whole assignment.
    """
    before = watch.snapshot()
    watch.changed_at = None
    t0 = time.perf_counter()
    control.value = value
    t1 = time.perf_counter()
    end = t1 if watch.changed_at is None else watch.changed_at
    ms = (end - t0) * 1000.0
    changed = not watch.images or watch.snapshot() != before
    return ms, changed


def probe_control(root: W.Widget, control: W.ValueWidget, watch: ImageWatch, n_updates: int) -> dict:
    """Move one control `n_updates` times and put it back; its timings, unchanged images and errors."""
    label = control.description or type(control).__name__
    values = values_for(control, n_updates)
    if not values:
        return {"label": label, "skipped": type(control).__name__}
    original, times, unchanged, errors = control.value, [], 0, []
    for value in values:
        ms, changed = time_update(control, value, watch)
        times.append(ms)
        if not changed:
            unchanged += 1
        if getattr(root, "last_error", None) is not None:  # lib.widgets.LiveFigure keeps it
            errors.append(repr(root.last_error))
    control.value = original
    return {"label": label, "kind": type(control).__name__, "ms": times, "unchanged": unchanged, "errors": errors[:3]}


def summarize(entry: dict) -> dict:
    """Add the widget's totals (updates, median, p90, unchanged) and each control's median, in place.

    The raw per-update times are dropped: the report carries medians only.
    """
    all_ms = [ms for c in entry["controls"] for ms in c.get("ms", [])]
    entry["updates"] = len(all_ms)
    entry["median_ms"] = statistics.median(all_ms) if all_ms else None
    entry["p90_ms"] = statistics.quantiles(all_ms, n=10)[-1] if len(all_ms) >= 10 else None
    entry["unchanged"] = sum(c.get("unchanged", 0) for c in entry["controls"])
    for c in entry["controls"]:
        if c.get("ms"):
            c["median_ms"] = statistics.median(c["ms"])
        c.pop("ms", None)
    return entry


def probe_widget(cell: int, root: W.Widget | None, n_updates: int) -> dict:
    """Every control of one displayed widget, moved `n_updates` times each (summarized)."""
    entry: dict = {"cell": cell, "type": type(root).__name__ if root is not None else None, "controls": []}
    if root is None:
        entry["error"] = "displayed widget not found in the kernel"
        return summarize(entry)
    images = find_images(root)
    with ImageWatch(images) as watch:
        entry["controls"] = [probe_control(root, c, watch, n_updates) for c in find_controls(root)]
    entry["images"] = len(images)
    return summarize(entry)


def resolve(widget_or_model_id: W.Widget | str) -> W.Widget | None:
    """A widget given as itself or by its model id (None if no live widget has that id)."""
    if isinstance(widget_or_model_id, W.Widget):
        return widget_or_model_id
    return _widget_module._instances.get(widget_or_model_id)  # model_id -> widget (ipywidgets 8)


def time_widget_updates(views: Iterable[tuple[int, W.Widget | str]], n_updates: int) -> list[dict]:
    """One summarized entry per (cell index, widget or model id), in the order given.

    Each entry: cell, type, controls (label, kind, unchanged, errors, median_ms; or label and
    skipped), images, updates, median_ms, p90_ms, unchanged; or an `error` if the widget is gone.
    """
    return [probe_widget(cell, resolve(widget), n_updates) for cell, widget in views]


def print_report(views: Iterable[tuple[int, str]], n_updates: int) -> None:
    """Print PROBE_MARK and the report as one JSON line, for the caller to read from the cell's stdout."""
    print(PROBE_MARK + json.dumps(time_widget_updates(views, n_updates)))
