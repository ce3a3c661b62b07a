"""What one layer costs: multiply-adds, sequential steps, CPU time and peak memory.

Self-attention over n tokens of width d spends 4·n·d² multiply-adds on its four linear maps
(W_Q, W_K, W_V, W_O) and n²·d on each of Q Kᵀ and weights · V, all in a fixed number of
steps whatever n is. A plain RNN, h_t = tanh(x_t W_x + h_{t-1} W_h), spends 2·d² per token,
2·n·d² in all, but in n steps that wait for each other. The n²-terms of attention (2·n²·d)
and the RNN (2·n·d²) are equal exactly at n = d.

The measuring helpers count what really runs: `counted_flops` with PyTorch's FlopCounterMode
(a matrix product of m·k·n multiply-adds counts 2·m·k·n FLOPs), `dispatched_ops` the aten
operations a call runs one after another, `peak_tensor_bytes` the most bytes of tensors alive
at once during a call (deterministic: it counts storages, not the allocator).
"""

from __future__ import annotations

import math
import statistics
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves
from torch.utils.flop_counter import FlopCounterMode

from lib import validate
from lib.attention import chunked_attention, scaled_dot_product_attention
from lib.i18n import _

# --- counts: pure formulas ------------------------------------------------------------------


def _sizes(n: int, d: int) -> tuple[int, int]:
    return validate.size(n, "n (sequence length)"), validate.size(d, "d (d_model)")


def _function(fn) -> Callable:
    """`fn` if it can be called, else a TypeError: the commonest slip is passing fn(x), its result."""
    if not callable(fn):
        what = f"a tensor of shape {tuple(fn.shape)}" if isinstance(fn, torch.Tensor) else type(fn).__name__
        raise TypeError(f"fn must be the function to run (e.g. rnn_layer, or lambda: layer(x)), got {what}; "
                        f"pass the function itself, not the result of calling it")
    return fn


def attention_macs(n: int, d: int) -> dict[str, int]:
    """Multiply-adds of one single-head self-attention layer, by part.

    projections: x W_Q, x W_K, x W_V and out W_O, each (n, d) @ (d, d); scores: Q Kᵀ,
    (n, d) @ (d, n); weighted sum: weights V, (n, n) @ (n, d). Softmax and scaling are O(n²),
    not counted. Splitting d into heads changes none of these numbers.
    """
    n, d = _sizes(n, d)
    return {"projections": 4 * n * d * d, "scores": n * n * d, "weighted sum": n * n * d}


def part_name(part: str) -> str:
    """The name of a part of `attention_macs` (one of its keys) in the notebook's language."""
    names = {"projections": _("projections"), "scores": _("scores"), "weighted sum": _("weighted sum")}
    if part not in names:
        raise ValueError(f"part must be one of {', '.join(map(repr, names))} (the keys of attention_macs), "
                         f"got {part!r}")
    return names[part]


def attention_layer_macs(n: int, d: int) -> int:
    """4·n·d² + 2·n²·d: all multiply-adds of one self-attention layer."""
    return sum(attention_macs(n, d).values())


def rnn_layer_macs(n: int, d: int) -> int:
    """2·n·d²: per token, x_t W_x and h_{t-1} W_h, each (1, d) @ (d, d)."""
    n, d = _sizes(n, d)
    return 2 * n * d * d


def sequential_steps(kind: str, n: int) -> int:
    """Steps that must wait for the one before: 1 for attention (whatever n), n for an RNN."""
    validate.choice(kind, "kind", ("attention", "rnn"))
    n = validate.size(n, "n (sequence length)")
    return 1 if kind == "attention" else n


# --- the two layers that are measured -------------------------------------------------------


def rnn_layer(x: torch.Tensor, w_x: torch.Tensor, w_h: torch.Tensor) -> torch.Tensor:
    """h_t = tanh(x_t W_x + h_{t-1} W_h), h_0 = 0, one token after another; all hidden states.

    Shapes: x (B, T, C), w_x (C, C), w_h (C, C) -> (B, T, C).
    """
    validate.tensor(x, "x (B, T, C)", dims=3)
    for name, w in (("w_x", w_x), ("w_h", w_h)):
        validate.tensor(w, f"{name} (C, C)", dims=2)
        validate.same_dtype(x, w, "x (B, T, C)")
        if w.shape != (x.shape[-1], x.shape[-1]):
            raise ValueError(f"{name} must be (C, C) = {(x.shape[-1],) * 2} for x {tuple(x.shape)}, "
                             f"got {tuple(w.shape)}")
    h = x.new_zeros(x.shape[0], x.shape[-1])  # (B, C)
    states = []
    for t in range(x.shape[1]):  # step t needs h from step t - 1: n steps in a row
        h = torch.tanh(x[:, t] @ w_x + h @ w_h)  # (B, C) @ (C, C) -> (B, C)
        states.append(h)
    return torch.stack(states, dim=1)  # (B, T, C)


# --- measuring what runs ----------------------------------------------------------------------


def counted_flops(fn: Callable, *args, **kwargs) -> int:
    """FLOPs of the matrix products `fn(*args, **kwargs)` runs, by torch's FlopCounterMode (2 per multiply-add)."""
    _function(fn)
    with FlopCounterMode(display=False) as counter:
        fn(*args, **kwargs)
    return int(counter.get_total_flops())


class _OpCounter(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


def dispatched_ops(fn: Callable, *args, **kwargs) -> int:
    """How many aten operations `fn(*args, **kwargs)` runs, one after another, on the CPU."""
    _function(fn)
    with torch.no_grad(), _OpCounter() as counter:
        fn(*args, **kwargs)
    return counter.count


class _PeakTracker(TorchDispatchMode):
    """Bytes of the storages created inside the mode and still referenced; the largest sum seen."""

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[int, list[int]] = {}  # storage address -> [bytes, tensors using it]
        self.current = 0
        self.peak = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in (out,) if isinstance(out, torch.Tensor) else tree_leaves(out):
            if isinstance(t, torch.Tensor) and not any(t is a for a in args):  # in-place ops return an input
                self._track(t)
        return out

    def _track(self, t: torch.Tensor) -> None:
        storage = t.untyped_storage()
        key = storage.data_ptr()
        if key in self.live:  # a view of a storage already counted
            self.live[key][1] += 1
        else:
            self.live[key] = [storage.nbytes(), 1]
            self.current += storage.nbytes()
            self.peak = max(self.peak, self.current)
        weakref.finalize(t, self._release, key)

    def _release(self, key: int) -> None:
        entry = self.live[key]
        entry[1] -= 1
        if entry[1] == 0:
            self.current -= entry[0]
            del self.live[key]


def peak_tensor_bytes(fn: Callable, *args, **kwargs) -> int:
    """The most bytes of tensors created by `fn(*args, **kwargs)` that were alive at one time.

    Inputs are not counted; views share their storage and count once; the result is dropped
    at the end. Deterministic (it adds storage sizes), so the same call gives the same number.
    """
    _function(fn)
    with torch.no_grad(), _PeakTracker() as tracker:
        result = fn(*args, **kwargs)
        del result
    return tracker.peak


# Timings are CPU seconds of this process (time.process_time), not wall-clock seconds: what the computation
# costs, which other programs on a busy machine (the test suites run at once, a browser, a second kernel)
# inflate far less than they stretch the wall clock. With one torch thread (setup_notebook) the two agree
# on an idle machine.
_clock = time.process_time


def median_seconds(fn: Callable, *args, repeats: int = 3) -> float:
    """The median CPU time (`time.process_time`) of `fn(*args)` over `repeats` calls, after one warm-up call."""
    repeats = validate.size(repeats, "repeats")
    _function(fn)(*args)
    times = []
    for _repeat in range(repeats):
        start = _clock()
        fn(*args)
        times.append(_clock() - start)
    return statistics.median(times)


def fastest_seconds(fns: dict[str, Callable], *args, repeats: int = 7) -> dict[str, float]:
    """The fastest CPU time (`time.process_time`) of each `fn(*args)`, the calls interleaved (a, b, a, b, ...).

    For comparing two ways of doing the same thing on a busy machine: the other load only ever
    adds time, and interleaving gives every function the same quiet moments, so the minimum of
    each is a fair comparison where two medians taken one after the other are not.
    """
    repeats = validate.size(repeats, "repeats")
    if not isinstance(fns, dict) or not fns:
        got = "an empty dict" if isinstance(fns, dict) else type(fns).__name__
        raise TypeError(f"fns must be a non-empty dict of name -> function, got {got}")
    for fn in fns.values():
        _function(fn)(*args)  # warm-up
    best = dict.fromkeys(fns, math.inf)
    for _repeat in range(repeats):
        for name, fn in fns.items():
            start = _clock()
            fn(*args)
            best[name] = min(best[name], _clock() - start)
    return best


def fit_exponent(ns: Sequence[float], values: Sequence[float]) -> float:
    """The slope p of log(values) against log(ns) by least squares: values ≈ c·nᵖ.

    Shapes: ns (K,), values (K,), K >= 2, every entry finite and > 0 -> a float.
    """
    n, v = np.asarray(ns, dtype=float), np.asarray(values, dtype=float)
    if n.ndim != 1 or v.ndim != 1:
        raise ValueError(f"ns and values must be 1-D sequences (K,), got shapes {n.shape} and {v.shape}")
    if n.shape != v.shape or n.size < 2:
        raise ValueError(f"need at least 2 (n, value) pairs of equal length, got {n.size} and {v.size}")
    for name, a in (("ns", n), ("values", v)):
        if not (np.isfinite(a).all() and (a > 0).all()):
            raise ValueError(f"{name} must be finite and > 0 (the fit takes their logarithms), "
                             f"got entries from {a.min():g} to {a.max():g}")
    if n.min() == n.max():
        raise ValueError(f"ns must hold at least 2 different sizes to fit a slope, got every n = {n[0]:g}")
    return float(np.polyfit(np.log(n), np.log(v), 1)[0])


# --- the grid the notebook and its widget show -------------------------------------------------


@dataclass(frozen=True)
class CostGrid:
    """Measured time and memory over n (columns) and d (rows). Shapes: every array (len(ds), len(ns))."""

    ns: tuple[int, ...]
    ds: tuple[int, ...]
    batch: int
    attention_seconds: np.ndarray  # lib's scaled_dot_product_attention
    rnn_seconds: np.ndarray  # rnn_layer
    attention_bytes: np.ndarray  # peak tensor bytes of scaled_dot_product_attention, one sequence
    chunked_bytes: np.ndarray  # peak tensor bytes of chunked_attention
    rnn_bytes: np.ndarray  # peak tensor bytes of rnn_layer (it keeps every hidden state)

    def __post_init__(self) -> None:
        want = (len(self.ds), len(self.ns))
        for name in ("attention_seconds", "rnn_seconds", "attention_bytes", "chunked_bytes", "rnn_bytes"):
            got = np.shape(getattr(self, name))
            if got != want:
                raise ValueError(f"CostGrid.{name} must have shape (len(ds), len(ns)) = {want}, got {got}")


def _grid_axes(ns, ds) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """ns and ds as tuples of whole numbers >= 1, each non-empty."""
    axes = []
    for name, values, label in (("ns", ns, "n (sequence length)"), ("ds", ds, "d (d_model)")):
        if isinstance(values, str | torch.Tensor) or not isinstance(values, Sequence | np.ndarray):
            raise TypeError(f"{name} must be a sequence of sizes such as (64, 128, 256), got {type(values).__name__} "
                            f"{values!r}")
        if len(values) == 0:
            raise ValueError(f"{name} is empty: give at least one size")
        axes.append(tuple(validate.size(v, label) for v in values))
    return axes[0], axes[1]


def _inputs(batch: int, n: int, d: int, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    return tuple(torch.randn(batch, n, d, generator=gen) for _ in range(3))  # q, k, v: (B, T, C)


def memory_grid(ns: Sequence[int], ds: Sequence[int], *, batch: int = 1, chunk_size: int = 64,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Peak tensor bytes of plain attention, chunked attention and the RNN; each (len(ds), len(ns))."""
    ns, ds = _grid_axes(ns, ds)
    batch, chunk_size = validate.size(batch, "batch"), validate.size(chunk_size, "chunk_size")
    gen = torch.Generator().manual_seed(0)
    plain, chunked, rnn = (np.zeros((len(ds), len(ns))) for _ in range(3))
    for i, d in enumerate(ds):
        w = torch.randn(d, d, generator=gen) / d**0.5  # (C, C), as w_x and w_h
        for j, n in enumerate(ns):
            q, k, v = _inputs(batch, n, d, gen)
            plain[i, j] = peak_tensor_bytes(scaled_dot_product_attention, q, k, v)
            chunked[i, j] = peak_tensor_bytes(chunked_attention, q, k, v, chunk_size=chunk_size)
            rnn[i, j] = peak_tensor_bytes(rnn_layer, q, w, w)
    return plain, chunked, rnn


def time_grid(ns: Sequence[int], ds: Sequence[int], *, batch: int = 16, repeats: int = 3,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Median seconds of lib's attention and of `rnn_layer` on (B, n, d) inputs, each (len(ds), len(ns))."""
    ns, ds = _grid_axes(ns, ds)
    batch, repeats = validate.size(batch, "batch"), validate.size(repeats, "repeats")
    gen = torch.Generator().manual_seed(0)
    att, rnn = np.zeros((len(ds), len(ns))), np.zeros((len(ds), len(ns)))
    with torch.inference_mode():
        for i, d in enumerate(ds):
            w_x, w_h = torch.randn(d, d, generator=gen) / d**0.5, torch.randn(d, d, generator=gen) / d**0.5
            for j, n in enumerate(ns):
                q, k, v = _inputs(batch, n, d, gen)
                att[i, j] = median_seconds(scaled_dot_product_attention, q, k, v, repeats=repeats)
                rnn[i, j] = median_seconds(rnn_layer, q, w_x, w_h, repeats=repeats)
    return att, rnn


def measure_grid(ns: Sequence[int], ds: Sequence[int], *, batch: int = 16, repeats: int = 3,
                 chunk_size: int = 64) -> CostGrid:
    """Time (median of `repeats`, on a batch) and peak memory (of one sequence) over every (d, n)."""
    ns, ds = _grid_axes(ns, ds)
    batch, repeats = validate.size(batch, "batch"), validate.size(repeats, "repeats")
    chunk_size = validate.size(chunk_size, "chunk_size")
    att, rnn = time_grid(ns, ds, batch=batch, repeats=repeats)
    plain, chunked, rnn_mem = memory_grid(ns, ds, batch=1, chunk_size=chunk_size)
    return CostGrid(ns, ds, batch, att, rnn, plain, chunked, rnn_mem)
