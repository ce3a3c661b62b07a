"""lib.plots: draw-into-an-ax helpers that update in place, padding with NaN, axis limits,
the one colour scheme, and what every figure helper must show (labels, colour bars, legends, tokens)."""

import math
import re
import subprocess
import sys

import matplotlib as mpl
import numpy as np
import pytest
import torch
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

from lib import plots
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


# --- every helper's figure: labels, colour bars, legends, tokens, the shared colours -----------------------------




TOKENS = ["<s>", "the", "cat", "sat"]


def _labelled(ax) -> None:
    assert ax.get_xlabel().strip() and ax.get_ylabel().strip(), (ax.get_xlabel(), ax.get_ylabel())


def _colour_bars(fig, ax) -> list:
    """The axes of `fig` other than `ax` that carry a label: colour bars."""
    return [a for a in fig.axes if a is not ax and (a.get_ylabel().strip() or a.get_xlabel().strip())]


def _ticks(labels) -> list[str]:
    return [t.get_text() for t in labels]


def _legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None, "no legend"
    return [t.get_text() for t in legend.get_texts()]


def test_heatmap_labels_tokens_and_a_labelled_colour_bar():
    fig = Figure()
    ax = fig.subplots()
    w = torch.softmax(torch.randn(4, 4), -1)
    grid = plots.heatmap(ax, w, xlabels=TOKENS, ylabels=TOKENS, colorbar="attention weight", annotate=True)
    _labelled(ax)
    assert _ticks(ax.get_xticklabels()) == TOKENS and _ticks(ax.get_yticklabels()) == TOKENS
    bars = _colour_bars(fig, ax)
    assert len(bars) == 1 and bars[0].get_ylabel() == "attention weight"
    assert grid.image.cmap.name == plots.WEIGHT_CMAP.name  # the one weight colour map by default
    assert len(grid.texts) == 16 and grid.texts[0].get_fontsize() >= 10  # readable numbers
    dark = plots.heatmap(Figure().subplots(), [[0.0, 1.0]], annotate=True)  # viridis: 0 dark, 1 light
    assert [t.get_color() for t in dark.texts] == ["white", "black"]
    with pytest.raises(ValueError, match="needs 4 labels, got 3"):
        plots.heatmap(ax, w, xlabels=TOKENS[:3])


def test_heatmap_without_colorbar_adds_no_axes_and_colorbar_needs_a_label():
    fig = Figure()
    ax = fig.subplots()
    grid = plots.heatmap(ax, np.eye(3))
    assert fig.axes == [ax] and grid.colorbar is None
    with pytest.raises(ValueError, match="needs a label"):
        plots.colorbar(ax, grid.image, " ")
    bar = plots.colorbar([ax], grid.image, "weight")
    assert bar.ax.get_ylabel() == "weight" and len(fig.axes) == 2


def test_data_range_spans_the_values_not_zero_to_one():
    w = np.array([[0.12, 0.3], [0.2, np.nan]])
    assert plots.data_range(w) == (0.12, 0.3)
    assert plots.data_range(w, np.array([0.5])) == (0.12, 0.5)
    assert plots.data_range(np.array([-0.2, 0.1]), symmetric=True) == (-0.2, 0.2)
    lo, hi = plots.data_range(np.full(3, 0.25))
    assert lo < 0.25 < hi  # a constant map still gets a scale
    with pytest.raises(ValueError, match="at least one finite entry"):
        plots.data_range(np.full(2, np.nan))


def test_annotated_heatmap_uses_the_data_range_tokens_and_the_mask_colour():
    fig = Figure()
    ax = fig.subplots()
    w = torch.tensor([[0.1, 0.2, 0.3], [0.15, 0.25, 0.2], [0.3, 0.1, 0.22]])
    plots.annotated_heatmap(ax, w, xlabels=TOKENS[:3], ylabels=TOKENS[:3])
    _labelled(ax)
    assert _ticks(ax.get_xticklabels()) == TOKENS[:3] and _ticks(ax.get_yticklabels()) == TOKENS[:3]
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert mesh.norm.vmin == pytest.approx(0.1) and mesh.norm.vmax == pytest.approx(0.3)  # not 0–1
    (bar,) = _colour_bars(fig, ax)
    assert bar.get_ylabel().startswith("attention weight") and "0.10–0.30" in bar.get_ylabel()
    numbers = [t.get_text() for t in ax.texts]
    assert numbers[:3] == ["0.10", "0.20", "0.30"] and all(t.get_fontsize() >= 10 for t in ax.texts)
    # blocked cells: the shared BLOCKED colour, no number
    fig2 = Figure()
    ax2 = fig2.subplots()
    allowed = torch.ones(3, 3).tril().bool()
    plots.annotated_heatmap(ax2, w, xlabels=TOKENS[:3], ylabels=TOKENS[:3], allowed=allowed, vmin=0, vmax=1)
    (mesh2,) = [c for c in ax2.collections if isinstance(c, QuadMesh)]
    assert mesh2.cmap.get_bad().tolist() == list(mpl.colors.to_rgba(plots.BLOCKED))
    assert len(ax2.texts) == int(allowed.sum())
    with pytest.raises(ValueError, match="at most 10 × 10"):
        plots.annotated_heatmap(ax, np.zeros((11, 11)), xlabels=list("abcdefghijk"), ylabels=list("abcdefghijk"))


def test_mask_map_draws_the_shared_mask_colours_with_named_ticks():
    fig = Figure()
    ax = fig.subplots()
    mask = torch.ones(4, 4).tril().bool()
    grid = plots.mask_map(ax, mask, xlabels=TOKENS, ylabels=TOKENS)
    _labelled(ax)
    assert grid.image.cmap is plots.MASK_CMAP
    assert plots.MASK_CMAP(0.0) == mpl.colors.to_rgba(plots.BLOCKED)
    assert plots.MASK_CMAP(1.0) == mpl.colors.to_rgba(plots.ALLOWED)
    assert _ticks(ax.get_xticklabels()) == TOKENS
    assert grid.colorbar is not None and grid.colorbar.ax.get_ylabel() == "mask"
    assert _ticks(grid.colorbar.ax.get_yticklabels()) == list(plots.MASK_LABELS)


def test_bars_label_both_axes_and_the_keys():
    ax = Figure().subplots()
    container = plots.bars(ax, [0.1, 0.2, 0.3, 0.4], TOKENS)
    _labelled(ax)
    assert _ticks(ax.get_xticklabels()) == TOKENS and len(container.patches) == 4
    with pytest.raises(ValueError, match="4 bars need 4 labels, got 2"):
        plots.bars(ax, [0.1, 0.2, 0.3, 0.4], TOKENS[:2])


def test_density_plot_legend_lists_the_histogram_and_every_curve():
    ax = Figure().subplots()
    samples = np.random.default_rng(0).normal(size=500)
    edges = np.linspace(-4, 4, 33)
    x = np.linspace(-4, 4, 50)
    plots.density_plot(ax, samples, edges, label="sampled", curves={"predicted": (x, np.exp(-x**2 / 2)),
                                                                      "other": (x, np.exp(-x**2))})
    _labelled(ax)
    assert sorted(_legend_texts(ax)) == ["other", "predicted", "sampled"]
    assert mpl.colors.to_hex(ax.lines[0].get_color()) == plots.PREDICTED
    with pytest.raises(ValueError, match="at least 2 samples"):
        plots.density_plot(ax, [1.0], edges, curves={})


def test_band_plot_one_line_and_band_per_series_and_a_legend_of_them():
    ax = Figure().subplots()
    x = np.arange(5)
    runs = {"warm-up": np.arange(15.0).reshape(3, 5), "none": np.ones((3, 5))}
    lines = plots.band_plot(ax, x, runs, xlabel="step", ylabel="loss")
    _labelled(ax)
    assert list(lines) == ["warm-up", "none"] and _legend_texts(ax) == ["warm-up", "none"]
    np.testing.assert_allclose(lines["warm-up"].get_ydata(), np.median(runs["warm-up"], axis=0))
    assert len(ax.collections) == 2  # one band each
    assert [mpl.colors.to_hex(line.get_color()) for line in lines.values()] == list(plots.SERIES[:2])
    with pytest.raises(ValueError, match=r"must be \(R, N\) with N = 5"):
        plots.band_plot(ax, x, {"bad": np.ones((3, 4))}, xlabel="x", ylabel="y")


def test_grouped_bars_one_bar_per_value_and_the_reference_in_the_legend():
    ax = Figure().subplots()
    table = {"both heads": {"prev": 1.0, "first": 1.0}, "without head 0": {"prev": 0.1, "first": 1.0}}
    plots.grouped_bars(ax, table, xlabel="model", ylabel="accuracy", reference=(0.1, "chance"))
    _labelled(ax)
    assert sum(len(c.patches) for c in ax.containers) == 4
    assert _legend_texts(ax) == ["prev", "first", "chance"]
    assert _ticks(ax.get_xticklabels()) == list(table)
    with pytest.raises(ValueError, match="empty table"):
        plots.grouped_bars(ax, {}, xlabel="x", ylabel="y")


def test_binned_scatter_every_group_twice_in_the_legend():
    ax = Figure().subplots()
    rng = np.random.default_rng(0)
    x = rng.random(200)
    y = x**2
    plots.binned_scatter(ax, x, y, {"low": x < 0.5, "high": x >= 0.5}, bins=np.linspace(0.1, 0.9, 5),
                         xlabel="attention", ylabel="drop")
    _labelled(ax)
    assert _legend_texts(ax) == ["low", "high", "low: median per bin", "high: median per bin"]
    with pytest.raises(ValueError, match="must be a mask of 200 points"):
        plots.binned_scatter(ax, x, y, {"bad": x[:10] > 0}, bins=[0.5], xlabel="a", ylabel="b")


def test_line_helpers_label_their_axes_and_list_every_series():
    ax = Figure().subplots()
    plots.schedule_plot(ax, np.linspace(0, 100, 11))
    _labelled(ax)
    assert len(_legend_texts(ax)) == len(ax.lines) == 3
    ax = Figure().subplots()
    plots.influence_plot(ax, 8, ("RNN", "attention"))
    _labelled(ax)
    assert _legend_texts(ax) == ["RNN", "attention"]
    ax = Figure().subplots()
    plots.grad_norm_plot(ax, 6)
    _labelled(ax)
    assert len(_legend_texts(ax)) == len(ax.lines) == 2
    ax = Figure().subplots()
    plots.loglog_lines(ax, [8, 16, 32], {"a": ("C0", "-"), "b": ("C1", "--")}, ylabel="ops", ylim=(1, 100))
    _labelled(ax)
    assert _legend_texts(ax) == ["a", "b", "n = d"]
    for text in ax.get_legend().get_texts():
        assert text.get_fontsize() >= 10


def test_importing_lib_changes_no_rcparams_and_imports_no_seaborn():
    """Importing lib (every module, the widgets too) must leave matplotlib's style alone; seaborn only on use."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import matplotlib as mpl\n"
        "before = dict(mpl.rcParams)\n"
        "import lib\n"
        "names = [m.name for m in pkgutil.walk_packages(lib.__path__, 'lib.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "changed = sorted(k for k, v in mpl.rcParams.items() if before[k] != v)\n"
        "print(len(names), 'seaborn' in sys.modules, changed)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 2)
    assert int(out[0]) > 20  # the walk found the modules
    assert out[1] == "False", "importing lib imported seaborn"
    assert out[2].strip() == "[]", f"importing lib changed rcParams: {out[2]}"
