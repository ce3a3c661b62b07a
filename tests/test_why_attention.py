"""Notebook 00 (why attention): the widget and the exercises."""

import statistics
import time

import pytest
import torch
from widget_harness import exercise

from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.why_attention import check_elman_step, check_run_rnn, check_shrink_factor, check_weakest_position
from lib.widgets.why_attention import why_attention_widget

# --- widget ----------------------------------------------------------------------------------


def test_widget_moves_every_control(one_thread):
    live = why_attention_widget(t_max=24)
    exercise(live)
    live.controls["model"].value = "attention"
    before = live.view.image.value
    live.controls["rho"].value = 0.6  # the RNN curves still move (drawn faint)
    assert live.view.image.value != before and live.last_error is None


def test_widget_readout(one_thread):
    live = why_attention_widget(t_max=30)
    c = live.controls
    c["T"].value, c["rho"].value, c["small"].value, c["model"].value = 30, 0.8, False, "BiRNN"
    assert "<b>BiRNN</b>, T = 30" in live.readout.value and "ordinary inputs" in live.readout.value
    weakest = int(live.readout.value.split("weakest token i = ")[1].split(" ")[0])
    assert 10 <= weakest <= 20  # the middle third
    c["model"].value = "attention"
    assert "1 step" in live.readout.value
    c["model"].value, c["small"].value, c["rho"].value = "RNN", True, 1.5
    first = float(live.readout.value.split("first token ")[1].split(",")[0])
    assert first > 1e3  # linear regime, ρ > 1: the first token explodes


def test_widget_update_time(one_thread):
    """Measured, not asserted (the machine is shared): printed with -s."""
    live = why_attention_widget()
    times = []
    for T in range(10, 48, 3):
        start = time.perf_counter()
        live.controls["T"].value = T
        times.append(time.perf_counter() - start)
    print(f"why_attention widget: median update {statistics.median(times) * 1e3:.1f} ms")
    assert live.last_error is None


def test_widget_bad_input():
    with pytest.raises(ValueError, match="t_max must be at most 64"):
        why_attention_widget(t_max=65)
    with pytest.raises(ValueError, match="d_model must be >= 2"):
        why_attention_widget(d_model=1)


# --- exercises -------------------------------------------------------------------------------


def _not_done(*args):
    raise NotImplementedError


def _step_good(x_t, h, w_ih, w_hh, b):
    return torch.tanh(x_t @ w_ih.T + h @ w_hh.T + b)


def test_elman_step_solution_passes():
    result = check_elman_step(_step_good)
    assert result.passed and result.message.startswith(PASS)


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, h, wi, wh, b: x @ wi.T + h @ wh.T + b, "no squashing"),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi + h @ wh + b), "x @ W.T"),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi.T + b), "previous hidden vector h is missing"),
        (lambda x, h, wi, wh, b: torch.sigmoid(x @ wi.T + h @ wh.T + b), "sigmoid is the gate"),
        (lambda x, h, wi, wh, b: torch.relu(x @ wi.T + h @ wh.T + b), "nonlinearity='relu'"),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi.T) + torch.tanh(h @ wh.T) + b, "around the whole sum"),
    ],
)
def test_elman_step_mistakes_get_their_hint(fn, hint):
    result = check_elman_step(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message


def _loop_good(x, w_ih, w_hh, b):
    h = x.new_zeros(x.shape[0], w_hh.shape[0])
    out = []
    for t in range(x.shape[1]):
        h = _step_good(x[:, t], h, w_ih, w_hh, b)
        out.append(h)
    return torch.stack(out, dim=1)


def _loop_no_carry(x, w_ih, w_hh, b):
    h0 = x.new_zeros(x.shape[0], w_hh.shape[0])
    return torch.stack([_step_good(x[:, t], h0, w_ih, w_hh, b) for t in range(x.shape[1])], dim=1)


def _loop_store_before(x, w_ih, w_hh, b):
    h = x.new_zeros(x.shape[0], w_hh.shape[0])
    out = []
    for t in range(x.shape[1]):
        out.append(h)
        h = _step_good(x[:, t], h, w_ih, w_hh, b)
    return torch.stack(out, dim=1)


def test_run_rnn_solution_passes():
    assert check_run_rnn(_loop_good).passed


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, wi, wh, b: _loop_good(x, wi, wh, b)[:, -1], "not only the last one"),
        (lambda x, wi, wh, b: _loop_good(x, wi, wh, b).transpose(0, 1), "dim=1"),
        (_loop_no_carry, "carry h over"),
        (lambda x, wi, wh, b: _loop_good(x.flip(1), wi, wh, b).flip(1), "backward direction"),
        (_loop_store_before, "state *before* its step"),
    ],
)
def test_run_rnn_mistakes_get_their_hint(fn, hint):
    result = check_run_rnn(fn)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize("answer", [1024, 1000, 2**10, 1 / 0.5**10])
def test_shrink_factor_right_answers(answer):
    assert check_shrink_factor(answer).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(2, "one step"), (5, "10 × 0.5"), (20, "10 / 0.5"), (0.5**10, "how many times *smaller*"),
     (10, "geometric"), ("1024", "give one positive number"), (-3, "give one positive number")],
)
def test_shrink_factor_mistakes(answer, hint):
    result = check_shrink_factor(answer)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize("answer", [10, 9, 11, 10.0])
def test_weakest_position_right_answers(answer):
    assert check_weakest_position(answer).passed


@pytest.mark.parametrize(("answer", "hint"), [(0, "backward"), (1, "backward"), (20, "forward direction's last"),
                                              (21, "lies in 0 .. 20"), (5, "wrong values"), (True, "give one number")])
def test_weakest_position_mistakes(answer, hint):
    result = check_weakest_position(answer)
    assert not result.passed and hint in result.message


def test_stubs_are_not_done():
    assert check_elman_step(_not_done).message.startswith(NOT_DONE)
    assert check_run_rnn(_not_done).message.startswith(NOT_DONE)
    assert check_shrink_factor(...).message.startswith(NOT_DONE)
    assert check_weakest_position(...).message.startswith(NOT_DONE)
    assert "pass your function itself" in check_elman_step(42).message
