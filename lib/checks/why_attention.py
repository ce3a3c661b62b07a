"""Exercises of notebook 00 (why attention): one RNN step, the loop, the loop read backwards, two predictions."""

from __future__ import annotations

import torch

from lib.checks import Exercise, Mistake, Prediction, as_mistakes
from lib.i18n import _, lazy_gettext
from lib.rnn import elman_loop, elman_step

# --- Exercise 1 (recall): one Elman step -------------------------------------------------------


def _step_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    shapes = [(2, 3, 3), (3, 4, 4), (2, 5, 3)]  # (B, C, D); square first, so a missing .T shows as a hint
    return [(torch.randn(B, C, generator=g), torch.randn(B, D, generator=g), torch.randn(D, C, generator=g),
             torch.randn(D, D, generator=g), torch.randn(D, generator=g)) for B, C, D in shapes]


def _step_ref(x_t, h, w_ih, w_hh, b):
    return elman_step(x_t, h, w_ih, w_hh, b, torch.zeros_like(b))  # (B, D)


def _step_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda x, h, wi, wh, b: x @ wi.T + h @ wh.T + b,
         _("no squashing: the Elman cell applies tanh to the sum, so every hidden value lies in (−1, 1).")),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi + h @ wh + b),
         _("the weights are stored (out, in) as in nn.RNN and nn.Linear: multiply by their transpose, x @ W.T.")),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi.T + b),
         _("the previous hidden vector h is missing: h W_hhᵀ is what makes the network recurrent.")),
        (lambda x, h, wi, wh, b: torch.sigmoid(x @ wi.T + h @ wh.T + b),
         _("sigmoid is the gate of an LSTM/GRU; the Elman cell (nn.RNN's default) uses tanh.")),
        (lambda x, h, wi, wh, b: torch.relu(x @ wi.T + h @ wh.T + b),
         _("relu is nn.RNN(nonlinearity='relu'); the default, and this exercise, is tanh.")),
        (lambda x, h, wi, wh, b: torch.tanh(x @ wi.T) + torch.tanh(h @ wh.T) + b,
         _("tanh goes around the whole sum (input part + recurrent part + bias), not around each part.")),
    ])


# `check_elman_step(fn)`: fn(x_t, h, w_ih, w_hh, b), x_t (B, C), h (B, D), w_ih (D, C), w_hh (D, D),
# b (D,) -> the new hidden vector (B, D).
check_elman_step = Exercise(
    name="elman_step", reference=_step_ref, cases=_step_cases, mistakes=_step_mistakes,
).check

# --- Exercise 2 (build) and 3 (modify): the loop, forwards and backwards --------------------------


def _loop_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(1)
    shapes = [(2, 5, 3, 4), (3, 4, 2, 2), (1, 6, 4, 3)]  # (B, T, C, D), B != T so a wrong stack axis shows
    return [(torch.randn(B, T, C, generator=g), torch.randn(D, C, generator=g) / 2,
             torch.randn(D, D, generator=g) / 2, torch.randn(D, generator=g) / 4) for B, T, C, D in shapes]


def _loop_ref(x, w_ih, w_hh, b, *, reverse: bool = False):
    return elman_loop(x, w_ih, w_hh, b, torch.zeros_like(b), reverse=reverse)  # (B, T, D)


def _backward_ref(x, w_ih, w_hh, b):
    return _loop_ref(x, w_ih, w_hh, b, reverse=True)  # (B, T, D)


def _fresh_each_step(x, w_ih, w_hh, b):
    """Every step from h = 0: the same whichever way the loop runs."""
    h0 = x.new_zeros(x.shape[0], w_hh.shape[0])  # (B, D)
    return torch.stack([_step_ref(x[:, t], h0, w_ih, w_hh, b) for t in range(x.shape[1])], dim=1)


def _states_before(x, w_ih, w_hh, b):
    out = _loop_ref(x, w_ih, w_hh, b)  # (B, T, D)
    return torch.cat([torch.zeros_like(out[:, :1]), out[:, :-1]], dim=1)


def _no_carry_hint() -> str:
    return _("every step starts from zeros: carry h over, h = step(x[:, t], h, ...), so each step sees "
             "the tokens read before it.")


def _loop_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda x, wi, wh, b: _loop_ref(x, wi, wh, b)[:, -1],
         _("return every hidden vector (B, T, D), not only the last one (B, D).")),
        (lambda x, wi, wh, b: _loop_ref(x, wi, wh, b).transpose(0, 1),
         _("batch first: stack the T vectors of shape (B, D) along dim=1, torch.stack(out, dim=1).")),
        (_fresh_each_step, _no_carry_hint()),
        (_backward_ref,
         _("you read the sequence from the end: that is the backward direction of a bidirectional RNN "
           "(Exercise 3); here go from t = 0 to T − 1.")),
        (_states_before,
         _("each output is the state *before* its step: store h after updating it with x[:, t].")),
    ])


# `check_run_rnn(fn)`: fn(x, w_ih, w_hh, b), x (B, T, C) -> every hidden vector h_1 .. h_T, (B, T, D).
check_run_rnn = Exercise(name="run_rnn", reference=_loop_ref, cases=_loop_cases, mistakes=_loop_mistakes).check


def _backward_mistakes() -> list[Mistake]:
    return as_mistakes([
        (_loop_ref,
         _("that reads the sentence from the first token, like run_rnn: let t run from T − 1 down to 0, "
           "e.g. `for t in reversed(range(T))`.")),
        (lambda x, wi, wh, b: _backward_ref(x, wi, wh, b).flip(1),
         _("the states are in reading order: store each state at the position of its token (out[t] = h), "
           "so position 0 holds the state that has read the whole sentence. x.flip(1) alone does this too: "
           "flip the result back.")),
        (_fresh_each_step, _no_carry_hint()),
        (lambda x, wi, wh, b: _backward_ref(x, wi, wh, b)[:, 0],
         _("return every state (B, T, D), not only the final one (B, D); position 0 is the backward "
           "half of h_n.")),
        (lambda x, wi, wh, b: _backward_ref(x, wi, wh, b)[:, -1],
         _("return every state (B, T, D); and the backward direction's final state is at position 0, "
           "not −1: out[:, -1] has read only the last token.")),
    ])


# `check_run_rnn_backward(fn)`: fn(x, w_ih, w_hh, b), x (B, T, C) -> the backward direction's states, (B, T, D),
# each stored at the position of its token (as nn.RNN(bidirectional=True) does).
check_run_rnn_backward = Exercise(
    name="run_rnn_backward", reference=_backward_ref, cases=_loop_cases, mistakes=_backward_mistakes,
).check

# --- Exercises 4 and 5 (predict before you run): numbers -----------------------------------------


def _shrink_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda: 2.0, _("that is one step: the factor ρ = 0.5 is applied once per step, ten times over 10 tokens.")),
        (lambda: 5.0, _("the factors multiply, they do not add: (1/0.5)^10, not 10 × 0.5.")),
        (lambda: 20.0, _("the factors multiply, they do not add: (1/0.5)^10, not 10 / 0.5.")),
        (lambda: 2.0**-10, _("that is the influence left, ρ^10; the question asks how many times *smaller*: 1/ρ^10.")),
        (lambda: 10.0, _("the shrinking is geometric (×0.5 per step), not proportional to the distance.")),
    ])


# On the log scale 0.05 decades is a 12 % window: 1000 for 1024 passes, 500 or 2000 do not.
# `check_shrink_factor(fn)`: fn() returns by what factor a token's influence on h_T is smaller 10 tokens
# further back, at ρ = 0.5 (symmetric W_hh, linear regime).
check_shrink_factor = Prediction(
    name="shrink_factor", reference=lambda: 2.0**10, cases=lambda: [()], mistakes=_shrink_mistakes,
    atol=0.05, log=True, low=0.0,
    nan_hint=lazy_gettext(
        "return one positive number (an int or a float, e.g. `return 3.5`), not a string, a list or a bool."),
).check


def _weakest_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda: 0, _("the ends are strong: token 0 is the *backward* direction's last input, one step from its "
                      "final state. Look for the token far from both ends.")),
        (lambda: 20, _("the ends are strong: token 20 is the forward direction's last input, one step from h_T. "
                       "Look for the token far from both ends.")),
    ])


# A position may be off by one: the two directions of a real BiRNN never have exactly the same weights.
# `check_weakest_position(fn)`: fn() returns the position (0 .. 20) of the token with the least influence
# on h_n of a bidirectional RNN over T = 21 tokens, ρ = 0.8 in both directions.
check_weakest_position = Prediction(
    name="weakest_position", reference=lambda: 10, cases=lambda: [()], mistakes=_weakest_mistakes,
    atol=1.0, low=0, high=20,
    nan_hint=lazy_gettext("return one position, a number from 0 to 20 (the tokens are at positions 0 … 20)."),
).check
