"""Notebook 01 (self-attention): its widget and its exercises."""

import math
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from widget_harness import exercise

from lib.checks import NOT_DONE
from lib.checks.self_attention import (
    check_attention,
    check_attention_weights,
    check_output_shape,
    check_self_attention,
)
from lib.widgets.self_attention import self_attention_widget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions

# --- the widget -------------------------------------------------------------------------------


def test_self_attention_widget():
    g = torch.Generator().manual_seed(0)
    x, w_q, w_k, w_v = torch.randn(5, 6, generator=g), *(torch.randn(6, 4, generator=g) for _ in range(3))
    live = self_attention_widget(x, w_q, w_k, w_v, list("abcde"))
    exercise(live)
    with pytest.raises(ValueError, match="x has 5 rows"):
        self_attention_widget(x, w_q, w_k, w_v, list("abc"))


# --- the exercises ----------------------------------------------------------------------------
# The reference answers live in solutions/01_self_attention.py (tests/test_solutions.py runs them and every
# known mistake through the checkers); here: wrong answers written the way a student writes them.

SOLUTIONS = load_solutions("01_self_attention.ipynb")


def not_done(*args):
    raise NotImplementedError


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda q, K: K @ q / math.sqrt(q.shape[0]), "these are the scores"),
        (lambda q, K: torch.softmax(K @ q, -1), "divide the scores by √d_k"),
        (lambda q, K: torch.softmax(K @ q / q.shape[0], -1), "not by d_k itself"),
        (lambda q, K: torch.softmax(K @ q * q.shape[0] ** 0.5, -1), "multiplied the scores by √d_k"),
        (lambda q, K: torch.softmax(K @ q / math.sqrt(len(K)), -1), "number of keys S"),
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
        (lambda Q, K, V: torch.softmax(K @ Q.T / math.sqrt(Q.shape[1]), 1) @ V, "transposed map"),
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


def _self(x, w_q, w_k, w_v, *, scale_width=None, dim=-1):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    d = q.shape[-1] if scale_width is None else scale_width
    return torch.softmax(q @ k.T / d**0.5, dim=dim) @ v


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda x, wq, wk, wv: _self(x, wq, wk, wv, scale_width=x.shape[1]), "√d_model"),
        (lambda x, wq, wk, wv: SOLUTIONS.attention(x, x, x), "make them first"),
        (lambda x, wq, wk, wv: _self(x, wq, wq, wv), "the keys come from W_K"),
        (lambda x, wq, wk, wv: SOLUTIONS.attention(x @ wq, x @ wk, x), "not the raw inputs x"),
        (lambda x, wq, wk, wv: _self(x, wq, wk, wv, dim=0), "wrong axis"),
        (lambda x, wq, wk, wv: _self(x, wk, wq, wv), "queries and keys are swapped"),
        (lambda x, wq, wk, wv: x @ wq @ (x @ wk) @ wv, "raised RuntimeError"),
    ],
)
def test_self_attention_hints(wrong, hint):
    result = check_self_attention(wrong)
    assert not result.passed and hint in result.message, result.message


def test_self_attention_solution_is_torch_attention_after_the_maps():
    g = torch.Generator().manual_seed(3)
    x, w_q, w_k, w_v = torch.randn(5, 8, generator=g), *(torch.randn(8, d, generator=g) for d in (4, 4, 3))
    out = SOLUTIONS.self_attention(x, w_q, w_k, w_v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v))
    assert check_output_shape(lambda: tuple(out.shape)).passed  # the predicted shape is what comes out
    assert check_output_shape(lambda: out.shape).passed and check_output_shape(lambda: [5, 3]).passed


@pytest.mark.parametrize(
    "answer,hint",
    [((5, 4), "d_k = 4"), ((5, 8), "not d_model"), ((5, 5), "attention map A"), ((3, 5), "not transposed"),
     ((3,), "one word's output"), ((5, 2), "wrong values"), ((5, 3, 1), "returned shape")],
)
def test_output_shape_hints(answer, hint):
    result = check_output_shape(lambda: answer)
    assert not result.passed and hint in result.message, result.message


@pytest.mark.parametrize("check", [check_attention_weights, check_attention, check_self_attention, check_output_shape])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(not_done).message.startswith(NOT_DONE)
    result = check("attention")
    assert not result.passed and "pass your function itself" in result.message
