"""Reference answers for notebooks/00_why_attention.ipynb (why attention: an RNN forgets).

One function per exercise, under the name the notebook's stub has, written as a student would:
plain torch, no lib, each standing on its own (the checker runs every function alone).
tests/test_solutions.py runs each through its checker.
"""

import torch


def elman_step(x_t, h, w_ih, w_hh, b):
    # input part + recurrent part + bias, then one tanh over the whole sum.
    # The weights are stored (out, in) as in nn.RNN, so multiply by their transpose.
    return torch.tanh(x_t @ w_ih.T + h @ w_hh.T + b)  # (B, C) @ (C, D) + (B, D) @ (D, D) -> (B, D)


def run_rnn(x, w_ih, w_hh, b):
    B, T, _ = x.shape
    h = x.new_zeros(B, w_hh.shape[0])  # h_0 = 0, (B, D)
    states = []
    for t in range(T):  # each step needs the h of the step before
        h = torch.tanh(x[:, t] @ w_ih.T + h @ w_hh.T + b)  # Exercise 1's step, (B, D)
        states.append(h)
    return torch.stack(states, dim=1)  # T x (B, D) -> (B, T, D), batch first


def run_rnn_backward(x, w_ih, w_hh, b):
    B, T, _ = x.shape
    h = x.new_zeros(B, w_hh.shape[0])  # (B, D)
    states = [None] * T
    for t in reversed(range(T)):  # read from the last token to the first
        h = torch.tanh(x[:, t] @ w_ih.T + h @ w_hh.T + b)  # (B, D)
        states[t] = h  # stored at its token's position: states[0] has read the whole sentence
    return torch.stack(states, dim=1)  # (B, T, D)


def shrink_factor():
    # each of the 10 extra steps multiplies the influence by ρ = 0.5: 0.5**10 of it is left
    return 1 / 0.5**10  # 1024


def weakest_position():
    # the forward half of h_n is one step from token 20, the backward half one step from token 0;
    # the token farthest from both ends is in the middle
    return 10
