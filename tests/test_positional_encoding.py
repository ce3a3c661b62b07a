"""Notebook 07 (positional encoding): its widget and its exercises.

The exercises' reference answers live in solutions/07_positional_encoding.py (loaded by path;
tests/test_solutions.py runs every listed mistake); here: wrong answers written the way students write them.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from widget_harness import exercise

from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.positional_encoding import (
    check_offset_rotation,
    check_predict_norms,
    check_sinusoidal,
    check_to_concatenated,
)
from lib.positional import sinusoidal_encoding, sinusoidal_encoding_concatenated
from lib.widgets.positional_encoding import MAX_D_MODEL, MAX_POSITIONS, positional_widget

# float32 entries of size <= 1 are off by at most 2^-24; a 2-term sum with |weights| <= 1 and
# the rounding of M itself stay below 4 * 2^-24 (see notebook 07).
TOL = 4 * 2.0**-24


# --- the widget ----------------------------------------------------------------------------


def test_widget_over_its_range():
    live = positional_widget(d_model=16, n_positions=20)
    background = live.view._background  # the cached static figure
    exercise(live)
    position, n = live.controls["position"], live.controls["n_positions"]
    n.value = 30
    assert position.max == 29
    position.value = 29
    n.value = 10  # the slider follows and the update clamps; no error
    assert position.max == 9 and position.value == 9 and live.last_error is None
    live.controls["d_model"].value = 6
    image = live.view.axes[0].images[0]
    table = image.get_array()  # always the maximum size; cells beyond (positions, d_model) are masked (grey)
    assert table.shape == (MAX_POSITIONS, MAX_D_MODEL)
    assert np.ma.count(table) == 10 * 6 and table[:10, :6].mask.sum() == 0
    assert "p = 9" in live.readout.value and "‖PE(p)‖² = 3.00" in live.readout.value
    sin_dots, cos_dots = live.view.axes[1].lines[:2]
    assert np.isfinite(sin_dots.get_ydata()).sum() == 3 and np.isfinite(cos_dots.get_ydata()).sum() == 3
    similarity = live.view.axes[2].lines[0].get_ydata()
    assert np.isfinite(similarity).sum() == 10 and similarity[9] == pytest.approx(1.0)
    live.controls["base"].value = 100.0
    # no control ever needed a full redraw (new limits, ticks or layout): the background is the same
    assert live.view._background is background


def test_widget_bad_input():
    with pytest.raises(ValueError, match=r"even d_model.*got \(20, 7\)"):
        positional_widget(d_model=7, n_positions=20)
    with pytest.raises(ValueError, match=r"base must be one of 100\.0, 1000\.0, 10000\.0, 100000\.0; got 500\.0"):
        positional_widget(base=500.0)


# --- exercises -----------------------------------------------------------------------------

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions  # noqa: E402

SOLUTIONS = load_solutions("07_positional_encoding.ipynb")
CHECKS = [check_sinusoidal, check_offset_rotation, check_to_concatenated, check_predict_norms]


def not_written(*args):
    raise NotImplementedError


def test_solutions_pass_and_stubs_are_not_done():
    assert check_sinusoidal(SOLUTIONS.sinusoidal).passed
    assert check_offset_rotation(SOLUTIONS.offset_matrix).passed
    assert check_to_concatenated(SOLUTIONS.to_concatenated).passed
    assert check_predict_norms(SOLUTIONS.predict_norms).message == f"{PASS} predict_norms: right."
    for check in CHECKS:
        assert check(not_written).message.startswith(NOT_DONE)
        assert "pass your function itself" in check(42).message


def test_a_float32_answer_passes():
    def float32_sinusoidal(n, d, base):  # angles in float32, as many code bases compute them
        p, two_i = torch.arange(n)[:, None].float(), torch.arange(0, d, 2).float()
        angle = p / base ** (two_i / d)
        return torch.stack([angle.sin(), angle.cos()], dim=-1).flatten(1)

    assert check_sinusoidal(float32_sinusoidal).passed


def interleaved(n, d, base, exponent):
    """Written-out wrong encodings: column j gets angle p / base^exponent(j, d); sin even, cos odd."""
    p = torch.arange(n, dtype=torch.float64)[:, None]
    j = torch.arange(d, dtype=torch.float64)
    angle = p / base ** exponent(j, d)
    return torch.where(torch.arange(d) % 2 == 0, torch.sin(angle), torch.cos(angle))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda n, d, b: torch.cat([SOLUTIONS.sinusoidal(n, d, b)[:, 0::2], SOLUTIONS.sinusoidal(n, d, b)[:, 1::2]], 1),
         "concatenated layout"),
        (lambda n, d, b: SOLUTIONS.sinusoidal(n, d, b).reshape(n, -1, 2).flip(-1).reshape(n, d), "swapped"),
        (lambda n, d, b: interleaved(n, d, b, lambda j, d: j / d), "share one frequency"),
        (lambda n, d, b: interleaved(n, d, b, lambda j, d: (j // 2) / d), "stop half way"),
        (lambda n, d, b: SOLUTIONS.sinusoidal(n, d, 1 / b), "do not multiply"),
        (lambda n, d, b: interleaved(n, d, b, lambda j, d: 2 * (j // 2)), "division by d_model"),
        (lambda n, d, b: SOLUTIONS.sinusoidal(n, d, 10000), "you used 10000 whatever `base` is"),
        (lambda n, d, b: interleaved(n + 1, d, b, lambda j, d: 2 * (j // 2) / d)[1:], "positions count from 0"),
        (lambda n, d, b: SOLUTIONS.sinusoidal(n, d, b)[:-1], "returned shape"),
    ],
)
def test_sinusoidal_hints(wrong, hint):
    result = check_sinusoidal(wrong)
    assert not result.passed and hint in result.message, result.message


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda k, d, b: SOLUTIONS.offset_matrix(k, d, b).T, "shifts back by k"),
        (lambda k, d, b: SOLUTIONS.offset_matrix(k, d, b ** 0.5), "instead of 2i"),
        (lambda k, d, b: SOLUTIONS.offset_matrix(k, d, b ** 1e-12), "its own angle"),
        (lambda k, d, b: SOLUTIONS.offset_matrix(1, d, b), "one position (M_1)"),
        (lambda k, d, b: SOLUTIONS.offset_matrix(k, d, 10000.0), "you used 10000 whatever `base` is"),
        (lambda k, d, b: torch.eye(d), "identity"),
        (lambda k, d, b: torch.ones(d), "returned shape"),
    ],
)
def test_offset_rotation_hints(wrong, hint):
    result = check_offset_rotation(wrong)
    assert not result.passed and hint in result.message, result.message


def test_offset_rotation_concatenated_hint():
    def concatenated_pairs(k, d, b):  # rotates columns (i, i + d/2) together
        m = torch.zeros(d, d)
        h = d // 2
        for i in range(h):
            a = k / b ** (2 * i / d)
            m[i, i], m[i, i + h], m[i + h, i], m[i + h, i + h] = math.cos(a), -math.sin(a), math.sin(a), math.cos(a)
        return m

    pe = sinusoidal_encoding_concatenated(12, 8).double()
    assert (pe[:-3] @ concatenated_pairs(3, 8, 10000.0).double() - pe[3:]).abs().max() <= TOL  # right for *that* layout
    result = check_offset_rotation(concatenated_pairs)
    assert not result.passed and "concatenated layout" in result.message, result.message


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda pe: pe.reshape(pe.shape[0], 2, -1).transpose(1, 2).reshape(pe.shape), "opposite conversion"),
        (lambda pe: pe.clone(), "unchanged"),
        (lambda pe: torch.cat([pe[:, 1::2], pe[:, 0::2]], dim=1), "cosines first"),
        (lambda pe: torch.cat([pe[0::2], pe[1::2]], dim=0), "reordered the rows"),
    ],
)
def test_to_concatenated_hints(wrong, hint):
    result = check_to_concatenated(wrong)
    assert not result.passed and hint in result.message, result.message


def test_predict_norms_reference_is_the_encoding_itself():
    pe = sinusoidal_encoding(1001, 512).double()
    assert abs(pe[0] @ pe[0] - 256) < 1e-4 and abs(pe[1000] @ pe[1000] - 256) < 1e-4
    assert abs(pe[3] @ pe[10] - pe[100] @ pe[107]) < 1e-4


@pytest.mark.parametrize(
    ("answer", "hint"),
    [((512, 512, 0), "not 512"), ((0, 256, 0), "not the zero vector"), ((1, 1, 0), "the squared lengths add up"),
     ((256, 256, 3.5), "not quite. Work pair by pair"), ((256, 300, 0), "not quite"),
     (256, "return a tuple of three numbers")],
)
def test_predict_norms_hints(answer, hint):
    result = check_predict_norms(lambda: answer)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message
    assert "difference" not in result.message
