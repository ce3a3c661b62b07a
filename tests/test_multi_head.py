"""Notebook 04 (multi-head attention): its widget and its exercises."""

import math
import warnings

import matplotlib as mpl
import pytest
import torch
from widget_harness import exercise

from lib.checks.multi_head import check_head_weights, check_merge_heads, check_split_heads
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


def split_solution(x, n_heads):
    B, T, C = x.shape
    return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)


def merge_solution(x):
    B, H, T, D = x.shape
    return x.transpose(1, 2).reshape(B, T, H * D)


def head_weights_solution(q, k, n_heads):
    qh, kh = split_solution(q, n_heads), split_solution(k, n_heads)
    return torch.softmax(qh @ kh.transpose(-2, -1) / math.sqrt(q.shape[-1] // n_heads), dim=-1)


def not_written(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [check_split_heads, check_merge_heads, check_head_weights])
def test_not_done_yet(check):
    result = check(not_written)
    assert not result.passed and "not done yet" in result.message


def test_solutions_pass():
    assert check_split_heads(split_solution).passed
    assert check_merge_heads(merge_solution).passed
    assert check_head_weights(head_weights_solution).passed


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "mixes words across heads"),
        (lambda x, h: x.view(*x.shape[:2], h, -1), "half-way"),
        (lambda x, h: x.reshape(*x.shape[:2], -1, h).permute(0, 3, 1, 2), "every H-th feature"),
        (lambda x, h: split_solution(x, h).contiguous().view(x.shape[0], -1, x.shape[-1] // h)[:, None],
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
        (lambda x: x.permute(0, 2, 3, 1).reshape(x.shape[0], x.shape[2], -1), "interleaved"),
        (lambda x: x.sum(1), "not added"),
        (lambda x: x.mean(1), "not averaged"),
    ],
)
def test_merge_hints(wrong, hint):
    result = check_merge_heads(wrong)
    assert not result.passed and hint in result.message, result.message


def _straight(x, h):
    return x.reshape(x.shape[0], h, x.shape[1], x.shape[2] // h)  # (B, T, C) read as (B, H, T, D)


def _scores(q, k, h):
    return split_solution(q, h) @ split_solution(k, h).transpose(-2, -1)


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda q, k, h: torch.softmax(_scores(q, k, h) / math.sqrt(q.shape[-1]), -1), "divided by √d_model"),
        (lambda q, k, h: torch.softmax(_scores(q, k, h), -1), "divide each head's scores by √d_k"),
        (lambda q, k, h: torch.softmax(_scores(q, k, h) / (q.shape[-1] // h), -1), "not by d_k itself"),
        (lambda q, k, h: torch.softmax(_scores(q, k, h) / math.sqrt(q.shape[-1] // h), -2), "wrong axis"),
        (lambda q, k, h: torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), -1), "one head of width"),
        (lambda q, k, h: torch.softmax(_straight(q, h) @ _straight(k, h).transpose(-2, -1)
                                       / math.sqrt(q.shape[-1] // h), -1), "mixes words"),
    ],
)
def test_head_weights_hints(wrong, hint):
    result = check_head_weights(wrong)
    assert not result.passed and hint in result.message, result.message
