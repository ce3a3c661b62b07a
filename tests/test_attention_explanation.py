"""Notebook 12 (attention as explanation): the widget, its drawing helper, the exercises, and the two
predictions' answers re-measured on the trained checkpoint (so they cannot go stale if it is retrained)."""

from __future__ import annotations

import datetime as dt
import time
import warnings

import matplotlib as mpl
import pytest
import torch
from matplotlib.figure import Figure
from widget_harness import exercise

from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.attention_explanation import (
    DASH_CHOICES,
    DASH_DROP,
    METHODS,
    MOST_OFTEN,
    PAD,
    check_dash_drop,
    check_leave_one_out,
    check_most_often,
    check_top1_agreement,
    toy_log_p,
)
from lib.data import DATA_DIR, DATE_FORMATS, CharTokenizer, copy_alignment, read_date_file, seq2seq_tensors
from lib.explain import attention_scores, grad_input_scores, occlusion_scores, source_hits
from lib.train import load_date_model
from lib.widgets.attention_explanation import attention_explanation_widget, attribution_bars, relative, shown_char

PER_FORMAT = 40  # the notebook's subset: the first 40 held-out rows of each format


@pytest.fixture
def hangul():
    """Figures that can draw Hangul (what setup_notebook does in a notebook), without its warning."""
    with mpl.rc_context():  # koreanize_matplotlib's import selects NanumGothic globally: undone on exit
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import koreanize_matplotlib  # noqa: F401  (registers NanumGothic)
        mpl.rcParams["font.family"] = ["DejaVu Sans", "NanumGothic"]
        yield


@pytest.fixture(scope="module")
def measured():
    """The notebook's three scores on its 440 held-out rows, with sources, targets and alignment."""
    torch.set_num_threads(1)
    model, _ = load_date_model(DATA_DIR / "date_transformer.pt")
    held_out = read_date_file(DATA_DIR / "dates_test.tsv")
    rows = [row for fmt in DATE_FORMATS for row in [r for r in held_out if r[2] == fmt][:PER_FORMAT]]
    src, tgt = seq2seq_tensors(rows, CharTokenizer.for_dates())
    tgt_in, target = tgt[:, :-1], tgt[:, 1:]
    scores = {"attention": attention_scores(model, src, tgt_in)[:, :10],
              "occlusion": occlusion_scores(model, src, tgt_in, target)[:, :10],
              "grad × input": grad_input_scores(model, src, tgt_in, target)[:, :10]}
    alignment = torch.tensor([copy_alignment(dt.date.fromisoformat(r[1]), r[2]) for r in rows])
    return scores, [r[0] for r in rows], [r[1] for r in rows], alignment


def _synthetic(gen, N=3, T=4, lengths=(5, 3, 4)):
    """Scores (N, T, S) NaN after each source's length, sources of those lengths, targets, an alignment."""
    S = max(lengths)
    scores = {name: torch.randn(N, T, S, generator=gen) for name in METHODS}
    scores["attention"] = torch.softmax(scores["attention"], -1)
    for b, n in enumerate(lengths):
        for s in scores.values():
            s[b, :, n:] = float("nan")
    sources = ["ab cd", "x&y", "<pq>"][:N]
    targets = ["wxyz", "1234", "abcd"][:N]
    alignment = torch.tensor([[0, 1, -1, 4], [2, -1, 0, 1], [3, 3, -1, 0]])[:N, :T]
    return scores, sources, targets, alignment


# --- the answers of the two predictions, measured ------------------------------------------------


def test_most_often_is_what_the_checkpoint_measures(measured):
    scores, _, _, alignment = measured
    hits = {name: source_hits(s, alignment) for name, s in scores.items()}
    assert max(hits, key=hits.get) == MOST_OFTEN, hits
    assert hits["occlusion"] - hits["attention"] > 0.02, hits  # measured 0.85 vs 0.79: not a coin toss


def test_dash_drop_is_what_the_checkpoint_measures(measured):
    occ = measured[0]["occlusion"]
    median = occ[:, 4].nan_to_num(float("-inf")).amax(-1).median().item()
    nearest = min(DASH_CHOICES, key=lambda v: abs(v - median))
    assert nearest == DASH_DROP and median < 1e-3, median  # measured ~4e-5 nats


# --- the widget -----------------------------------------------------------------------------------


def test_widget_moves_over_every_control_on_the_real_scores(measured, hangul):
    scores, sources, targets, alignment = measured
    examples = {f"{fmt}: {sources[k * PER_FORMAT]}": k * PER_FORMAT for k, fmt in enumerate(DATE_FORMATS)}
    live = attention_explanation_widget(scores, sources, targets, alignment, examples)
    exercise(live)
    live.controls["example"].value = 0  # ko: 1969년 4월 29일
    live.controls["t"].value = 8  # the day's first digit, '2', copied from source position 9
    text = live.readout.value
    assert "output position t = 8: <b>2</b>, copied from '<b>2</b>' (position 9)" in text
    assert text.count("✓") == 3 and "drop 9.07 nats" in text
    live.controls["t"].value = 4  # the dash: no source, no ✓ or ✗
    assert "no single source character (−1)" in live.readout.value and "✓" not in live.readout.value


def test_widget_readout_names_each_methods_top_and_marks_misses(gen):
    scores, sources, targets, alignment = _synthetic(gen)
    scores["attention"][0, 0] = torch.tensor([0.1, 0.6, 0.1, 0.1, 0.1])  # top 1, the copied one is 0: a miss
    scores["occlusion"][0, 0] = torch.tensor([5.0, 0.1, -0.2, 0.0, 0.3])  # top 0: a hit
    live = attention_explanation_widget(scores, sources, targets, alignment, {"first": 0, "second": 1})
    live.controls["t"].value = 0
    text = live.readout.value
    assert "attention: top '<b>b</b>' (position 1), weight 0.60 ✗" in text
    assert "occlusion: top '<b>a</b>' (position 0), drop 5 nats ✓" in text
    live.controls["example"].value = 1
    live.controls["t"].value = 0
    assert "x&amp;y" in live.readout.value and "copied from '<b>y</b>' (position 2)" in live.readout.value
    assert live.last_error is None


def test_widget_bars_are_each_row_over_its_largest_absolute_score(gen):
    scores, sources, targets, alignment = _synthetic(gen)
    live = attention_explanation_widget(scores, sources, targets, alignment, {"a": 0, "b": 2})
    live.controls["t"].value = 3
    bars = live.view.fig.axes[0].collections  # one PolyCollection per method, in METHODS order
    for name, collection in zip(METHODS, bars, strict=True):
        heights = [path.vertices[1, 1] for path in collection.get_paths()]  # (x, 0), (x, h), ...
        row = scores[name][0, 3, :5].double()
        expected = (row / row.abs().max()).tolist() + [0.0] * (len(heights) - 5)
        assert heights == pytest.approx(expected), name
        assert max(abs(h) for h in heights) == pytest.approx(1.0)


def test_widget_shading_follows_the_copied_character_and_hides_without_one(gen):
    scores, sources, targets, alignment = _synthetic(gen)
    live = attention_explanation_widget(scores, sources, targets, alignment, {"a": 0})
    shade = live.view.fig.axes[0].patches[0]
    live.controls["t"].value = 3  # copied from position 4
    assert shade.get_visible() and shade.get_x() == 3.5
    live.controls["t"].value = 2  # -1: nothing copied
    assert not shade.get_visible()


def test_widget_image_keeps_its_size_and_updates_fast(gen, capsys, one_thread):
    scores, sources, targets, alignment = _synthetic(gen)
    live = attention_explanation_widget(scores, sources, targets, alignment, {"a": 0, "b": 1, "c": 2})
    sizes, times = set(), []
    for example in (0, 1, 2):
        live.controls["example"].value = example
        for t in (3, 0, 2, 1, 3):
            start = time.perf_counter()
            live.controls["t"].value = t
            times.append(time.perf_counter() - start)
            sizes.add(live.view.image.value[16:24])  # PNG width and height
    assert len(sizes) == 1 and live.last_error is None
    with capsys.disabled():  # measured, not asserted: the machine is shared
        median = sorted(times)[len(times) // 2]
        print(f"\nattention-explanation widget, one slider update: median {median * 1e3:.1f} ms")


def test_widget_refuses_bad_input(gen):
    scores, sources, targets, alignment = _synthetic(gen)
    ok = {"a": 0}
    with pytest.raises(TypeError, match=r"scores must be a dict of method name -> \(N, T, S\) tensor, got list"):
        attention_explanation_widget(list(scores.values()), sources, targets, alignment, ok)
    with pytest.raises(TypeError, match=r"scores\['occlusion'\] \(N, T, S\) must be a torch\.Tensor, got a NumPy"):
        attention_explanation_widget({**scores, "occlusion": scores["occlusion"].numpy()}, sources, targets,
                                     alignment, ok)
    with pytest.raises(ValueError, match=r"same shape \(N, T, S\); 'occlusion' is \(3, 4, 4\)"):
        attention_explanation_widget({**scores, "occlusion": scores["occlusion"][..., :4]}, sources, targets,
                                     alignment, ok)
    with pytest.raises(ValueError, match=r"give N = 3 sources and N targets .*got 2 sources"):
        attention_explanation_widget(scores, sources[:2], targets, alignment, ok)
    with pytest.raises(ValueError, match=r"alignment must be \(N, T\) = \(3, 4\) integer source positions"):
        attention_explanation_widget(scores, sources, targets, alignment[:, :3], ok)
    with pytest.raises(ValueError, match=r"alignment must be \(N, T\)"):
        attention_explanation_widget(scores, sources, targets, alignment.clamp(min=0) + 5, ok)
    with pytest.raises(ValueError, match=r"examples must map a label to a row index in 0\.\.2, got \{'a': 3\}"):
        attention_explanation_widget(scores, sources, targets, alignment, {"a": 3})
    with pytest.raises(ValueError, match=r"row 1: the scores have 3 real \(non-NaN\) source positions, but the "
                                         r"source 'x&yz' has 4 characters"):
        attention_explanation_widget(scores, [sources[0], "x&yz", sources[2]], targets, alignment, {"b": 1})


def test_drawing_helpers():
    assert shown_char(" ") == "␣" and shown_char("a") == "a"
    assert relative(torch.tensor([2.0, -4.0, float("nan")])).tolist() == [0.5, -1.0, 0.0]
    assert relative(torch.zeros(3)).tolist() == [0.0, 0.0, 0.0]  # nothing to divide by: stays 0
    ax = Figure().subplots()
    drawn = attribution_bars(ax, 4, METHODS)
    drawn.label("a b")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "␣", "b", ""]
    assert len(drawn.artists()) == 1 + len(METHODS) and ax.get_ylim() == (-1.05, 1.05)


# --- the exercises ----------------------------------------------------------------------------------


def _not_done(*args):
    raise NotImplementedError


def _loo_good(log_p, tokens, s):
    changed = tokens.clone()
    changed[s] = PAD
    return log_p(tokens) - log_p(changed)


def test_leave_one_out_solution_passes_and_is_the_toy_models_own_drop():
    assert check_leave_one_out(_loo_good).message.startswith(PASS)
    assert check_leave_one_out(lambda f, x, s: (f(x) - f(torch.where(torch.arange(len(x)) == s, 0, x))).item()).passed
    tokens = torch.tensor([5, 7, 9])
    assert _loo_good(toy_log_p, tokens, 1) != 0  # the toy model reads every real character


@pytest.mark.parametrize(("fn", "hint"), [
    (lambda f, x, s: -_loo_good(f, x, s), "the sign is flipped"),
    (lambda f, x, s: f(x) - f(torch.cat([x[:s], x[s + 1:]])), "you deleted the character"),
    (lambda f, x, s: f(x) - f(torch.where(torch.arange(len(x)) == s, 3, x)), "you replaced it by <unk>"),
    (lambda f, x, s: f(x).exp() - f(torch.where(torch.arange(len(x)) == s, 0, x)).exp(), "drop in the probability"),
    (lambda f, x, s: f(x) / f(torch.where(torch.arange(len(x)) == s, 0, x)), "that is a ratio"),
    (lambda f, x, s: f(x) - f(x.clone()), "the drop is 0"),
    (lambda f, x, s: _loo_good(f, x, s) + 0.5, "wrong values"),
])
def test_leave_one_out_mistakes_get_their_hint(fn, hint):
    result = check_leave_one_out(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


def test_leave_one_out_in_place_change_gets_the_engines_hint():
    def in_place(log_p, tokens, s):
        full = log_p(tokens)
        tokens[s] = PAD
        return full - log_p(tokens)

    result = check_leave_one_out(in_place)
    assert not result.passed and "in place" in result.message


def _agree_good(a, b):
    top_a, top_b = a.nan_to_num(float("-inf")).argmax(-1), b.nan_to_num(float("-inf")).argmax(-1)
    return (top_a == top_b).float().mean()


def test_top1_agreement_solution_passes():
    assert check_top1_agreement(_agree_good).message.startswith(PASS)
    assert check_top1_agreement(lambda a, b: _agree_good(a, b).item()).passed  # a float is fine too
    from lib.explain import top1_agreement
    assert check_top1_agreement(top1_agreement).passed  # lib's own version


@pytest.mark.parametrize(("fn", "hint"), [
    (lambda a, b: (a.argmax(-1) == b.argmax(-1)).float().mean(), "torch.argmax counts NaN as the largest"),
    (lambda a, b: (a.nan_to_num(0).argmax(-1) == b.nan_to_num(0).argmax(-1)).float().mean(), "NaN replaced by 0"),
    (lambda a, b: (a.nan_to_num(float("-inf")).argmax(-1) == b.nan_to_num(float("-inf")).argmax(-1)).sum(),
     "number of agreeing rows"),
    (lambda a, b: (a.nan_to_num(9.0).argmin(-1) == b.nan_to_num(9.0).argmin(-1)).float().mean(), "argmin"),
    (lambda a, b: _agree_good(a[~a.isnan().any(-1)], b[~a.isnan().any(-1)]), "dropped every row that has padding"),
    (lambda a, b: 0.9 * _agree_good(a, b), "wrong values"),
])
def test_top1_agreement_mistakes_get_their_hint(fn, hint):
    result = check_top1_agreement(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


@pytest.mark.parametrize("answer", ["occlusion", "Occlusion", " occlusion ", "occl"])
def test_most_often_accepts_the_answer_however_written(answer):
    assert check_most_often(lambda: answer).passed


@pytest.mark.parametrize(("answer", "hint"), [
    ("attention", "nine times in ten on a neighbour"),
    ("grad × input", "least often right"),
    ("gradient x input", "least often right"),
    ("leave-one-out", "answer with one of 'attention', 'occlusion', 'grad × input'"),
    (1, "answer with one of"),
])
def test_most_often_wrong_answers_get_their_hint(answer, hint):
    result = check_most_often(lambda: answer)
    assert not result.passed and hint in result.message, result.message


@pytest.mark.parametrize("answer", [0, 0.0, torch.tensor(0.0)])
def test_dash_drop_accepts_zero(answer):
    assert check_dash_drop(lambda: answer).passed


@pytest.mark.parametrize(("answer", "hint"), [
    (0.1, "the model needs no source character"),
    (1, "e ≈ 2.7 times less likely"),
    (10.0, "about 10 nats is what a digit loses"),
    (0.001, "answer with one of the numbers 0, 0.1, 1, 10"),
    (True, "answer with one of the numbers"),
    ("0", "answer with one of the numbers"),
])
def test_dash_drop_wrong_answers_get_their_hint(answer, hint):
    result = check_dash_drop(lambda: answer)
    assert not result.passed and hint in result.message, result.message


@pytest.mark.parametrize("check", [check_leave_one_out, check_top1_agreement, check_most_often, check_dash_drop])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message
    assert not check(lambda *args: None).passed  # forgot `return`


@pytest.mark.parametrize("check", [check_leave_one_out, check_top1_agreement, check_most_often, check_dash_drop])
def test_every_listed_mistake_gets_its_own_hint(check):
    exercise_ = check.__self__
    for mistake in exercise_.mistakes():
        result = check(mistake.fn)
        assert not result.passed and mistake.hint in result.message, (mistake.hint[:50], result.message)
