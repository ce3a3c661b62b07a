"""Notebook 01 (self-attention): its widget and its exercises."""

import math

import pytest
import torch
from widget_harness import exercise

from lib.checks.self_attention import check_attention, check_attention_weights
from lib.widgets.self_attention import self_attention_widget

# --- the widget -------------------------------------------------------------------------------


def test_self_attention_widget():
    g = torch.Generator().manual_seed(0)
    x, w_q, w_k, w_v = torch.randn(5, 6, generator=g), *(torch.randn(6, 4, generator=g) for _ in range(3))
    live = self_attention_widget(x, w_q, w_k, w_v, list("abcde"))
    exercise(live)
    with pytest.raises(ValueError, match="x has 5 rows"):
        self_attention_widget(x, w_q, w_k, w_v, list("abc"))


# --- the exercises ----------------------------------------------------------------------------


def weights_solution(q, K):
    return torch.softmax(K @ q / math.sqrt(q.shape[0]), dim=-1)


def attention_solution(Q, K, V):
    return torch.softmax(Q @ K.T / math.sqrt(K.shape[-1]), dim=-1) @ V


def test_notebook_01_solutions_pass():
    assert check_attention_weights(weights_solution).passed
    assert check_attention(attention_solution).passed


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda q, K: K @ q / math.sqrt(q.shape[0]), "these are the scores"),
        (lambda q, K: torch.softmax(K @ q, -1), "divide the scores by √d_k"),
        (lambda q, K: torch.softmax(K @ q / q.shape[0], -1), "not by d_k itself"),
        (lambda q, K: torch.softmax(K @ q / math.sqrt(q.shape[0]), -1)[:-1], "returned shape"),
    ],
)
def test_attention_weights_hints(wrong, hint):
    result = check_attention_weights(wrong)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda Q, K, V: torch.softmax(Q @ K.T / math.sqrt(Q.shape[1]), 0) @ V, "wrong axis"),
        (lambda Q, K, V: torch.softmax(Q @ K.T, -1) @ V, "forgot to divide"),
        (lambda Q, K, V: torch.softmax(Q @ K.T / Q.shape[1], -1) @ V, "not by d_k"),
        (lambda Q, K, V: torch.softmax(Q @ K.T / math.sqrt(Q.shape[1]), -1), "multiply them by V"),
        (lambda Q, K, V: Q @ K.T / math.sqrt(Q.shape[1]) @ V, "apply softmax"),
        (lambda Q, K, V: Q @ K @ V, "raised RuntimeError"),
    ],
)
def test_attention_hints(wrong, hint):
    result = check_attention(wrong)
    assert not result.passed and hint in result.message, result.message
