"""lib's input contract, in one place: every public function checks its inputs with these.

The policy, the same everywhere:

* Where a tensor is expected, a NumPy array, list or number is refused with a `TypeError`
  that names what came in and how to convert it (`torch.from_numpy(x).float()`); lib never
  converts silently, because a float64 array turned into float32 (or an int array into a
  float) can hide the very bug a student is looking for.
* Pure functions compute in the floating dtype they are given (float32 or float64), since
  that cannot hide anything. A layer with weights needs the input in its weights' dtype; a
  mismatch is refused with the fix (`x.float()`).
* Masks are boolean tensors, True = "may attend". A float or integer mask is refused,
  because `F.scaled_dot_product_attention` reads a float 0/1 mask as an additive bias.
* Sizes are whole numbers (Python or NumPy ints, never bools or floats) of at least a
  stated minimum; settings are finite numbers inside a stated range; token ids lie in
  0 .. vocab_size - 1.

Each helper returns the checked value, so a caller can write `n = size(n, "n_positions")`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

_FIX_NUMPY = "convert it with torch.from_numpy(x).float() (or torch.tensor(x, dtype=torch.float32))"


def _var(name: str) -> str:
    """The variable in a label such as "tokens (B, T)": its first word, for a fix like tokens.long()."""
    word = name.split(" ")[0]
    return word if word.isidentifier() else "x"


def _what(x) -> str:
    """A short description of a value for an error message: its type, shape and dtype."""
    if isinstance(x, torch.Tensor):
        return f"a {x.dtype} tensor of shape {tuple(x.shape)}"
    if isinstance(x, np.ndarray):
        return f"a NumPy array of dtype {x.dtype} and shape {x.shape}"
    return f"{type(x).__name__} {x!r}" if not isinstance(x, list | tuple) else f"a {type(x).__name__}"


def tensor(x, name: str, *, dims: int | tuple[int, ...] | None = None, min_dims: int = 0,
           floating: bool = True) -> torch.Tensor:
    """`x` itself if it is a tensor of the right kind, else a TypeError/ValueError saying why.

    `floating=True` needs float32 or float64; `dims` an exact number (or one of several) of
    dimensions; `min_dims` a minimum. Empty axes are refused: a (0, D) input is a bug.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {_what(x)}; {_FIX_NUMPY}")
    if floating and x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} must be a float32 or float64 tensor, got dtype {x.dtype}; use {_var(name)}.float()")
    wanted = (dims,) if isinstance(dims, int) else dims
    if wanted is not None and x.dim() not in wanted:
        n = " or ".join(str(d) for d in wanted)
        raise ValueError(f"{name} must have {n} dimension{'' if wanted == (1,) else 's'}, got shape {tuple(x.shape)}")
    if x.dim() < min_dims:
        raise ValueError(f"{name} must have at least {min_dims} dimensions, got shape {tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}); every axis needs at least one entry")
    return x


def mask(m, name: str = "mask") -> torch.Tensor:
    """`m` if it is a boolean tensor (True = may attend), else a TypeError with the fix."""
    if isinstance(m, np.ndarray):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {_what(m)}; convert it with torch.from_numpy({_var(name)})"
        )
    if not isinstance(m, torch.Tensor):
        raise TypeError(f"{name} must be a boolean torch.Tensor (True = may attend), got {_what(m)}")
    if m.dtype != torch.bool:
        raise TypeError(
            f"{name} must be boolean (True = may attend), got dtype {m.dtype}; a float or integer mask "
            f"would be read the wrong way (as a bias to add). Use {_var(name)}.bool() if it holds 0/1, "
            f"or build it with lib.masks"
        )
    return m


def same_dtype(x: torch.Tensor, weight: torch.Tensor, name: str) -> torch.Tensor:
    """`x` if its dtype equals the layer's weights', else a TypeError with the conversion."""
    if x.dtype != weight.dtype:
        fix = {torch.float32: "float()", torch.float64: "double()"}.get(weight.dtype, f"to({weight.dtype})")
        raise TypeError(
            f"{name} has dtype {x.dtype} but the layer's weights are {weight.dtype}; use {_var(name)}.{fix} "
            f"(torch.from_numpy gives float64)"
        )
    return x


def size(n, name: str, *, minimum: int = 1) -> int:
    """`n` as an int if it is a whole number >= `minimum` (bools and floats are refused)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a whole number >= {minimum}, got {_what(n)}")
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return int(n)


def number(x, name: str, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False) -> float:
    """`x` as a float if it is a finite real number inside [low, high] (open ends as asked)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_what(x)}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x}")
    below = low is not None and (x <= low if low_open else x < low)
    above = high is not None and (x >= high if high_open else x > high)
    if below or above:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
        raise ValueError(f"{name} must lie in {interval}, got {x:g}")
    return x


def choice(x, name: str, options) -> object:
    """`x` if it is one of `options`, else a ValueError listing them."""
    if x not in options:
        raise ValueError(f"{name} must be one of {', '.join(repr(o) for o in options)}; got {x!r}")
    return x


def token_ids(tokens, name: str, vocab_size: int, *, dims: int = 2) -> torch.Tensor:
    """`tokens` if it is an integer tensor of ids in 0 .. vocab_size - 1 with `dims` dimensions."""
    if not isinstance(tokens, torch.Tensor):
        raise TypeError(f"{name} must be an integer torch.Tensor of token ids, got {_what(tokens)}; "
                        f"use torch.tensor(ids) or torch.from_numpy(ids).long()")
    if tokens.dtype.is_floating_point or tokens.dtype == torch.bool or tokens.is_complex():
        raise TypeError(f"{name} must hold integer token ids, got dtype {tokens.dtype}; use {_var(name)}.long()")
    if tokens.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"{name} must hold int64 or int32 token ids (what nn.Embedding takes), got dtype "
                        f"{tokens.dtype}; use {_var(name)}.long()")
    if tokens.dim() != dims:
        raise ValueError(f"{name} must have {dims} dimensions, got shape {tuple(tokens.shape)}")
    if tokens.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(tokens.shape)})")
    lo, hi = tokens.min().item(), tokens.max().item()
    if lo < 0 or hi >= vocab_size:
        raise ValueError(f"{name} must lie in 0..{vocab_size - 1} (vocab_size={vocab_size}), got ids from {lo} to {hi}")
    return tokens


def broadcasts_to(shape, target, what: str) -> None:
    """Raise ValueError unless `shape` broadcasts to `target` without growing it."""
    try:
        grown = torch.broadcast_shapes(torch.Size(shape), torch.Size(target))
    except RuntimeError:
        grown = None
    if grown != torch.Size(target):
        raise ValueError(f"{what} of shape {tuple(shape)} does not broadcast to {tuple(target)}")
