"""The homework checker itself (lib/checks/__init__.py): outcomes, hints and safety."""

import inspect
import time
import warnings

import numpy as np
import pytest
import torch

from lib.attention import scaled_dot_product_attention
from lib.checks import HINT, PASS, STOPPED, Mistake, as_mistakes, check_function


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


def test_a_mistake_that_cannot_run_on_a_case_matches_nothing_there():
    def shape_clash(x):
        raise RuntimeError("shapes do not fit")  # a wrong version that only fits some inputs

    cases = [(torch.ones(3),)]
    result = check_function(lambda x: x * 3, name="double", reference=lambda x: x * 2, cases=cases,
                            mistakes=as_mistakes([(shape_clash, "never shown"), (lambda x: x * 3, "tripled")]))
    assert not result and "tripled" in result.message and "never shown" not in result.message
    generic = check_function(lambda x: x * 5, name="double", reference=lambda x: x * 2, cases=cases,
                             mistakes=as_mistakes([(shape_clash, "never shown")]))
    assert not generic and "wrong values" in generic.message


# --- the hardened engine: time limit, output, mutation, kinds, line numbers, interrupts -----------


def test_an_endless_loop_is_stopped_and_named():
    def forever(x):
        while True:
            pass

    start = time.perf_counter()
    result = check_function(forever, name="double", reference=double, cases=CASES, time_limit=0.2)
    assert time.perf_counter() - start < 2.0
    assert not result and "took longer than 0.2 s" in result.message and "endless loop" in result.message


def test_a_students_except_exception_cannot_swallow_the_time_limit():
    def stubborn(x):
        while True:
            try:
                time.sleep(0.05)
            except Exception:  # what a student might write
                continue

    result = check_function(stubborn, name="double", reference=double, cases=CASES, time_limit=0.2)
    assert not result and "took longer than 0.2 s" in result.message


def test_printing_is_captured_and_shortened():
    def chatty(x):
        for i in range(1000):
            print("step", i)
        return 2 * x

    result = run(chatty)
    assert result and result.message.startswith(PASS)
    assert "step 0" in result.message and "step 999" not in result.message
    assert "and 1994 more lines" in result.message and len(result.message.splitlines()) < 12


def test_a_students_warning_is_shown_in_the_result_not_leaked(recwarn):
    def warns(x):
        warnings.warn("my own warning", RuntimeWarning, stacklevel=1)
        return 2 * x

    result = run(warns)
    assert result and "RuntimeWarning: my own warning" in result.message
    assert len(recwarn) == 0


@pytest.mark.parametrize("student", [
    lambda step: step.__imul__(2),  # step *= 2 on the NumPy input, returned
    lambda step: (np.sqrt(step.astype(float)), step.fill(0))[0],  # right first, then writes into its input
])
def test_changing_an_input_in_place_has_its_own_hint(student):
    def reference(step):
        return np.sqrt(step.astype(float))

    cases = [(np.arange(1, 6),), (np.array([4, 9]),)]
    result = check_function(student, name="noam", reference=reference, cases=cases)
    assert not result and "changed its input (argument 1) in place" in result.message
    assert np.array_equal(cases[0][0], np.arange(1, 6))  # the cases themselves are untouched


def test_a_mask_of_the_wrong_dtype_is_named():
    def reference(n):
        return torch.ones(n, n, dtype=torch.bool).tril()

    def float_mask(n):
        return torch.ones(n, n).tril()

    result = check_function(float_mask, name="mask", reference=reference, cases=[(3,)], dtype=torch.bool)
    assert not result and "dtype torch.float32; a mask must be boolean" in result.message
    assert check_function(reference, name="mask", reference=reference, cases=[(3,)], dtype=torch.bool)


def test_the_nan_hint_is_the_exercises_own():
    nan = lambda x: x * float("nan")  # noqa: E731
    generic = run(nan)
    assert "NaN" in generic.message and "-inf" not in generic.message
    specific = check_function(nan, name="double", reference=double, cases=CASES, nan_hint="log of zero?")
    assert specific.message.endswith("log of zero?")


def test_an_error_names_the_line_of_the_students_own_code():
    def wrong_mask(x):
        q = x[None, None, :, None]  # (1, 1, T, 1)
        return scaled_dot_product_attention(q, q, q, torch.ones(2))[0]  # raises inside lib.validate

    line = inspect.getsourcelines(wrong_mask)[1] + 2
    result = run(wrong_mask)
    assert not result and f"at line {line} of your code" in result.message
    assert "scaled_dot_product_attention(q, q, q" in result.message and "validate.py" not in result.message
    assert "Traceback" not in result.message


@pytest.mark.parametrize(("error", "expected"), [
    (KeyboardInterrupt, f"{STOPPED} double: stopped"),
    (SystemExit, f"{HINT} double: your function called exit()"),
])
def test_interrupts_and_exits_end_the_check_with_a_message(error, expected):
    def interrupted(x):
        raise error

    assert run(interrupted).message.startswith(expected)
