"""Normalisation as pure functions: layer normalisation (레이어 정규화) and batch normalisation (배치 정규화).

Both subtract a mean and divide by a standard deviation, then finish with the same affine map
(Affine 변환) y = a·x̂ + b, one a and one b per feature. They differ only in which entries share
the mean and the variance:

* LayerNorm: one input (one token's vector) over its features, the last axis;
* BatchNorm: one feature over the batch, every axis but the last (for (B, T, C): all B·T tokens).

The feature axis is the last one everywhere (batch-first, (B, C) or (B, T, C)); PyTorch's
`BatchNorm1d` wants it at axis 1 instead, so compare with `bn(x.transpose(1, 2)).transpose(1, 2)`.
"""

from __future__ import annotations

import torch

from lib import validate

KINDS = ("layer", "batch")


def _affine(x_hat: torch.Tensor, weight: torch.Tensor | None, bias: torch.Tensor | None) -> torch.Tensor:
    """y = a·x̂ + b with a = `weight`, b = `bias` (C,) each; None means a = 1 or b = 0."""
    C = x_hat.shape[-1]
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None:
            validate.tensor(p, f"{name} (C,)", dims=1)
            validate.same_dtype(x_hat, p, "x")
            if p.shape[0] != C:
                raise ValueError(f"{name} must have shape (C,) = ({C},), got {tuple(p.shape)}")
    y = x_hat if weight is None else x_hat * weight  # (..., C)
    return y if bias is None else y + bias  # (..., C)


def statistics_axes(x_dims: int, kind: str) -> tuple[int, ...]:
    """The axes a normalisation averages over: the features for "layer", all the others for "batch"."""
    validate.choice(kind, "kind", KINDS)
    validate.size(x_dims, "x_dims", minimum=2)
    return (x_dims - 1,) if kind == "layer" else tuple(range(x_dims - 1))


def layer_norm(x: torch.Tensor, weight: torch.Tensor | None = None, bias: torch.Tensor | None = None,
               *, eps: float = 1e-5) -> torch.Tensor:
    """Normalise each input vector over its features, then y = a·x̂ + b; equals `torch.nn.LayerNorm`.

    x̂ = (x − mean) / √(var + eps) with the biased variance (divide by C) and eps inside the root.
    Shapes: x (..., C), weight and bias (C,) -> (..., C).
    """
    validate.tensor(x, "x (..., C)", min_dims=1)
    validate.number(eps, "eps", low=0.0)
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
    var = x.var(dim=-1, unbiased=False, keepdim=True)  # (..., 1): biased, as torch
    return _affine((x - mean) / torch.sqrt(var + eps), weight, bias)  # (..., C)


def annotated_layer_norm(x: torch.Tensor, weight: torch.Tensor | None = None, bias: torch.Tensor | None = None,
                         *, eps: float = 1e-6) -> torch.Tensor:
    """The Annotated Transformer's LayerNorm: a·(x − mean)/(std + eps) + b, std unbiased (÷ C − 1).

    Not `torch.nn.LayerNorm`: the unbiased std is √(C/(C−1)) times larger, and eps sits outside
    the root, so on near-constant inputs it divides by ≈ eps instead of ≈ √eps.
    Shapes: x (..., C), weight and bias (C,) -> (..., C).
    """
    validate.tensor(x, "x (..., C)", min_dims=1)
    validate.number(eps, "eps", low=0.0)
    if x.shape[-1] < 2:
        raise ValueError(f"annotated_layer_norm needs at least 2 features (its unbiased std divides by C - 1), "
                         f"got x of shape {tuple(x.shape)}")
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
    std = x.std(dim=-1, keepdim=True)  # (..., 1): unbiased
    return _affine((x - mean) / (std + eps), weight, bias)  # (..., C)


def batch_norm(
    x: torch.Tensor,
    weight: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
    *,
    running_mean: torch.Tensor | None = None,
    running_var: torch.Tensor | None = None,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """Normalise each feature over the batch (every axis but the last), then y = a·x̂ + b.

    Training: the batch's own mean and biased variance; returns new running statistics
    (1 − momentum)·old + momentum·batch, with the *unbiased* batch variance, as `torch.nn.BatchNorm1d`
    does (the inputs are not changed; None stays None). Evaluation (`training=False`): the running
    statistics, which are then required and returned as they are.
    Shapes: x (B, C) or (B, T, C); weight, bias, running_mean, running_var (C,) -> (out like x, (C,), (C,)).
    """
    validate.tensor(x, "x (B, C) or (B, T, C)", dims=(2, 3))
    validate.number(eps, "eps", low=0.0)
    validate.number(momentum, "momentum", low=0.0, high=1.0)
    C = x.shape[-1]
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        if r is None:
            continue
        if validate.tensor(r, f"{name} (C,)", dims=1).shape[0] != C:
            raise ValueError(f"{name} must have shape (C,) = ({C},), got {tuple(r.shape)}")
        if r.dtype != x.dtype:
            raise TypeError(f"{name} has dtype {r.dtype} but x has {x.dtype}; use {name}.to(x.dtype)")
    if running_var is not None and (running_var < 0).any():
        raise ValueError(f"running_var holds variances, so it must be >= 0, got a minimum of "
                         f"{running_var.min().item():g}")
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm with training=False needs running_mean and running_var")
        x_hat = (x - running_mean) / torch.sqrt(running_var + eps)  # (..., C)
        return _affine(x_hat, weight, bias), running_mean, running_var
    axes = statistics_axes(x.dim(), "batch")
    n = x.numel() // C  # entries per feature
    if n < 2:
        raise ValueError(f"batch_norm in training needs more than one value per feature, got shape {tuple(x.shape)}")
    mean = x.mean(dim=axes)  # (C,)
    var = x.var(dim=axes, unbiased=False)  # (C,)
    out = _affine((x - mean) / torch.sqrt(var + eps), weight, bias)  # (..., C)
    new_mean = None if running_mean is None else (1 - momentum) * running_mean + momentum * mean  # (C,)
    new_var = None if running_var is None else (1 - momentum) * running_var + momentum * var * n / (n - 1)  # (C,)
    return out, new_mean, new_var


def _shape_and_index(shape, index) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """`shape` (whole sizes >= 1, at least 2 axes) and `index` (one position inside it per axis), as tuples."""
    for name, value, example in (("shape", shape, "(B, T, C)"), ("index", index, "(b, t, c)")):
        if isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a tuple such as {example}, got a tensor of shape {tuple(value.shape)}"
                            + ("; pass x.shape, not x" if name == "shape" else ""))
        if not isinstance(value, tuple | list):
            raise TypeError(f"{name} must be a tuple such as {example}, got {type(value).__name__} {value!r}")
    if len(shape) < 2:
        raise ValueError(f"shape must have at least 2 axes, (B, C) or (B, T, C), got {tuple(shape)}")
    shape = tuple(validate.size(n, "each size in shape") for n in shape)
    index = tuple(validate.size(i, "each position in index", minimum=0) for i in index)
    if len(index) != len(shape) or any(not i < n for i, n in zip(index, shape, strict=True)):
        raise ValueError(f"index {index} does not lie inside shape {shape}")
    return shape, index


def shares_statistics(shape: tuple[int, ...], kind: str, index: tuple[int, ...]) -> torch.Tensor:
    """True at every entry of a tensor of `shape` whose mean and variance are shared with entry `index`.

    Shapes: shape (B, T, C) or (B, C), index of the same length -> bool tensor of `shape`.
    """
    shape, index = _shape_and_index(shape, index)
    axes = statistics_axes(len(shape), kind)
    grids = torch.meshgrid(*(torch.arange(n) for n in shape), indexing="ij")
    same = torch.ones(shape, dtype=torch.bool)
    for axis, (grid, i) in enumerate(zip(grids, index, strict=True)):
        if axis not in axes:  # the axes not averaged over must match the entry's own
            same &= grid == i
    return same
