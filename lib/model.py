"""Transformer models assembled from lib's blocks: embeddings + positions, N blocks, a head.

`Encoder` maps token ids to hidden vectors (히든 벡터) and returns every layer's attention
weights; what is done with the hidden vectors (a linear map per position, or `mean_pool`
for one vector per sequence) is outside it, so the same encoder serves every task.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from lib import validate
from lib.blocks import EncoderBlock
from lib.positional import sinusoidal_encoding


class TokenEmbedding(nn.Module):
    """Token embedding · √d_model + sinusoidal positional encoding (위치 인코딩).

    The embedding starts with std d_model^-½, so after the ·√d_model tokens and positions
    have similar sizes (PyTorch's default std 1 would make the tokens √d_model times louder).
    Shapes: tokens (B, T) int -> (B, T, C).
    """

    def __init__(self, vocab_size: int, d_model: int, *, max_len: int = 64) -> None:
        super().__init__()
        self.vocab_size = validate.size(vocab_size, "vocab_size")
        self.d_model = validate.size(d_model, "d_model")
        self.max_len = validate.size(max_len, "max_len")
        self.embed = nn.Embedding(vocab_size, d_model)
        nn.init.normal_(self.embed.weight, std=d_model**-0.5)
        self.register_buffer("pe", sinusoidal_encoding(max_len, d_model), persistent=False)  # (max_len, C)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        validate.token_ids(tokens, "tokens (B, T)", self.vocab_size)
        T = tokens.shape[1]
        if T > self.max_len:
            raise ValueError(f"tokens (B, T) = {tuple(tokens.shape)} are longer than max_len={self.max_len}")
        return self.embed(tokens) * math.sqrt(self.d_model) + self.pe[:T]  # (B, T, C)


class Encoder(nn.Module):
    """`TokenEmbedding`, then `n_layers` encoder blocks in series (×N), each with its own parameters.

    `mask` is any boolean mask (True = may attend) that broadcasts to (B, T, T), e.g.
    `lib.masks.padding_mask` (B, 1, T), a causal (T, T), or both combined; or (B, H, T, T).
    With `norm_first=True` (Pre-LN) a last LayerNorm follows the stack.
    Shapes: tokens (B, T) int -> x (B, T, C), weights: a list of n_layers tensors (B, H, T, T).
    """

    def __init__(
        self,
        vocab_size: int,
        *,
        d_model: int = 32,
        n_heads: int = 2,
        d_ff: int = 64,
        n_layers: int = 2,
        max_len: int = 64,
        dropout: float = 0.0,
        norm_first: bool = False,
    ) -> None:
        super().__init__()
        validate.size(n_layers, "n_layers")
        validate.number(dropout, "dropout", low=0.0, high=1.0, high_open=True)
        self.embedding = TokenEmbedding(vocab_size, d_model, max_len=max_len)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, n_heads, d_ff, dropout=dropout, norm_first=norm_first) for _ in range(n_layers)
        )
        self.final_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()

    def forward(
        self, tokens: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x = self.dropout(self.embedding(tokens))  # (B, T, C); validates the ids first
        if mask is not None:
            B, T = tokens.shape
            validate.mask(mask)
            validate.broadcasts_to(mask.shape, (B, T, T) if mask.dim() < 4 else (B, mask.shape[1], T, T),
                                   "mask (True = may attend)")
        weights = []
        for block in self.blocks:
            x, w = block(x, mask)  # (B, T, C), (B, H, T, T)
            weights.append(w)
        return self.final_norm(x), weights


def mean_pool(x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
    """The mean of each sequence's hidden vectors over its real tokens (`keep` True), one per sequence.

    Shapes: x (B, T, C), keep (B, T) bool or None -> (B, C).
    """
    validate.tensor(x, "x (B, T, C)", dims=3)
    if keep is None:
        return x.mean(dim=1)
    validate.mask(keep, "keep (B, T)")
    if keep.shape != x.shape[:2]:
        raise ValueError(f"keep must have shape (B, T) = {tuple(x.shape[:2])}, got {tuple(keep.shape)}")
    weights = keep.to(x.dtype)[..., None]  # (B, T, 1)
    return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)  # (B, C)


class TransformerEncoder(nn.Module):
    """An `Encoder` and a linear map of each hidden vector to `n_out` scores (one output per position).

    Shapes: tokens (B, T) int, mask broadcastable to (B, T, T) bool -> logits (B, T, n_out),
    and weights: a list of n_layers tensors (B, H, T, T).
    """

    def __init__(self, vocab_size: int, n_out: int, **encoder_kw) -> None:
        super().__init__()
        self.encoder = Encoder(vocab_size, **encoder_kw)
        self.head = nn.Linear(self.encoder.embedding.d_model, validate.size(n_out, "n_out"))

    def forward(
        self, tokens: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x, weights = self.encoder(tokens, mask)  # (B, T, C)
        return self.head(x), weights  # (B, T, n_out)
