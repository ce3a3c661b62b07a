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
    "complexity", "normalization", "residual", "rnn",
)

# lib modules outside the contract's table, each with the reason; every other lib/*.py must be in
# CONCEPT_MODULES, so a new concept module cannot slip past the contract unnoticed.
NOT_CONCEPT_MODULES = {
    "validate": "the contract itself (tested through every row below)",
    "plots": "drawing helpers into a matplotlib ax, no formula",
    "notebook": "setup_notebook(seed=...), the notebooks' one set-up line",
    # A new concept module without rows yet: listed here so the gap is visible, not silent; it
    # moves to CONCEPT_MODULES with its rows.
    "explain": "PENDING: owned by notebook 12's worker",
    "series": "the start page's map of the notebooks, read from their first cells (no formula); tests/test_series.py",
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
    "data.DATA_DIR": "a constant (the path of the data/ folder)",
    "data.PAD": "a constant (0)",
    "data.BOS": "a constant (1)",
    "data.EOS": "a constant (2)",
    "data.UNK": "a constant (3)",
    "train.DATE_RECIPE": "a dict of settings; train_date_model(**overrides) is probed instead",
    "train.IGNORE": "a constant (-100): takes no input",
    "train.SCHEDULES": "a tuple of schedule names; date_schedule and train_date_model(schedule=...) are probed",
    "normalization.KINDS": "a tuple of names; statistics_axes(kind=...) and shares_statistics are probed",
    "residual.NORMS": "a tuple of names; make_norm(norm=...) and DeepStack(norm=...) are probed",
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


TINY_RECIPE = {"d_model": 8, "n_heads": 2, "d_ff": 16, "n_layers": 1}  # what tiny_transformer was built with


def square_transformer():
    """tiny_transformer with one vocabulary of 12 ids on both sides, as save_date_model expects."""
    return lib_object("model.Transformer")(12, 12, **TINY_RECIPE, max_len=8)


def saved(folder: Path, obj) -> Path:
    """torch.save(obj) to folder/other.pt: a file that is not what the reader expects."""
    torch.save(obj, folder / "other.pt")
    return folder / "other.pt"


def deep_stack():
    """A lib.residual.DeepStack of 2 layers of width 4."""
    return lib_object("residual.DeepStack")(2, 4)


def grads(layer_grad_norms, *, layers=None, inputs=None, upstream=None):
    """layer_grad_norms on deep_stack() with x and upstream (2, 4), unless a bad one is given."""
    stack = deep_stack()
    return layer_grad_norms(stack.layers if layers is None else layers, stack,
                            x(2, 4) if inputs is None else inputs, x(2, 4) if upstream is None else upstream)


def encoder_blocks():
    """One lib.blocks.EncoderBlock (d_model 8, 2 heads, d_ff 16) in a list, as block_outputs takes them."""
    return [lib_object("blocks.EncoderBlock")(8, 2, 16)]


def elman(*, bidirectional: bool = False):
    """A lib.rnn.ElmanRNN with input_size 3 and hidden_size 4."""
    return lib_object("rnn.ElmanRNN")(3, 4, bidirectional=bidirectional)


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
          ValueError, not_finite("peak_lr", "nan")),
    Probe("train.train_date_model", "steps=1 < warmup=100",
          lambda f: date_model(f, ids(8, 5), ids(8, 6), 10, warmup=100), ValueError, r"steps.*1.*warmup.*100"),
    Probe("train.train_date_model", "schedule='cosine'",
          lambda f: date_model(f, ids(8, 5), ids(8, 6), 10, schedule="cosine"), ValueError,
          r"schedule must be one of 'linear', 'noam', 'constant'; got 'cosine'"),
    Probe("train.train_date_model", "schedule=None", lambda f: date_model(f, ids(8, 5), ids(8, 6), 10, schedule=None),
          ValueError, r"schedule must be one of 'linear', 'noam', 'constant'; got None"),
    Probe("train.date_schedule", "schedule='cosine'", lambda f: f({"schedule": "cosine"}), ValueError,
          r"schedule must be one of 'linear', 'noam', 'constant'; got 'cosine'"),
    Probe("train.date_schedule", "peak_lr=nan", lambda f: f({"peak_lr": NAN}), ValueError,
          not_finite("peak_lr", "nan")),
    Probe("train.date_schedule", "peak_lr=0", lambda f: f({"peak_lr": 0}), ValueError,
          outside("peak_lr", "(0, inf)", "0")),
    Probe("train.date_schedule", "peak_lr=True", lambda f: f({"peak_lr": True}), TypeError,
          r"peak_lr must be a number, got bool True"),
    Probe("train.date_schedule", "warmup=0", lambda f: f({"warmup": 0}), ValueError, too_small("warmup", 0)),
    Probe("train.date_schedule", "steps=2.5", lambda f: f({"steps": 2.5}), TypeError, not_whole("steps", "float 2.5")),
    Probe("train.date_schedule", "the name 'noam' instead of a recipe dict", lambda f: f("noam"), TypeError,
          r"recipe must be a dict .*got str 'noam'"),
    Probe("train.date_schedule", "an unknown setting peak=1e-3", lambda f: f({"peak": 1e-3}), ValueError,
          r"unknown settings \['peak'\]; the recipe has \['batch_size'"),
    Probe("train.date_schedule", "steps=10 < warmup=100", lambda f: f({"steps": 10, "warmup": 100}), ValueError,
          r"steps=10 must be at least warmup=100"),
    Probe("train.date_predictions", "a TransformerEncoder",
          lambda f: f(tiny_model(), [("ab", "a", "x")], abc_tokenizer()), TypeError,
          r"Transformer.*got TransformerEncoder"),
    Probe("train.date_predictions", "a checkpoint path where the model goes",
          lambda f: f("data/date_transformer.pt", [("ab", "a", "x")], abc_tokenizer()), TypeError,
          r"Transformer.*got str"),
    Probe("train.date_predictions", "no rows", lambda f: f(tiny_transformer(), [], abc_tokenizer()), ValueError,
          r"rows is empty"),
    Probe("train.date_predictions", "tokenizer=None", lambda f: f(tiny_transformer(), [("ab", "a", "x")], None),
          TypeError, r"tokenizer .*got NoneType"),
    Probe("train.date_predictions", "a tokenizer of 7 symbols for a model of 12",
          lambda f: f(tiny_transformer(), [("ab", "a", "x")], abc_tokenizer()), ValueError,
          r"tokenizer.*\b7\b.*\b12\b"),
    Probe("train.date_exact_match", "rows of (source, target), no format",
          lambda f: f(tiny_transformer(), [("ab", "a")], abc_tokenizer()), ValueError,
          r"\(source, target, format\).*\('ab', 'a'\)"),
    Probe("train.date_exact_match", "no rows", lambda f: f(tiny_transformer(), [], abc_tokenizer()), ValueError,
          r"rows is empty"),
    Probe("train.date_exact_match", "a TransformerEncoder",
          lambda f: f(tiny_model(), [("ab", "a", "x")], abc_tokenizer()), TypeError,
          r"Transformer.*got TransformerEncoder"),
    Probe("train.save_date_model", "a TransformerEncoder",
          lambda f: in_tmp(lambda d: f(tiny_model(), d / "m.pt", recipe=TINY_RECIPE, vocab_size=10)), TypeError,
          r"Transformer.*got TransformerEncoder"),
    Probe("train.save_date_model", "recipe=None",
          lambda f: in_tmp(lambda d: f(square_transformer(), d / "m.pt", recipe=None, vocab_size=12)), TypeError,
          r"recipe must be a dict.*got NoneType"),
    Probe("train.save_date_model", "a recipe without d_model",
          lambda f: in_tmp(lambda d: f(square_transformer(), d / "m.pt", recipe={"steps": 1}, vocab_size=12)),
          ValueError, r"recipe .*d_model"),
    Probe("train.save_date_model", "vocab_size=True",
          lambda f: in_tmp(lambda d: f(square_transformer(), d / "m.pt", recipe=TINY_RECIPE, vocab_size=True)),
          TypeError, not_whole("vocab_size", "bool True")),
    Probe("train.save_date_model", "vocab_size=10 for a model of 12 ids",
          lambda f: in_tmp(lambda d: f(square_transformer(), d / "m.pt", recipe=TINY_RECIPE, vocab_size=10)),
          ValueError, r"vocab_size=10.*12"),
    Probe("train.save_date_model", "a model with src_vocab 10 != tgt_vocab 12",
          lambda f: in_tmp(lambda d: f(tiny_transformer(), d / "m.pt", recipe=TINY_RECIPE, vocab_size=10)),
          ValueError, r"\b10\b.*\b12\b"),
    Probe("train.load_date_model", "a file of torch.save([1, 2])", lambda f: in_tmp(lambda d: f(saved(d, [1, 2]))),
          ValueError, r"other\.pt is not a checkpoint written by lib\.train\.save_date_model \(expected the keys"),
    Probe("train.load_date_model", "a bare state_dict",
          lambda f: in_tmp(lambda d: f(saved(d, tiny_transformer().state_dict()))),
          ValueError, r"other\.pt is not a checkpoint .*recipe, vocab_size, max_len, state_dict"),
    Probe("train.load_date_model", "a checkpoint whose recipe has no d_model",
          lambda f: in_tmp(lambda d: f(saved(d, {"recipe": {}, "vocab_size": 12, "max_len": 8, "state_dict": {}}))),
          ValueError, r"other\.pt .*d_model"),
    Probe("train.load_date_model", "a text file", lambda f: in_tmp(lambda d: f(write(d, "hello\n"))), ValueError,
          r"rows\.tsv is not a checkpoint"),
    Probe("train.load_date_model", "a whole pickled nn.Module",
          lambda f: in_tmp(lambda d: f(saved(d, nn.Linear(2, 2)))), ValueError, r"other\.pt is not a checkpoint"),
    Probe("train.load_date_model", "a file that does not exist", lambda f: in_tmp(lambda d: f(d / "missing.pt")),
          FileNotFoundError, r"No such file or directory: '.*missing\.pt'"),
    Probe("train.load_date_model", "path=None", lambda f: f(None), TypeError, r"path .*got NoneType"),
    # lib.complexity
    Probe("complexity.attention_macs", "n=0", lambda f: f(0, 4), ValueError,
          r"n \(sequence length\) must be >= 1, got 0"),
    Probe("complexity.attention_macs", "d=True", lambda f: f(4, True), TypeError,
          r"d \(d_model\) must be a whole number >= 1, got bool True"),
    Probe("complexity.attention_macs", "n=2.5", lambda f: f(2.5, 4), TypeError,
          r"n \(sequence length\) must be a whole number >= 1, got float 2\.5"),
    Probe("complexity.attention_layer_macs", "d=0", lambda f: f(4, 0), ValueError,
          r"d \(d_model\) must be >= 1, got 0"),
    Probe("complexity.attention_layer_macs", "n=True", lambda f: f(True, 4), TypeError,
          r"n \(sequence length\) must be a whole number >= 1, got bool True"),
    Probe("complexity.rnn_layer_macs", "n=4.0", lambda f: f(4.0, 2), TypeError,
          r"n \(sequence length\) must be a whole number >= 1, got float 4\.0"),
    Probe("complexity.rnn_layer_macs", "d=-2", lambda f: f(4, -2), ValueError, r"d \(d_model\) must be >= 1, got -2"),
    Probe("complexity.sequential_steps", "kind='cnn'", lambda f: f("cnn", 4), ValueError,
          r"kind must be one of 'attention', 'rnn'; got 'cnn'"),
    Probe("complexity.sequential_steps", "n=0", lambda f: f("rnn", 0), ValueError,
          r"n \(sequence length\) must be >= 1, got 0"),
    Probe("complexity.sequential_steps", "n=True", lambda f: f("rnn", True), TypeError,
          r"n \(sequence length\) must be a whole number >= 1, got bool True"),
    Probe("complexity.rnn_layer", "NumPy x", lambda f: f(np_x(1, 3, 4), x(4, 4), x(4, 4)), TypeError,
          numpy_array((1, 3, 4))),
    Probe("complexity.rnn_layer", "list w_h", lambda f: f(x(1, 3, 4), x(4, 4), [[0.0] * 4] * 4), TypeError, GOT_LIST),
    Probe("complexity.rnn_layer", "float64 x, float32 weights", lambda f: f(x(1, 3, 4).double(), x(4, 4), x(4, 4)),
          TypeError, f64_layer("x")),
    Probe("complexity.rnn_layer", "int x", lambda f: f(ids(1, 3, 4), x(4, 4), x(4, 4)), TypeError,
          r"x \(B, T, C\) must be a float32 or float64 tensor, got dtype torch\.int64; use x\.float\(\)"),
    Probe("complexity.rnn_layer", "w_h (4, 5)", lambda f: f(x(1, 3, 4), x(4, 4), x(4, 5)), ValueError,
          r"w_h must be \(C, C\) = \(4, 4\) for x \(1, 3, 4\), got \(4, 5\)"),
    Probe("complexity.rnn_layer", "2-D x", lambda f: f(x(3, 4), x(4, 4), x(4, 4)), ValueError,
          r"x \(B, T, C\) must have 3 dimensions, got shape \(3, 4\)"),
    Probe("complexity.rnn_layer", "empty x", lambda f: f(x(1, 0, 4), x(4, 4), x(4, 4)), ValueError, empty((1, 0, 4))),
    Probe("complexity.counted_flops", "the result fn(x) instead of fn", lambda f: f(x(1, 3, 4)), TypeError,
          r"fn must be the function to run .*got a tensor of shape \(1, 3, 4\); pass the function itself"),
    Probe("complexity.counted_flops", "fn=None", lambda f: f(None), TypeError,
          r"fn must be the function .*got NoneType"),
    Probe("complexity.dispatched_ops", "the result fn(x) instead of fn", lambda f: f(x(1, 3, 4)), TypeError,
          r"fn must be the function to run .*got a tensor of shape \(1, 3, 4\)"),
    Probe("complexity.peak_tensor_bytes", "the result fn(x) instead of fn", lambda f: f(x(1, 3, 4)), TypeError,
          r"fn must be the function to run .*got a tensor of shape \(1, 3, 4\)"),
    Probe("complexity.median_seconds", "repeats=0", lambda f: f(lambda: None, repeats=0), ValueError,
          too_small("repeats", 0)),
    Probe("complexity.median_seconds", "repeats=2.5", lambda f: f(lambda: None, repeats=2.5), TypeError,
          not_whole("repeats", "float 2.5")),
    Probe("complexity.median_seconds", "the result fn(x) instead of fn", lambda f: f(x(3)), TypeError,
          r"fn must be the function to run .*got a tensor of shape \(3,\)"),
    Probe("complexity.fit_exponent", "one (n, value) pair", lambda f: f([1.0], [2.0]), ValueError,
          r"need at least 2 \(n, value\) pairs of equal length, got 1 and 1"),
    Probe("complexity.fit_exponent", "3 ns and 2 values", lambda f: f([1, 2, 4], [1.0, 2.0]), ValueError,
          r"need at least 2 \(n, value\) pairs of equal length, got 3 and 2"),
    Probe("complexity.fit_exponent", "a value of 0 (log -inf)", lambda f: f([1, 2, 4], [0.0, 1.0, 2.0]), ValueError,
          r"values must be finite and > 0 \(the fit takes their logarithms\), got entries from 0 to 2"),
    Probe("complexity.fit_exponent", "a NaN value", lambda f: f([1, 2, 4], [NAN, 1.0, 2.0]), ValueError,
          r"values must be finite and > 0 .*got entries from nan"),
    Probe("complexity.fit_exponent", "n=-1", lambda f: f([-1, 2, 4], [1.0, 2.0, 3.0]), ValueError,
          r"ns must be finite and > 0 .*got entries from -1 to 4"),
    Probe("complexity.fit_exponent", "2-D ns and values", lambda f: f(np.ones((2, 3)), np.ones((2, 3))), ValueError,
          r"ns and values must be 1-D sequences \(K,\), got shapes \(2, 3\) and \(2, 3\)"),
    Probe("complexity.fit_exponent", "every n the same", lambda f: f([2, 2, 2], [1.0, 2.0, 3.0]), ValueError,
          r"ns must hold at least 2 different sizes .*got every n = 2"),
    Probe("complexity.measure_grid", "batch=0", lambda f: f((8,), (4,), batch=0), ValueError, too_small("batch", 0)),
    Probe("complexity.measure_grid", "ns=8, not a sequence", lambda f: f(8, (4,)), TypeError,
          r"ns must be a sequence of sizes such as \(64, 128, 256\), got int 8"),
    Probe("complexity.measure_grid", "no ns", lambda f: f((), (4,)), ValueError, r"ns is empty"),
    Probe("complexity.measure_grid", "d=2.5", lambda f: f((8,), (2.5,)), TypeError,
          r"d \(d_model\) must be a whole number >= 1, got float 2\.5"),
    Probe("complexity.measure_grid", "chunk_size=0", lambda f: f((8,), (4,), chunk_size=0), ValueError,
          too_small("chunk_size", 0)),
    Probe("complexity.measure_grid", "repeats=0", lambda f: f((8,), (4,), repeats=0), ValueError,
          too_small("repeats", 0)),
    Probe("complexity.time_grid", "n=0", lambda f: f((0,), (4,)), ValueError,
          r"n \(sequence length\) must be >= 1, got 0"),
    Probe("complexity.time_grid", "repeats=0", lambda f: f((8,), (4,), repeats=0), ValueError, too_small("repeats", 0)),
    Probe("complexity.time_grid", "batch=0", lambda f: f((8,), (4,), batch=0), ValueError, too_small("batch", 0)),
    Probe("complexity.time_grid", "ds='16', a string", lambda f: f((8,), "16"), TypeError,
          r"ds must be a sequence of sizes .*got str '16'"),
    Probe("complexity.memory_grid", "d=2.5", lambda f: f((8,), (2.5,)), TypeError,
          r"d \(d_model\) must be a whole number >= 1, got float 2\.5"),
    Probe("complexity.memory_grid", "chunk_size=0", lambda f: f((8,), (4,), chunk_size=0), ValueError,
          too_small("chunk_size", 0)),
    Probe("complexity.memory_grid", "no ds", lambda f: f((8,), []), ValueError, r"ds is empty"),
    Probe("complexity.memory_grid", "batch=0", lambda f: f((8,), (4,), batch=0), ValueError, too_small("batch", 0)),
    Probe("complexity.CostGrid", "arrays (2, 2) for 1 d and 1 n",
          lambda c: c((8,), (4,), 1, *[np.ones((2, 2))] * 5), ValueError,
          r"CostGrid\.attention_seconds must have shape \(len\(ds\), len\(ns\)\) = \(1, 1\), got \(2, 2\)"),
    # lib.normalization
    Probe("normalization.statistics_axes", "kind='group'", lambda f: f(3, "group"), ValueError,
          r"kind must be one of 'layer', 'batch'; got 'group'"),
    Probe("normalization.statistics_axes", "x_dims=1", lambda f: f(1, "layer"), ValueError, too_small("x_dims", 1, 2)),
    Probe("normalization.statistics_axes", "x_dims=True", lambda f: f(True, "layer"), TypeError,
          not_whole("x_dims", "bool True")),
    Probe("normalization.statistics_axes", "x_dims=2.5", lambda f: f(2.5, "batch"), TypeError,
          not_whole("x_dims", "float 2.5")),
    Probe("normalization.layer_norm", "NumPy x", lambda f: f(np_x(2, 3)), TypeError, numpy_array((2, 3))),
    Probe("normalization.layer_norm", "int x", lambda f: f(ids(2, 3)), TypeError,
          r"x \(\.\.\., C\) must be a float32 or float64 tensor, got dtype torch\.int64; use x\.float\(\)"),
    Probe("normalization.layer_norm", "float64 x, float32 weight", lambda f: f(x(2, 3).double(), torch.ones(3)),
          TypeError, f64_layer("x")),
    Probe("normalization.layer_norm", "weight (4,) for C=3", lambda f: f(x(2, 3), torch.ones(4)), ValueError,
          r"weight must have shape \(C,\) = \(3,\), got \(4,\)"),
    Probe("normalization.layer_norm", "NumPy bias", lambda f: f(x(2, 3), None, np.zeros(3)), TypeError,
          r"bias \(C,\) must be a torch\.Tensor, " + numpy_array((3,))),
    Probe("normalization.layer_norm", "eps=nan", lambda f: f(x(2, 3), eps=NAN), ValueError, not_finite("eps", "nan")),
    Probe("normalization.layer_norm", "eps=-1", lambda f: f(x(2, 3), eps=-1), ValueError,
          outside("eps", "[0, inf)", "-1")),
    Probe("normalization.layer_norm", "eps=True", lambda f: f(x(2, 3), eps=True), TypeError,
          r"eps must be a number, got bool True"),
    Probe("normalization.layer_norm", "empty x", lambda f: f(x(2, 0)), ValueError, empty((2, 0))),
    Probe("normalization.annotated_layer_norm", "NumPy x", lambda f: f(np_x(2, 3)), TypeError, numpy_array((2, 3))),
    Probe("normalization.annotated_layer_norm", "C=1 (its unbiased std is NaN)", lambda f: f(x(2, 1)), ValueError,
          r"needs at least 2 features \(its unbiased std divides by C - 1\), got x of shape \(2, 1\)"),
    Probe("normalization.annotated_layer_norm", "eps=inf", lambda f: f(x(2, 3), eps=INF), ValueError,
          not_finite("eps", "inf")),
    Probe("normalization.annotated_layer_norm", "bias (4,) for C=3", lambda f: f(x(2, 3), None, torch.zeros(4)),
          ValueError, r"bias must have shape \(C,\) = \(3,\), got \(4,\)"),
    Probe("normalization.batch_norm", "NumPy x", lambda f: f(np_x(4, 3)), TypeError, numpy_array((4, 3))),
    Probe("normalization.batch_norm", "1-D x", lambda f: f(x(3)), ValueError,
          r"x \(B, C\) or \(B, T, C\) must have 2 or 3 dimensions, got shape \(3,\)"),
    Probe("normalization.batch_norm", "4-D x", lambda f: f(x(2, 2, 2, 3)), ValueError,
          r"must have 2 or 3 dimensions, got shape \(2, 2, 2, 3\)"),
    Probe("normalization.batch_norm", "one value per feature in training", lambda f: f(x(1, 3)), ValueError,
          r"more than one value per feature, got shape \(1, 3\)"),
    Probe("normalization.batch_norm", "training=False without running statistics", lambda f: f(x(4, 3), training=False),
          ValueError, r"training=False needs running_mean and running_var"),
    Probe("normalization.batch_norm", "running_mean (4,) for C=3", lambda f: f(x(4, 3), running_mean=torch.zeros(4)),
          ValueError, r"running_mean must have shape \(C,\) = \(3,\), got \(4,\)"),
    Probe("normalization.batch_norm", "NumPy running_var", lambda f: f(x(4, 3), running_var=np.ones(3)), TypeError,
          r"running_var \(C,\) must be a torch\.Tensor, " + numpy_array((3,))),
    Probe("normalization.batch_norm", "float64 running_mean for float32 x",
          lambda f: f(x(4, 3), running_mean=torch.zeros(3, dtype=torch.float64), running_var=torch.ones(3),
                      training=False), TypeError,
          r"running_mean has dtype torch\.float64 but x has torch\.float32; use running_mean\.to\(x\.dtype\)"),
    Probe("normalization.batch_norm", "a negative running_var (NaN in evaluation)",
          lambda f: f(x(4, 3), running_mean=torch.zeros(3), running_var=-torch.ones(3), training=False), ValueError,
          r"running_var holds variances, so it must be >= 0, got a minimum of -1"),
    Probe("normalization.batch_norm", "momentum=1.5", lambda f: f(x(4, 3), momentum=1.5), ValueError,
          outside("momentum", "[0, 1]", "1.5")),
    Probe("normalization.batch_norm", "momentum=True", lambda f: f(x(4, 3), momentum=True), TypeError,
          r"momentum must be a number, got bool True"),
    Probe("normalization.batch_norm", "eps=nan", lambda f: f(x(4, 3), eps=NAN), ValueError, not_finite("eps", "nan")),
    Probe("normalization.shares_statistics", "index (2, 0) outside shape (2, 3)", lambda f: f((2, 3), "layer", (2, 0)),
          ValueError, r"index \(2, 0\) does not lie inside shape \(2, 3\)"),
    Probe("normalization.shares_statistics", "index of 2 positions for 3 axes",
          lambda f: f((2, 3, 4), "layer", (1, 2)), ValueError, r"index \(1, 2\) does not lie inside shape \(2, 3, 4\)"),
    Probe("normalization.shares_statistics", "shape (3,) of one axis", lambda f: f((3,), "layer", (0,)), ValueError,
          r"shape must have at least 2 axes, \(B, C\) or \(B, T, C\), got \(3,\)"),
    Probe("normalization.shares_statistics", "a tensor instead of its shape", lambda f: f(x(2, 3), "layer", (1, 0)),
          TypeError, r"shape must be a tuple such as \(B, T, C\), got a tensor of shape \(2, 3\); pass x\.shape"),
    Probe("normalization.shares_statistics", "a size of 2.5", lambda f: f((2.5, 3), "layer", (0, 0)), TypeError,
          not_whole("each size in shape", "float 2.5")),
    Probe("normalization.shares_statistics", "a position True", lambda f: f((2, 3), "layer", (True, 0)), TypeError,
          not_whole("each position in index", "bool True")),
    Probe("normalization.shares_statistics", "kind='group'", lambda f: f((2, 3), "group", (0, 0)), ValueError,
          r"kind must be one of 'layer', 'batch'; got 'group'"),
    # lib.residual
    Probe("residual.make_norm", "norm='group'", lambda f: f("group", 4), ValueError,
          r"norm must be one of 'none', 'layer', 'batch'; got 'group'"),
    Probe("residual.make_norm", "norm=None", lambda f: f(None, 4), ValueError, r"norm must be one of .*; got None"),
    Probe("residual.make_norm", "width=0", lambda f: f("layer", 0), ValueError, too_small("width", 0)),
    Probe("residual.make_norm", "width=2.5", lambda f: f("layer", 2.5), TypeError, not_whole("width", "float 2.5")),
    Probe("residual.DeepStack", "n_layers=0", lambda c: c(0, 4), ValueError, too_small("n_layers", 0)),
    Probe("residual.DeepStack", "n_layers=2.0", lambda c: c(2.0, 4), TypeError, not_whole("n_layers", "float 2.0")),
    Probe("residual.DeepStack", "width=2.5", lambda c: c(2, 2.5), TypeError, not_whole("width", "float 2.5")),
    Probe("residual.DeepStack", "width=0", lambda c: c(2, 0), ValueError, too_small("width", 0)),
    Probe("residual.DeepStack", "norm='group'", lambda c: c(2, 4, norm="group"), ValueError,
          r"norm must be one of 'none', 'layer', 'batch'; got 'group'"),
    Probe("residual.DeepStack", "NumPy x", lambda c: c(2, 4)(np_x(2, 4)), TypeError, numpy_array((2, 4))),
    Probe("residual.DeepStack", "float64 x", lambda c: c(2, 4)(x(2, 4).double()), TypeError, f64_layer("x")),
    Probe("residual.DeepStack", "1-D x", lambda c: c(2, 4)(x(4)), ValueError,
          r"x \(B, C\) or \(B, T, C\) must have 2 or 3 dimensions, got shape \(4,\)"),
    Probe("residual.DeepStack", "x of width 5 for width=4", lambda c: c(2, 4)(x(2, 5)), ValueError,
          r"x must have shape \(B, \.\.\., width=4\), got \(2, 5\)"),
    Probe("residual.DeepStack", "empty batch", lambda c: c(2, 4)(x(0, 4)), ValueError, empty((0, 4))),
    Probe("residual.DeepStack", "one sequence through norm='batch' in training",
          lambda c: c(2, 4, norm="batch")(x(1, 4)), ValueError,
          r"norm='batch' needs more than one value per feature in training, got x of shape \(1, 4\)"),
    Probe("residual.encoder_stack", "n_layers=0", lambda f: f(0), ValueError, too_small("n_layers", 0)),
    Probe("residual.encoder_stack", "n_layers=2.5", lambda f: f(2.5), TypeError, not_whole("n_layers", "float 2.5")),
    Probe("residual.encoder_stack", "d_model=8, n_heads=3", lambda f: f(2, d_model=8, n_heads=3, d_ff=8), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("residual.encoder_stack", "d_ff=0", lambda f: f(2, d_model=8, d_ff=0), ValueError, too_small("d_ff", 0)),
    Probe("residual.layer_grad_norms", "upstream (2, 3) for an output (2, 4)",
          lambda f: grads(f, upstream=x(2, 3)), ValueError,
          r"upstream must have the output's shape \(2, 4\), got \(2, 3\)"),
    Probe("residual.layer_grad_norms", "NumPy upstream", lambda f: grads(f, upstream=np_x(2, 4)), TypeError,
          numpy_array((2, 4))),
    Probe("residual.layer_grad_norms", "NumPy x", lambda f: grads(f, inputs=np_x(2, 4)), TypeError,
          numpy_array((2, 4))),
    Probe("residual.layer_grad_norms", "float64 upstream for a float32 output",
          lambda f: grads(f, upstream=x(2, 4).double()), TypeError,
          r"upstream has dtype torch\.float64 but the model's output is torch\.float32"),
    Probe("residual.layer_grad_norms", "layers and model swapped",
          lambda f: f(deep_stack(), deep_stack().layers, x(2, 4), x(2, 4)), TypeError,
          r"model must be the network to run \(an nn\.Module with a forward\), got ModuleList"),
    Probe("residual.layer_grad_norms", "a layer of another model", lambda f: grads(f, layers=[nn.Linear(4, 4)]),
          ValueError, r"layers\[0\] \(Linear\) is not part of model"),
    Probe("residual.layer_grad_norms", "a layer without parameters", lambda f: grads(f, layers=[nn.Tanh()]),
          ValueError, r"layers\[0\] \(Tanh\) has no parameters"),
    Probe("residual.layer_grad_norms", "no layers", lambda f: grads(f, layers=[]), ValueError, r"layers is empty"),
    Probe("residual.stack_grad_norms", "n_layers=0", lambda f: f(0), ValueError, too_small("n_layers", 0)),
    Probe("residual.stack_grad_norms", "width=2.5", lambda f: f(2, width=2.5), TypeError,
          not_whole("width", "float 2.5")),
    Probe("residual.stack_grad_norms", "batch=1", lambda f: f(2, batch=1), ValueError, too_small("batch", 1, 2)),
    Probe("residual.stack_grad_norms", "seed=-1", lambda f: f(2, seed=-1), ValueError, too_small("seed", -1, 0)),
    Probe("residual.stack_grad_norms", "seed=1.5", lambda f: f(2, seed=1.5), TypeError, not_whole("seed", "float 1.5")),
    Probe("residual.stack_grad_norms", "norm='group'", lambda f: f(2, norm="group"), ValueError,
          r"norm must be one of 'none', 'layer', 'batch'; got 'group'"),
    Probe("residual.encoder_grad_norms", "n_layers=0", lambda f: f(0, norm_first=True), ValueError,
          too_small("n_layers", 0)),
    Probe("residual.encoder_grad_norms", "batch=0", lambda f: f(1, norm_first=True, batch=0), ValueError,
          too_small("batch", 0)),
    Probe("residual.encoder_grad_norms", "length=0", lambda f: f(1, norm_first=True, length=0), ValueError,
          too_small("length", 0)),
    Probe("residual.encoder_grad_norms", "seed=-1", lambda f: f(1, norm_first=True, seed=-1), ValueError,
          too_small("seed", -1, 0)),
    Probe("residual.encoder_grad_norms", "d_model=32, n_heads=3", lambda f: f(1, norm_first=False, n_heads=3),
          ValueError, r"d_model=32 must be divisible by n_heads=3"),
    Probe("residual.block_outputs", "NumPy x", lambda f: f(encoder_blocks(), np_x(2, 4, 8)), TypeError,
          numpy_array((2, 4, 8))),
    Probe("residual.block_outputs", "2-D x", lambda f: f(encoder_blocks(), x(4, 8)), ValueError,
          r"x \(B, T, C\) must have 3 dimensions, got shape \(4, 8\)"),
    Probe("residual.block_outputs", "float64 x", lambda f: f(encoder_blocks(), x(2, 4, 8).double()), TypeError,
          f64_layer("x")),
    Probe("residual.block_outputs", "float 0/1 mask", lambda f: f(encoder_blocks(), x(2, 4, 8), torch.ones(2, 1, 4)),
          TypeError, float_mask()),
    Probe("residual.block_outputs", "NumPy bool mask",
          lambda f: f(encoder_blocks(), x(2, 4, 8), np.ones((2, 1, 4), bool)), TypeError,
          numpy_array((2, 1, 4), "bool"), not_match=CLAIMS_NOT_BOOLEAN),
    Probe("residual.block_outputs", "mask (2, 1, 5) for T=4", lambda f: f(encoder_blocks(), x(2, 4, 8), yes(2, 1, 5)),
          ValueError, no_broadcast((2, 1, 5), (2, 4, 4))),
    Probe("residual.block_outputs", "encoder_stack's wrapped blocks",
          lambda f: f(lib_object("residual.encoder_stack")(1, d_model=8, d_ff=8), x(2, 4, 8)), TypeError,
          r"blocks must be EncoderBlocks \(e\.g\. encoder\.blocks\), got _OutputOnly at position 0"),
    Probe("residual.block_outputs", "an nn.Linear among the blocks", lambda f: f([nn.Linear(8, 8)], x(2, 4, 8)),
          TypeError, r"blocks must be EncoderBlocks .*got Linear at position 0"),
    Probe("residual.cosine_to_input", "a tensor instead of a list of them", lambda f: f(x(2, 3, 8)), TypeError,
          r"outs must be a list of tensors \(what block_outputs returns\), got a tensor of shape \(2, 3, 8\)"),
    Probe("residual.cosine_to_input", "a list of one tensor", lambda f: f([x(2, 3, 8)]), ValueError,
          r"outs must hold at least 2 tensors .*got 1"),
    Probe("residual.cosine_to_input", "shapes (2, 3, 8) and (2, 1, 8)", lambda f: f([x(2, 3, 8), x(2, 1, 8)]),
          ValueError,
          r"one shape and dtype, got \[\(\(2, 3, 8\), 'torch\.float32'\), \(\(2, 1, 8\), 'torch\.float32'\)\]"),
    Probe("residual.cosine_to_input", "a list of NumPy arrays", lambda f: f([np_x(2, 3, 8)] * 2), TypeError,
          r"outs\[0\] must be a torch\.Tensor, " + numpy_array((2, 3, 8))),
    Probe("residual.cosine_to_input", "float32 and float64", lambda f: f([x(2, 3, 8), x(2, 3, 8).double()]),
          ValueError, r"one shape and dtype, got .*'torch\.float64'"),
    # lib.rnn: x_t (2, 3), h (2, 4), w_ih (4, 3), w_hh (4, 4) unless a row says
    Probe("rnn.elman_step", "NumPy x_t", lambda f: f(np_x(2, 3), x(2, 4), x(4, 3), x(4, 4)), TypeError,
          r"x_t must be a torch\.Tensor, " + numpy_array((2, 3))),
    Probe("rnn.elman_step", "list w_hh", lambda f: f(x(2, 3), x(2, 4), x(4, 3), [[0.0] * 4] * 4), TypeError, GOT_LIST),
    Probe("rnn.elman_step", "float64 h", lambda f: f(x(2, 3), x(2, 4).double(), x(4, 3), x(4, 4)), TypeError,
          r"x_t, h, w_ih, w_hh must share one dtype, got torch\.float32, torch\.float64, torch\.float32, "
          r"torch\.float32; convert with \.float\(\)"),
    Probe("rnn.elman_step", "w_ih transposed, (3, 4)", lambda f: f(x(2, 3), x(2, 4), x(3, 4), x(4, 4)), ValueError,
          r"x_t \(B, C\), h \(B, D\), w_ih \(D, C\).*D = w_hh\.shape\[0\] = 4; got x_t \(2, 3\), h \(2, 4\), "
          r"w_ih \(3, 4\), w_hh \(4, 4\)"),
    Probe("rnn.elman_step", "h of width 5 for D=4", lambda f: f(x(2, 3), x(2, 5), x(4, 3), x(4, 4)), ValueError,
          r"got x_t \(2, 3\), h \(2, 5\)"),
    Probe("rnn.elman_step", "h (1, 4) for B=2, broadcast", lambda f: f(x(2, 3), x(1, 4), x(4, 3), x(4, 4)), ValueError,
          r"got x_t \(2, 3\), h \(1, 4\)"),
    Probe("rnn.elman_step", "b_ih without b_hh", lambda f: f(x(2, 3), x(2, 4), x(4, 3), x(4, 4), x(4)), ValueError,
          r"b_ih and b_hh go together: give both biases or neither, got b_ih=Tensor, b_hh=NoneType"),
    Probe("rnn.elman_step", "biases (1,) for D=4, broadcast",
          lambda f: f(x(2, 3), x(2, 4), x(4, 3), x(4, 4), x(1), x(1)), ValueError, r"b_ih \(1,\), b_hh \(1,\)"),
    Probe("rnn.elman_step", "1-D x_t and h (no batch axis)", lambda f: f(x(3), x(4), x(4, 3), x(4, 4)), ValueError,
          r"x_t must have 2 dimensions, got shape \(3,\)"),
    Probe("rnn.elman_loop", "NumPy x", lambda f: f(np_x(2, 5, 3), x(4, 3), x(4, 4)), TypeError,
          numpy_array((2, 5, 3))),
    Probe("rnn.elman_loop", "2-D x", lambda f: f(x(5, 3), x(4, 3), x(4, 4)), ValueError,
          r"x \(B, T, C\) must have 3 dimensions, got shape \(5, 3\)"),
    Probe("rnn.elman_loop", "h0 (1, 4) for B=2, broadcast", lambda f: f(x(2, 5, 3), x(4, 3), x(4, 4), h0=x(1, 4)),
          ValueError, r"got x\[:, t\] \(2, 3\), h0 \(1, 4\)"),
    Probe("rnn.elman_loop", "h0 (1, 2, 4), ElmanRNN's layout", lambda f: f(x(2, 5, 3), x(4, 3), x(4, 4), h0=x(1, 2, 4)),
          ValueError, r"h0 must have 2 dimensions, got shape \(1, 2, 4\)"),
    Probe("rnn.elman_loop", "empty x (T=0)", lambda f: f(x(2, 0, 3), x(4, 3), x(4, 4)), ValueError, empty((2, 0, 3))),
    Probe("rnn.elman_loop", "float64 w_hh", lambda f: f(x(2, 5, 3), x(4, 3), x(4, 4).double()), TypeError,
          r"must share one dtype, got torch\.float32, torch\.float32, torch\.float32, torch\.float64"),
    Probe("rnn.ElmanRNN", "input_size=0", lambda c: c(0, 4), ValueError, too_small("input_size", 0)),
    Probe("rnn.ElmanRNN", "hidden_size=True", lambda c: c(3, True), TypeError, not_whole("hidden_size", "bool True")),
    Probe("rnn.ElmanRNN", "hidden_size=2.0", lambda c: c(3, 2.0), TypeError, not_whole("hidden_size", "float 2.0")),
    Probe("rnn.ElmanRNN", "NumPy x", lambda c: c(3, 4)(np_x(2, 5, 3)), TypeError, numpy_array((2, 5, 3))),
    Probe("rnn.ElmanRNN", "float64 x", lambda c: c(3, 4)(x(2, 5, 3).double()), TypeError, f64_layer("x")),
    Probe("rnn.ElmanRNN", "x of width 5 for input_size=3", lambda c: c(3, 4)(x(2, 5, 5)), ValueError,
          r"x must have shape \(B, T, input_size=3\), got \(2, 5, 5\)"),
    Probe("rnn.ElmanRNN", "2-D x", lambda c: c(3, 4)(x(5, 3)), ValueError,
          r"x \(B, T, C\) must have 3 dimensions, got shape \(5, 3\)"),
    Probe("rnn.ElmanRNN", "h0 (2, 4) without its K axis", lambda c: c(3, 4)(x(2, 5, 3), x(2, 4)), ValueError,
          r"h0 must have shape \(K=1, B=2, D=4\), got \(2, 4\)"),
    Probe("rnn.ElmanRNN", "h0 (1, 2, 4) for a bidirectional layer",
          lambda c: c(3, 4, bidirectional=True)(x(2, 5, 3), x(1, 2, 4)), ValueError,
          r"h0 must have shape \(K=2, B=2, D=4\), got \(1, 2, 4\)"),
    Probe("rnn.ElmanRNN", "NumPy h0", lambda c: c(3, 4)(x(2, 5, 3), np_x(1, 2, 4)), TypeError, numpy_array((1, 2, 4))),
    Probe("rnn.ElmanRNN", "float64 h0", lambda c: c(3, 4)(x(2, 5, 3), x(1, 2, 4).double()), TypeError,
          f64_layer("h0")),
    Probe("rnn.ElmanRNN", "empty x", lambda c: c(3, 4)(x(0, 5, 3)), ValueError, empty((0, 5, 3))),
    Probe("rnn.ElmanRNN.weights", "suffix='_l1'", lambda f: f(elman(), "_l1"), ValueError,
          r"suffix must be one of '_l0'; got '_l1'"),
    Probe("rnn.ElmanRNN.weights", "'_l0_reverse' of a one-way layer", lambda f: f(elman(), "_l0_reverse"), ValueError,
          r"suffix must be one of '_l0'; got '_l0_reverse'"),
    Probe("rnn.ElmanRNN.from_torch", "nn.RNN without batch_first", lambda f: f(nn.RNN(3, 4)), ValueError,
          r"needs nn\.RNN\(num_layers=1, batch_first=True, nonlinearity='tanh'\), got nn\.RNN\(num_layers=1, "
          r"batch_first=False, nonlinearity='tanh'\)"),
    Probe("rnn.ElmanRNN.from_torch", "nn.RNN with relu",
          lambda f: f(nn.RNN(3, 4, batch_first=True, nonlinearity="relu")), ValueError,
          r"got nn\.RNN\(.*nonlinearity='relu'\)"),
    Probe("rnn.ElmanRNN.from_torch", "two layers", lambda f: f(nn.RNN(3, 4, 2, batch_first=True)), ValueError,
          r"got nn\.RNN\(num_layers=2"),
    Probe("rnn.ElmanRNN.from_torch", "an nn.LSTM", lambda f: f(nn.LSTM(3, 4, batch_first=True)), TypeError,
          r"from_torch needs a torch\.nn\.RNN, got LSTM"),
    Probe("rnn.ElmanRNN.from_torch", "an nn.Linear", lambda f: f(nn.Linear(3, 4)), TypeError,
          r"from_torch needs a torch\.nn\.RNN, got Linear"),
    Probe("rnn.spectral_radius", "NumPy w", lambda f: f(np.eye(3)), TypeError, numpy_array((3, 3))),
    Probe("rnn.spectral_radius", "w (2, 3)", lambda f: f(x(2, 3)), ValueError,
          r"w must be square \(D, D\), got shape \(2, 3\)"),
    Probe("rnn.spectral_radius", "a NaN entry (LAPACK would crash)",
          lambda f: f(torch.tensor([[NAN, 0.0], [0.0, 1.0]])), ValueError,
          r"w must hold finite numbers, got 1 NaN or inf entries of 4"),
    Probe("rnn.spectral_radius", "int w", lambda f: f(torch.eye(3, dtype=torch.int64)), TypeError,
          r"w \(D, D\) must be a float32 or float64 tensor, got dtype torch\.int64"),
    Probe("rnn.spectral_radius", "3-D w", lambda f: f(x(2, 3, 3)), ValueError,
          r"w \(D, D\) must have 2 dimensions, got shape \(2, 3, 3\)"),
    Probe("rnn.with_spectral_radius", "rho=nan", lambda f: f(torch.eye(3), NAN), ValueError,
          not_finite("rho", "nan")),
    Probe("rnn.with_spectral_radius", "rho=0", lambda f: f(torch.eye(3), 0), ValueError,
          r"rho \(the spectral radius\) must lie in \(0, inf\), got 0"),
    Probe("rnn.with_spectral_radius", "rho=True", lambda f: f(torch.eye(3), True), TypeError,
          r"rho \(the spectral radius\) must be a number, got bool True"),
    Probe("rnn.with_spectral_radius", "the zero matrix (radius 0)", lambda f: f(torch.zeros(3, 3), 0.9), ValueError,
          r"w has spectral radius 0 \(every eigenvalue is 0\), so no multiple of it has spectral radius 0\.9"),
    Probe("rnn.with_spectral_radius", "NumPy w", lambda f: f(np.eye(3), 0.9), TypeError, numpy_array((3, 3))),
    Probe("rnn.influence", "the result fn(x) instead of fn", lambda f: f(x(4), x(4, 3)), TypeError,
          r"fn must be a function to call, got a tensor of shape \(4,\); pass the function itself"),
    Probe("rnn.influence", "NumPy x", lambda f: f(lambda t: t.sum(0), np_x(4, 3)), TypeError,
          r"x \(T, C\) must be a torch\.Tensor, " + numpy_array((4, 3))),
    Probe("rnn.influence", "1-D x", lambda f: f(lambda t: t, x(4)), ValueError,
          r"x \(T, C\) must have 2 dimensions, got shape \(4,\)"),
    Probe("rnn.influence", "fn that returns a matrix", lambda f: f(lambda t: t, x(4, 3)), ValueError,
          r"fn must map x \(T, C\) to a vector \(N,\), got a Jacobian of shape \(4, 3, 4, 3\)"),
    Probe("rnn.last_state_influence", "an nn.Linear", lambda f: f(nn.Linear(3, 3), x(4, 3)), TypeError,
          r"model must be an ElmanRNN or a MultiHeadAttention, got Linear"),
    Probe("rnn.last_state_influence", "a torch nn.RNN", lambda f: f(nn.RNN(3, 4, batch_first=True), x(4, 3)), TypeError,
          r"model must be an ElmanRNN or a MultiHeadAttention, got RNN"),
    Probe("rnn.last_state_influence", "NumPy x", lambda f: f(elman(), np_x(4, 3)), TypeError, numpy_array((4, 3))),
    Probe("rnn.last_state_influence", "a batch (1, T, C)", lambda f: f(elman(), x(1, 4, 3)), ValueError,
          r"x \(T, C\) must have 2 dimensions, got shape \(1, 4, 3\)"),
    Probe("rnn.last_state_influence", "float64 x", lambda f: f(elman(), x(4, 3).double()), TypeError, f64_layer("x")),
    Probe("rnn.rnn_jacobians", "a torch nn.RNN", lambda f: f(nn.RNN(3, 4, batch_first=True), x(4, 3)), TypeError,
          r"model must be an ElmanRNN, got RNN; copy a torch\.nn\.RNN with ElmanRNN\.from_torch\(rnn\)"),
    Probe("rnn.rnn_jacobians", "NumPy x", lambda f: f(elman(), np_x(4, 3)), TypeError, numpy_array((4, 3))),
    Probe("rnn.rnn_jacobians", "x of width 5 for input_size=3", lambda f: f(elman(), x(4, 5)), ValueError,
          r"x must have shape \(T, input_size=3\), got \(4, 5\)"),
    Probe("rnn.rnn_jacobians", "float64 x", lambda f: f(elman(), x(4, 3).double()), TypeError, f64_layer("x")),
    Probe("rnn.rnn_jacobians", "a batch (1, T, C)", lambda f: f(elman(), x(1, 4, 3)), ValueError,
          r"x \(T, C\) must have 2 dimensions, got shape \(1, 4, 3\)"),
    Probe("rnn.rnn_influence", "a torch nn.RNN", lambda f: f(nn.RNN(3, 4, batch_first=True), x(4, 3)), TypeError,
          r"model must be an ElmanRNN, got RNN"),
    Probe("rnn.rnn_influence", "NumPy x", lambda f: f(elman(), np_x(4, 3)), TypeError, numpy_array((4, 3))),
    Probe("rnn.rnn_influence", "x of width 5 for input_size=3", lambda f: f(elman(), x(4, 5)), ValueError,
          r"x must have shape \(T, input_size=3\), got \(4, 5\)"),
    Probe("rnn.rnn_profiles", "a one-way ElmanRNN", lambda f: f(elman(), x(4, 3)), TypeError,
          r"birnn must be a bidirectional ElmanRNN, got ElmanRNN"),
    Probe("rnn.rnn_profiles", "NumPy x", lambda f: f(elman(bidirectional=True), np_x(4, 3)), TypeError,
          numpy_array((4, 3))),
    Probe("rnn.rnn_profiles", "x of width 5 for input_size=3", lambda f: f(elman(bidirectional=True), x(4, 5)),
          ValueError, r"x must have shape \(T, input_size=3\), got \(4, 5\)"),
    Probe("rnn.power_band", "w_ih (3, 2)", lambda f: f(torch.eye(3), x(3, 2), [1]), ValueError,
          r"power_band needs square w_ih like w_hh \(3, 3\), got \(3, 2\)"),
    Probe("rnn.power_band", "NumPy w_hh", lambda f: f(np.eye(3), torch.eye(3), [1]), TypeError,
          r"w_hh \(D, D\) must be a torch\.Tensor, " + numpy_array((3, 3))),
    Probe("rnn.power_band", "w_hh (3, 2)", lambda f: f(x(3, 2), x(3, 2), [1]), ValueError,
          r"w_hh must be square \(D, D\), got shape \(3, 2\)"),
    Probe("rnn.power_band", "the zero matrix as w_hh (log 0)", lambda f: f(torch.zeros(3, 3), torch.eye(3), [1]),
          ValueError, r"w_hh has spectral radius 0 \(every eigenvalue is 0\): log ρ is -inf"),
    Probe("rnn.power_band", "a NaN in w_hh", lambda f: f(torch.eye(3) * NAN, torch.eye(3), [1]), ValueError,
          r"w_hh must hold finite numbers, got 9 NaN or inf entries of 9"),
    Probe("rnn.power_band", "a NaN in w_ih", lambda f: f(torch.eye(3), torch.eye(3) * NAN, [1]), ValueError,
          r"w_ih must hold finite numbers, got 9 NaN or inf entries of 9"),
    Probe("rnn.power_band", "distance -1", lambda f: f(torch.eye(3) / 2, torch.eye(3), [-1, 2]), ValueError,
          r"distances count steps, so they must be finite and >= 0, got values from -1 to 2"),
    Probe("rnn.power_band", "distance nan", lambda f: f(torch.eye(3) / 2, torch.eye(3), [NAN]), ValueError,
          r"distances count steps, so they must be finite and >= 0, got values from nan"),
    Probe("rnn.power_band", "distances (1, 2)", lambda f: f(torch.eye(3) / 2, torch.eye(3), [[1, 2]]), ValueError,
          r"distances must be a non-empty vector \(K,\), got shape \(1, 2\)"),
    Probe("rnn.power_band", "distances='abc'", lambda f: f(torch.eye(3) / 2, torch.eye(3), "abc"), TypeError,
          r"distances must be numbers \(K,\) such as torch\.arange\(T\), got str 'abc'"),
    Probe("rnn.best_time", "the result fn() instead of fn", lambda f: f(x(3)), TypeError,
          r"fn must be a function to call, got a tensor of shape \(3,\)"),
    Probe("rnn.best_time", "repeats=0", lambda f: f(lambda: None, repeats=0), ValueError, too_small("repeats", 0)),
    Probe("rnn.best_time", "repeats=True", lambda f: f(lambda: None, repeats=True), TypeError,
          not_whole("repeats", "bool True")),
    Probe("rnn.recall_task", "n_samples=0", lambda f: f(0, 3), ValueError, too_small("n_samples", 0)),
    Probe("rnn.recall_task", "n_distractors=-1", lambda f: f(3, -1), ValueError, too_small("n_distractors", -1, 0)),
    Probe("rnn.recall_task", "n_distractors=True", lambda f: f(3, True), TypeError,
          not_whole("n_distractors", "bool True")),
    Probe("rnn.recall_task", "n_symbols=1", lambda f: f(3, 2, n_symbols=1), ValueError, too_small("n_symbols", 1, 2)),
    Probe("rnn.recall_task", "seed=-1", lambda f: f(3, 2, seed=-1), ValueError, too_small("seed", -1, 0)),
    Probe("rnn.recall_task", "seed=1.5", lambda f: f(3, 2, seed=1.5), TypeError, not_whole("seed", "float 1.5")),
    Probe("rnn.RecallRNN", "n_symbols=1", lambda c: c(1, 8), ValueError, too_small("n_symbols", 1, 2)),
    Probe("rnn.RecallRNN", "d_model=0", lambda c: c(4, 0), ValueError, too_small("d_model", 0)),
    Probe("rnn.RecallRNN", "d_model=2.5", lambda c: c(4, 2.5), TypeError, not_whole("d_model", "float 2.5")),
    Probe("rnn.RecallRNN", "NumPy tokens", lambda c: c(4, 8)(ids(2, 5).numpy()), TypeError,
          r"tokens \(B, T\) must be an integer torch\.Tensor of token ids, got a NumPy array of dtype int64"),
    Probe("rnn.RecallRNN", "float tokens", lambda c: c(4, 8)(ids(2, 5).float()), TypeError,
          r"tokens \(B, T\) must hold integer token ids, got dtype torch\.float32; use tokens\.long\(\)"),
    Probe("rnn.RecallRNN", "token id 9 for n_symbols=4", lambda c: c(4, 8)(torch.full((2, 5), 9)), ValueError,
          r"must lie in 0\.\.8 \(vocab_size=9\), got ids from 9 to 9"),
    Probe("rnn.RecallRNN", "1-D tokens", lambda c: c(4, 8)(ids(5)), ValueError,
          r"tokens \(B, T\) must have 2 dimensions, got shape \(5,\)"),
    Probe("rnn.RecallRNN", "empty tokens", lambda c: c(4, 8)(ids(2, 0)), ValueError, empty((2, 0))),
    Probe("rnn.RecallAttention", "n_symbols=0", lambda c: c(0, 8), ValueError, too_small("n_symbols", 0, 2)),
    Probe("rnn.RecallAttention", "d_model=8, n_heads=3", lambda c: c(4, 8, n_heads=3), ValueError,
          r"d_model=8 must be divisible by n_heads=3"),
    Probe("rnn.RecallAttention", "NumPy tokens", lambda c: c(4, 8)(ids(2, 5).numpy()), TypeError,
          r"got a NumPy array of dtype int64 and shape \(2, 5\); use torch\.tensor\(ids\) or torch\.from_numpy"),
    Probe("rnn.RecallAttention", "token id 9 for n_symbols=4", lambda c: c(4, 8)(torch.full((2, 5), 9)), ValueError,
          r"must lie in 0\.\.8 \(vocab_size=9\), got ids from 9 to 9"),
    Probe("rnn.RecallAttention", "token id -1", lambda c: c(4, 8)(torch.tensor([[-1, 8]])), ValueError,
          r"must lie in 0\.\.8 \(vocab_size=9\), got ids from -1 to 8"),
    Probe("rnn.RecallAttention", "1-D tokens", lambda c: c(4, 8)(ids(5)), ValueError,
          r"tokens \(B, T\) must have 2 dimensions, got shape \(5,\)"),
    Probe("rnn.matmul_depth", "no autograd graph", lambda f: f(x(3)), ValueError,
          r"out has no autograd graph: compute it from tensors with requires_grad=True"),
    Probe("rnn.matmul_depth", "NumPy out", lambda f: f(np_x(3)), TypeError, numpy_array((3,))),
    Probe("rnn.matmul_depth", "a (logits, weights) tuple", lambda f: f((x(3), None)), TypeError,
          r"out must be a torch\.Tensor, got a tuple"),
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
