"""The widgets and lib's figures speak the notebook's language: in Korean (lib.i18n.set_language("ko")),
every control's description and word-option, the read-out after an update, and every title, axis label,
colour-bar label, legend and annotation that lib draws are Hangul, and drawing them misses no glyph.

Each widget is built twice, in English and in Korean, with the small inputs of its tests/test_<topic>.py;
a text that is non-empty in English must contain Hangul in Korean, unless it is a symbol or a formula
(listed below, with why). The fonts are those of the notebooks: `lib.notebook.setup_notebook(lang="ko")`.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from widget_harness import options_of

from lib import i18n, plots
from lib.checks.attention_explanation import METHODS
from lib.complexity import measure_grid
from lib.data import CharTokenizer
from lib.notebook import setup_notebook
from lib.train import load_date_model
from lib.widgets import LiveFigure
from lib.widgets.attention_explanation import attention_explanation_widget, attribution_bars
from lib.widgets.block import block_widget
from lib.widgets.complexity import complexity_widget
from lib.widgets.decoder import decoder_widget
from lib.widgets.dot_product_variance import variance_widget
from lib.widgets.masking import masking_widget
from lib.widgets.multi_head import multihead_widget
from lib.widgets.positional_encoding import positional_widget
from lib.widgets.self_attention import self_attention_widget
from lib.widgets.softmax_saturation import saturation_widget
from lib.widgets.trained_transformer import TrainingProgress, date_attention_widget
from lib.widgets.warmup import warmup_widget
from lib.widgets.why_attention import why_attention_widget

HANGUL = re.compile(r"[가-힣]")
CHECKPOINT = Path(__file__).resolve().parents[1] / "data" / "date_transformer.pt"

# Control descriptions that are symbols of the lecture, the same in both editions.
SYMBOL_DESCRIPTIONS = {"d_k", "d_model", "ρ(W_hh)"}
# Option labels that are names, formulas or numbers, not words.
SYMBOL_OPTIONS = {
    "Post", "Pre",  # Post-norm / Pre-norm: the names the lecture uses in both editions
    "RNN", "BiRNN",  # model names
    "q·k / √d_k",  # a formula
    "100", "1 000", "100 000",  # numbers (the paper's "10 000 (paper)" is translated)
}
# Figure texts that are formulas or names, not language.
SYMBOL_TEXTS = {
    "PE(p)", "PE(p)·PE(q) / (d_model/2)",  # titles of the positional-encoding widget: formulas
    "n = d",  # the reference line of the cost plots
    r"$\partial p_i / \partial s_j$",  # the Jacobian's colour bar
    "RNN",  # a curve's name in the cost and influence plots
    "BiRNN",
}


@pytest.fixture(scope="module")
def korean_fonts():
    """The notebooks' figure setup (Hangul through NanumGothic), then everything it changed put back."""
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    fill, printing = torch.utils.deterministic.fill_uninitialized_memory, np.get_printoptions()
    with mpl.rc_context():
        setup_notebook(seed=0, lang="ko")
        yield
    i18n.set_language("en")
    torch.set_num_threads(threads)
    torch._C._set_deterministic_algorithms(deterministic)  # what setup_notebook itself calls
    torch.utils.deterministic.fill_uninitialized_memory = fill
    torch.set_printoptions(profile="default")
    np.set_printoptions(**printing)


@pytest.fixture
def in_language(korean_fonts):
    """Build in a language: `in_language("en", build)`; English again afterwards."""

    def build(lang: str, make: Callable):
        i18n.set_language(lang)
        try:
            return make()
        finally:
            i18n.set_language("en")

    yield build
    i18n.set_language("en")


# --- the widgets, built with the small inputs of their own tests ------------------------------------------


def _explanation():
    gen = torch.Generator().manual_seed(0)
    N, T, lengths = 3, 4, (5, 3, 4)
    scores = {name: torch.randn(N, T, max(lengths), generator=gen) for name in METHODS}
    scores["attention"] = torch.softmax(scores["attention"], -1)
    for b, n in enumerate(lengths):
        for s in scores.values():
            s[b, :, n:] = float("nan")
    alignment = torch.tensor([[0, 1, -1, 4], [2, -1, 0, 1], [3, 3, -1, 0]])
    return attention_explanation_widget(scores, ["ab cd", "x&y", "<pq>"], ["wxyz", "1234", "abcd"], alignment,
                                        {"a": 0, "b": 1})


def _self_attention():
    g = torch.Generator().manual_seed(0)
    x, w_q, w_k, w_v = torch.randn(5, 6, generator=g), *(torch.randn(6, 4, generator=g) for _ in range(3))
    return self_attention_widget(x, w_q, w_k, w_v, list("abcde"))


def _saturation():
    g = torch.Generator().manual_seed(0)
    return saturation_widget(torch.randn(64, generator=g), torch.randn(6, 64, generator=g), d_k=4)


def _multi_head():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(7, 12, generator=g)
    w_q, w_k = (1.5 * torch.randn(12, 12, generator=g) / math.sqrt(12) for _ in range(2))
    return multihead_widget(x, w_q, w_k, ["나는", "어제", "서점에서", "책을", "한", "권", "샀다"])


def _decoder():
    g = torch.Generator().manual_seed(0)
    return decoder_widget(torch.softmax(torch.randn(2, 5, 6, generator=g) * 2, dim=-1), list("abcdef"), list("fedcb"))


def _masking():
    return masking_widget(torch.randn(6, 6, generator=torch.Generator().manual_seed(0)), list("abcdef"))


_GRID = {}


def _complexity():
    if "grid" not in _GRID:  # measured once: both languages show the same numbers
        _GRID["grid"] = measure_grid((8, 16, 32), (4, 8), batch=2, repeats=1, chunk_size=8)
    return complexity_widget(_GRID["grid"])


_MODEL = {}


def _dates():
    if "model" not in _MODEL:
        _MODEL["model"] = load_date_model(CHECKPOINT)[0], CharTokenizer.for_dates()
    examples = {"ko_weekday: 2003년 3월 5일 수요일": "2003년 3월 5일 수요일", "en_short: Mar 20, 1999": "Mar 20, 1999"}
    return date_attention_widget(*_MODEL["model"], examples)


# name -> (build, controls whose options are the caller's labels: tokens, examples, head counts)
WIDGETS = {
    "why_attention": (lambda: why_attention_widget(t_max=24), ()),
    "dot_product_variance": (lambda: variance_widget(n=4000, d_max=128), ()),
    "softmax_saturation": (_saturation, ()),
    "self_attention": (_self_attention, ("query",)),
    "multi_head": (_multi_head, ("n_heads",)),
    "complexity": (_complexity, ("n", "d")),
    "block": (lambda: block_widget(max_depth=12), ()),
    "positional_encoding": (lambda: positional_widget(d_model=16, n_positions=20), ()),
    "masking": (_masking, ()),
    "decoder": (_decoder, ()),
    "warmup": (warmup_widget, ()),
    "trained_transformer": (_dates, ("example",)),
    "attention_explanation": (_explanation, ("example",)),
}


def figure_texts(fig: Figure) -> list[str]:
    """Every title, axis label (colour bars are axes too), legend title and entry, and annotation, in order."""
    found = []
    for ax in fig.axes:
        found += [ax.get_title(loc) for loc in ("left", "center", "right")] + [ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            found += [legend.get_title().get_text()] + [t.get_text() for t in legend.get_texts()]
        found += [t.get_text() for t in ax.texts]
    return found + [t.get_text() for t in fig.texts]


def is_language(text: str) -> bool:
    """A text a student reads as words: not empty, not only numbers, not a listed symbol or formula."""
    return bool(re.search(r"[A-Za-z]", text)) and text not in SYMBOL_TEXTS


def controls(live: LiveFigure) -> dict[str, widgets.Widget]:
    extra = {"text": live.text} if hasattr(live, "text") else {}  # the date explorer's text box
    return {**live.controls, **extra}


def option_labels(control) -> list[str]:
    return list(getattr(control, "_options_labels", ()))


def strictly(make: Callable):
    """`make()` with every warning an error: a missing glyph ("Glyph ... missing from font(s)") above all.

    Around the building too: matplotlib warns about a glyph when it first lays the text out (the widget's
    first render), not again on later draws of the same text. A LiveFigure keeps what its render raised
    in `last_error` (the test asserts it is None). Mathtext (a label with $...$) logs its missing glyphs
    ("Font 'default' does not have a glyph for ...") instead of warning: a logged warning fails too.
    """
    logged: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: logged.append(record.getMessage())
    logger = logging.getLogger("matplotlib")  # mathtext reports a missing glyph here, not as a warning
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = make()
    finally:
        logger.removeHandler(handler)
    assert not logged, "matplotlib logged:\n" + "\n".join(sorted(set(logged)))
    return result


def draw_strictly(live: LiveFigure) -> None:
    """A full redraw (every artist, animated ones too) in which any warning fails."""

    def draw() -> None:
        live.view.fig.canvas.draw()
        live.view.invalidate()
        live.view.render()

    strictly(draw)


def move_one_control(live: LiveFigure) -> None:
    name, control = next(iter(live.controls.items()))
    control.value = next(v for v in options_of(control) if v != control.value)
    assert live.last_error is None, f"{name}: {live.last_error!r}"


@pytest.mark.parametrize("name", list(WIDGETS))
def test_the_widget_speaks_korean(name, in_language):
    build, callers = WIDGETS[name]
    english = in_language("en", build)
    korean = strictly(lambda: in_language("ko", build))
    assert korean.last_error is None, f"{name}: {korean.last_error!r}"  # a missing glyph, for one

    for key, control in controls(korean).items():
        description = control.description
        assert description in SYMBOL_DESCRIPTIONS or HANGUL.search(description), (
            f"{name}: control {key!r} is described as {description!r}")
        assert not HANGUL.search(controls(english)[key].description), f"{name}: {key!r} is Korean in English"
        if key in callers:
            continue
        for label in option_labels(control):
            assert label in SYMBOL_OPTIONS or HANGUL.search(label), f"{name}: option {label!r} of {key!r}"

    i18n.set_language("ko")  # a control change in the Korean edition: the read-out is Korean
    strictly(lambda: move_one_control(korean))  # the update redraws under the same rule
    assert HANGUL.search(korean.readout.value), f"{name}: the read-out is not Korean: {korean.readout.value[:200]}"

    pairs = list(zip(figure_texts(english.view.fig), figure_texts(korean.view.fig), strict=True))
    assert any(is_language(en) for en, _ in pairs), f"{name}: no text found in the figure"
    for en, ko in pairs:
        assert not HANGUL.search(en), f"{name}: {en!r} is Korean in the English edition"
        if is_language(en):
            assert HANGUL.search(ko), f"{name}: {en!r} is drawn as {ko!r} in Korean"
    draw_strictly(korean)


def test_the_training_progress_bar_speaks_korean(in_language):
    progress = in_language("ko", lambda: TrainingProgress(20, every=5))
    assert HANGUL.search(progress.bar.description) and HANGUL.search(progress.label.value)
    i18n.set_language("ko")
    progress(5, 0.25)
    assert HANGUL.search(progress.label.value) and "0.2500" in progress.label.value


def test_an_unreadable_date_is_explained_in_korean(in_language):
    live = in_language("ko", _dates)
    i18n.set_language("ko")
    live.text.value = "£5"
    assert live.last_error is None and HANGUL.search(live.readout.value) and "Cannot read" not in live.readout.value


# --- lib.plots helpers of the notebooks' static figures ----------------------------------------------------


def _static_figures() -> Figure:
    """The helpers the notebooks draw static figures with, each with its own (default) words."""
    fig = Figure(figsize=(14, 6))
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 3).ravel()
    tokens = ["<s>", "the", "cat", "sat"]
    weights = torch.softmax(torch.randn(4, 4, generator=torch.Generator().manual_seed(0)), -1)
    plots.annotated_heatmap(axes[0], weights, xlabels=tokens, ylabels=tokens)  # notebooks 04 and 09
    plots.mask_map(axes[1], torch.ones(4, 4).tril().bool(), xlabels=tokens, ylabels=tokens)  # notebook 09
    rng = np.random.default_rng(0)
    plots.band_plot(axes[2], np.arange(5), {"a": rng.random((3, 5)), "b": rng.random((3, 5))},
                    xlabel="n", ylabel="s")  # notebook 05 (its axis labels are the notebook's)
    plots.density_plot(axes[3], rng.normal(size=500), np.linspace(-3, 3, 13),
                       curves={"normal": (np.zeros(2), np.zeros(2))})  # notebook 02
    plots.bars(axes[4], weights[0], tokens)  # notebook 01
    drawn = attribution_bars(axes[5], 5, list(METHODS))  # notebook 12
    drawn.label("ab cd")
    return fig


def test_the_static_figure_helpers_speak_korean(in_language):
    english = in_language("en", _static_figures)
    korean = strictly(lambda: in_language("ko", _static_figures))
    pairs = list(zip(figure_texts(english), figure_texts(korean), strict=True))
    caller = {"n", "s", "a", "b", "normal"}  # what this test passed in: drawn as given
    checked = [(en, ko) for en, ko in pairs if is_language(en) and en not in caller]
    assert len(checked) >= 15, checked
    for en, ko in checked:
        assert HANGUL.search(ko) and not HANGUL.search(en), (en, ko)
    assert "line: median; band: smallest to largest run" in figure_texts(english)
    (mask_bar,) = [ax for ax in korean.axes if ax.get_ylabel() == i18n.catalogue("ko").gettext("mask")]
    ticks = [t.get_text() for t in mask_bar.get_yticklabels()]  # the mask map's colour bar: its ticks are words
    assert len(ticks) == 2 and all(HANGUL.search(t) for t in ticks), ticks
    strictly(korean.canvas.draw)
