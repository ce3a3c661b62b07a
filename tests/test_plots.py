"""lib.plots: draw-into-an-ax helpers that update in place, padding with NaN, axis limits,
and the one colour scheme."""

import math
import re

import matplotlib as mpl
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from lib.plots import (
    MASK_CMAP,
    NAN_AS,
    NO_TOKEN,
    SIGNED_CMAP,
    WEIGHT_CMAP,
    histogram_bars,
    nice_top,
    pad_nan,
    schedule_plot,
    update_histogram,
)
from lib.schedules import inverse_sqrt_lr, noam_lr

# --- histograms ------------------------------------------------------------------------------


def test_histogram_bars_update_in_place():
    ax = Figure().subplots()
    edges = np.linspace(0, 1, 5)
    patch = histogram_bars(ax, edges, np.zeros(4))
    update_histogram(patch, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(patch.get_data().values, [1, 2, 3, 4])
    np.testing.assert_array_equal(patch.get_data().edges, edges)
    with pytest.raises(ValueError, match="5 edges need 4 heights, got shape"):
        histogram_bars(ax, edges, np.zeros(5))
    with pytest.raises(ValueError, match=r"\(4,\) bars, new heights of shape \(3,\)"):
        update_histogram(patch, np.zeros(3))


# --- axis limits -----------------------------------------------------------------------------


def test_nice_top():
    assert nice_top(0.0008) == pytest.approx(0.001)
    assert nice_top(0.0009) == pytest.approx(0.001)
    assert nice_top(0.00095) == pytest.approx(0.002)  # 1.1 · 0.00095 > 0.001
    assert nice_top(3e-5) == pytest.approx(5e-5)
    for value in np.geomspace(1e-6, 1.0, 200):
        top = nice_top(value)
        assert 1.1 * value <= top * (1 + 1e-12) < 1.1 * value * 5  # room above, never too much


@pytest.mark.parametrize("value", [0.0, -1e-3, math.nan, math.inf, -math.inf])
def test_nice_top_refuses_what_is_not_a_positive_number(value):
    with pytest.raises(ValueError, match=rf"nice_top needs a finite value > 0, got {value!r}"):
        nice_top(value)


def test_nice_top_is_a_1_2_5_step_at_every_scale():
    for value in np.geomspace(1e-9, 1e9, 500):
        top = nice_top(value)
        mantissa = top / 10.0 ** math.floor(math.log10(top) + 1e-9)
        assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9, (value, top)


# --- pad_nan ---------------------------------------------------------------------------------


def test_pad_nan_puts_the_values_top_left():
    values = np.arange(6.0).reshape(2, 3)
    out = pad_nan(values, (4, 5))
    assert out.shape == (4, 5) and out.dtype == np.float64
    np.testing.assert_array_equal(out[:2, :3], values)
    assert np.isnan(out[2:, :]).all() and np.isnan(out[:, 3:]).all()
    assert np.isfinite(out).sum() == 6
    np.testing.assert_array_equal(pad_nan(values, (2, 3)), values)  # already full size


def test_pad_nan_vectors_tensors_and_masks():
    out = pad_nan(torch.tensor([0.5, -1.0]), (4,))
    np.testing.assert_array_equal(out, [0.5, -1.0, np.nan, np.nan])
    mask = torch.tensor([[True, False], [True, True]])
    np.testing.assert_array_equal(pad_nan(mask, (3, 3)), [[1, 0, np.nan], [1, 1, np.nan], [np.nan] * 3])
    weights = torch.rand(2, 2, requires_grad=True)
    np.testing.assert_array_equal(pad_nan(weights, (2, 2)), weights.detach().numpy())


def test_pad_nan_nan_as_marks_nan_inside_the_values_only():
    values = np.array([[np.nan, 0.25], [1.0, np.nan]])
    before = values.copy()
    out = pad_nan(values, (3, 3), nan_as=NAN_AS)
    np.testing.assert_array_equal(out[:2, :2], [[NAN_AS, 0.25], [1.0, NAN_AS]])
    assert np.isnan(out[2, :]).all() and np.isnan(out[:, 2]).all()  # the padding stays NaN (grey)
    np.testing.assert_array_equal(values, before)  # the caller's array is not changed
    assert np.isnan(pad_nan(values, (2, 2))).sum() == 2  # without nan_as, NaN stays NaN


@pytest.mark.parametrize(
    "shape,target",
    [((3,), (2,)), ((2, 3), (2, 2)), ((2, 3), (6,)), ((4,), (4, 4))],
)
def test_pad_nan_refuses_what_does_not_fit(shape, target):
    with pytest.raises(ValueError, match=(
        rf"values of shape {re.escape(str(shape))} do not "
        rf"fit into {re.escape(str(target))}"
    )):
        pad_nan(np.zeros(shape), target)


# --- the colour scheme -----------------------------------------------------------------------


def test_colour_maps_show_nan_as_grey_and_a_nan_weight_as_red():
    grey = mpl.colors.to_rgba(NO_TOKEN)
    for cmap in (MASK_CMAP, WEIGHT_CMAP, SIGNED_CMAP):
        assert cmap(np.nan) == grey  # cells beyond the sequence
    norm = mpl.colors.Normalize(0.0, 1.0)  # the weights' colour range
    assert NAN_AS > 1
    red = mpl.colors.to_rgba("#e63946")
    assert WEIGHT_CMAP(norm(NAN_AS)) == red != WEIGHT_CMAP(norm(1.0))
    assert MASK_CMAP(0.0) != MASK_CMAP(1.0)  # blocked and allowed differ


# --- the schedule plot -----------------------------------------------------------------------


def test_schedule_plot_update_moves_the_same_artists():
    ax = Figure().subplots()
    steps = np.linspace(0, 2000, 201).round()
    lines = schedule_plot(ax, steps)
    assert list(ax.lines) == [lines.noam, lines.no_warmup, lines.peak]
    np.testing.assert_array_equal(lines.noam.get_xdata(), steps)
    assert ax.get_xlim() == (0.0, 2000.0)
    noam, flat = noam_lr(steps, 64, 400), inverse_sqrt_lr(steps, 64, 400)
    peak = noam_lr(400, 64, 400)
    lines.update(noam, flat, 400, peak)
    assert list(ax.lines) == [lines.noam, lines.no_warmup, lines.peak]  # no new artists
    np.testing.assert_array_equal(lines.noam.get_ydata(), noam)
    np.testing.assert_array_equal(lines.no_warmup.get_ydata(), flat)
    assert lines.peak.get_xydata().tolist() == [[400, peak]]
