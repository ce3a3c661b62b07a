"""Notebook 04 (multi-head attention): its widget and its exercises.

The reference answers live in solutions/04_multi_head.py (loaded by path, as tests/test_solutions.py
does, which also runs every listed mistake); here: wrong answers written the way students write them,
which must still get their hint, and the `Prediction` form of the "predict before you run" questions.
"""

import math
import sys
import warnings
from pathlib import Path

import matplotlib as mpl
import pytest
import torch
from widget_harness import exercise

from lib.checks import HINT, NOT_DONE, PASS, Prediction
from lib.checks.multi_head import (
    check_head_weights,
    check_merge_heads,
    check_predict_head_variance,
    check_split_heads,
)
from lib.heads import per_head_weights
from lib.widgets.multi_head import multihead_widget

# --- widget --------------------------------------------------------------------------------------


def _widget_inputs(T=7, C=12):
    g = torch.Generator().manual_seed(4)
    x = torch.randn(T, C, generator=g)
    w_q, w_k = (1.5 * torch.randn(C, C, generator=g) / math.sqrt(C) for _ in range(2))
    return x, w_q, w_k, ["나는", "어제", "서점에서", "책을", "한", "권", "샀다"][:T]


@pytest.fixture
def hangul():
    """Hangul tick labels, as setup_notebook gives the notebooks (undone after the test)."""
    with mpl.rc_context():
        with warnings.catch_warnings():  # its version check uses deprecated distutils
            warnings.simplefilter("ignore", DeprecationWarning)
            import koreanize_matplotlib  # noqa: F401  (registers NanumGothic)
        mpl.rcParams["font.family"] = ["NanumGothic", "DejaVu Sans"]
        yield


def test_multihead_widget_every_control(hangul):
    live = multihead_widget(*_widget_inputs())
    assert live.controls["n_heads"].options == (1, 2, 3, 4, 6, 12)
    exercise(live)


def test_multihead_widget_head_slider_follows_heads(hangul):
    live = multihead_widget(*_widget_inputs())
    heads, head = live.controls["n_heads"], live.controls["head"]
    heads.value = 12
    head.value = 11
    assert "head 11 uses columns 11..11" in live.readout.value
    heads.value = 3  # head 11 no longer exists: clamped to the last head
    assert head.max == 2 and head.value == 2 and live.last_error is None
    assert "h = 3 heads of d_k = 4; head 2 uses columns 8..11" in live.readout.value
    heads.value = 1
    assert head.max == 0 and "largest weight" in live.readout.value and live.last_error is None


def test_multihead_widget_maps_are_the_lib_function(hangul):
    x, w_q, w_k, tokens = _widget_inputs()
    live = multihead_widget(x, w_q, w_k, tokens, n_heads=4)
    live.controls["head"].value = 3
    left, right = (ax.images[0].get_array() for ax in live.view.axes)
    torch.testing.assert_close(torch.as_tensor(left.data), per_head_weights(x, w_q, w_k, 4)[3])
    torch.testing.assert_close(torch.as_tensor(right.data), per_head_weights(x, w_q, w_k, 4, scale=12**-0.5)[3])


def test_multihead_widget_errors():
    x, w_q, w_k, tokens = _widget_inputs()
    with pytest.raises(ValueError, match=r"T = 3 tokens, got \(7, 12\)"):
        multihead_widget(x, w_q, w_k, tokens[:3])
    with pytest.raises(ValueError, match=r"n_heads \(must divide d_model=12\) must be one of 1, 2, 3, 4, 6, 12; got 5"):
        multihead_widget(x, w_q, w_k, tokens, n_heads=5)


# --- exercises -----------------------------------------------------------------------------------

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions  # noqa: E402

SOLUTIONS = load_solutions("04_multi_head.ipynb")


def not_written(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [check_split_heads, check_merge_heads, check_head_weights,
                                   check_predict_head_variance])
def test_not_done_yet_and_non_functions_refused(check):
    assert check(not_written).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message


def test_solutions_pass():
    assert check_split_heads(SOLUTIONS.split).passed
    assert check_merge_heads(SOLUTIONS.merge).passed
    assert check_head_weights(SOLUTIONS.head_weights).passed
    right = check_predict_head_variance(SOLUTIONS.predict_head_variance)
    assert right.message == f"{PASS} predict_head_variance: right."


def test_other_right_answers_pass():
    assert check_split_heads(lambda x, h: x.unflatten(-1, (h, -1)).permute(0, 2, 1, 3)).passed
    assert check_split_heads(lambda x, h: torch.stack(x.chunk(h, dim=-1), dim=1)).passed
    assert check_merge_heads(lambda x: torch.cat(x.unbind(1), dim=-1)).passed
    assert check_head_weights(lambda q, k, h: torch.softmax(torch.einsum(
        "bhtd,bhsd->bhts", SOLUTIONS.split(q, h), SOLUTIONS.split(k, h)) / math.sqrt(q.shape[-1] // h), -1)).passed


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "mixes words across heads"),
        (lambda x, h: x.permute(0, 2, 1).contiguous().view(x.shape[0], h, x.shape[1], -1), "transposed before cutting"),
        (lambda x, h: x.view(*x.shape[:2], h, -1), "half-way"),
        (lambda x, h: x.view(*x.shape[:2], h, -1).transpose(-1, -2), "swapped the last two axes"),
        (lambda x, h: x.reshape(*x.shape[:2], -1, h).permute(0, 3, 1, 2), "every H-th feature"),
        (lambda x, h: SOLUTIONS.split(x, h).contiguous().view(x.shape[0], -1, x.shape[-1] // h)[:, None],
         "returned shape"),
    ],
)
def test_split_hints(wrong, hint):
    result = check_split_heads(wrong)
    assert not result.passed and hint in result.message, result.message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda x: x.reshape(x.shape[0], x.shape[2], -1), "mixes words"),
        (lambda x: x.transpose(-1, -2).reshape(x.shape[0], x.shape[2], -1), "swapped T and D"),
        (lambda x: x.permute(0, 2, 3, 1).reshape(x.shape[0], x.shape[2], -1), "interleaved"),
        (lambda x: torch.cat([x[:, h] for h in range(x.shape[1])], dim=1), "along the positions"),
        (lambda x: x.sum(1), "not added"),
        (lambda x: x.mean(1), "not averaged"),
    ],
)
def test_merge_hints(wrong, hint):
    result = check_merge_heads(wrong)
    assert not result.passed and hint in result.message, result.message


def _straight(x, h):
    return x.reshape(x.shape[0], h, x.shape[1], x.shape[2] // h)  # (B, T, C) read as (B, H, T, D)


def _cut_after_transpose(x, h):
    return x.transpose(1, 2).reshape(x.shape[0], h, x.shape[1], x.shape[2] // h)


def _scores(q, k, h, split=None):
    split = split or SOLUTIONS.split
    return split(q, h) @ split(k, h).transpose(-2, -1)


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda q, k, h: torch.softmax(_scores(q, k, h) / math.sqrt(q.shape[-1]), -1), "divided by √d_model"),
        (lambda q, k, h: torch.softmax(_scores(q, k, h), -1), "divide each head's scores by √d_k"),
        (lambda q, k, h: torch.softmax(_scores(q, k, h) / (q.shape[-1] // h), -1), "not by d_k itself"),
        (lambda q, k, h: torch.softmax(_scores(q, k, h) / math.sqrt(q.shape[-1] // h), -2), "wrong axis"),
        (lambda q, k, h: torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), -1), "one head of width"),
        (lambda q, k, h: torch.softmax(_scores(q, k, h, _straight) / math.sqrt(q.shape[-1] // h), -1), "mixes words"),
        (lambda q, k, h: torch.softmax(_scores(q, k, h, _cut_after_transpose) / math.sqrt(q.shape[-1] // h), -1),
         "transposed before cutting"),
    ],
)
def test_head_weights_hints(wrong, hint):
    result = check_head_weights(wrong)
    assert not result.passed and hint in result.message, result.message


# --- Prediction: the form of every "predict before you run" question -------------------------------


@pytest.mark.parametrize(
    "answer,hint",
    [((512, 1, 8), "not d_model = 512"), ((8, 0.35, 1), "standard deviations"), ((64, 2.83, 8), "not by c"),
     ((64, 1, 1), "only ÷√d_k brings it to 1")],
)
def test_predict_head_variance_known_mistakes(answer, hint):
    result = check_predict_head_variance(lambda: answer)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


def test_predict_head_variance_accepts_the_rounded_answer():
    assert check_predict_head_variance(lambda: (64, 0.13, 1)).passed  # 0.125 rounded: within atol 0.01
    assert check_predict_head_variance(lambda: [64.0, 1 / 8, 1.0]).passed  # a list, floats


def test_a_prediction_never_says_how_far_off_it_is():
    result = check_predict_head_variance(lambda: (64, 0.3, 1))
    assert not result.passed and "not quite" in result.message and "dividing the scores by c" in result.message
    assert "difference" not in result.message and "0.175" not in result.message


@pytest.mark.parametrize("answer", [64, (64, 0.125), "64, 0.125, 1", None])
def test_a_prediction_of_the_wrong_form_is_told_the_form(answer):
    result = check_predict_head_variance(lambda: answer)
    assert not result.passed and result.message.startswith(HINT)
    expected = "returned None" if answer is None else "return a tuple of three numbers"
    assert expected in result.message, result.message
    assert "tensor" not in result.message  # the engine's words for a tensor answer are not shown here


def test_a_prediction_keeps_what_the_function_printed():
    def chatty():
        print("thinking...")
        return (64, 0.5, 1)

    result = check_predict_head_variance(chatty)
    assert "not quite" in result.message and "thinking..." in result.message
    passed = check_predict_head_variance(lambda: print("sure") or (64, 0.125, 1))
    assert passed.passed and passed.message.startswith(f"{PASS} predict_head_variance: right.")
    assert "sure" in passed.message


def test_prediction_is_an_exercise_whose_mistakes_are_run_by_the_table_test():
    exercise = check_predict_head_variance.__self__
    assert isinstance(exercise, Prediction) and len(exercise.mistakes()) == 4
