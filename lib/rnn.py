"""The Elman RNN (tanh), the recurrent network the Transformer replaced, and the tools that
measure why: how strongly token i still reaches the last hidden vector (히든 벡터), and how
many matrix products must wait for each other.

h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh),  h_0 = 0.

Parameters are named and laid out as in `torch.nn.RNN`, so `ElmanRNN.from_torch` copies them.
Shape letters: B batch, T length, C input size, D hidden size.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from lib import validate
from lib.heads import MultiHeadAttention


def _check_cell(x_t, h, w_ih, w_hh, b_ih, b_hh, *, x_name: str = "x_t", h_name: str = "h") -> None:
    """Tensors, one dtype and fitting shapes for one Elman step, else a TypeError/ValueError naming them."""
    named = [(x_name, x_t, 2), (h_name, h, 2), ("w_ih", w_ih, 2), ("w_hh", w_hh, 2)]
    if (b_ih is None) != (b_hh is None):
        raise ValueError(f"b_ih and b_hh go together: give both biases or neither, got b_ih={type(b_ih).__name__}, "
                         f"b_hh={type(b_hh).__name__}")
    named += [] if b_ih is None else [("b_ih", b_ih, 1), ("b_hh", b_hh, 1)]
    for name, t, dims in named:
        validate.tensor(t, name, dims=dims)
    if len({t.dtype for _, t, _ in named}) > 1:
        raise TypeError(f"{', '.join(n for n, _, _ in named)} must share one dtype, got "
                        f"{', '.join(str(t.dtype) for _, t, _ in named)}; convert with .float()")
    (B, C), D = x_t.shape, w_hh.shape[0]
    wanted = {x_name: (B, C), h_name: (B, D), "w_ih": (D, C), "w_hh": (D, D), "b_ih": (D,), "b_hh": (D,)}
    if any(tuple(t.shape) != wanted[name] for name, t, _ in named):
        got = ", ".join(f"{name} {tuple(t.shape)}" for name, t, _ in named)
        raise ValueError(f"an Elman step needs {x_name} (B, C), {h_name} (B, D), w_ih (D, C), w_hh (D, D) and biases "
                         f"(D,), with D = w_hh.shape[0] = {D}; got {got}")


def _step(x_t, h, w_ih, w_hh, b_ih, b_hh) -> torch.Tensor:
    pre = x_t @ w_ih.T + h @ w_hh.T  # (B, C) @ (C, D) + (B, D) @ (D, D) -> (B, D)
    if b_ih is not None:
        pre = pre + b_ih + b_hh
    return torch.tanh(pre)  # (B, D)


def elman_step(x_t: torch.Tensor, h: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor,
               b_ih: torch.Tensor | None = None, b_hh: torch.Tensor | None = None) -> torch.Tensor:
    """One step of the recurrence: tanh(x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh).

    Shapes: x_t (B, C), h (B, D), w_ih (D, C), w_hh (D, D), b_ih and b_hh (D,) -> (B, D).
    """
    _check_cell(x_t, h, w_ih, w_hh, b_ih, b_hh)
    return _step(x_t, h, w_ih, w_hh, b_ih, b_hh)  # (B, D)


def elman_loop(x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor | None = None,
               b_hh: torch.Tensor | None = None, *, h0: torch.Tensor | None = None,
               reverse: bool = False) -> torch.Tensor:
    """Every hidden vector of one direction: T steps, each waiting for the one before.

    `reverse=True` reads the sequence from the last token to the first (the backward half of a
    bidirectional RNN); its outputs are still stored at the position of their token.
    Shapes: x (B, T, C), h0 (B, D) -> out (B, T, D).
    """
    validate.tensor(x, "x (B, T, C)", dims=3)
    B, T, _ = x.shape
    h = h0 if h0 is not None else x.new_zeros(B, validate.tensor(w_hh, "w_hh", dims=2).shape[0])  # (B, D)
    _check_cell(x[:, 0], h, w_ih, w_hh, b_ih, b_hh, x_name="x[:, t]", h_name="h0")
    out = [None] * T
    for t in (reversed(range(T)) if reverse else range(T)):
        h = _step(x[:, t], h, w_ih, w_hh, b_ih, b_hh)  # (B, D)
        out[t] = h
    return torch.stack(out, dim=1)  # T x (B, D) -> (B, T, D)


class ElmanRNN(nn.Module):
    """A one-layer tanh RNN, batch first, optionally bidirectional, equal to `torch.nn.RNN`.

    Shapes: x (B, T, C), h0 (K, B, D) -> out (B, T, K·D), h_n (K, B, D), K = 2 if bidirectional else 1.
    """

    def __init__(self, input_size: int, hidden_size: int, *, bidirectional: bool = False,
                 bias: bool = True) -> None:
        super().__init__()
        C = validate.size(input_size, "input_size")
        D = validate.size(hidden_size, "hidden_size")
        self.input_size, self.hidden_size, self.bias = C, D, bias
        self.directions = ["_l0", "_l0_reverse"] if bidirectional else ["_l0"]
        bound = 1.0 / math.sqrt(D)  # torch.nn.RNN's initialisation: U(-1/√D, 1/√D)
        for suffix in self.directions:
            shapes = {"weight_ih": (D, C), "weight_hh": (D, D)} | ({"bias_ih": (D,), "bias_hh": (D,)} if bias else {})
            for name, shape in shapes.items():
                self.register_parameter(name + suffix, nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def weights(self, suffix: str = "_l0") -> tuple:
        """(w_ih, w_hh, b_ih, b_hh) of one direction ("_l0" forward, "_l0_reverse" backward)."""
        validate.choice(suffix, "suffix", self.directions)
        get = lambda name: getattr(self, name + suffix, None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        validate.tensor(x, "x (B, T, C)", dims=3)
        validate.same_dtype(x, self.weight_hh_l0, "x")
        K, (B, _, C), D = len(self.directions), x.shape, self.hidden_size
        if C != self.input_size:
            raise ValueError(f"x must have shape (B, T, input_size={self.input_size}), got {tuple(x.shape)}")
        if h0 is not None and (validate.tensor(h0, "h0 (K, B, D)").shape != (K, B, D)):
            raise ValueError(f"h0 must have shape (K={K}, B={B}, D={D}), got {tuple(h0.shape)}")
        if h0 is not None:
            validate.same_dtype(h0, self.weight_hh_l0, "h0")
        outs = [elman_loop(x, *self.weights(s), h0=None if h0 is None else h0[i], reverse=s.endswith("reverse"))
                for i, s in enumerate(self.directions)]  # K x (B, T, D)
        h_n = torch.stack([outs[0][:, -1]] + [o[:, 0] for o in outs[1:]])  # (K, B, D): each direction's last step
        return torch.cat(outs, dim=-1), h_n  # (B, T, K·D), (K, B, D)

    @classmethod
    def from_torch(cls, rnn: nn.RNN) -> ElmanRNN:
        """A copy holding the same weights as a one-layer, batch-first tanh `torch.nn.RNN`."""
        if not isinstance(rnn, nn.RNN):
            raise TypeError(f"from_torch needs a torch.nn.RNN, got {type(rnn).__name__}")
        if rnn.num_layers != 1 or not rnn.batch_first or rnn.nonlinearity != "tanh":
            raise ValueError(f"from_torch needs nn.RNN(num_layers=1, batch_first=True, nonlinearity='tanh'), got "
                             f"nn.RNN(num_layers={rnn.num_layers}, batch_first={rnn.batch_first}, "
                             f"nonlinearity={rnn.nonlinearity!r})")
        new = cls(rnn.input_size, rnn.hidden_size, bidirectional=rnn.bidirectional, bias=rnn.bias)
        new.load_state_dict(rnn.state_dict())
        return new.to(rnn.weight_hh_l0.dtype)


def _finite(w: torch.Tensor, name: str) -> None:
    bad = (~torch.isfinite(w)).sum().item()
    if bad:
        raise ValueError(f"{name} must hold finite numbers, got {bad} NaN or inf entries of {w.numel()}")


def _square(w, name: str) -> torch.Tensor:
    """`w` if it is a finite square float matrix (D, D): LAPACK's eigen-solver crashes the process on a NaN."""
    validate.tensor(w, f"{name} (D, D)", dims=2)
    if w.shape[0] != w.shape[1]:
        raise ValueError(f"{name} must be square (D, D), got shape {tuple(w.shape)}")
    _finite(w, name)
    return w


def spectral_radius(w: torch.Tensor) -> float:
    """The largest |eigenvalue| of a square matrix: how much W^k grows or shrinks per step, for large k."""
    _square(w, "w")
    return torch.linalg.eigvals(w.detach()).abs().max().item()


def with_spectral_radius(w: torch.Tensor, rho: float) -> torch.Tensor:
    """`w` scaled so that its spectral radius is `rho` (> 0).

    Shapes: w (D, D) -> (D, D).
    """
    rho = validate.number(rho, "rho (the spectral radius)", low=0.0, low_open=True)
    radius = spectral_radius(w)
    if radius == 0:
        raise ValueError(f"w has spectral radius 0 (every eigenvalue is 0), so no multiple of it has spectral "
                         f"radius {rho:g}")
    return w * (rho / radius)  # (D, D)


def influence(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """‖∂fn(x)/∂x_i‖₂ for each position i: how strongly token i moves the vector fn(x).

    The norm is the spectral norm of the (N, C) Jacobian block of token i (its largest gain).
    Shapes: x (T, C), fn(x) (N,) -> (T,).
    """
    _function(fn)
    validate.tensor(x, "x (T, C)", dims=2)
    jac = torch.autograd.functional.jacobian(fn, x, vectorize=True)  # (N, T, C)
    if jac.dim() != 3:
        raise ValueError(f"fn must map x (T, C) to a vector (N,), got a Jacobian of shape {tuple(jac.shape)}")
    return torch.linalg.matrix_norm(jac.transpose(0, 1), ord=2)  # (T, N, C) -> (T,)


def last_state_influence(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """‖∂h/∂x_i‖₂ for the vector a layer hands on: an `ElmanRNN`'s final h_n (both directions,
    concatenated, if bidirectional), or the output at the last position of a self-attention
    `MultiHeadAttention` (query, key and value all x).

    Shapes: x (T, C) -> (T,).
    """
    if isinstance(model, ElmanRNN):
        return influence(lambda x: model(x[None])[1].reshape(-1), x)  # h_n (K, 1, D) -> (K·D,)
    if isinstance(model, MultiHeadAttention):
        return influence(lambda x: model(x[None], x[None], x[None])[0][0, -1], x)  # (C,)
    raise TypeError(f"model must be an ElmanRNN or a MultiHeadAttention, got {type(model).__name__}")


def rnn_jacobians(model: ElmanRNN, x: torch.Tensor) -> torch.Tensor:
    """∂h_n/∂x_i for every token i, by backpropagation through time written out (no autograd):

    ∂h_T/∂x_i = diag(1 − h_T²) W_hh diag(1 − h_{T−1}²) W_hh ··· diag(1 − h_i²) W_ih,

    one factor diag(tanh′) W_hh per step between i and the end. A bidirectional model stacks the
    backward direction's ∂h_1/∂x_i (its last step is token 0) under the forward one's.
    Shapes: x (T, C) -> (T, K·D, C).
    """
    if not isinstance(model, ElmanRNN):
        raise TypeError(f"model must be an ElmanRNN, got {type(model).__name__}; copy a torch.nn.RNN with "
                        f"ElmanRNN.from_torch(rnn)")
    validate.tensor(x, "x (T, C)", dims=2)
    validate.same_dtype(x, model.weight_hh_l0, "x")
    if x.shape[1] != model.input_size:
        raise ValueError(f"x must have shape (T, input_size={model.input_size}), got {tuple(x.shape)}")
    T, blocks = x.shape[0], []
    xs = x.detach().numpy()  # NumPy: on (D, D) matrices its calls cost a tenth of torch's
    for suffix in model.directions:
        w_ih, w_hh, b_ih, b_hh = (None if w is None else w.detach().numpy() for w in model.weights(suffix))
        order = list(range(T))[::-1] if suffix.endswith("reverse") else list(range(T))
        h, gates = np.zeros(w_hh.shape[0], dtype=xs.dtype), {}
        for t in order:  # the forward pass, keeping tanh′ = 1 − h_t² of every step
            h = np.tanh(xs[t] @ w_ih.T + h @ w_hh.T + (0.0 if b_ih is None else b_ih + b_hh))  # (D,)
            gates[t] = 1 - h**2  # (D,)
        grad, grads = None, [None] * T
        for t in order[::-1]:  # back from the last step; grad @ diag(g) is grad * g (column j times g_j)
            grad = np.diag(gates[t]) if grad is None else (grad @ w_hh) * gates[t]  # (D, D)
            grads[t] = grad  # ∂h_last/∂(pre-activation at step t)
        blocks.append(np.stack(grads) @ w_ih)  # (T, D, D) @ (D, C) -> (T, D, C)
    return torch.from_numpy(np.concatenate(blocks, axis=1))  # (T, K·D, C)


def rnn_influence(model: ElmanRNN, x: torch.Tensor) -> torch.Tensor:
    """`last_state_influence(model, x)` from the closed-form Jacobians, about ten times faster.

    Shapes: x (T, C) -> (T,).
    """
    return torch.linalg.matrix_norm(rnn_jacobians(model, x), ord=2)  # (T, K·D, C) -> (T,)


def rnn_profiles(birnn: ElmanRNN, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The influence of every token on the last state, for a one-way and a two-way RNN at once:

    "RNN" is the forward direction of `birnn` alone (its h_T), "BiRNN" both directions (h_n).
    Shapes: x (T, C) -> each (T,).
    """
    if not (isinstance(birnn, ElmanRNN) and len(birnn.directions) == 2):
        raise TypeError(f"birnn must be a bidirectional ElmanRNN, got {type(birnn).__name__}")
    jac = rnn_jacobians(birnn, x)  # (T, 2D, C): forward rows first
    D = birnn.hidden_size
    return {"RNN": torch.linalg.matrix_norm(jac[:, :D], ord=2), "BiRNN": torch.linalg.matrix_norm(jac, ord=2)}


def power_band(w_hh: torch.Tensor, w_ih: torch.Tensor, distances) -> tuple[torch.Tensor, torch.Tensor]:
    """Bounds on log ‖W_hh^k W_ih‖₂ (the influence at distance k of the linear recurrence):

    ρ^k σ_min(W_ih) <= ‖W_hh^k W_ih‖₂ <= κ(V) ρ^k σ_max(W_ih),

    with ρ the spectral radius and κ(V) the condition number of W_hh's eigenvector matrix
    (lower: ‖W^k‖₂ >= ρ(W^k) = ρ^k; upper: W^k = V Λ^k V⁻¹). W_ih must be square.
    Shapes: w_hh (D, D), w_ih (D, D), distances (K,) -> low (K,), high (K,), natural logs.
    """
    _square(w_hh, "w_hh")
    validate.tensor(w_ih, "w_ih (D, D)", dims=2)
    if w_ih.shape != w_hh.shape:
        raise ValueError(f"power_band needs square w_ih like w_hh {tuple(w_hh.shape)}, got {tuple(w_ih.shape)}")
    _finite(w_ih, "w_ih")
    k = _distances(distances)  # (K,)
    rho = spectral_radius(w_hh)
    if rho == 0:
        raise ValueError("w_hh has spectral radius 0 (every eigenvalue is 0): log ρ is -inf, so there is no band")
    log_rho = math.log(rho)
    sv = torch.linalg.svdvals(w_ih.detach().double())  # (D,), largest first
    kappa = torch.linalg.cond(torch.linalg.eig(w_hh.detach().double()).eigenvectors).item()
    return k * log_rho + sv[-1].log(), k * log_rho + math.log(kappa) + sv[0].log()


def _distances(distances) -> torch.Tensor:
    """`distances` as a float64 vector (K,) of finite counts >= 0 (a single number is allowed too)."""
    try:
        k = torch.as_tensor(distances, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"distances must be numbers (K,) such as torch.arange(T), got {type(distances).__name__} "
                        f"{distances!r}") from None
    if k.dim() > 1 or k.numel() == 0:
        raise ValueError(f"distances must be a non-empty vector (K,), got shape {tuple(k.shape)}")
    if not (torch.isfinite(k).all() and (k >= 0).all()):
        raise ValueError(f"distances count steps, so they must be finite and >= 0, got values from "
                         f"{k.min().item():g} to {k.max().item():g}")
    return k


def _function(fn, name: str = "fn") -> Callable:
    """`fn` if it can be called, else a TypeError: the commonest slip is passing fn(x), its result."""
    if not callable(fn):
        what = f"a tensor of shape {tuple(fn.shape)}" if isinstance(fn, torch.Tensor) else type(fn).__name__
        raise TypeError(f"{name} must be a function to call, got {what}; pass the function itself "
                        f"(e.g. lambda: model(x)), not the result of calling it")
    return fn


def best_time(fn: Callable[[], object], *, repeats: int = 5) -> float:
    """The shortest of `repeats` runs of `fn()`, in CPU seconds of this process (as lib.complexity times)."""
    _function(fn)
    repeats = validate.size(repeats, "repeats")
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


# --- the recall task: the first symbol must survive n distractors -----------------------

def recall_task(n_samples: int, n_distractors: int, *, n_symbols: int = 4,
                seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences `a, d_1 .. d_n, ?`: a is one of n_symbols symbols, the d are distractors (ids
    n_symbols .. 2·n_symbols-1), ? (id 2·n_symbols) asks for a. The target is a.

    Shapes: -> tokens (N, n + 2) int64, targets (N,) int64.
    """
    N, n = validate.size(n_samples, "n_samples"), validate.size(n_distractors, "n_distractors", minimum=0)
    K = validate.size(n_symbols, "n_symbols", minimum=2)
    g = torch.Generator().manual_seed(validate.size(seed, "seed", minimum=0))
    first = torch.randint(K, (N, 1), generator=g)  # (N, 1)
    distractors = torch.randint(K, 2 * K, (N, n), generator=g)  # (N, n)
    ask = torch.full((N, 1), 2 * K)  # (N, 1)
    return torch.cat([first, distractors, ask], dim=1), first[:, 0]  # (N, n + 2), (N,)


def _recall_sizes(n_symbols: int, d_model: int) -> tuple[int, int]:
    return validate.size(n_symbols, "n_symbols", minimum=2), validate.size(d_model, "d_model")


class RecallRNN(nn.Module):
    """Embedding, a tanh `torch.nn.RNN` (its loop runs in C++), a linear read-out of the last hidden vector.

    Shapes: tokens (B, T) -> logits (B, n_symbols), None.
    """

    def __init__(self, n_symbols: int, d_model: int) -> None:
        super().__init__()
        n_symbols, d_model = _recall_sizes(n_symbols, d_model)
        self.embed = nn.Embedding(2 * n_symbols + 1, d_model)
        self.rnn = nn.RNN(d_model, d_model, batch_first=True)
        self.head = nn.Linear(d_model, n_symbols)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, None]:
        validate.token_ids(tokens, "tokens (B, T)", self.embed.num_embeddings)
        _, h_n = self.rnn(self.embed(tokens))  # (1, B, C)
        return self.head(h_n[0]), None  # (B, n_symbols)


class RecallAttention(nn.Module):
    """Embedding, one self-attention layer read at the last position (the ? token), a linear read-out.

    Only the last query is computed; the other rows of the attention are not needed.
    Shapes: tokens (B, T) -> logits (B, n_symbols), weights (B, H, 1, T).
    """

    def __init__(self, n_symbols: int, d_model: int, *, n_heads: int = 1) -> None:
        super().__init__()
        n_symbols, d_model = _recall_sizes(n_symbols, d_model)
        self.embed = nn.Embedding(2 * n_symbols + 1, d_model)
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.head = nn.Linear(d_model, n_symbols)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        validate.token_ids(tokens, "tokens (B, T)", self.embed.num_embeddings)
        x = self.embed(tokens)  # (B, T, C)
        out, weights = self.attn(x[:, -1:], x, x)  # (B, 1, C), (B, H, 1, T)
        return self.head(out[:, 0]), weights  # (B, n_symbols)


def matmul_depth(out: torch.Tensor) -> int:
    """The most matrix products on one chain of the autograd graph behind `out`.

    Products on one chain must run one after another; products on different chains can run at
    once, so this counts sequential steps, read from the graph PyTorch recorded.
    """
    validate.tensor(out, "out")
    if out.grad_fn is None:
        raise ValueError("out has no autograd graph: compute it from tensors with requires_grad=True")
    depth: dict = {}
    stack = [(out.grad_fn, False)]
    while stack:  # iterative post-order DFS (a T-step RNN is deeper than Python's recursion limit)
        node, done = stack.pop()
        children = [n for n, _ in node.next_functions if n is not None]
        if done:
            is_mm = any(k in type(node).__name__ for k in ("Mm", "Bmm", "Addmm", "Matmul"))
            depth[node] = max((depth[n] for n in children), default=0) + is_mm
        elif node not in depth:
            stack.append((node, True))
            stack.extend((n, False) for n in children if n not in depth)
    return depth[out.grad_fn]
