"""The encoder block: self-attention, then a position-wise feed-forward network, each wrapped
in a residual connection (잔차 연결) and a LayerNorm.

Post-LN, as in the paper:  x = LN(x + Attn(x)),       x = LN(x + FFN(x)).
Pre-LN (`norm_first=True`): x = x + Attn(LN(x)),       x = x + FFN(LN(x)).

The decoder block adds a second attention between the two: cross-attention, whose queries come
from the decoder and whose keys and values come from the encoder's output (`memory`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lib import validate
from lib.heads import MultiHeadAttention


class FeedForward(nn.Module):
    """FFN(x) = max(0, x W₁ + b₁) W₂ + b₂, the same two linear maps at every position.

    Shapes: x (B, T, C) -> hidden (B, T, F) -> (B, T, C).
    """

    def __init__(self, d_model: int, d_ff: int, *, dropout: float = 0.0) -> None:
        super().__init__()
        validate.size(d_model, "d_model")
        validate.size(d_ff, "d_ff")
        validate.number(dropout, "dropout", low=0.0, high=1.0, high_open=True)
        self.linear1 = nn.Linear(d_model, d_ff)
        self.linear2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        validate.tensor(x, "x (B, T, C)", min_dims=1)
        validate.same_dtype(x, self.linear1.weight, "x")
        if x.shape[-1] != self.linear1.in_features:
            raise ValueError(f"x must have d_model={self.linear1.in_features} features, got shape {tuple(x.shape)}")
        hidden = torch.relu(self.linear1(x))  # (B, T, C) -> (B, T, F)
        return self.linear2(self.dropout(hidden))  # (B, T, F) -> (B, T, C)


def _torch_layer_sizes(layer: nn.Module, kind: type) -> dict:
    """The constructor arguments of our copy of a torch Transformer layer, after checking it is one we can copy."""
    name = kind.__name__
    if not isinstance(layer, kind):
        raise TypeError(f"from_torch needs an nn.{name}, got {type(layer).__name__}")
    if not layer.self_attn.batch_first or layer.activation is not F.relu:
        raise ValueError(f"from_torch needs {name}(batch_first=True) with the ReLU activation")
    if layer.linear1.bias is None:
        raise ValueError(f"from_torch needs a {name} with biases (bias=True)")
    return {"d_model": layer.linear1.in_features, "n_heads": layer.self_attn.num_heads,
            "d_ff": layer.linear1.out_features, "dropout": layer.dropout.p, "norm_first": layer.norm_first,
            "eps": layer.norm1.eps}


class EncoderBlock(nn.Module):
    """Multi-head self-attention and a feed-forward network, each with residual + LayerNorm.

    `mask` is boolean, True = may attend, and broadcasts to (B, T, T) (e.g. `lib.masks.padding_mask`,
    a causal mask, or both), or to (B, H, T, T). Dropout (default 0)
    falls on each sublayer's output before the residual sum; the attention weights themselves
    are not dropped.
    Shapes: x (B, T, C), mask broadcastable to (B, T, T) -> x (B, T, C), weights (B, H, T, T).
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int,
        *,
        dropout: float = 0.0,
        norm_first: bool = False,
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        validate.number(eps, "eps", low=0.0, low_open=True)
        self.d_model, self.norm_first = d_model, norm_first
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.ff = FeedForward(d_model, d_ff, dropout=dropout)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.dropout = nn.Dropout(dropout)

    def _self_attend(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        out, weights = self.attn(x, x, x, mask)  # (B, T, C), (B, H, T, T)
        return self.dropout(out), weights

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        validate.tensor(x, "x (B, T, C)", dims=3)
        validate.same_dtype(x, self.norm1.weight, "x (B, T, C)")
        if x.shape[-1] != self.d_model:
            raise ValueError(f"x must have shape (B, T, d_model={self.d_model}), got {tuple(x.shape)}")
        if self.norm_first:  # Pre-LN: normalise the sublayer's input, keep the residual path clean
            out, weights = self._self_attend(self.norm1(x), mask)
            x = x + out  # (B, T, C)
            x = x + self.dropout(self.ff(self.norm2(x)))  # (B, T, C)
        else:  # Post-LN (the paper): normalise after each residual sum
            out, weights = self._self_attend(x, mask)
            x = self.norm1(x + out)  # (B, T, C)
            x = self.norm2(x + self.dropout(self.ff(x)))  # (B, T, C)
        return x, weights

    @classmethod
    def from_torch(cls, layer: nn.TransformerEncoderLayer) -> EncoderBlock:
        """A copy holding the weights of a batch-first, ReLU `torch.nn.TransformerEncoderLayer`."""
        new = cls(**_torch_layer_sizes(layer, nn.TransformerEncoderLayer))
        new.attn = MultiHeadAttention.from_torch(layer.self_attn)
        for ours, theirs in ((new.ff.linear1, layer.linear1), (new.ff.linear2, layer.linear2),
                             (new.norm1, layer.norm1), (new.norm2, layer.norm2)):
            ours.load_state_dict(theirs.state_dict())
        return new


class DecoderBlock(nn.Module):
    """Masked self-attention, cross-attention over the encoder's output, and a feed-forward network,
    each with residual + LayerNorm.

    In the cross-attention the queries come from the decoder (the previous sublayer's output) and
    the keys and values from `memory`, the encoder's output. Masks are boolean, True = may attend:
    `self_mask` broadcasts to (B, T, T) (e.g. `lib.masks.causal_mask(T)`, with target padding),
    `memory_mask` to (B, T, S) (e.g. `lib.masks.padding_mask(source_lengths, S)`, (B, 1, S)); either
    may also be per head, (B, H, T, ·).
    Post-LN: x = LN(x + SelfAttn(x)), x = LN(x + CrossAttn(x, memory)), x = LN(x + FFN(x)).
    Pre-LN:  x = x + SelfAttn(LN(x)), x = x + CrossAttn(LN(x), memory), x = x + FFN(LN(x)).
    Shapes: x (B, T, C), memory (B, S, C) -> x (B, T, C), self_weights (B, H, T, T),
    cross_weights (B, H, T, S).
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int,
        *,
        dropout: float = 0.0,
        norm_first: bool = False,
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        validate.number(eps, "eps", low=0.0, low_open=True)
        self.d_model, self.norm_first = d_model, norm_first
        self.self_attn = MultiHeadAttention(d_model, n_heads)
        self.cross_attn = MultiHeadAttention(d_model, n_heads)
        self.ff = FeedForward(d_model, d_ff, dropout=dropout)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm3 = nn.LayerNorm(d_model, eps=eps)
        self.dropout = nn.Dropout(dropout)

    def _check_inputs(self, x: torch.Tensor, memory: torch.Tensor) -> None:
        C = self.d_model
        for name, t in (("x (B, T, C)", x), ("memory (B, S, C)", memory)):
            validate.tensor(t, name, dims=3)
            validate.same_dtype(t, self.self_attn.q_proj.weight, name)
            if t.shape[-1] != C:
                raise ValueError(f"{name} must have d_model={C} features, got shape {tuple(t.shape)}")
        if x.shape[0] != memory.shape[0]:
            raise ValueError(
                f"x (B, T, C) {tuple(x.shape)} and memory (B, S, C) {tuple(memory.shape)} must share the batch size B"
            )

    def _self_attend(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        out, weights = self.self_attn(x, x, x, mask)  # (B, T, C), (B, H, T, T)
        return self.dropout(out), weights

    def _cross_attend(self, x: torch.Tensor, memory: torch.Tensor,
                      mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        out, weights = self.cross_attn(x, memory, memory, mask)  # queries (B, T, C); keys, values (B, S, C)
        return self.dropout(out), weights  # (B, T, C), (B, H, T, S)

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        *,
        self_mask: torch.Tensor | None = None,
        memory_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        self._check_inputs(x, memory)
        if self.norm_first:  # Pre-LN; memory is not normalised here (the encoder's last LayerNorm does it)
            out, self_weights = self._self_attend(self.norm1(x), self_mask)
            x = x + out  # (B, T, C)
            out, cross_weights = self._cross_attend(self.norm2(x), memory, memory_mask)
            x = x + out  # (B, T, C)
            x = x + self.dropout(self.ff(self.norm3(x)))  # (B, T, C)
        else:  # Post-LN (the paper)
            out, self_weights = self._self_attend(x, self_mask)
            x = self.norm1(x + out)  # (B, T, C)
            out, cross_weights = self._cross_attend(x, memory, memory_mask)
            x = self.norm2(x + out)  # (B, T, C)
            x = self.norm3(x + self.dropout(self.ff(x)))  # (B, T, C)
        return x, self_weights, cross_weights

    @classmethod
    def from_torch(cls, layer: nn.TransformerDecoderLayer) -> DecoderBlock:
        """A copy holding the weights of a batch-first, ReLU `torch.nn.TransformerDecoderLayer`."""
        new = cls(**_torch_layer_sizes(layer, nn.TransformerDecoderLayer))
        new.self_attn = MultiHeadAttention.from_torch(layer.self_attn)
        new.cross_attn = MultiHeadAttention.from_torch(layer.multihead_attn)
        for ours, theirs in ((new.ff.linear1, layer.linear1), (new.ff.linear2, layer.linear2),
                             (new.norm1, layer.norm1), (new.norm2, layer.norm2), (new.norm3, layer.norm3)):
            ours.load_state_dict(theirs.state_dict())
        return new
