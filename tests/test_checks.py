"""The homework checker itself, and the exercises of notebook 01."""

import math

import pytest
import torch

from lib.checks import Mistake, check_function
from lib.checks.self_attention import check_attention, check_attention_weights


def double(x):
    return 2 * x


CASES = [(torch.arange(3.0),), (torch.ones(2, 2),)]


def run(fn, mistakes=()):
    return check_function(fn, name="double", reference=double, cases=CASES, mistakes=mistakes)


def not_written(x):
    raise NotImplementedError


def test_engine_outcomes():
    assert run(double).passed and "passed all 2" in repr(run(double))
    assert "not done yet" in run(not_written).message
    assert "returned None" in run(lambda x: None).message
    assert "raised ZeroDivisionError" in run(lambda x: 1 / 0).message
    assert "returned shape (6,), expected (3,)" in run(lambda x: torch.cat([x, x])).message
    assert "wrong values" in run(lambda x: 3 * x).message
    assert "NaN" in run(lambda x: x * float("nan")).message
    assert "pass your function itself" in run(42).message
    assert run(lambda x: x, [Mistake(lambda x: x, "forgot to double")]).message.endswith("forgot to double")
    assert not run(lambda x: 3 * x)


def test_engine_does_not_let_the_student_change_the_cases():
    def sneaky(x):
        x.mul_(0)
        return 2 * x

    assert not run(sneaky).passed
    assert run(double).passed  # the shared cases were not modified


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
