"""Notebook 04: lib.heads additions, the multi-head widget and the multi-head exercises."""

import math
import warnings

import matplotlib as mpl
import pytest
import torch
from torch import nn
from widget_harness import exercise

from lib.checks.multi_head import check_head_weights, check_merge_heads, check_split_heads
from lib.heads import MultiHeadAttention, head_counts, mean_attention_distance, per_head_weights
from lib.widgets.multi_head import multihead_widget

# --- per_head_weights ------------------------------------------------------------------------


@pytest.mark.parametrize("n_heads", [1, 2, 3, 4, 6, 12])
def test_per_head_weights_match_torch_multihead_attention(gen, n_heads):
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(12, n_heads, batch_first=True, bias=False).eval()
    x = torch.randn(7, 12, generator=gen)
    w_q, w_k, _ = mha.in_proj_weight.detach().chunk(3)  # each (C, C), stored as Wᵀ
    _, ref = mha(x[None], x[None], x[None], average_attn_weights=False)  # (1, H, T, T)
    torch.testing.assert_close(per_head_weights(x, w_q.T, w_k.T, n_heads), ref[0])


def test_per_head_weights_match_lib_layer(gen):
    torch.manual_seed(3)
    mha = MultiHeadAttention(8, 4, bias=False)
    x = torch.randn(5, 8, generator=gen)
    _, ref = mha(x[None], x[None], x[None])
    got = per_head_weights(x, mha.q_proj.weight.detach().T, mha.k_proj.weight.detach().T, 4)
    torch.testing.assert_close(got, ref[0].detach())


def test_per_head_weights_scale_dim(gen):
    x, w_q, w_k = torch.randn(6, 8, generator=gen), torch.randn(8, 8, generator=gen), torch.randn(8, 8, generator=gen)
    right, wrong = per_head_weights(x, w_q, w_k, 4), per_head_weights(x, w_q, w_k, 4, scale_dim=8)
    q, k = (x @ w_q)[:, 2:4], (x @ w_k)[:, 2:4]  # head 1 of 4: columns 2..3
    torch.testing.assert_close(right[1], torch.softmax(q @ k.T / math.sqrt(2), -1))
    torch.testing.assert_close(wrong[1], torch.softmax(q @ k.T / math.sqrt(8), -1))
    torch.testing.assert_close(right.sum(-1), torch.ones(4, 6))

    def entropy(w):
        return -(w * w.log()).sum(-1).mean()

    assert entropy(wrong) > entropy(right)  # √d_model over-divides: flatter
    torch.testing.assert_close(per_head_weights(x, w_q, w_k, 1, scale_dim=8), per_head_weights(x, w_q, w_k, 1))


def test_per_head_weights_errors():
    with pytest.raises(ValueError, match=r"x \(T, C\) and w_q, w_k \(C, C\), got x \(2, 3, 4\)"):
        per_head_weights(torch.zeros(2, 3, 4), torch.zeros(4, 4), torch.zeros(4, 4), 2)
    with pytest.raises(ValueError, match=r"w_q \(4, 2\)"):
        per_head_weights(torch.zeros(3, 4), torch.zeros(4, 2), torch.zeros(4, 2), 2)
    with pytest.raises(ValueError, match="d_model=4 must be divisible by n_heads=3"):
        per_head_weights(torch.zeros(3, 4), torch.zeros(4, 4), torch.zeros(4, 4), 3)


# --- mean_attention_distance -------------------------------------------------------------------


def test_mean_attention_distance_known_patterns():
    T = 5
    look_back = torch.zeros(T, T)
    look_back[0, 0] = 1
    look_back[torch.arange(1, T), torch.arange(T - 1)] = 1  # query t -> key t-1
    first = torch.zeros(T, T)
    first[:, 0] = 1  # every query -> key 0
    uniform = torch.full((T, T), 1 / T)
    got = mean_attention_distance(torch.stack([torch.eye(T), look_back, first, uniform]))
    expected = torch.tensor([0.0, 4 / 5, 2.0, sum(abs(t - s) for t in range(T) for s in range(T)) / T**2])
    torch.testing.assert_close(got, expected)


def test_mean_attention_distance_rectangular_and_errors():
    w = torch.zeros(2, 3)
    w[:, 2] = 1  # queries 0, 1 look at key 2
    assert mean_attention_distance(w).item() == pytest.approx(1.5)
    with pytest.raises(ValueError, match=r"weights must be \(\.\.\., T, S\), got shape \(4,\)"):
        mean_attention_distance(torch.ones(4))


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


def test_head_counts():
    assert head_counts(12) == [1, 2, 3, 4, 6, 12] and head_counts(7) == [1, 7]


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
    torch.testing.assert_close(torch.as_tensor(right.data), per_head_weights(x, w_q, w_k, 4, scale_dim=12)[3])


def test_multihead_widget_errors():
    x, w_q, w_k, tokens = _widget_inputs()
    with pytest.raises(ValueError, match=r"T = 3 tokens, got \(7, 12\)"):
        multihead_widget(x, w_q, w_k, tokens[:3])
    with pytest.raises(ValueError, match=r"n_heads=5 must divide d_model=12"):
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
