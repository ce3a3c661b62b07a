"""Exercises on the RNN and why attention replaced it: one step, the loop, two predictions."""

from __future__ import annotations

import math
import numbers

import torch

from lib.checks import HINT, NOT_DONE, Mistake, Result, as_mistakes, check_function
from lib.rnn import elman_loop, elman_step


def _step_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    shapes = [(2, 3, 3), (3, 4, 4), (2, 5, 3)]  # (B, C, D); square first, so a missing .T shows as a hint
    return [(torch.randn(B, C, generator=g), torch.randn(B, D, generator=g), torch.randn(D, C, generator=g),
             torch.randn(D, D, generator=g), torch.randn(D, generator=g)) for B, C, D in shapes]


def _step_ref(x_t, h, w_ih, w_hh, b):
    return elman_step(x_t, h, w_ih, w_hh, b, torch.zeros_like(b))


def check_elman_step(student_fn) -> Result:
    """`student_fn(x_t, h, w_ih, w_hh, b)`: x_t (B, C), h (B, D), w_ih (D, C), w_hh (D, D), b (D,) -> (B, D)."""
    mistakes = as_mistakes([
        (lambda x, h, wi, wh, b: x @ wi.T + h @ wh.T + b,
         "no squashing: the Elman cell applies tanh to the sum, so every hidden value lies in (−1, 1)."),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi + h @ wh + b),
         "the weights are stored (out, in) as in nn.RNN and nn.Linear: multiply by their transpose, x @ W.T."),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi.T + b),
         "the previous hidden vector h is missing: h W_hhᵀ is what makes the network recurrent."),
        (lambda x, h, wi, wh, b: torch.sigmoid(x @ wi.T + h @ wh.T + b),
         "sigmoid is the gate of an LSTM/GRU; the Elman cell (nn.RNN's default) uses tanh."),
        (lambda x, h, wi, wh, b: torch.relu(x @ wi.T + h @ wh.T + b),
         "relu is nn.RNN(nonlinearity='relu'); the default, and this exercise, is tanh."),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi.T) + torch.tanh(h @ wh.T) + b,
         "tanh goes around the whole sum (input part + recurrent part + bias), not around each part."),
    ])
    return check_function(student_fn, name="elman_step", reference=_step_ref, cases=_step_cases(),
                          mistakes=mistakes)


def _loop_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(1)
    shapes = [(2, 5, 3, 4), (3, 4, 2, 2), (1, 6, 4, 3)]  # (B, T, C, D), B != T so a wrong stack axis shows
    return [(torch.randn(B, T, C, generator=g), torch.randn(D, C, generator=g) / 2,
             torch.randn(D, D, generator=g) / 2, torch.randn(D, generator=g) / 4) for B, T, C, D in shapes]


def _loop_ref(x, w_ih, w_hh, b):
    return elman_loop(x, w_ih, w_hh, b, torch.zeros_like(b))


def _fresh_each_step(x, w_ih, w_hh, b):
    h0 = x.new_zeros(x.shape[0], w_hh.shape[0])
    return torch.stack([_step_ref(x[:, t], h0, w_ih, w_hh, b) for t in range(x.shape[1])], dim=1)


def _states_before(x, w_ih, w_hh, b):
    out = _loop_ref(x, w_ih, w_hh, b)
    return torch.cat([torch.zeros_like(out[:, :1]), out[:, :-1]], dim=1)


def check_run_rnn(student_fn) -> Result:
    """`student_fn(x, w_ih, w_hh, b)`: x (B, T, C) -> every hidden vector h_1 .. h_T, (B, T, D)."""
    mistakes = as_mistakes([
        (lambda x, wi, wh, b: _loop_ref(x, wi, wh, b)[:, -1],
         "return every hidden vector (B, T, D), not only the last one (B, D)."),
        (lambda x, wi, wh, b: _loop_ref(x, wi, wh, b).transpose(0, 1),
         "batch first: stack the T vectors of shape (B, D) along dim=1, torch.stack(out, dim=1)."),
        (_fresh_each_step,
         "every step starts from zeros: carry h over, h = step(x[:, t], h, ...), so step t sees steps 0 .. t-1."),
        (lambda x, wi, wh, b: elman_loop(x, wi, wh, b, torch.zeros_like(b), reverse=True),
         "you read the sequence from the end: that is the backward direction of a bidirectional RNN."),
        (_states_before,
         "each output is the state *before* its step: store h after updating it with x[:, t]."),
    ])
    return check_function(student_fn, name="run_rnn", reference=_loop_ref, cases=_loop_cases(),
                          mistakes=mistakes)


def _prediction(answer, name: str, reference: float, mistakes, *, log: bool,
                valid: tuple[float, float] | None = None) -> Result:
    """Check a predicted number against `reference` (on a log10 scale if `log`), with hints."""
    if answer is ... or answer is None:
        return Result(False, f"{NOT_DONE} {name}: not done yet. Replace `...` with your prediction (a number).")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(answer) or (
            log and answer <= 0):
        return Result(False, f"{HINT} {name}: give one {'positive ' if log else ''}number, got {answer!r}.")
    if valid is not None and not valid[0] <= answer <= valid[1]:
        return Result(False, f"{HINT} {name}: the answer lies in {valid[0]} .. {valid[1]}, got {answer!r}.")
    scale = (lambda v: torch.tensor(math.log10(v))) if log else (lambda v: torch.tensor(float(v)))
    # On the log scale 0.05 is a 12 % window: 1000 for 1024 passes, 500 or 2000 do not. A position
    # may be off by one: the two directions of a real BiRNN never have exactly the same weights.
    return check_function(lambda: scale(answer), name=name, reference=lambda: scale(reference), cases=[()],
                          mistakes=[Mistake(lambda v=v: scale(v), hint) for v, hint in mistakes],
                          atol=0.05 if log else 1.0)


def check_shrink_factor(answer) -> Result:
    """The predicted factor by which a token's influence shrinks 10 tokens further back at ρ = 0.5."""
    return _prediction(answer, "shrink_factor", 2.0**10, [
        (2.0, "that is one step: the factor ρ = 0.5 is applied once per step, ten times over 10 tokens."),
        (5.0, "the factors multiply, they do not add: (1/0.5)^10, not 10 × 0.5."),
        (20.0, "the factors multiply, they do not add: (1/0.5)^10, not 10 / 0.5."),
        (2.0**-10, "that is the influence left, ρ^10; the question asks how many times *smaller*: 1/ρ^10."),
        (10.0, "the shrinking is geometric (×0.5 per step), not proportional to the distance."),
    ], log=True)


def check_weakest_position(answer) -> Result:
    """The predicted weakest token of a bidirectional RNN over T = 21 tokens (positions 0 .. 20)."""
    return _prediction(answer, "weakest_position", 10, [
        (0, "the ends are strong: token 0 is the *backward* direction's last input, one step from its final "
            "state. Look for the token far from both ends."),
        (20, "the ends are strong: token 20 is the forward direction's last input, one step from h_T. "
             "Look for the token far from both ends."),
    ], log=False, valid=(0, 20))
