"""Deep stacks and the gradient that reaches their first layer: residual connections (잔차 연결),
normalisation, Pre-LN against Post-LN, and N blocks in series (×N).

`DeepStack` is a toy stack of n_layers sublayers f(x) = tanh(x W + b), small enough to run
forward and backward in milliseconds; `encoder_stack` is a stack of `lib.blocks.EncoderBlock`.
`layer_grad_norms` measures, for each layer, the norm of the gradient of its parameters.

With a residual connection x ↦ x + f(x) the backward pass multiplies by I + ∂f/∂x per layer, so
the identity carries the gradient down however deep the stack; without it, it multiplies by
∂f/∂x alone, a factor below 1 at PyTorch's default initialisation, and the gradient at layer 1
shrinks geometrically with the depth.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from lib import validate
from lib.blocks import EncoderBlock

NORMS = ("none", "layer", "batch")


class _BatchNormLast(nn.BatchNorm1d):
    """`nn.BatchNorm1d` over the last axis of a (B, C) or (B, T, C) input (feature axis last)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return super().forward(x)
        return super().forward(x.transpose(1, 2)).transpose(1, 2)  # (B, T, C) -> (B, C, T) and back


def make_norm(norm: str, width: int) -> nn.Module:
    """nn.Identity, nn.LayerNorm or a BatchNorm over the feature axis, by name: "none", "layer", "batch"."""
    validate.choice(norm, "norm", NORMS)
    width = validate.size(width, "width")
    return {"none": nn.Identity, "layer": nn.LayerNorm, "batch": _BatchNormLast}[norm](width) if norm != "none" \
        else nn.Identity()


class DeepStack(nn.Module):
    """n_layers sublayers f(x) = tanh(x W + b), with or without residual connections and a norm.

    Post-LN (`norm_first=False`): x = norm(x + f(x)), or x = norm(f(x)) without the residual.
    Pre-LN (`norm_first=True`):   x = x + f(norm(x)), or x = f(norm(x)).
    Shapes: x (B, C) or (B, T, C) -> same shape.
    """

    def __init__(self, n_layers: int, width: int, *, residual: bool = True, norm: str = "none",
                 norm_first: bool = False) -> None:
        super().__init__()
        validate.size(n_layers, "n_layers")
        width = validate.size(width, "width")
        validate.choice(norm, "norm", NORMS)
        self.width, self.batch_norm = width, norm == "batch"
        self.residual, self.norm_first = bool(residual), bool(norm_first)
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(n_layers))
        self.norms = nn.ModuleList(make_norm(norm, width) for _ in range(n_layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        validate.tensor(x, "x (B, C) or (B, T, C)", dims=(2, 3))
        validate.same_dtype(x, self.layers[0].weight, "x")
        if x.shape[-1] != self.width:
            raise ValueError(f"x must have shape (B, ..., width={self.width}), got {tuple(x.shape)}")
        if self.batch_norm and self.training and x.numel() // self.width < 2:
            raise ValueError(f"a DeepStack with norm='batch' needs more than one value per feature in training, "
                             f"got x of shape {tuple(x.shape)}")
        for linear, norm in zip(self.layers, self.norms, strict=True):
            if self.norm_first:
                out = torch.tanh(linear(norm(x)))  # (..., C)
                x = x + out if self.residual else out  # (..., C)
            else:
                out = torch.tanh(linear(x))  # (..., C)
                x = norm(x + out if self.residual else out)  # (..., C)
        return x


def encoder_stack(n_layers: int, *, d_model: int = 32, n_heads: int = 2, d_ff: int = 64,
                  norm_first: bool = False) -> nn.Sequential:
    """n_layers `EncoderBlock`s in series (their attention weights dropped); Pre-LN ends with a LayerNorm.

    Shapes: x (B, T, C) -> (B, T, C).
    """
    validate.size(n_layers, "n_layers")
    blocks = [_OutputOnly(EncoderBlock(d_model, n_heads, d_ff, norm_first=norm_first)) for _ in range(n_layers)]
    final = [nn.LayerNorm(d_model)] if norm_first else []
    return nn.Sequential(*blocks, *final)


class _OutputOnly(nn.Module):
    """An EncoderBlock that returns its output without the attention weights, for nn.Sequential."""

    def __init__(self, block: EncoderBlock) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)[0]  # (B, T, C)


def layer_grad_norms(layers, model: nn.Module, x: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
    """For each module in `layers`, ‖∂L/∂θ‖ over all its parameters, with L = Σ model(x) · upstream.

    `upstream` is a fixed (seeded) gradient arriving at the output, so that the loss does not
    vanish after a final LayerNorm (the sum of a LayerNorm's outputs is a constant).
    Shapes: x (B, ..., C), upstream like model(x) -> (n_layers,).
    """
    _check_model(model)
    validate.tensor(x, "x (B, ..., C)", min_dims=1)
    validate.tensor(upstream, "upstream", min_dims=1)
    model.zero_grad(set_to_none=True)
    out = model(x)  # (B, ..., C)
    if out.shape != upstream.shape:
        raise ValueError(f"upstream must have the output's shape {tuple(out.shape)}, got {tuple(upstream.shape)}")
    if out.dtype != upstream.dtype:
        raise TypeError(f"upstream has dtype {upstream.dtype} but the model's output is {out.dtype}; "
                        f"use upstream.to({out.dtype})")
    layers = _check_layers(layers, model)
    (out * upstream).sum().backward()
    norms = [torch.sqrt(sum((p.grad**2).sum() for p in layer.parameters())) for layer in layers]
    return torch.stack(norms).detach()  # (n_layers,)


def _check_model(model) -> None:
    if not isinstance(model, nn.Module) or type(model).forward is nn.Module.forward:
        raise TypeError(f"model must be the network to run (an nn.Module with a forward), got {type(model).__name__}; "
                        f"the call is layer_grad_norms(layers, model, x, upstream)")


def _check_layers(layers, model: nn.Module) -> list[nn.Module]:
    """`layers` as a list, if every layer is a module of `model` with parameters."""
    if isinstance(layers, nn.Module) and not isinstance(layers, nn.ModuleList | nn.Sequential):
        raise TypeError(f"layers must be a list of modules (e.g. model.layers), got one {type(layers).__name__}")
    layers = list(layers)
    if not layers:
        raise ValueError("layers is empty: give the modules whose gradient norms you want")
    own = {id(p) for p in model.parameters()}
    for i, layer in enumerate(layers):
        if not isinstance(layer, nn.Module):
            raise TypeError(f"layers[{i}] must be an nn.Module, got {type(layer).__name__}")
        params = list(layer.parameters())
        if not params:
            raise ValueError(f"layers[{i}] ({type(layer).__name__}) has no parameters, so no gradient to measure")
        if not all(id(p) in own for p in params):
            raise ValueError(f"layers[{i}] ({type(layer).__name__}) is not part of model: its parameters would "
                             f"get no gradient")
    return layers


def stack_grad_norms(n_layers: int, *, width: int = 16, batch: int = 32, residual: bool = True,
                     norm: str = "none", norm_first: bool = False, seed: int = 0) -> torch.Tensor:
    """The gradient norm of each sublayer of a freshly initialised, seeded `DeepStack`.

    Shapes: -> (n_layers,), entry 0 = layer 1 (next to the input), entry -1 = next to the output.
    """
    gen = torch.Generator().manual_seed(validate.size(seed, "seed", minimum=0))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        stack = DeepStack(n_layers, width, residual=residual, norm=norm, norm_first=norm_first)
    x = torch.randn(validate.size(batch, "batch", minimum=2), width, generator=gen)  # (B, C)
    upstream = torch.randn(batch, width, generator=gen)  # (B, C)
    return layer_grad_norms(stack.layers, stack, x, upstream)


def encoder_grad_norms(n_layers: int, *, norm_first: bool, d_model: int = 32, n_heads: int = 2,
                       d_ff: int = 64, batch: int = 4, length: int = 8, seed: int = 0) -> torch.Tensor:
    """The gradient norm of each `EncoderBlock` of a freshly initialised, seeded stack (Pre- or Post-LN).

    Shapes: -> (n_layers,), entry 0 = block 1 (next to the input).
    """
    gen = torch.Generator().manual_seed(validate.size(seed, "seed", minimum=0))
    batch, length = validate.size(batch, "batch"), validate.size(length, "length")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        stack = encoder_stack(n_layers, d_model=d_model, n_heads=n_heads, d_ff=d_ff, norm_first=norm_first)
    x = torch.randn(batch, length, d_model, generator=gen)  # (B, T, C)
    upstream = torch.randn(batch, length, d_model, generator=gen)  # (B, T, C)
    return layer_grad_norms(list(stack)[:n_layers], stack, x, upstream)


def block_outputs(blocks, x: torch.Tensor, mask: torch.Tensor | None = None) -> list[torch.Tensor]:
    """The input and every block's output when `blocks` (EncoderBlocks) are applied in series.

    Shapes: x (B, T, C) -> a list of n_layers + 1 tensors (B, T, C); entry 0 is x itself.
    """
    validate.tensor(x, "x (B, T, C)", dims=3)
    blocks = list(blocks)
    for i, block in enumerate(blocks):
        if not isinstance(block, EncoderBlock):
            raise TypeError(f"blocks must be EncoderBlocks (e.g. encoder.blocks), got {type(block).__name__} at "
                            f"position {i}")
    if blocks:
        validate.same_dtype(x, next(blocks[0].parameters()), "x")
    outs = [x]
    for block in blocks:
        outs.append(block(outs[-1], mask)[0])  # (B, T, C)
    return outs


def cosine_to_input(outs: list[torch.Tensor]) -> torch.Tensor:
    """Mean cosine similarity of each block's output with that block's input, over every token.

    Shapes: a list of n + 1 tensors (B, T, C) -> (n,).
    """
    if not isinstance(outs, list | tuple):
        what = f"a tensor of shape {tuple(outs.shape)}" if isinstance(outs, torch.Tensor) else type(outs).__name__
        raise TypeError(f"outs must be a list of tensors (what block_outputs returns), got {what}")
    if len(outs) < 2:
        raise ValueError(f"outs must hold at least 2 tensors (the input and one block's output), got {len(outs)}")
    for i, out in enumerate(outs):
        validate.tensor(out, f"outs[{i}]", min_dims=1)
    if len({(o.shape, o.dtype) for o in outs}) > 1:
        raise ValueError(f"every tensor in outs must have one shape and dtype, got "
                         f"{[(tuple(o.shape), str(o.dtype)) for o in outs]}")
    sims = [torch.cosine_similarity(a, b, dim=-1).mean() for a, b in itertools.pairwise(outs)]
    return torch.stack(sims).detach()  # (n,)
