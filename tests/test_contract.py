"""lib's input contract (lib/validate.py), probed: one table of bad inputs for every public name.

Every public function and class of the concept modules must answer a bad input with a
TypeError or ValueError that names what it got and what it expected, never an
AttributeError/IndexError from deep inside torch, a silent broadcast, a NaN or a hang.
Each row of PROBES feeds one bad input to one public name and asserts the exception type
and a regex on its message (the offending value or shape, and the fix where there is one).

A row with `bug=` is a known gap in lib: a strict xfail, so it turns red (XPASS) the day lib
is fixed and the note can go. `test_every_public_name_is_probed` fails when lib grows a
public name without a row here, so the contract keeps up with lib.

The probes look their target up by name (`lib_object`) instead of importing it, so the same
table can be run against an older lib (a `git worktree` of an earlier commit) for comparison.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import math
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

CONCEPT_MODULES = (
    "attention", "softmax", "variance", "stats", "heads", "masks",
    "positional", "schedules", "blocks", "model", "data", "train",
)

# lib modules outside the contract's table, each with the reason; every other lib/*.py must be in
# CONCEPT_MODULES, so a new concept module cannot slip past the contract unnoticed.
NOT_CONCEPT_MODULES = {
    "validate": "the contract itself (tested through every row below)",
    "plots": "drawing helpers into a matplotlib ax, no formula",
    "notebook": "setup_notebook(seed=...), the notebooks' one set-up line",
    # New concept modules, uncommitted when this table was written: they need rows, then move
    # to CONCEPT_MODULES. Listed here so the gap is visible, not silent.
    "complexity": "PENDING: new module, no probes yet",
    "normalization": "PENDING: new module, no probes yet",
    "residual": "PENDING: new module, no probes yet",
    "rnn": "PENDING: new module, no probes yet",
}

# Public names that need no probe, each with the reason. Everything else needs a row in PROBES.
NOT_PROBED = {
    "softmax.JACOBIAN_ENTRY_LIMIT": "a constant (1/4): takes no input",
    "variance.PRODUCT_KURTOSIS": "a constant (9): takes no input",
    "data.TASKS": "a dict of the task functions; toy_task(task=...) is probed instead",
    "data.DATE_FORMATS": "a tuple of format names; format_date(fmt=...) is probed instead",
    "data.MONTHS": "a constant (month names)",
    "data.WEEKDAYS": "a constant (weekday names)",
    "data.WEEKDAYS_KO": "a constant (Korean weekday names)",
    "data.FIRST_YEAR": "a constant (1950)",
    "data.LAST_YEAR": "a constant (2049)",
    "data.SPECIALS": "a constant (the tokenizer's special tokens)",
    "data.PAD": "a constant (0)",
    "data.BOS": "a constant (1)",
    "data.EOS": "a constant (2)",
    "data.UNK": "a constant (3)",
    "train.DATE_RECIPE": "a dict of settings; train_date_model(**overrides) is probed instead",
    "train.IGNORE": "a constant (-100): takes no input",
}


def lib_object(target: str):
    """'heads.MultiHeadAttention.from_torch' -> that object, looked up in lib.heads."""
    module, *attrs = target.split(".")
    obj = importlib.import_module(f"lib.{module}")
    for attr in attrs:
        obj = getattr(obj, attr)
    return obj


@dataclass(frozen=True)
class Probe:
    target: str  # the public name under test, "module.name" or "module.Class.method"
    bad: str  # the bad input, in a few words: the test id
    call: Callable[[object], object]  # feeds the bad input to the target (given as argument)
    error: type[Exception]  # TypeError or ValueError
    match: str  # regex the message must contain: what came in, and what was expected
    not_match: str = ""  # regex the message must NOT contain (e.g. calling a bool mask non-boolean)
    bug: str = ""  # a known gap in lib: what happens today (the row is a strict xfail)

    @property
    def id(self) -> str:
        return f"{self.target}: {self.bad}"


# --- inputs and message patterns --------------------------------------------------------------
NAN, INF = math.nan, math.inf


def x(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A tensor of that shape, values spread over [-1, 1] (a probe does not care which)."""
    return torch.linspace(-1.0, 1.0, math.prod(shape), dtype=dtype).reshape(shape)


def np_x(*shape: int) -> np.ndarray:
    """A float64 NumPy array, what np.random and np.linspace give."""
    return x(*shape, dtype=torch.float64).numpy()


def ids(*shape: int, high: int = 5) -> torch.Tensor:
    """Token ids 0, 1, ..., high-1, 0, 1, ... in that shape."""
    return torch.arange(math.prod(shape)).reshape(shape) % high


def yes(*shape: int) -> torch.Tensor:
    """An all-True boolean mask (everything may attend)."""
    return torch.ones(shape, dtype=torch.bool)


def uniform(*shape: int) -> torch.Tensor:
    """Softmax weights: every row uniform."""
    return torch.full(shape, 1.0 / shape[-1])


def tiny_model(cls=None):
    """A one-layer TransformerEncoder over 10 symbols (d_model 8, 2 heads)."""
    cls = cls or lib_object("model.TransformerEncoder")
    return cls(10, 10, d_model=8, n_heads=2, d_ff=16, n_layers=1)


def fit(train_fn, batches, *, optimizer=None, **kw):
    """train_fn (lib.train.train) on a tiny model and `batches`."""
    model = tiny_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1) if optimizer is None else optimizer
    return train_fn(model, opt, batches, **kw)


def tiny_transformer(cls=None):
    """A one-layer encoder-decoder Transformer: 10 source symbols, 12 target symbols, max_len 8."""
    cls = cls or lib_object("model.Transformer")
    return cls(10, 12, d_model=8, n_heads=2, d_ff=16, n_layers=1, max_len=8)


def abc_tokenizer():
    """A CharTokenizer over 'abc' (ids 4, 5, 6 after the four specials), at most 5 tokens."""
    return lib_object("data.CharTokenizer")("abc", max_len=5)


def in_tmp(fn):
    """fn(folder) inside a temporary folder that is removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        return fn(Path(folder))


def write(folder: Path, text: str) -> Path:
    (folder / "rows.tsv").write_text(text, encoding="utf-8")
    return folder / "rows.tsv"


def date_model(train_date_model, src, tgt, vocab_size: int, **settings):
    """train_date_model for one tiny step (unless `settings` say otherwise), its global reseeding undone."""
    small = {"steps": 1, "warmup": 1, "batch_size": 2, "d_model": 8, "n_heads": 2, "d_ff": 8, "n_layers": 1}
    with torch.random.fork_rng(devices=[]):
        return train_date_model(src, tgt, vocab_size, **{**small, **settings})


def esc(shape) -> str:
    return re.escape(str(tuple(shape)))


def numpy_array(shape, dtype: str = "float64") -> str:
    return rf"got a NumPy array of dtype {dtype} and shape {esc(shape)}.*torch\.from_numpy"


GOT_LIST = r"got a list.*torch\.tensor"
CLAIMS_NOT_BOOLEAN = r"must be boolean|not boolean|got dtype"  # wrong about a NumPy bool mask


def float_mask(dtype: str = "float32") -> str:
    return rf"must be boolean \(True = may attend\), got dtype torch\.{dtype}"


def too_small(name: str, got, minimum: int = 1) -> str:
    return rf"{name}\b.* must be >= {minimum}, got {got}"


def not_whole(name: str, got: str) -> str:
    return rf"{name}\b.* must be a whole number >= \d+, got {got}"


def not_finite(name: str, got: str) -> str:
    return rf"{name}\b.* must be a finite number, got {got}"


def outside(name: str, interval: str, got: str) -> str:
    return rf"{name}\b.* must lie in {re.escape(interval)}, got {got}"


def empty(shape) -> str:
    return rf"is empty \(shape {esc(shape)}\)"


def no_broadcast(shape, target) -> str:
    return rf"of shape {esc(shape)} does not broadcast to {esc(target)}"


def f64_layer(name: str) -> str:
    label = rf"{name}( \([A-Z, ]+\))?"  # "memory" or "memory (B, S, C)"
    return rf"{label} has dtype torch\.float64 but the layer's weights are torch\.float32; use {name}\.float\(\)"


# --- the table ------------------------------------------------------------------------------------
# One block per module, in the order of CONCEPT_MODULES. q (3, 4), k and v (5, 4) unless a row says.
PROBES = [
    # lib.attention
    Probe("attention.scale_factor", "d_k=0", lambda f: f(0), ValueError, too_small("d_k", 0)),
    Probe("attention.scale_factor", "d_k=-8", lambda f: f(-8), ValueError, too_small("d_k", -8)),
    Probe("attention.scale_factor", "d_k=2.5", lambda f: f(2.5), TypeError, not_whole("d_k", "float 2.5")),
    Probe("attention.scale_factor", "scale=True", lambda f: f(4, True), TypeError,
          r"scale\b.* must be a number, got bool True"),
    Probe("attention.scale_factor", "scale=0", lambda f: f(4, 0), ValueError, outside("scale", "(0, inf)", "0")),
    Probe("attention.scale_factor", "scale=-1", lambda f: f(4, -1), ValueError, outside("scale", "(0, inf)", "-1")),
    Probe("attention.scale_factor", "scale=nan", lambda f: f(4, NAN), ValueError, not_finite("scale", "nan")),
    Probe("attention.check_qkv", "NumPy q", lambda f: f(np_x(3, 4), x(5, 4), x(5, 4)), TypeError,
          numpy_array((3, 4))),
    Probe("attention.check_qkv", "list v", lambda f: f(x(3, 4), x(5, 4), [[0.0] * 4] * 5), TypeError, GOT_LIST),
    Probe("attention.check_qkv", "int k", lambda f: f(x(3, 4), ids(5, 4), x(5, 4)), TypeError,
          r"k must be a float32 or float64 tensor, got dtype torch\.int64; use k\.float\(\)"),
    Probe("attention.check_qkv", "float64 q, float32 k and v", lambda f: f(x(3, 4).double(), x(5, 4), x(5, 4)),
          TypeError, r"share one dtype, got torch\.float64, torch\.float32, torch\.float32"),
    Probe("attention.check_qkv", "q and k of different D", lambda f: f(x(3, 4), x(5, 6), x(5, 4)), ValueError,
          r"q \(3, 4\) is \(\.\.\., T, 4\), k \(5, 6\) is \(\.\.\., S, 6\)"),
    Probe("attention.check_qkv", "k and v of different S", lambda f: f(x(3, 4), x(5, 4), x(6, 4)), ValueError,
          r"k \(5, 4\) has S=5, v \(6, 4\) has S=6"),
    Probe("attention.check_qkv", "batch dims that do not broadcast",
          lambda f: f(x(2, 3, 4), x(3, 5, 4), x(3, 5, 4)), ValueError, r"q \(2, 3, 4\) and k \(3, 5, 4\)"),
    Probe("attention.check_qkv", "1-D q", lambda f: f(x(4), x(5, 4), x(5, 4)), ValueError,
          r"q must have at least 2 dimensions, got shape \(4,\)"),
    Probe("attention.check_qkv", "empty k", lambda f: f(x(3, 4), x(0, 4), x(0, 4)), ValueError, empty((0, 4))),
    Probe("attention.check_mask", "float 0/1 mask", lambda f: f(torch.ones(3, 5), torch.Size((3, 5))), TypeError,
          float_mask()),
    Probe("attention.check_mask", "NumPy bool mask", lambda f: f(np.ones((3, 5), bool), torch.Size((3, 5))),
          TypeError, numpy_array((3, 5), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("attention.check_mask", "mask (3, 4) for scores (3, 5)", lambda f: f(yes(3, 4), torch.Size((3, 5))),
          ValueError, no_broadcast((3, 4), (3, 5))),
    Probe("attention.check_mask", "mask (2, 3, 5) that grows scores (3, 5)",
          lambda f: f(yes(2, 3, 5), torch.Size((3, 5))), ValueError, no_broadcast((2, 3, 5), (3, 5))),
    Probe("attention.attention_scores", "NumPy k", lambda f: f(x(3, 4), np_x(5, 4)), TypeError, numpy_array((5, 4))),
    Probe("attention.attention_scores", "int q", lambda f: f(ids(3, 4), x(5, 4)), TypeError,
          r"got dtype torch\.int64; use q\.float\(\)"),
    Probe("attention.attention_scores", "1-D q", lambda f: f(x(4), x(5, 4)), ValueError,
          r"q must have at least 2 dimensions, got shape \(4,\)"),
    Probe("attention.attention_scores", "q and k of different D", lambda f: f(x(3, 4), x(5, 6)), ValueError,
          r"q \(3, 4\) and k \(5, 6\) must share the feature size"),
    Probe("attention.attention_scores", "scale=True", lambda f: f(x(3, 4), x(5, 4), scale=True), TypeError,
          r"scale\b.* must be a number, got bool True"),
    Probe("attention.attention_scores", "scale=0", lambda f: f(x(3, 4), x(5, 4), scale=0), ValueError,
          outside("scale", "(0, inf)", "0")),
    Probe("attention.attention_scores", "scale=nan", lambda f: f(x(3, 4), x(5, 4), scale=NAN), ValueError,
          not_finite("scale", "nan")),
    Probe("attention.attention_scores", "empty q", lambda f: f(x(0, 4), x(5, 4)), ValueError, empty((0, 4))),
    Probe("attention.masked_softmax", "NumPy scores", lambda f: f(np_x(3, 5)), TypeError, numpy_array((3, 5))),
    Probe("attention.masked_softmax", "float 0/1 mask", lambda f: f(x(3, 5), torch.ones(3, 5)), TypeError,
          float_mask()),
    Probe("attention.masked_softmax", "int 0/1 mask", lambda f: f(x(3, 5), torch.ones(3, 5, dtype=torch.int64)),
          TypeError, float_mask("int64")),
    Probe("attention.masked_softmax", "NumPy bool mask", lambda f: f(x(3, 5), np.ones((3, 5), bool)), TypeError,
          numpy_array((3, 5), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("attention.masked_softmax", "mask (3, 4) for scores (3, 5)", lambda f: f(x(3, 5), yes(3, 4)),
          ValueError, no_broadcast((3, 4), (3, 5))),
    Probe("attention.masked_softmax", "empty scores", lambda f: f(x(3, 0)), ValueError, empty((3, 0))),
    Probe("attention.scaled_dot_product_attention", "NumPy q", lambda f: f(np_x(3, 4), x(5, 4), x(5, 4)),
          TypeError, numpy_array((3, 4))),
    Probe("attention.scaled_dot_product_attention", "list k", lambda f: f(x(3, 4), [[0.0] * 4] * 5, x(5, 4)),
          TypeError, GOT_LIST),
    Probe("attention.scaled_dot_product_attention", "float 0/1 mask",
          lambda f: f(x(3, 4), x(5, 4), x(5, 4), torch.ones(3, 5)), TypeError, float_mask()),
    Probe("attention.scaled_dot_product_attention", "NumPy bool mask",
          lambda f: f(x(3, 4), x(5, 4), x(5, 4), np.ones((3, 5), bool)), TypeError, numpy_array((3, 5), "bool"),
          not_match=CLAIMS_NOT_BOOLEAN),
    Probe("attention.scaled_dot_product_attention", "mask (5, 3) for scores (3, 5)",
          lambda f: f(x(3, 4), x(5, 4), x(5, 4), yes(5, 3)), ValueError, no_broadcast((5, 3), (3, 5))),
    Probe("attention.scaled_dot_product_attention", "k and v of different S",
          lambda f: f(x(3, 4), x(5, 4), x(6, 4)), ValueError, r"k \(5, 4\) has S=5, v \(6, 4\) has S=6"),
    Probe("attention.scaled_dot_product_attention", "empty q", lambda f: f(x(0, 4), x(5, 4), x(5, 4)), ValueError,
          empty((0, 4))),
    Probe("attention.scaled_dot_product_attention", "scale=0", lambda f: f(x(3, 4), x(5, 4), x(5, 4), scale=0),
          ValueError, outside("scale", "(0, inf)", "0")),
    Probe("attention.scaled_dot_product_attention", "scale=nan",
          lambda f: f(x(3, 4), x(5, 4), x(5, 4), scale=NAN), ValueError, not_finite("scale", "nan")),
    Probe("attention.scaled_dot_product_attention", "scale=True",
          lambda f: f(x(3, 4), x(5, 4), x(5, 4), scale=True), TypeError, r"scale\b.* must be a number, got bool True"),
    Probe("attention.chunked_attention", "chunk_size=0", lambda f: f(x(3, 4), x(5, 4), x(5, 4), chunk_size=0),
          ValueError, too_small("chunk_size", 0)),
    Probe("attention.chunked_attention", "chunk_size=2.5", lambda f: f(x(3, 4), x(5, 4), x(5, 4), chunk_size=2.5),
          TypeError, not_whole("chunk_size", "float 2.5")),
    Probe("attention.chunked_attention", "NumPy v", lambda f: f(x(3, 4), x(5, 4), np_x(5, 4)), TypeError,
          numpy_array((5, 4))),
    Probe("attention.chunked_attention", "float 0/1 mask",
          lambda f: f(x(3, 4), x(5, 4), x(5, 4), torch.ones(3, 5)), TypeError, float_mask()),
    Probe("attention.chunked_attention", "mask (3, 4) for scores (3, 5)",
          lambda f: f(x(3, 4), x(5, 4), x(5, 4), yes(3, 4)), ValueError, no_broadcast((3, 4), (3, 5))),
    Probe("attention.chunked_attention", "scale=nan", lambda f: f(x(3, 4), x(5, 4), x(5, 4), scale=NAN),
          ValueError, not_finite("scale", "nan")),
    Probe("attention.chunked_attention", "empty k and v", lambda f: f(x(3, 4), x(0, 4), x(0, 4)), ValueError,
          empty((0, 4))),
    # lib.softmax
    Probe("softmax.softmax_entropy", "NumPy weights", lambda f: f(np.full((2, 4), 0.25)), TypeError,
          numpy_array((2, 4))),
    Probe("softmax.softmax_entropy", "scores instead of weights", lambda f: f(x(2, 4)), ValueError,
          r"takes softmax weights p .*not scores; got shape \(2, 4\) with row sums from"),
    Probe("softmax.softmax_entropy", "NaN weights", lambda f: f(torch.full((2, 4), NAN)), ValueError,
          r"got shape \(2, 4\) with row sums from nan"),
    Probe("softmax.softmax_entropy", "empty weights", lambda f: f(x(2, 0)), ValueError, empty((2, 0))),
    Probe("softmax.max_weight", "NumPy weights", lambda f: f(np.full((2, 4), 0.25)), TypeError,
          numpy_array((2, 4))),
    Probe("softmax.max_weight", "scores instead of weights", lambda f: f(x(2, 4)), ValueError,
          r"takes softmax weights p .*got shape \(2, 4\)"),
    Probe("softmax.softmax_jacobian", "list weights", lambda f: f([0.5, 0.5]), TypeError, GOT_LIST),
    Probe("softmax.softmax_jacobian", "scores instead of weights", lambda f: f(x(2, 4)), ValueError,
          r"takes softmax weights p .*got shape \(2, 4\)"),
    Probe("softmax.softmax_jacobian", "empty weights", lambda f: f(x(0, 4)), ValueError, empty((0, 4))),
    Probe("softmax.jacobian_norm", "NumPy weights", lambda f: f(np.full((2, 4), 0.25)), TypeError,
          numpy_array((2, 4))),
    Probe("softmax.jacobian_norm", "scores instead of weights", lambda f: f(x(2, 4)), ValueError,
          r"takes softmax weights p .*got shape \(2, 4\)"),
    Probe("softmax.jacobian_bound", "NumPy weights", lambda f: f(np.full((2, 4), 0.25)), TypeError,
          numpy_array((2, 4))),
    Probe("softmax.jacobian_bound", "scores instead of weights", lambda f: f(x(2, 4)), ValueError,
          r"takes softmax weights p .*got shape \(2, 4\)"),
    Probe("softmax.prefix_scores", "d_k=0", lambda f: f(x(3, 8), x(5, 8), 0, scale=None), ValueError,
          too_small("d_k", 0)),
    Probe("softmax.prefix_scores", "d_k=9 > D=8", lambda f: f(x(3, 8), x(5, 8), 9, scale=None), ValueError,
          r"d_k must be in 1\.\.8 \(the feature size of q \(3, 8\)\), got 9"),
    Probe("softmax.prefix_scores", "d_k=2.5", lambda f: f(x(3, 8), x(5, 8), 2.5, scale=None), TypeError,
          not_whole("d_k", "float 2.5")),
    Probe("softmax.prefix_scores", "NumPy q", lambda f: f(np_x(3, 8), x(5, 8), 2, scale=None), TypeError,
          numpy_array((3, 8))),
    Probe("softmax.prefix_scores", "q and k of different D", lambda f: f(x(3, 8), x(5, 6), 2, scale=None),
          ValueError, r"q \(3, 8\) and k \(5, 6\) must share the feature size"),
    Probe("softmax.prefix_scores", "scale=0", lambda f: f(x(3, 8), x(5, 8), 2, scale=0), ValueError,
          outside("scale", "(0, inf)", "0")),
    Probe("softmax.prefix_scores", "scale=nan", lambda f: f(x(3, 8), x(5, 8), 2, scale=NAN), ValueError,
          not_finite("scale", "nan")),
    Probe("softmax.attention_grad_norms", "d_k=0", lambda f: f(0, scale=None), ValueError, too_small("d_k", 0)),
    Probe("softmax.attention_grad_norms", "n_keys=0", lambda f: f(4, scale=None, n_keys=0), ValueError,
          too_small("n_keys", 0)),
    Probe("softmax.attention_grad_norms", "d_v=2.5", lambda f: f(4, scale=None, d_v=2.5), TypeError,
          not_whole("d_v", "float 2.5")),
    Probe("softmax.attention_grad_norms", "n_trials=-1", lambda f: f(4, scale=None, n_trials=-1), ValueError,
          too_small("n_trials", -1)),
    Probe("softmax.attention_grad_norms", "scale=nan", lambda f: f(4, scale=NAN, n_trials=4), ValueError,
          not_finite("scale", "nan")),
    Probe("softmax.attention_grad_norms", "scale=0", lambda f: f(4, scale=0, n_trials=4), ValueError,
          outside("scale", "(0, inf)", "0")),
    Probe("softmax.attention_grad_norms", "seed=1.5", lambda f: f(4, scale=None, n_trials=4, seed=1.5), TypeError,
          not_whole("seed", "float 1.5")),
    Probe("softmax.naive_masked_softmax", "NumPy scores", lambda f: f(np_x(3, 5), yes(3, 5)), TypeError,
          numpy_array((3, 5))),
    Probe("softmax.naive_masked_softmax", "float 0/1 mask", lambda f: f(x(3, 5), torch.ones(3, 5)), TypeError,
          float_mask()),
    Probe("softmax.naive_masked_softmax", "NumPy bool mask", lambda f: f(x(3, 5), np.ones((3, 5), bool)),
          TypeError, numpy_array((3, 5), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("softmax.naive_masked_softmax", "mask (3, 4) for scores (3, 5)", lambda f: f(x(3, 5), yes(3, 4)),
          ValueError, no_broadcast((3, 4), (3, 5))),
    Probe("softmax.naive_masked_softmax", "mask (2, 3, 5) that grows scores (3, 5)",
          lambda f: f(x(3, 5), yes(2, 3, 5)), ValueError, no_broadcast((2, 3, 5), (3, 5))),
    # lib.variance
    Probe("variance.sample_qk", "n=0", lambda f: f(0, 4), ValueError, too_small("n", 0)),
    Probe("variance.sample_qk", "d_k=0", lambda f: f(10, 0), ValueError, too_small("d_k", 0)),
    Probe("variance.sample_qk", "d_k=2.5", lambda f: f(10, 2.5), TypeError, not_whole("d_k", "float 2.5")),
    Probe("variance.sample_qk", "sigma_q=0", lambda f: f(10, 4, sigma_q=0), ValueError,
          outside("sigma_q", "(0, inf)", "0")),
    Probe("variance.sample_qk", "sigma_k=-1", lambda f: f(10, 4, sigma_k=-1), ValueError,
          outside("sigma_k", "(0, inf)", "-1")),
    Probe("variance.sample_qk", "sigma_q=nan", lambda f: f(10, 4, sigma_q=NAN), ValueError,
          not_finite("sigma_q", "nan")),
    Probe("variance.sample_qk", "dtype=torch.int64", lambda f: f(10, 4, dtype=torch.int64), TypeError,
          r"dtype must be .*float.*got torch\.int64"),
    Probe("variance.pair_scores", "NumPy q", lambda f: f(np_x(6, 4), x(6, 4), scale=None), TypeError,
          numpy_array((6, 4))),
    Probe("variance.pair_scores", "q and k of different shapes", lambda f: f(x(6, 4), x(5, 4), scale=None),
          ValueError, r"got q \(6, 4\) and k \(5, 4\)"),
    Probe("variance.pair_scores", "scale=0", lambda f: f(x(6, 4), x(6, 4), scale=0), ValueError,
          outside("scale", "(0, inf)", "0")),
    Probe("variance.pair_scores", "scale=nan", lambda f: f(x(6, 4), x(6, 4), scale=NAN), ValueError,
          not_finite("scale", "nan")),
    Probe("variance.pair_scores", "empty q and k", lambda f: f(x(0, 4), x(0, 4), scale=None), ValueError,
          empty((0, 4))),
    Probe("variance.running_scores", "NumPy k", lambda f: f(x(6, 4), np_x(6, 4)), TypeError, numpy_array((6, 4))),
    Probe("variance.running_scores", "3-D q and k", lambda f: f(x(2, 6, 4), x(2, 6, 4)), ValueError,
          r"q must have 2 dimensions, got shape \(2, 6, 4\)"),
    Probe("variance.running_scores", "q and k of different shapes", lambda f: f(x(6, 4), x(6, 3)), ValueError,
          r"got q \(6, 4\) and k \(6, 3\)"),
    Probe("variance.predicted_variance", "d_k=0", lambda f: f(0, scale=None), ValueError, too_small("d_k", 0)),
    Probe("variance.predicted_variance", "scale=nan", lambda f: f(4, scale=NAN), ValueError,
          not_finite("scale", "nan")),
    Probe("variance.predicted_variance", "scale=True", lambda f: f(4, scale=True), TypeError,
          r"scale\b.* must be a number, got bool True"),
    Probe("variance.predicted_variance", "sigma_q=inf", lambda f: f(4, scale=None, sigma_q=INF), ValueError,
          not_finite("sigma_q", "inf")),
    Probe("variance.score_kurtosis", "d_k=0", lambda f: f(0), ValueError, too_small("d_k", 0)),
    Probe("variance.score_kurtosis", "d_k=2.5", lambda f: f(2.5), TypeError, not_whole("d_k", "float 2.5")),
    Probe("variance.score_kurtosis", "d_k=True", lambda f: f(True), TypeError, not_whole("d_k", "bool True")),
    # lib.stats
    Probe("stats.variance_standard_error", "n=1", lambda f: f(1, 1.0), ValueError, too_small("n", 1, minimum=2)),
    Probe("stats.variance_standard_error", "n=2.5", lambda f: f(2.5, 1.0), TypeError, not_whole("n", "float 2.5")),
    Probe("stats.variance_standard_error", "variance=nan", lambda f: f(100, NAN), ValueError,
          not_finite("variance", "nan")),
    Probe("stats.variance_standard_error", "variance=-1", lambda f: f(100, -1.0), ValueError,
          outside("variance", "[0, inf)", "-1")),
    Probe("stats.variance_standard_error", "kurtosis=0.5", lambda f: f(100, 1.0, 0.5), ValueError,
          outside("kurtosis", "[1, inf)", "0.5")),
    Probe("stats.density_histogram", "empty values", lambda f: f([], [0.0, 1.0]), ValueError,
          r"values must be a non-empty vector \(N,\), got shape \(0,\)"),
    Probe("stats.density_histogram", "decreasing edges", lambda f: f([0.5], [2.0, 1.0, 0.0]), ValueError,
          r"edges must be an increasing vector .*got shape \(3,\)"),
    Probe("stats.density_histogram", "a single edge", lambda f: f([0.5], [1.0]), ValueError,
          r"edges must be an increasing vector \(E,\) with E >= 2, got shape \(1,\)"),
    Probe("stats.density_histogram", "NaN edge", lambda f: f([0.5], [0.0, NAN, 2.0]), ValueError,
          r"edges .*(finite|nan|increasing)"),
    Probe("stats.normal_pdf", "variance=0", lambda f: f([0.0], 0.0), ValueError, outside("variance", "(0, inf)", "0")),
    Probe("stats.normal_pdf", "variance=nan", lambda f: f([0.0], NAN), ValueError, not_finite("variance", "nan")),
    Probe("stats.normal_pdf", "variance=-1", lambda f: f([0.0], -1.0), ValueError,
          outside("variance", "(0, inf)", "-1")),
    Probe("stats.median_interval", "NumPy x", lambda f: f(np_x(100)), TypeError, numpy_array((100,))),
    Probe("stats.median_interval", "15 values", lambda f: f(x(15)), ValueError,
          r"at least 16 values, got shape \(15,\)"),
    Probe("stats.median_interval", "2-D x", lambda f: f(x(10, 10)), ValueError,
          r"x must have 1 dimension, got shape \(10, 10\)"),
    Probe("stats.median_interval", "z=nan", lambda f: f(x(100), z=NAN), ValueError, not_finite("z", "nan")),
    Probe("stats.median_interval", "z=inf", lambda f: f(x(100), z=INF), ValueError, not_finite("z", "inf")),
    Probe("stats.median_interval", "z=-1", lambda f: f(x(100), z=-1.0), ValueError, outside("z", "(0, inf)", "-1")),
    # lib.heads
    Probe("heads.check_heads", "d_model=8, n_heads=3", lambda f: f(8, 3), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("heads.check_heads", "d_model=0", lambda f: f(0, 2), ValueError, too_small("d_model", 0)),
    Probe("heads.check_heads", "n_heads=0", lambda f: f(8, 0), ValueError, too_small("n_heads", 0)),
    Probe("heads.check_heads", "n_heads=2.0", lambda f: f(8, 2.0), TypeError, not_whole("n_heads", "float 2.0")),
    Probe("heads.head_counts", "d_model=0", lambda f: f(0), ValueError, too_small("d_model", 0)),
    Probe("heads.head_counts", "d_model=-8", lambda f: f(-8), ValueError, too_small("d_model", -8)),
    Probe("heads.head_counts", "d_model=2.5", lambda f: f(2.5), TypeError, not_whole("d_model", "float 2.5")),
    Probe("heads.split_heads", "NumPy x", lambda f: f(np_x(2, 4, 8), 2), TypeError, numpy_array((2, 4, 8))),
    Probe("heads.split_heads", "2-D x", lambda f: f(x(4, 8), 2), ValueError,
          r"must have 3 dimensions, got shape \(4, 8\)"),
    Probe("heads.split_heads", "n_heads=3 for C=8", lambda f: f(x(2, 4, 8), 3), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("heads.split_heads", "n_heads=0", lambda f: f(x(2, 4, 8), 0), ValueError, too_small("n_heads", 0)),
    Probe("heads.merge_heads", "3-D x", lambda f: f(x(2, 4, 8)), ValueError,
          r"must have 4 dimensions, got shape \(2, 4, 8\)"),
    Probe("heads.merge_heads", "NumPy x", lambda f: f(np_x(2, 2, 4, 4)), TypeError, numpy_array((2, 2, 4, 4))),
    Probe("heads.MultiHeadAttention", "d_model=0", lambda c: c(0, 2), ValueError, too_small("d_model", 0)),
    Probe("heads.MultiHeadAttention", "d_model=-8", lambda c: c(-8, 2), ValueError, too_small("d_model", -8)),
    Probe("heads.MultiHeadAttention", "d_model=8, n_heads=3", lambda c: c(8, 3), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("heads.MultiHeadAttention", "d_model=8.0", lambda c: c(8.0, 2), TypeError,
          not_whole("d_model", "float 8.0")),
    Probe("heads.MultiHeadAttention", "NumPy query", lambda c: c(8, 2)(np_x(2, 4, 8), x(2, 4, 8), x(2, 4, 8)),
          TypeError, numpy_array((2, 4, 8))),
    Probe("heads.MultiHeadAttention", "list key", lambda c: c(8, 2)(x(2, 4, 8), [[[0.0] * 8] * 4] * 2, x(2, 4, 8)),
          TypeError, GOT_LIST),
    Probe("heads.MultiHeadAttention", "float64 query, key, value",
          lambda c: c(8, 2)(*[x(2, 4, 8, dtype=torch.float64)] * 3), TypeError, f64_layer("query")),
    Probe("heads.MultiHeadAttention", "float64 value only",
          lambda c: c(8, 2)(x(2, 4, 8), x(2, 4, 8), x(2, 4, 8, dtype=torch.float64)), TypeError, f64_layer("value")),
    Probe("heads.MultiHeadAttention", "float 0/1 mask",
          lambda c: c(8, 2)(x(2, 4, 8), x(2, 4, 8), x(2, 4, 8), torch.ones(4, 4)), TypeError, float_mask()),
    Probe("heads.MultiHeadAttention", "int 0/1 mask",
          lambda c: c(8, 2)(x(2, 4, 8), x(2, 4, 8), x(2, 4, 8), torch.ones(4, 4, dtype=torch.int64)), TypeError,
          float_mask("int64")),
    Probe("heads.MultiHeadAttention", "NumPy bool mask",
          lambda c: c(8, 2)(x(2, 4, 8), x(2, 4, 8), x(2, 4, 8), np.ones((4, 4), bool)), TypeError,
          numpy_array((4, 4), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("heads.MultiHeadAttention", "mask (2, 4, 5) for T=S=4",
          lambda c: c(8, 2)(x(2, 4, 8), x(2, 4, 8), x(2, 4, 8), yes(2, 4, 5)), ValueError,
          no_broadcast((2, 4, 5), (2, 4, 4))),
    Probe("heads.MultiHeadAttention", "(B, S) padding mask without its query axis",
          lambda c: c(8, 2)(x(2, 4, 8), x(2, 3, 8), x(2, 3, 8), yes(2, 3)), ValueError,
          no_broadcast((2, 3), (2, 4, 3))),
    Probe("heads.MultiHeadAttention", "per-head mask for 3 heads, layer has 2",
          lambda c: c(8, 2)(x(2, 4, 8), x(2, 4, 8), x(2, 4, 8), yes(2, 3, 4, 4)), ValueError,
          no_broadcast((2, 3, 4, 4), (2, 2, 4, 4))),
    Probe("heads.MultiHeadAttention", "key and value of different lengths",
          lambda c: c(8, 2)(x(2, 4, 8), x(2, 5, 8), x(2, 6, 8)), ValueError,
          r"query \(2, 4, 8\), key \(2, 5, 8\), value \(2, 6, 8\)"),
    Probe("heads.MultiHeadAttention", "query of width 6 for d_model=8",
          lambda c: c(8, 2)(x(2, 4, 6), x(2, 4, 8), x(2, 4, 8)), ValueError,
          r"query must have shape \(B, length, d_model=8\), got \(2, 4, 6\)"),
    Probe("heads.MultiHeadAttention", "empty batch", lambda c: c(8, 2)(*[x(0, 4, 8)] * 3), ValueError,
          empty((0, 4, 8))),
    Probe("heads.MultiHeadAttention.from_torch", "nn.MultiheadAttention without batch_first",
          lambda f: f(nn.MultiheadAttention(8, 2)), ValueError, r"needs nn\.MultiheadAttention\(batch_first=True\)"),
    Probe("heads.MultiHeadAttention.from_torch", "an nn.Linear", lambda f: f(nn.Linear(8, 8)), TypeError,
          r"nn\.MultiheadAttention.*got (an? )?Linear"),
    Probe("heads.per_head_weights", "NumPy x", lambda f: f(np_x(3, 8), x(8, 8), x(8, 8), 2), TypeError,
          numpy_array((3, 8))),
    Probe("heads.per_head_weights", "w_q (8, 6)", lambda f: f(x(3, 8), x(8, 6), x(8, 8), 2), ValueError,
          r"got x \(3, 8\), w_q \(8, 6\), w_k \(8, 8\)"),
    Probe("heads.per_head_weights", "n_heads=3 for C=8", lambda f: f(x(3, 8), x(8, 8), x(8, 8), 3), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("heads.per_head_weights", "scale=nan", lambda f: f(x(3, 8), x(8, 8), x(8, 8), 2, scale=NAN), ValueError,
          not_finite("scale", "nan")),
    Probe("heads.per_head_weights", "float64 x, float32 weights",
          lambda f: f(x(3, 8, dtype=torch.float64), x(8, 8), x(8, 8), 2), TypeError,
          r"torch\.float64.*torch\.float32"),
    Probe("heads.mean_attention_distance", "NumPy weights", lambda f: f(np.full((4, 4), 0.25)), TypeError,
          numpy_array((4, 4))),
    Probe("heads.mean_attention_distance", "1-D weights", lambda f: f(uniform(4)), ValueError,
          r"must have at least 2 dimensions, got shape \(4,\)"),
    Probe("heads.mean_attention_distance", "empty weights", lambda f: f(x(0, 4)), ValueError, empty((0, 4))),
    # lib.masks
    Probe("masks.causal_mask", "T=2.5", lambda f: f(2.5), TypeError, not_whole("T", "float 2.5")),
    Probe("masks.causal_mask", "T=0", lambda f: f(0), ValueError, too_small("T", 0)),
    Probe("masks.causal_mask", "T=-3", lambda f: f(-3), ValueError, too_small("T", -3)),
    Probe("masks.causal_mask", "T=True", lambda f: f(True), TypeError, not_whole("T", "bool True")),
    Probe("masks.causal_mask", "T='3'", lambda f: f("3"), TypeError, not_whole("T", "str '3'")),
    Probe("masks.padding_mask", "a length 5 > S=4", lambda f: f([3, 5], 4), ValueError,
          r"lengths must lie in \[0, S=4\], got \[3, 5\]"),
    Probe("masks.padding_mask", "length -1", lambda f: f([-1], 4), ValueError, too_small("each length", -1, 0)),
    Probe("masks.padding_mask", "length 2.5", lambda f: f([2.5], 4), TypeError,
          not_whole("each length", "float 2.5")),
    Probe("masks.padding_mask", "NumPy float lengths", lambda f: f(np.array([1.5, 2.0]), 4), TypeError,
          not_whole("each length", "float64")),
    Probe("masks.padding_mask", "float tensor of lengths", lambda f: f(torch.tensor([1.0, 2.0]), 4), TypeError,
          r"lengths must be whole numbers, got a torch\.float32 tensor; use lengths\.long\(\)"),
    Probe("masks.padding_mask", "2-D lengths", lambda f: f(torch.tensor([[1, 2]]), 4), ValueError,
          r"lengths must be 1-D \(B,\), got shape \(1, 2\)"),
    Probe("masks.padding_mask", "S=0", lambda f: f([1], 0), ValueError, too_small("S", 0)),
    Probe("masks.padding_mask", "a bare int 3 instead of [3]", lambda f: f(3, 4), TypeError,
          r"lengths must be .*got int 3"),
    Probe("masks.padding_mask", "no lengths ([])", lambda f: f([], 4), ValueError, r"lengths .*empty"),
    Probe("masks.left_padding_mask", "a length 5 > S=4", lambda f: f([3, 5], 4), ValueError,
          r"lengths must lie in \[0, S=4\], got \[3, 5\]"),
    Probe("masks.left_padding_mask", "float tensor of lengths", lambda f: f(torch.tensor([1.0]), 4), TypeError,
          r"got a torch\.float32 tensor; use lengths\.long\(\)"),
    Probe("masks.left_padding_mask", "NumPy float lengths", lambda f: f(np.array([1.5]), 4), TypeError,
          not_whole("each length", "float64")),
    Probe("masks.left_padding_mask", "S=2.5", lambda f: f([1], 2.5), TypeError, not_whole("S", "float 2.5")),
    Probe("masks.combine_masks", "no mask", lambda f: f(), ValueError, r"needs at least one mask"),
    Probe("masks.combine_masks", "a float 0/1 mask", lambda f: f(yes(3, 3), torch.ones(3, 3)), TypeError,
          r"mask 1 " + float_mask()),
    Probe("masks.combine_masks", "NumPy bool mask", lambda f: f(np.ones((3, 3), bool)), TypeError,
          numpy_array((3, 3), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("masks.combine_masks", "shapes (2, 3) and (3, 3)", lambda f: f(yes(2, 3), yes(3, 3)), ValueError,
          r"masks of shapes \[\(2, 3\), \(3, 3\)\] do not broadcast together"),
    Probe("masks.sequence_mask", "n_pad=5 > T=4", lambda f: f(4, 5), ValueError, r"got T=4, n_pad=5"),
    Probe("masks.sequence_mask", "n_pad=-1", lambda f: f(4, -1), ValueError, too_small("n_pad", -1, 0)),
    Probe("masks.sequence_mask", "T=0", lambda f: f(0, 0), ValueError, too_small("T", 0)),
    Probe("masks.sequence_mask", "T=2.5", lambda f: f(2.5, 0), TypeError, not_whole("T", "float 2.5")),
    Probe("masks.sequence_mask", "pad_side='top'", lambda f: f(4, 1, pad_side="top"), ValueError,
          r"pad_side must be one of 'right', 'left'; got 'top'"),
    # lib.positional
    Probe("positional.sinusoidal_encoding", "n_positions=0", lambda f: f(0, 8), ValueError,
          too_small("n_positions", 0)),
    Probe("positional.sinusoidal_encoding", "d_model=0", lambda f: f(4, 0), ValueError, too_small("d_model", 0)),
    Probe("positional.sinusoidal_encoding", "n_positions=2.5", lambda f: f(2.5, 8), TypeError,
          not_whole("n_positions", "float 2.5")),
    Probe("positional.sinusoidal_encoding", "base=nan", lambda f: f(4, 8, base=NAN), ValueError,
          not_finite("base", "nan")),
    Probe("positional.sinusoidal_encoding", "base=inf", lambda f: f(4, 8, base=INF), ValueError,
          not_finite("base", "inf")),
    Probe("positional.sinusoidal_encoding", "base=1", lambda f: f(4, 8, base=1), ValueError,
          outside("base", "(1, inf)", "1")),
    Probe("positional.sinusoidal_encoding", "base=-10000", lambda f: f(4, 8, base=-10000), ValueError,
          outside("base", "(1, inf)", "-10000")),
    Probe("positional.sinusoidal_encoding", "base='10000'", lambda f: f(4, 8, base="10000"), TypeError,
          r"base must be a number, got str '10000'"),
    Probe("positional.offset_rotation", "odd d_model=7", lambda f: f(1, 7), ValueError,
          r"d_model must be even .*got d_model=7"),
    Probe("positional.offset_rotation", "d_model=0", lambda f: f(1, 0), ValueError, too_small("d_model", 0, 2)),
    Probe("positional.offset_rotation", "k=nan", lambda f: f(NAN, 8), ValueError, not_finite("k", "nan")),
    Probe("positional.offset_rotation", "base=1", lambda f: f(1, 8, base=1), ValueError,
          outside("base", "(1, inf)", "1")),
    Probe("positional.concatenated_columns", "d_model=0", lambda f: f(0), ValueError, too_small("d_model", 0)),
    Probe("positional.concatenated_columns", "d_model=2.5", lambda f: f(2.5), TypeError,
          not_whole("d_model", "float 2.5")),
    Probe("positional.sinusoidal_encoding_concatenated", "n_positions=0", lambda f: f(0, 8), ValueError,
          too_small("n_positions", 0)),
    Probe("positional.sinusoidal_encoding_concatenated", "base=nan", lambda f: f(4, 8, base=NAN), ValueError,
          not_finite("base", "nan")),
    Probe("positional.wavelengths", "d_model=0", lambda f: f(0), ValueError, too_small("d_model", 0)),
    Probe("positional.wavelengths", "base=nan", lambda f: f(8, base=NAN), ValueError, not_finite("base", "nan")),
    Probe("positional.wavelengths", "base=0.5", lambda f: f(8, base=0.5), ValueError,
          outside("base", "(1, inf)", "0.5")),
    Probe("positional.pe_similarity", "NumPy pe", lambda f: f(np_x(4, 8)), TypeError, numpy_array((4, 8))),
    Probe("positional.pe_similarity", "1-D pe", lambda f: f(x(8)), ValueError,
          r"must have 2 dimensions, got shape \(8,\)"),
    Probe("positional.pe_similarity", "empty pe", lambda f: f(x(0, 8)), ValueError, empty((0, 8))),
    # lib.schedules
    Probe("schedules.noam_lr", "factor=-1", lambda f: f(10, 64, 4000, factor=-1), ValueError,
          outside("factor", "(0, inf)", "-1")),
    Probe("schedules.noam_lr", "factor=nan", lambda f: f(10, 64, 4000, factor=NAN), ValueError,
          not_finite("factor", "nan")),
    Probe("schedules.noam_lr", "step=nan", lambda f: f(NAN, 64, 4000), ValueError, r"step must be finite, got NaN"),
    Probe("schedules.noam_lr", "step array with a NaN", lambda f: f(np.array([1.0, NAN, 3.0]), 64, 4000),
          ValueError, r"step must be finite, got NaN"),
    Probe("schedules.noam_lr", "step=-1", lambda f: f(-1, 64, 4000), ValueError, r"step must be >= 0, got min -1"),
    Probe("schedules.noam_lr", "step=1.5", lambda f: f(1.5, 64, 4000), ValueError, r"whole numbers.*1\.5"),
    Probe("schedules.noam_lr", "no steps ([])", lambda f: f([], 64, 4000), ValueError, r"step is empty"),
    Probe("schedules.noam_lr", "step as a torch tensor", lambda f: f(torch.tensor(5), 64, 4000), TypeError,
          r"step must be a whole number or an array of them, got Tensor"),
    Probe("schedules.noam_lr", "step='10'", lambda f: f("10", 64, 4000), TypeError,
          r"step must be a whole number or an array of them, got str"),
    Probe("schedules.noam_lr", "d_model=0", lambda f: f(10, 0, 4000), ValueError, too_small("d_model", 0)),
    Probe("schedules.noam_lr", "warmup=0", lambda f: f(10, 64, 0), ValueError, too_small("warmup", 0)),
    Probe("schedules.noam_lr", "warmup=2.5", lambda f: f(10, 64, 2.5), TypeError, not_whole("warmup", "float 2.5")),
    Probe("schedules.inverse_sqrt_lr", "step=nan", lambda f: f(NAN, 64, 4000), ValueError,
          r"step must be finite, got NaN"),
    Probe("schedules.inverse_sqrt_lr", "step=-1", lambda f: f(-1, 64, 4000), ValueError,
          r"step must be >= 0, got min -1"),
    Probe("schedules.inverse_sqrt_lr", "factor=0", lambda f: f(10, 64, 4000, factor=0), ValueError,
          outside("factor", "(0, inf)", "0")),
    Probe("schedules.inverse_sqrt_lr", "warmup=0", lambda f: f(10, 64, 0), ValueError, too_small("warmup", 0)),
    Probe("schedules.noam_lambda", "d_model=0", lambda f: f(0, 4000), ValueError, too_small("d_model", 0)),
    Probe("schedules.noam_lambda", "warmup=-1", lambda f: f(64, -1), ValueError, too_small("warmup", -1)),
    Probe("schedules.noam_lambda", "factor=nan", lambda f: f(64, 4000, factor=NAN), ValueError,
          not_finite("factor", "nan")),
    Probe("schedules.warmup_linear_decay", "peak=0", lambda f: f(5, peak=0, warmup=10, total=100), ValueError,
          outside("peak", "(0, inf)", "0")),
    Probe("schedules.warmup_linear_decay", "peak=nan", lambda f: f(5, peak=NAN, warmup=10, total=100), ValueError,
          not_finite("peak", "nan")),
    Probe("schedules.warmup_linear_decay", "warmup=0", lambda f: f(5, peak=1e-3, warmup=0, total=100), ValueError,
          too_small("warmup", 0)),
    Probe("schedules.warmup_linear_decay", "total=warmup=10", lambda f: f(5, peak=1e-3, warmup=10, total=10),
          ValueError, too_small("total", 10, 11)),
    Probe("schedules.warmup_linear_decay", "step=nan", lambda f: f(NAN, peak=1e-3, warmup=10, total=100), ValueError,
          r"step must be finite, got NaN"),
    Probe("schedules.warmup_linear_decay", "step=-1", lambda f: f(-1, peak=1e-3, warmup=10, total=100), ValueError,
          r"step must be >= 0, got min -1"),
    # lib.blocks
    Probe("blocks.FeedForward", "d_model=0", lambda c: c(0, 16), ValueError, too_small("d_model", 0)),
    Probe("blocks.FeedForward", "d_ff=0", lambda c: c(8, 0), ValueError, too_small("d_ff", 0)),
    Probe("blocks.FeedForward", "dropout=1.5", lambda c: c(8, 16, dropout=1.5), ValueError,
          outside("dropout", "[0, 1)", "1.5")),
    Probe("blocks.FeedForward", "dropout=-0.1", lambda c: c(8, 16, dropout=-0.1), ValueError,
          outside("dropout", "[0, 1)", "-0.1")),
    Probe("blocks.FeedForward", "dropout=nan", lambda c: c(8, 16, dropout=NAN), ValueError,
          not_finite("dropout", "nan")),
    Probe("blocks.FeedForward", "NumPy x", lambda c: c(8, 16)(np_x(2, 4, 8)), TypeError, numpy_array((2, 4, 8))),
    Probe("blocks.FeedForward", "float64 x", lambda c: c(8, 16)(x(2, 4, 8, dtype=torch.float64)), TypeError,
          r"torch\.float64 but the layer's weights are torch\.float32; use x\.float\(\)"),
    Probe("blocks.FeedForward", "x of width 7 for d_model=8", lambda c: c(8, 16)(x(2, 4, 7)), ValueError,
          r"d_model=8.*\(2, 4, 7\)"),
    Probe("blocks.FeedForward", "empty batch", lambda c: c(8, 16)(x(0, 4, 8)), ValueError, empty((0, 4, 8))),
    Probe("blocks.EncoderBlock", "eps=0", lambda c: c(8, 2, 16, eps=0), ValueError, outside("eps", "(0, inf)", "0")),
    Probe("blocks.EncoderBlock", "eps=nan", lambda c: c(8, 2, 16, eps=NAN), ValueError, not_finite("eps", "nan")),
    Probe("blocks.EncoderBlock", "dropout=1.5", lambda c: c(8, 2, 16, dropout=1.5), ValueError,
          outside("dropout", "[0, 1)", "1.5")),
    Probe("blocks.EncoderBlock", "d_model=8, n_heads=3", lambda c: c(8, 3, 16), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("blocks.EncoderBlock", "d_ff=0", lambda c: c(8, 2, 0), ValueError, too_small("d_ff", 0)),
    Probe("blocks.EncoderBlock", "float64 x", lambda c: c(8, 2, 16)(x(2, 4, 8, dtype=torch.float64)), TypeError,
          r"torch\.float64 but the layer's weights are torch\.float32; use \w+\.float\(\)"),
    Probe("blocks.EncoderBlock", "NumPy x", lambda c: c(8, 2, 16)(np_x(2, 4, 8)), TypeError, numpy_array((2, 4, 8))),
    Probe("blocks.EncoderBlock", "2-D x", lambda c: c(8, 2, 16)(x(4, 8)), ValueError,
          r"must have 3 dimensions, got shape \(4, 8\)"),
    Probe("blocks.EncoderBlock", "x of width 6 for d_model=8", lambda c: c(8, 2, 16)(x(2, 4, 6)), ValueError,
          r"x must have shape \(B, T, d_model=8\), got \(2, 4, 6\)"),
    Probe("blocks.EncoderBlock", "float 0/1 mask", lambda c: c(8, 2, 16)(x(2, 4, 8), torch.ones(2, 1, 4)),
          TypeError, float_mask()),
    Probe("blocks.EncoderBlock", "NumPy bool mask", lambda c: c(8, 2, 16)(x(2, 4, 8), np.ones((2, 1, 4), bool)),
          TypeError, numpy_array((2, 1, 4), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("blocks.EncoderBlock", "mask (2, 1, 5) for T=4", lambda c: c(8, 2, 16)(x(2, 4, 8), yes(2, 1, 5)),
          ValueError, no_broadcast((2, 1, 5), (2, 4, 4))),
    Probe("blocks.EncoderBlock", "empty batch", lambda c: c(8, 2, 16)(x(0, 4, 8)), ValueError, empty((0, 4, 8))),
    Probe("blocks.EncoderBlock.from_torch", "a GELU layer",
          lambda f: f(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, activation="gelu")), ValueError,
          r"with the ReLU activation"),
    Probe("blocks.EncoderBlock.from_torch", "a layer without batch_first",
          lambda f: f(nn.TransformerEncoderLayer(8, 2, 16)), ValueError,
          r"TransformerEncoderLayer\(batch_first=True\)"),
    Probe("blocks.EncoderBlock.from_torch", "an nn.Linear", lambda f: f(nn.Linear(8, 8)), TypeError,
          r"TransformerEncoderLayer.*got (an? )?Linear"),
    Probe("blocks.DecoderBlock", "eps=0", lambda c: c(8, 2, 16, eps=0), ValueError, outside("eps", "(0, inf)", "0")),
    Probe("blocks.DecoderBlock", "dropout=1.5", lambda c: c(8, 2, 16, dropout=1.5), ValueError,
          outside("dropout", "[0, 1)", "1.5")),
    Probe("blocks.DecoderBlock", "d_model=8, n_heads=3", lambda c: c(8, 3, 16), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("blocks.DecoderBlock", "NumPy x", lambda c: c(8, 2, 16)(np_x(2, 3, 8), x(2, 5, 8)), TypeError,
          numpy_array((2, 3, 8))),
    Probe("blocks.DecoderBlock", "float64 memory", lambda c: c(8, 2, 16)(x(2, 3, 8), x(2, 5, 8, dtype=torch.float64)),
          TypeError, f64_layer("memory")),
    Probe("blocks.DecoderBlock", "memory of width 6 for d_model=8", lambda c: c(8, 2, 16)(x(2, 3, 8), x(2, 5, 6)),
          ValueError, r"memory \(B, S, C\) must have d_model=8 features, got shape \(2, 5, 6\)"),
    Probe("blocks.DecoderBlock", "memory of another batch size", lambda c: c(8, 2, 16)(x(2, 3, 8), x(3, 5, 8)),
          ValueError, r"\(2, 3, 8\) and memory \(B, S, C\) \(3, 5, 8\) must share the batch size"),
    Probe("blocks.DecoderBlock", "float 0/1 self_mask",
          lambda c: c(8, 2, 16)(x(2, 3, 8), x(2, 5, 8), self_mask=torch.ones(3, 3)), TypeError, float_mask()),
    Probe("blocks.DecoderBlock", "NumPy bool memory_mask",
          lambda c: c(8, 2, 16)(x(2, 3, 8), x(2, 5, 8), memory_mask=np.ones((2, 1, 5), bool)), TypeError,
          numpy_array((2, 1, 5), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("blocks.DecoderBlock", "memory_mask (2, 1, 3) for S=5",
          lambda c: c(8, 2, 16)(x(2, 3, 8), x(2, 5, 8), memory_mask=yes(2, 1, 3)), ValueError,
          no_broadcast((2, 1, 3), (2, 3, 5))),
    Probe("blocks.DecoderBlock", "self_mask (5, 5) for T=3",
          lambda c: c(8, 2, 16)(x(2, 3, 8), x(2, 5, 8), self_mask=yes(5, 5)), ValueError,
          no_broadcast((5, 5), (2, 3, 3))),
    Probe("blocks.DecoderBlock", "empty memory", lambda c: c(8, 2, 16)(x(2, 3, 8), x(2, 0, 8)), ValueError,
          empty((2, 0, 8))),
    Probe("blocks.DecoderBlock.from_torch", "a layer without batch_first",
          lambda f: f(nn.TransformerDecoderLayer(8, 2, 16)), ValueError,
          r"TransformerDecoderLayer\(batch_first=True\)"),
    Probe("blocks.DecoderBlock.from_torch", "an nn.Linear", lambda f: f(nn.Linear(8, 8)), TypeError,
          r"TransformerDecoderLayer.*got (an? )?Linear"),
    # lib.model
    Probe("model.TokenEmbedding", "vocab_size=0", lambda c: c(0, 8), ValueError, too_small("vocab_size", 0)),
    Probe("model.TokenEmbedding", "d_model=0", lambda c: c(10, 0), ValueError, too_small("d_model", 0)),
    Probe("model.TokenEmbedding", "max_len=0", lambda c: c(10, 8, max_len=0), ValueError, too_small("max_len", 0)),
    Probe("model.TokenEmbedding", "token id 10 with vocab_size=10", lambda c: c(10, 8)(torch.tensor([[0, 10]])),
          ValueError, r"must lie in 0\.\.9 \(vocab_size=10\), got ids from 0 to 10"),
    Probe("model.TokenEmbedding", "token id -1", lambda c: c(10, 8)(torch.tensor([[-1, 1]])), ValueError,
          r"must lie in 0\.\.9 \(vocab_size=10\), got ids from -1 to 1"),
    Probe("model.TokenEmbedding", "float token ids", lambda c: c(10, 8)(ids(2, 4).float()), TypeError,
          r"must hold integer token ids, got dtype torch\.float32; use (tokens|src)\.long\(\)"),
    Probe("model.TokenEmbedding", "NumPy token ids", lambda c: c(10, 8)(ids(2, 4).numpy()), TypeError,
          r"got a NumPy array of dtype int64 and shape \(2, 4\); use torch\.tensor\(ids\) or torch\.from_numpy"),
    Probe("model.TokenEmbedding", "1-D token ids", lambda c: c(10, 8)(ids(4)), ValueError,
          r"must have 2 dimensions, got shape \(4,\)"),
    Probe("model.TokenEmbedding", "T=5 > max_len=4", lambda c: c(10, 8, max_len=4)(ids(1, 5)), ValueError,
          r"\(1, 5\) are longer than max_len=4"),
    Probe("model.TokenEmbedding", "empty batch", lambda c: c(10, 8)(ids(0, 4)), ValueError, empty((0, 4))),
    Probe("model.Encoder", "vocab_size=0", lambda c: c(0), ValueError, too_small("vocab_size", 0)),
    Probe("model.Encoder", "n_layers=0", lambda c: c(10, n_layers=0), ValueError, too_small("n_layers", 0)),
    Probe("model.Encoder", "dropout=1.5", lambda c: c(10, dropout=1.5), ValueError,
          outside("dropout", "[0, 1)", "1.5")),
    Probe("model.Encoder", "d_model=8, n_heads=3", lambda c: c(10, d_model=8, n_heads=3), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("model.Encoder", "token id 10 with vocab_size=10", lambda c: c(10, d_model=8)(torch.tensor([[0, 10]])),
          ValueError, r"must lie in 0\.\.9 \(vocab_size=10\), got ids from 0 to 10"),
    Probe("model.Encoder", "NumPy token ids", lambda c: c(10, d_model=8)(ids(2, 4).numpy()), TypeError,
          r"got a NumPy array of dtype int64 and shape \(2, 4\).*torch\.from_numpy"),
    Probe("model.Encoder", "float 0/1 mask", lambda c: c(10, d_model=8)(ids(2, 4), torch.ones(2, 1, 4)), TypeError,
          float_mask()),
    Probe("model.Encoder", "NumPy bool mask", lambda c: c(10, d_model=8)(ids(2, 4), np.ones((2, 1, 4), bool)),
          TypeError, numpy_array((2, 1, 4), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("model.Encoder", "mask (2, 1, 5) for T=4", lambda c: c(10, d_model=8)(ids(2, 4), yes(2, 1, 5)),
          ValueError, no_broadcast((2, 1, 5), (2, 4, 4))),
    Probe("model.Encoder", "(B, T) padding mask without its query axis",
          lambda c: c(10, d_model=8)(ids(2, 3), yes(2, 3)), ValueError, no_broadcast((2, 3), (2, 3, 3))),
    Probe("model.mean_pool", "NumPy x", lambda f: f(np_x(2, 4, 8)), TypeError, numpy_array((2, 4, 8))),
    Probe("model.mean_pool", "2-D x", lambda f: f(x(4, 8)), ValueError, r"must have 3 dimensions, got shape \(4, 8\)"),
    Probe("model.mean_pool", "float keep", lambda f: f(x(2, 4, 8), torch.ones(2, 4)), TypeError,
          r"keep \(B, T\) must be boolean.*got dtype torch\.float32"),
    Probe("model.mean_pool", "NumPy bool keep", lambda f: f(x(2, 4, 8), np.ones((2, 4), bool)), TypeError,
          numpy_array((2, 4), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("model.mean_pool", "keep (2, 5) for x (2, 4, 8)", lambda f: f(x(2, 4, 8), yes(2, 5)), ValueError,
          r"keep must have shape \(B, T\) = \(2, 4\), got \(2, 5\)"),
    Probe("model.mean_pool", "keep (2, 1, 4), a padding mask", lambda f: f(x(2, 4, 8), yes(2, 1, 4)), ValueError,
          r"keep must have shape \(B, T\) = \(2, 4\), got \(2, 1, 4\)"),
    Probe("model.TransformerEncoder", "n_out=0", lambda c: c(10, 0), ValueError, too_small("n_out", 0)),
    Probe("model.TransformerEncoder", "vocab_size=0", lambda c: c(0, 3), ValueError, too_small("vocab_size", 0)),
    Probe("model.TransformerEncoder", "token id 10 with vocab_size=10",
          lambda c: tiny_model(c)(torch.tensor([[0, 10]])), ValueError,
          r"must lie in 0\.\.9 \(vocab_size=10\), got ids from 0 to 10"),
    Probe("model.TransformerEncoder", "NumPy token ids", lambda c: tiny_model(c)(ids(2, 4).numpy()), TypeError,
          r"got a NumPy array of dtype int64 and shape \(2, 4\).*torch\.from_numpy"),
    Probe("model.TransformerEncoder", "float 0/1 mask", lambda c: tiny_model(c)(ids(2, 4), torch.ones(2, 1, 4)),
          TypeError, float_mask()),
    Probe("model.TransformerEncoder", "mask (2, 1, 5) for T=4", lambda c: tiny_model(c)(ids(2, 4), yes(2, 1, 5)),
          ValueError, no_broadcast((2, 1, 5), (2, 4, 4))),
    Probe("model.Transformer", "src_vocab=0", lambda c: c(0, 12), ValueError, too_small("vocab_size", 0)),
    Probe("model.Transformer", "n_layers=0", lambda c: c(10, 12, n_layers=0), ValueError, too_small("n_layers", 0)),
    Probe("model.Transformer", "pad_id=-1", lambda c: c(10, 12, pad_id=-1), ValueError, too_small("pad_id", -1, 0)),
    Probe("model.Transformer", "pad_id=12 outside tgt_vocab=12", lambda c: c(10, 12, d_model=8, pad_id=12),
          ValueError, r"pad_id.*12"),
    Probe("model.Transformer", "source id 10 with src_vocab=10",
          lambda c: tiny_transformer(c)(torch.full((2, 5), 10), ids(2, 4)), ValueError,
          r"must lie in 0\.\.9 \(vocab_size=10\), got ids from 10 to 10"),
    Probe("model.Transformer", "target id 12 with tgt_vocab=12",
          lambda c: tiny_transformer(c)(ids(2, 5), torch.full((2, 4), 12)), ValueError,
          r"tgt \(B, T\) must lie in 0\.\.11 \(vocab_size=12\), got ids from 12 to 12"),
    Probe("model.Transformer", "NumPy src", lambda c: tiny_transformer(c)(ids(2, 5).numpy(), ids(2, 4)), TypeError,
          r"got a NumPy array of dtype int64 and shape \(2, 5\).*torch\.from_numpy"),
    Probe("model.Transformer", "float src", lambda c: tiny_transformer(c)(ids(2, 5).float(), ids(2, 4)), TypeError,
          r"must hold integer token ids, got dtype torch\.float32; use (tokens|src)\.long\(\)"),
    Probe("model.Transformer", "src and tgt of different B", lambda c: tiny_transformer(c)(ids(2, 5), ids(3, 4)),
          ValueError, r"src \(B, S\) \(2, 5\) and tgt \(B, T\) \(3, 4\) must share B"),
    Probe("model.Transformer", "float 0/1 src_mask",
          lambda c: tiny_transformer(c)(ids(2, 5), ids(2, 4), torch.ones(2, 1, 5)), TypeError, float_mask()),
    Probe("model.Transformer", "NumPy bool src_mask",
          lambda c: tiny_transformer(c)(ids(2, 5), ids(2, 4), np.ones((2, 1, 5), bool)), TypeError,
          numpy_array((2, 1, 5), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("model.Transformer", "src_mask (2, 1, 4) for S=5",
          lambda c: tiny_transformer(c)(ids(2, 5), ids(2, 4), yes(2, 1, 4)), ValueError,
          no_broadcast((2, 1, 4), (2, 5, 5))),
    Probe("model.Transformer", "tgt_mask (5, 5) for T=4",
          lambda c: tiny_transformer(c)(ids(2, 5), ids(2, 4), None, yes(5, 5)), ValueError,
          no_broadcast((5, 5), (2, 4, 4))),
    Probe("model.Transformer", "src longer than max_len=8", lambda c: tiny_transformer(c)(ids(2, 9), ids(2, 4)),
          ValueError, r"\(2, 9\) are longer than max_len=8"),
    Probe("model.Transformer", "empty src", lambda c: tiny_transformer(c)(ids(2, 0), ids(2, 4)), ValueError,
          empty((2, 0))),
    Probe("model.Transformer.encode", "NumPy src", lambda f: f(tiny_transformer(), ids(2, 5).numpy()), TypeError,
          r"got a NumPy array of dtype int64 and shape \(2, 5\).*torch\.from_numpy"),
    Probe("model.Transformer.encode", "1-D src", lambda f: f(tiny_transformer(), ids(5)), ValueError,
          r"must have 2 dimensions, got shape \(5,\)"),
    Probe("model.Transformer.decode", "NumPy memory", lambda f: f(tiny_transformer(), ids(2, 4), np_x(2, 5, 8),
          yes(2, 1, 5)), TypeError, numpy_array((2, 5, 8))),
    Probe("model.Transformer.decode", "float64 memory",
          lambda f: f(tiny_transformer(), ids(2, 4), x(2, 5, 8, dtype=torch.float64), yes(2, 1, 5)), TypeError,
          f64_layer("memory")),
    Probe("model.Transformer.decode", "memory of width 6 for d_model=8",
          lambda f: f(tiny_transformer(), ids(2, 4), x(2, 5, 6), yes(2, 1, 5)), ValueError,
          r"must have d_model=8 features, got shape \(2, 5, 6\)"),
    Probe("model.Transformer.source_mask", "NumPy src", lambda f: f(tiny_transformer(), ids(2, 5).numpy()),
          TypeError, r"NumPy array.*torch\.from_numpy"),
    Probe("model.Transformer.source_mask", "1-D src", lambda f: f(tiny_transformer(), ids(5)), ValueError,
          r"must have 2 dimensions, got shape \(5,\)"),
    Probe("model.Transformer.target_mask", "NumPy tgt", lambda f: f(tiny_transformer(), ids(2, 4).numpy()),
          TypeError, r"NumPy array.*torch\.from_numpy"),
    Probe("model.Transformer.target_mask", "1-D tgt", lambda f: f(tiny_transformer(), ids(4)), ValueError,
          r"must have 2 dimensions, got shape \(4,\)"),
    Probe("model.Transformer.target_mask", "empty tgt", lambda f: f(tiny_transformer(), ids(2, 0)), ValueError,
          empty((2, 0))),
    Probe("model.greedy_decode", "max_len=1", lambda f: f(tiny_transformer(), ids(2, 5), bos=1, eos=2, max_len=1),
          ValueError, too_small("max_len", 1, 2)),
    Probe("model.greedy_decode", "NumPy src",
          lambda f: f(tiny_transformer(), ids(2, 5).numpy(), bos=1, eos=2, max_len=4), TypeError,
          r"got a NumPy array of dtype int64 and shape \(2, 5\).*torch\.from_numpy"),
    Probe("model.greedy_decode", "source id 10 with src_vocab=10",
          lambda f: f(tiny_transformer(), torch.full((2, 5), 10), bos=1, eos=2, max_len=4), ValueError,
          r"must lie in 0\.\.9 \(vocab_size=10\), got ids from 10 to 10"),
    Probe("model.greedy_decode", "bos=99 with tgt_vocab=12",
          lambda f: f(tiny_transformer(), ids(2, 5), bos=99, eos=2, max_len=4), ValueError, r"0\.\.11.*99"),
    Probe("model.greedy_decode", "eos=nan", lambda f: f(tiny_transformer(), ids(2, 5), bos=1, eos=NAN, max_len=4),
          TypeError, not_whole("eos", "float nan")),
    Probe("model.greedy_decode", "a TransformerEncoder",
          lambda f: f(tiny_model(), ids(2, 5), bos=1, eos=2, max_len=4), TypeError,
          r"Transformer.*got TransformerEncoder"),
    # lib.data
    Probe("data.toy_task", "task='rotate'", lambda f: f("rotate", 4, 3, 5), ValueError,
          r"task must be one of 'copy', 'reverse', 'sort'; got 'rotate'"),
    Probe("data.toy_task", "n_samples=0", lambda f: f("copy", 0, 3, 5), ValueError, too_small("n_samples", 0)),
    Probe("data.toy_task", "n_samples=2.5", lambda f: f("copy", 2.5, 3, 5), TypeError,
          not_whole("n_samples", "float 2.5")),
    Probe("data.toy_task", "seq_len=0", lambda f: f("copy", 4, 0, 5), ValueError, too_small("seq_len", 0)),
    Probe("data.toy_task", "seq_len=-3", lambda f: f("copy", 4, -3, 5), ValueError, too_small("seq_len", -3)),
    Probe("data.toy_task", "n_symbols=1", lambda f: f("copy", 4, 3, 1), ValueError, too_small("n_symbols", 1, 2)),
    Probe("data.toy_task", "seed=-1", lambda f: f("copy", 4, 3, 5, seed=-1), ValueError, too_small("seed", -1, 0)),
    Probe("data.toy_task", "seed=1.5", lambda f: f("copy", 4, 3, 5, seed=1.5), TypeError,
          not_whole("seed", "float 1.5")),
    Probe("data.minibatches", "batch_size=5 > N=4", lambda f: next(f(ids(4, 3), ids(4, 3), batch_size=5, n_steps=1)),
          ValueError, r"batch_size must be in \[1, N=4\], got 5"),
    Probe("data.minibatches", "batch_size=0", lambda f: next(f(ids(4, 3), ids(4, 3), batch_size=0, n_steps=1)),
          ValueError, too_small("batch_size", 0)),
    Probe("data.minibatches", "targets of another N", lambda f: next(f(ids(4, 3), ids(5, 3), batch_size=2, n_steps=1)),
          ValueError, r"inputs \(4, 3\) and targets \(5, 3\) need the same N"),
    Probe("data.minibatches", "NumPy inputs",
          lambda f: next(f(ids(4, 3).numpy(), ids(4, 3), batch_size=2, n_steps=1)), TypeError,
          numpy_array((4, 3), "int64")),
    Probe("data.minibatches", "n_steps=-1", lambda f: next(f(ids(4, 3), ids(4, 3), batch_size=2, n_steps=-1)),
          ValueError, too_small("n_steps", -1, 0)),
    Probe("data.minibatches", "empty inputs", lambda f: next(f(ids(0, 3), ids(0, 3), batch_size=1, n_steps=1)),
          ValueError, empty((0, 3))),
    Probe("data.minibatches", "seed=1.5",
          lambda f: next(f(ids(4, 3), ids(4, 3), batch_size=2, n_steps=1, seed=1.5)), TypeError,
          not_whole("seed", "float 1.5")),
    Probe("data.format_date", "the string '2020-01-01'", lambda f: f("2020-01-01", "ko"), ValueError,
          r"date must be a datetime\.date in 1950\.\.2049, got '2020-01-01'"),
    Probe("data.format_date", "a date in 1900", lambda f: f(dt.date(1900, 1, 1), "ko"), ValueError,
          r"in 1950\.\.2049, got datetime\.date\(1900, 1, 1\)"),
    Probe("data.format_date", "fmt='xx'", lambda f: f(dt.date(2000, 1, 1), "xx"), ValueError,
          r"fmt must be one of 'ko', .*; got 'xx'"),
    Probe("data.date_splits", "n_train=0", lambda f: f(n_train=0), ValueError, too_small("n_train", 0)),
    Probe("data.date_splits", "n_test=2.5", lambda f: f(n_test=2.5), TypeError, not_whole("n_test", "float 2.5")),
    Probe("data.date_splits", "more dates than the calendar has", lambda f: f(n_train=40000, n_test=1000),
          ValueError, r"at most 36525 dates, got 41000"),
    Probe("data.date_splits", "seed=1.5", lambda f: f(n_train=5, n_test=5, seed=1.5), TypeError,
          not_whole("seed", "float 1.5")),
    Probe("data.write_date_files", "n_train=0", lambda f: in_tmp(lambda d: f(d, n_train=0)), ValueError,
          too_small("n_train", 0)),
    Probe("data.read_date_file", "a line with 2 fields", lambda f: in_tmp(lambda d: f(write(d, "a\tb\n"))),
          ValueError, r"rows\.tsv: line 1 does not have 3 tab-separated fields"),
    Probe("data.CharTokenizer", "max_len=0", lambda c: c("abc", max_len=0), ValueError, too_small("max_len", 0)),
    Probe("data.CharTokenizer", "alphabet=5", lambda c: c(5, max_len=5), TypeError, r"alphabet must be a str.*got int"),
    Probe("data.CharTokenizer.for_dates", "max_len=0", lambda f: f(max_len=0), ValueError, too_small("max_len", 0)),
    Probe("data.CharTokenizer.for_dates", "max_len=2.5", lambda f: f(max_len=2.5), TypeError,
          not_whole("max_len", "float 2.5")),
    Probe("data.CharTokenizer.encode", "text=5", lambda f: f(abc_tokenizer(), 5),
          TypeError, r"text must be a str, got int"),
    Probe("data.CharTokenizer.encode", "6 tokens for max_len=5",
          lambda f: f(abc_tokenizer(), "abcabc"), ValueError,
          r"'abcabc' is 6 tokens long .*max_len=5"),
    Probe("data.CharTokenizer.decode", "a str of ids", lambda f: f(abc_tokenizer(), "abc"), TypeError,
          r"ids .*got str"),
    Probe("data.CharTokenizer.decode", "a (1, 2) tensor of ids",
          lambda f: f(abc_tokenizer(), torch.tensor([[4, 5]])), ValueError,
          r"ids .*\(1, 2\)"),
    Probe("data.CharTokenizer.unknown", "text=5", lambda f: f(abc_tokenizer(), 5),
          TypeError, r"text must be a str, got int"),
    Probe("data.CharTokenizer.batch", "no texts", lambda f: f(abc_tokenizer(), []),
          ValueError, r"texts is empty"),
    Probe("data.CharTokenizer.batch", "a text that is not a str",
          lambda f: f(abc_tokenizer(), ["ab", 5]), TypeError,
          r"text must be a str, got int"),
    Probe("data.CharTokenizer.batch", "one str instead of a list of them",
          lambda f: f(abc_tokenizer(), "abc"), TypeError, r"texts .*got (a )?str"),
    Probe("data.copy_alignment", "the string '2020-01-01'", lambda f: f("2020-01-01", "ko"), ValueError,
          r"date must be a datetime\.date in 1950\.\.2049, got '2020-01-01'"),
    Probe("data.copy_alignment", "fmt='xx'", lambda f: f(dt.date(2000, 1, 1), "xx"), ValueError,
          r"fmt must be one of 'ko', .*; got 'xx'"),
    Probe("data.seq2seq_tensors", "no rows", lambda f: f([], abc_tokenizer()), ValueError, r"rows is empty"),
    Probe("data.seq2seq_tensors", "a source longer than max_len", lambda f: f([("abcabc", "a")], abc_tokenizer()),
          ValueError, r"'abcabc' is 6 tokens long .*max_len=5"),
    Probe("data.seq2seq_tensors", "tokenizer=None", lambda f: f([("ab", "a")], None), TypeError,
          r"tokenizer .*got NoneType"),
    Probe("data.seq2seq_tensors", "rows of bare strings, not (source, target)", lambda f: f(["ab"], abc_tokenizer()),
          TypeError, r"row.*got (a )?str"),
    Probe("data.seq2seq_batches", "NumPy src", lambda f: next(f(ids(4, 3).numpy(), ids(4, 5), batch_size=2,
          n_steps=1)), TypeError, numpy_array((4, 3), "int64")),
    Probe("data.seq2seq_batches", "batch_size=5 > N=4", lambda f: next(f(ids(4, 3), ids(4, 5), batch_size=5,
          n_steps=1)), ValueError, r"batch_size must be in \[1, N=4\], got 5"),
    Probe("data.seq2seq_batches", "tgt of another N", lambda f: next(f(ids(4, 3), ids(5, 5), batch_size=2,
          n_steps=1)), ValueError, r"\(4, 3\) and targets \(5, 5\) need the same N"),
    Probe("data.seq2seq_batches", "1-D src and tgt", lambda f: next(f(ids(4), ids(4), batch_size=2, n_steps=1)),
          ValueError, r"must have 2 dimensions, got shape \(4,\)"),
    Probe("data.seq2seq_batches", "tgt of one column (no token to predict)",
          lambda f: next(f(ids(4, 3), ids(4, 1), batch_size=2, n_steps=1)), ValueError, r"tgt.*\(4, 1\)"),
    Probe("data.seq2seq_batches", "a source of padding only",
          lambda f: next(f(torch.zeros(4, 3, dtype=torch.long), ids(4, 5), batch_size=2, n_steps=1)), ValueError,
          r"src.*(pad|empty|real token)"),
    # lib.train
    Probe("train.cross_entropy", "NumPy logits", lambda f: f(np_x(2, 3, 4), ids(2, 3, high=4)), TypeError,
          numpy_array((2, 3, 4))),
    Probe("train.cross_entropy", "targets (2, 4) for logits (2, 3, 4)", lambda f: f(x(2, 3, 4), ids(2, 4, high=4)),
          ValueError, r"logits \(\.\.\., V\) = \(2, 3, 4\) do not fit the targets \(\.\.\.\) = \(2, 4\)"),
    Probe("train.cross_entropy", "empty logits", lambda f: f(x(0, 4), ids(0, high=4)), ValueError, empty((0, 4))),
    Probe("train.cross_entropy", "target 4 with V=4", lambda f: f(x(2, 3, 4), torch.full((2, 3), 4)), ValueError,
          r"0\.\.3.*4"),
    Probe("train.cross_entropy", "target -1", lambda f: f(x(2, 3, 4), torch.full((2, 3), -1)), ValueError,
          r"0\.\.3.*-1"),
    Probe("train.cross_entropy", "float targets", lambda f: f(x(2, 3, 4), torch.zeros(2, 3)), TypeError,
          r"integer class ids, got dtype torch\.float32"),
    Probe("train.cross_entropy", "NumPy targets", lambda f: f(x(2, 3, 4), ids(2, 3, high=4).numpy()), TypeError,
          r"NumPy array.*torch\.from_numpy"),
    Probe("train.cross_entropy", "every target -100 (ignored)", lambda f: f(x(2, 3, 4), torch.full((2, 3), -100)),
          ValueError, r"-100"),
    Probe("train.call_model", "inputs=5", lambda f: f(tiny_model(), 5), TypeError,
          r"inputs must be a tensor, a tuple or a dict of tensors, got int"),
    Probe("train.call_model", "NumPy inputs", lambda f: f(tiny_model(), ids(2, 4).numpy()), TypeError,
          r"got ndarray.*torch\.from_numpy"),
    Probe("train.batch_size_of", "inputs=5", lambda f: f(5), TypeError, r"inputs must .*got int"),
    Probe("train.batch_size_of", "NumPy inputs", lambda f: f(np_x(2, 4)), TypeError, r"ndarray.*torch\.from_numpy"),
    Probe("train.train", "float targets", lambda f: fit(f, [(ids(2, 4), ids(2, 4).float())]), TypeError,
          r"targets must be integer class ids, got dtype torch\.float32; use targets\.long\(\)"),
    Probe("train.train", "targets of batch size 3 for inputs of 2", lambda f: fit(f, [(ids(2, 4), ids(3, 4))]),
          ValueError, r"inputs have batch size 2 but targets have shape \(3, 4\)"),
    Probe("train.train", "token id 10 for vocab_size=10", lambda f: fit(f, [(torch.full((2, 4), 10), ids(2, 4))]),
          ValueError, r"must lie in 0\.\.9 \(vocab_size=10\), got ids from 10 to 10"),
    Probe("train.train", "list targets", lambda f: fit(f, [(ids(2, 4), [[0] * 4] * 2)]), TypeError,
          r"targets must be a torch\.Tensor.*got list.*torch\.tensor"),
    Probe("train.train", "a learning rate where the optimizer goes",
          lambda f: fit(f, [(ids(2, 4), ids(2, 4))], optimizer=0.01), TypeError, r"optimizer.*got float"),
    Probe("train.train", "seed=1.5", lambda f: fit(f, [(ids(2, 4), ids(2, 4))], seed=1.5), TypeError,
          not_whole("seed", "float 1.5")),
    Probe("train.evaluate", "targets of another batch size", lambda f: f(tiny_model(), ids(2, 4), ids(3, 4)),
          ValueError, r"inputs have batch size 2 but targets have shape \(3, 4\)"),
    Probe("train.evaluate", "targets of another length", lambda f: f(tiny_model(), ids(2, 4), ids(2, 3)),
          ValueError, r"logits \(\.\.\., V\) = \(2, 4, 10\) do not fit the targets \(\.\.\.\) = \(2, 3\)"),
    Probe("train.evaluate", "float targets", lambda f: f(tiny_model(), ids(2, 4), ids(2, 4).float()), TypeError,
          r"targets must be integer class ids, got dtype torch\.float32"),
    Probe("train.evaluate", "token id 10 for vocab_size=10",
          lambda f: f(tiny_model(), torch.full((2, 4), 10), ids(2, 4)), ValueError,
          r"must lie in 0\.\.9 \(vocab_size=10\), got ids from 10 to 10"),
    Probe("train.evaluate", "NumPy targets", lambda f: f(tiny_model(), ids(2, 4), ids(2, 4).numpy()), TypeError,
          r"NumPy array.*torch\.from_numpy"),
    Probe("train.evaluate", "target 10 with n_out=10", lambda f: f(tiny_model(), ids(2, 4), torch.full((2, 4), 10)),
          ValueError, r"0\.\.9.*10"),
    Probe("train.evaluate", "every target -100 (ignored)",
          lambda f: f(tiny_model(), ids(2, 4), torch.full((2, 4), -100)), ValueError, r"-100"),
    Probe("train.train_date_model", "an unknown setting lr=1", lambda f: date_model(f, ids(8, 5), ids(8, 6), 10, lr=1),
          ValueError, r"unknown settings \['lr'\]; the recipe has \['batch_size'"),
    Probe("train.train_date_model", "vocab_size=0", lambda f: date_model(f, ids(8, 5), ids(8, 6), 0), ValueError,
          too_small("vocab_size", 0)),
    Probe("train.train_date_model", "vocab_size=5 for ids 9",  # every id 9: the message does not depend on the draw
          lambda f: date_model(f, torch.full((8, 5), 9), torch.full((8, 6), 9), 5), ValueError,
          r"must lie in 0\.\.4 \(vocab_size=5\), got ids from 9 to 9"),
    Probe("train.train_date_model", "NumPy src", lambda f: date_model(f, ids(8, 5).numpy(), ids(8, 6), 10), TypeError,
          numpy_array((8, 5), "int64")),
    Probe("train.train_date_model", "list src", lambda f: date_model(f, ids(8, 5).tolist(), ids(8, 6), 10),
          TypeError, GOT_LIST),
    Probe("train.train_date_model", "peak_lr=nan", lambda f: date_model(f, ids(8, 5), ids(8, 6), 10, peak_lr=NAN),
          ValueError, not_finite("peak", "nan")),
    Probe("train.train_date_model", "steps=1 < warmup=100",
          lambda f: date_model(f, ids(8, 5), ids(8, 6), 10, warmup=100), ValueError, r"steps.*1.*warmup.*100"),
]


def _params() -> list:
    ids_ = [p.id for p in PROBES]
    assert len(set(ids_)) == len(ids_), f"two probes share an id: {sorted(i for i in ids_ if ids_.count(i) > 1)}"
    return [
        pytest.param(p, id=p.id, marks=[pytest.mark.xfail(strict=True, reason=f"lib bug: {p.bug}")] if p.bug else [])
        for p in PROBES
    ]


def check(probe: Probe) -> None:
    """Feed the bad input; raise AssertionError unless the right exception with the right message comes."""
    target = lib_object(probe.target)
    with pytest.raises(probe.error, match=probe.match) as caught:
        probe.call(target)
    if probe.not_match:
        message = str(caught.value)
        assert not re.search(probe.not_match, message), f"{probe.id}: misleading message {message!r}"


@pytest.mark.parametrize("probe", _params())
def test_bad_input_gets_a_clear_error(probe: Probe):
    check(probe)


# --- the table keeps up with lib ------------------------------------------------------------------
def public_names(module_name: str) -> set[str]:
    """'module.name' for every public function, class and constant defined in lib.<module_name>,
    and 'module.Class.method' for the public methods a class defines (forward is the class's call)."""
    module = importlib.import_module(f"lib.{module_name}")
    names = set()
    for name, obj in vars(module).items():
        if name.startswith("_") or inspect.ismodule(obj) or type(obj).__module__ == "__future__":
            continue  # private, an imported module, or `from __future__ import annotations`
        if hasattr(obj, "__module__") and (inspect.isclass(obj) or callable(obj)) and obj.__module__ != module.__name__:
            continue  # imported from elsewhere (torch, typing, another lib module)
        names.add(f"{module_name}.{name}")
        if inspect.isclass(obj):
            names |= {f"{module_name}.{name}.{m}" for m in vars(obj) if not m.startswith("_") and m != "forward"}
    return names


def test_every_public_name_is_probed():
    public = set().union(*(public_names(m) for m in CONCEPT_MODULES))
    probed = {p.target for p in PROBES}
    missing = sorted(public - probed - NOT_PROBED.keys())
    assert not missing, f"public names without a row in PROBES (add bad inputs, or a reason to NOT_PROBED): {missing}"
    assert not sorted(probed - public), f"PROBES name what lib no longer has: {sorted(probed - public)}"
    gone = sorted(NOT_PROBED.keys() - public)
    assert not gone, f"NOT_PROBED lists what lib no longer has: {gone}"


def takes_a_tensor(obj) -> bool:
    """Whether a function (or a module's forward) has a parameter annotated torch.Tensor."""
    fn = getattr(obj, "forward", obj.__init__) if inspect.isclass(obj) else obj
    if not callable(fn):
        return False
    return any("torch.Tensor" in str(p.annotation) for p in inspect.signature(fn).parameters.values())


def test_every_tensor_argument_is_probed_with_numpy_or_a_list():
    """A NumPy array (or list) where a tensor goes is the commonest bad input: every such name has that row."""
    public = set().union(*(public_names(m) for m in CONCEPT_MODULES))
    tensor_takers = {name for name in public if takes_a_tensor(lib_object(name))}
    assert {"attention.scaled_dot_product_attention", "heads.MultiHeadAttention"} <= tensor_takers
    probed = {p.target for p in PROBES if "NumPy" in p.bad or "list" in p.bad}
    assert not sorted(tensor_takers - probed), f"no NumPy/list probe for {sorted(tensor_takers - probed)}"


def test_every_lib_module_is_in_the_contract_or_says_why_not():
    lib_dir = Path(lib_object("validate").__file__).parent
    modules = {p.stem for p in lib_dir.glob("*.py") if not p.stem.startswith("_")}
    unlisted = sorted(modules - set(CONCEPT_MODULES) - NOT_CONCEPT_MODULES.keys())
    assert not unlisted, f"lib modules neither in CONCEPT_MODULES nor in NOT_CONCEPT_MODULES: {unlisted}"
    gone = sorted((set(CONCEPT_MODULES) | NOT_CONCEPT_MODULES.keys()) - modules)
    assert not gone, f"listed lib modules that no longer exist: {gone}"
