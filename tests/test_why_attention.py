"""Notebook 00 (why attention): the widget and the exercises."""

import statistics
import sys
import time
from pathlib import Path

import pytest
import torch
from widget_harness import exercise

from lib.checks import HINT, NOT_DONE
from lib.checks.why_attention import (
    check_elman_step,
    check_run_rnn,
    check_run_rnn_backward,
    check_shrink_factor,
    check_weakest_position,
)
from lib.widgets.why_attention import why_attention_widget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions

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
# The reference answers live in solutions/00_why_attention.py (tests/test_solutions.py runs them and every
# known mistake through the checkers); here: wrong answers written the way a student writes them.

SOLUTIONS = load_solutions("00_why_attention.ipynb")


def _not_done(*args):
    raise NotImplementedError


def _step(x_t, h, w_ih, w_hh, b):
    return SOLUTIONS.elman_step(x_t, h, w_ih, w_hh, b)


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


def test_elman_step_answers_in_other_words_pass():
    assert check_elman_step(lambda x, h, wi, wh, b: torch.tanh(torch.nn.functional.linear(x, wi, b) + h @ wh.T)).passed
    result = check_elman_step(lambda x, h, wi, wh, b: torch.tanh(x @ wi.T + h @ wh.T + b).numpy())
    assert result.passed  # an array of the right numbers is the right answer


def _loop(x, w_ih, w_hh, b, *, order, carry=True, store="after", at="token"):
    """A student's loop over t in `order(T)`: each state (after or before its step) stored at its token's
    position (`at="token"`) or in reading order (`at="reading"`)."""
    h0 = x.new_zeros(x.shape[0], w_hh.shape[0])
    h, out = h0, {}
    for i, t in enumerate(order(x.shape[1])):
        before = h
        h = _step(x[:, t], h if carry else h0, w_ih, w_hh, b)
        out[t if at == "token" else i] = h if store == "after" else before
    return torch.stack([out[t] for t in sorted(out)], dim=1)


FORWARD, BACKWARD = (lambda T: range(T)), (lambda T: reversed(range(T)))


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=FORWARD)[:, -1], "not only the last one"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=FORWARD).transpose(0, 1), "dim=1"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=FORWARD, carry=False), "carry h over"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=BACKWARD), "backward direction"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=FORWARD, store="before"), "state *before* its step"),
    ],
)
def test_run_rnn_mistakes_get_their_hint(fn, hint):
    result = check_run_rnn(fn)
    assert not result.passed and hint in result.message


def test_run_rnn_equals_torch_rnn_and_changing_the_input_is_caught(gen):
    rnn = torch.nn.RNN(3, 4, batch_first=True, bias=False)
    x = torch.randn(2, 5, 3, generator=gen)
    w_ih, w_hh = rnn.weight_ih_l0.detach(), rnn.weight_hh_l0.detach()
    torch.testing.assert_close(SOLUTIONS.run_rnn(x, w_ih, w_hh, torch.zeros(4)), rnn(x)[0].detach())

    def in_place(x, w_ih, w_hh, b):
        x[:, 0] = 0.0  # the caller's x is changed
        return SOLUTIONS.run_rnn(x, w_ih, w_hh, b)

    assert "changed its input (argument 1) in place" in check_run_rnn(in_place).message


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=FORWARD), "let t run from T − 1 down to 0"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=BACKWARD, at="reading"), "in reading order"),
        (lambda x, wi, wh, b: SOLUTIONS.run_rnn(x.flip(1), wi, wh, b), "flip the result back"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=BACKWARD, carry=False), "carry h over"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=BACKWARD)[:, 0], "position 0 is the backward half"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=BACKWARD)[:, -1], "has read only the last token"),
        (lambda x, wi, wh, b: _loop(x, wi, wh, b, order=BACKWARD) * 2, "wrong values"),
    ],
)
def test_run_rnn_backward_mistakes_get_their_hint(fn, hint):
    result = check_run_rnn_backward(fn)
    assert not result.passed and hint in result.message


def test_run_rnn_backward_is_the_backward_half_of_a_bidirectional_rnn(gen):
    rnn = torch.nn.RNN(3, 4, batch_first=True, bias=False, bidirectional=True)
    x = torch.randn(2, 5, 3, generator=gen)
    w = {name: p.detach() for name, p in rnn.named_parameters()}
    ours = torch.cat([SOLUTIONS.run_rnn(x, w["weight_ih_l0"], w["weight_hh_l0"], torch.zeros(4)),
                      SOLUTIONS.run_rnn_backward(x, w["weight_ih_l0_reverse"], w["weight_hh_l0_reverse"],
                                                 torch.zeros(4))], dim=-1)
    torch.testing.assert_close(ours, rnn(x)[0].detach())


@pytest.mark.parametrize("answer", [1024, 1000, 2**10, 1 / 0.5**10, 1100.0, torch.tensor(1024.0)])
def test_shrink_factor_right_answers(answer):
    assert check_shrink_factor(lambda: answer).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(2, "one step"), (5, "10 × 0.5"), (20, "10 / 0.5"), (0.5**10, "how many times *smaller*"),
     (10, "geometric"), (500, "work it out again"), (2000, "work it out again"),
     ("1024", "return one positive number"), (-3, "return one positive number"), (0, "return one positive number"),
     (True, "return one positive number"), ([1024], "return one positive number"),
     (float("nan"), "return one positive number"), (None, "returned None")],
)
def test_shrink_factor_mistakes(answer, hint):
    result = check_shrink_factor(lambda: answer)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize("answer", [10, 9, 11, 10.0, 10.5])
def test_weakest_position_right_answers(answer):
    assert check_weakest_position(lambda: answer).passed


@pytest.mark.parametrize(("answer", "hint"), [(0, "backward"), (1, "backward"), (20, "forward direction's last"),
                                              (19, "forward direction's last"), (21, "a number from 0 to 20"),
                                              (-1, "a number from 0 to 20"), (5, "work it out again"),
                                              (True, "a number from 0 to 20")])
def test_weakest_position_mistakes(answer, hint):
    result = check_weakest_position(lambda: answer)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize("check", [check_elman_step, check_run_rnn, check_run_rnn_backward, check_shrink_factor,
                                   check_weakest_position])
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message


def test_a_prediction_that_prints_or_fails_is_reported_not_raised():
    def noisy():
        print("thinking...")
        return 1024

    result = check_shrink_factor(noisy)
    assert result.passed and "thinking..." in result.message
    result = check_weakest_position(lambda: 1 / 0)
    assert not result.passed and "ZeroDivisionError" in result.message
