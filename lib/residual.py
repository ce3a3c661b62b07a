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
        self.residual, self.norm_first = bool(residual), bool(norm_first)
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(n_layers))
        self.norms = nn.ModuleList(make_norm(norm, width) for _ in range(n_layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        validate.tensor(x, "x (B, C)", dims=(2, 3))
        validate.same_dtype(x, self.layers[0].weight, "x")
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
    validate.tensor(upstream, "upstream", min_dims=1)
    model.zero_grad(set_to_none=True)
    out = model(x)  # (B, ..., C)
    if out.shape != upstream.shape:
        raise ValueError(f"upstream must have the output's shape {tuple(out.shape)}, got {tuple(upstream.shape)}")
    (out * upstream).sum().backward()
    norms = [torch.sqrt(sum((p.grad**2).sum() for p in layer.parameters())) for layer in layers]
    return torch.stack(norms).detach()  # (n_layers,)


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
    outs = [x]
    for block in blocks:
        outs.append(block(outs[-1], mask)[0])  # (B, T, C)
    return outs


def cosine_to_input(outs: list[torch.Tensor]) -> torch.Tensor:
    """Mean cosine similarity of each block's output with that block's input, over every token.

    Shapes: a list of n + 1 tensors (B, T, C) -> (n,).
    """
    sims = [torch.cosine_similarity(a, b, dim=-1).mean() for a, b in itertools.pairwise(outs)]
    return torch.stack(sims).detach()  # (n,)
