"""A tiny encoder-only Transformer: embeddings + positions, N encoder blocks, a linear head.

It tags every position (`pool="none"`, e.g. reverse a sequence) or classifies the whole
sequence from the mean of its real tokens (`pool="mean"`).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from lib.blocks import EncoderBlock
from lib.positional import sinusoidal_encoding


class TransformerEncoder(nn.Module):
    """Token embedding · √d_model + sinusoidal encoding, `n_layers` blocks (×N), linear head.

    Each block has its own parameters. `mask` is a padding mask, True at real tokens
    (`lib.masks.padding_mask`). With `norm_first=True` (Pre-LN) a last LayerNorm follows the stack.
    Shapes: tokens (B, T) int, mask (B, 1, T) bool -> logits (B, T, n_out) for pool="none" or
    (B, n_out) for pool="mean", and weights: a list of n_layers tensors (B, H, T, T).
    """

    def __init__(
        self,
        vocab_size: int,
        n_out: int,
        *,
        d_model: int = 32,
        n_heads: int = 2,
        d_ff: int = 64,
        n_layers: int = 2,
        max_len: int = 64,
        dropout: float = 0.0,
        norm_first: bool = False,
        pool: Literal["none", "mean"] = "none",
    ) -> None:
        super().__init__()
        if pool not in ("none", "mean"):
            raise ValueError(f"pool must be 'none' (one output per position) or 'mean', got {pool!r}")
        self.d_model, self.max_len, self.pool = d_model, max_len, pool
        self.embed = nn.Embedding(vocab_size, d_model)
        # std d_model^-½, so that after the ·√d_model below tokens and positions have similar
        # sizes (PyTorch's default std 1 would make the tokens √d_model times louder).
        nn.init.normal_(self.embed.weight, std=d_model**-0.5)
        self.register_buffer("pe", sinusoidal_encoding(max_len, d_model), persistent=False)  # (max_len, C)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, n_heads, d_ff, dropout=dropout, norm_first=norm_first) for _ in range(n_layers)
        )
        self.final_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.head = nn.Linear(d_model, n_out)

    def _check(self, tokens: torch.Tensor, mask: torch.Tensor | None) -> None:
        if tokens.dim() != 2 or tokens.dtype.is_floating_point:
            raise ValueError(f"tokens must be integer ids of shape (B, T), got {tuple(tokens.shape)} {tokens.dtype}")
        B, T = tokens.shape
        if T > self.max_len:
            raise ValueError(f"tokens (B, T) = {tuple(tokens.shape)} are longer than max_len={self.max_len}")
        if mask is not None and (mask.dtype != torch.bool or mask.shape != (B, 1, T)):
            raise ValueError(
                f"mask must be a bool padding mask (B, 1, T) = {(B, 1, T)}, got {tuple(mask.shape)} {mask.dtype}"
            )

    def forward(
        self, tokens: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        self._check(tokens, mask)
        T = tokens.shape[1]
        x = self.embed(tokens) * math.sqrt(self.d_model) + self.pe[:T]  # (B, T, C)
        x = self.dropout(x)
        weights = []
        for block in self.blocks:
            x, w = block(x, mask)  # (B, T, C), (B, H, T, T)
            weights.append(w)
        x = self.final_norm(x)
        if self.pool == "mean":
            keep = torch.ones_like(tokens, dtype=x.dtype) if mask is None else mask[:, 0].to(x.dtype)  # (B, T)
            x = (x * keep[..., None]).sum(1) / keep.sum(1, keepdim=True).clamp(min=1)  # (B, C)
        return self.head(x), weights  # (B, T, n_out) or (B, n_out)
