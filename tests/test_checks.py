"""The homework checker itself (lib/checks/__init__.py): outcomes, hints and safety."""

import torch

from lib.checks import Mistake, as_mistakes, check_function


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
