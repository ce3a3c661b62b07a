"""Transformer models assembled from lib's blocks: embeddings + positions, N blocks, a head.

`Encoder` maps token ids to hidden vectors (히든 벡터) and returns every layer's attention
weights; what is done with the hidden vectors (a linear map per position, or `mean_pool`
for one vector per sequence) is outside it, so the same encoder serves every task.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import torch
from torch import nn

from lib import validate
from lib.blocks import DecoderBlock, EncoderBlock
from lib.masks import causal_mask
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


class Transformer(nn.Module):
    """The encoder–decoder Transformer (인코더–디코더), assembled from lib's pieces only.

    Source: `TokenEmbedding` (· √d_model + sinusoidal PE) and `n_layers` `EncoderBlock`s; target:
    its own `TokenEmbedding` and `n_layers` `DecoderBlock`s (masked self-attention, cross-attention
    over the encoder's output `memory`, feed-forward); a linear map to the target vocabulary. As in
    `torch.nn.Transformer`, a LayerNorm closes the encoder stack and another the decoder stack.
    Masks (bool, True = may attend) default to what the token ids say: the source padding mask
    (B, 1, S) from `pad_id`, and the causal mask with the target's padding, (B, T, T).
    Shapes: src (B, S) int, tgt (B, T) int -> logits (B, T, V) and a dict of weights lists:
    "encoder" (B, H, S, S), "self" (B, H, T, T), "cross" (B, H, T, S), one tensor per layer.
    """

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        *,
        d_model: int = 64,
        n_heads: int = 4,
        d_ff: int = 128,
        n_layers: int = 2,
        max_len: int = 32,
        dropout: float = 0.0,
        norm_first: bool = False,
        pad_id: int = 0,
    ) -> None:
        super().__init__()
        validate.size(n_layers, "n_layers")
        self.pad_id = validate.size(pad_id, "pad_id", minimum=0)
        self.src_embedding = TokenEmbedding(src_vocab, d_model, max_len=max_len)
        self.tgt_embedding = TokenEmbedding(tgt_vocab, d_model, max_len=max_len)
        if pad_id >= min(src_vocab, tgt_vocab):
            raise ValueError(f"pad_id={pad_id} must be a token of both vocabularies (src {src_vocab}, tgt {tgt_vocab})")
        block_kw = {"dropout": dropout, "norm_first": norm_first}
        self.encoder = nn.ModuleList(EncoderBlock(d_model, n_heads, d_ff, **block_kw) for _ in range(n_layers))
        self.decoder = nn.ModuleList(DecoderBlock(d_model, n_heads, d_ff, **block_kw) for _ in range(n_layers))
        self.encoder_norm, self.decoder_norm = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(d_model, tgt_vocab)

    def source_mask(self, src: torch.Tensor) -> torch.Tensor:
        """True at the real source tokens. Shapes: src (B, S) -> (B, 1, S)."""
        validate.token_ids(src, "src (B, S)", self.src_embedding.vocab_size)
        return (src != self.pad_id)[:, None, :]

    def target_mask(self, tgt: torch.Tensor) -> torch.Tensor:
        """Causal, and no attention to target padding. Shapes: tgt (B, T) -> (B, T, T)."""
        validate.token_ids(tgt, "tgt (B, T)", self.tgt_embedding.vocab_size)
        return causal_mask(tgt.shape[1]) & (tgt != self.pad_id)[:, None, :]  # (T, T) & (B, 1, T)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor | None = None):
        """Shapes: src (B, S) -> memory (B, S, C), weights: list of (B, H, S, S)."""
        src_mask = self.source_mask(src) if src_mask is None else src_mask
        x = self.dropout(self.src_embedding(src))  # (B, S, C); validates the ids first
        weights = []
        for block in self.encoder:
            x, w = block(x, src_mask)  # (B, S, C), (B, H, S, S)
            weights.append(w)
        return self.encoder_norm(x), weights

    def decode(self, tgt: torch.Tensor, memory: torch.Tensor, src_mask: torch.Tensor, tgt_mask=None):
        """Shapes: tgt (B, T), memory (B, S, C), src_mask (B, 1, S) -> logits (B, T, V), self and cross weights."""
        tgt_mask = self.target_mask(tgt) if tgt_mask is None else tgt_mask
        x = self.dropout(self.tgt_embedding(tgt))  # (B, T, C)
        self_weights, cross_weights = [], []
        for block in self.decoder:
            x, w_self, w_cross = block(x, memory, self_mask=tgt_mask, memory_mask=src_mask)  # (B, T, C)
            self_weights.append(w_self)
            cross_weights.append(w_cross)
        return self.out(self.decoder_norm(x)), self_weights, cross_weights  # (B, T, V)

    def forward(self, src: torch.Tensor, tgt: torch.Tensor, src_mask=None, tgt_mask=None):
        validate.token_ids(tgt, "tgt (B, T)", self.tgt_embedding.vocab_size)
        if src.shape[0] != tgt.shape[0]:
            raise ValueError(f"src (B, S) {tuple(src.shape)} and tgt (B, T) {tuple(tgt.shape)} must share B")
        src_mask = self.source_mask(src) if src_mask is None else src_mask
        memory, enc_weights = self.encode(src, src_mask)
        logits, self_weights, cross_weights = self.decode(tgt, memory, src_mask, tgt_mask)
        return logits, {"encoder": enc_weights, "self": self_weights, "cross": cross_weights}


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode (no dropout) inside the `with` block; afterwards the mode the model had, also after an error."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"evaluating needs a torch.nn.Module (a model or a layer), got {type(model).__name__}")
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def greedy_decode(model: Transformer, src: torch.Tensor, *, bos: int, eos: int, max_len: int) -> torch.Tensor:
    """Batched greedy decoding: start every row with `bos`, append the most likely token, stop at `eos`.

    The encoder runs once; each step re-reads the whole prefix (no cache: clear, and fast enough
    for short outputs). Rows that have produced `eos` are padded with the model's pad id.
    Shapes: src (B, S) -> (B, L) int64 with L <= max_len, starting with bos.
    """
    if not isinstance(model, Transformer):
        raise TypeError(f"greedy_decode needs a lib.model.Transformer (an encoder–decoder), got {type(model).__name__}")
    validate.size(max_len, "max_len", minimum=2)
    for name, token in (("bos", bos), ("eos", eos)):
        token = validate.size(token, name, minimum=0)
        validate.token_ids(torch.tensor([[token]]), name, model.tgt_embedding.vocab_size)
    with evaluating(model):
        src_mask = model.source_mask(src)
        memory, _ = model.encode(src, src_mask)  # (B, S, C)
        out = torch.full((src.shape[0], 1), bos, dtype=torch.long)  # (B, 1)
        done = torch.zeros(src.shape[0], dtype=torch.bool)  # (B,)
        while out.shape[1] < max_len and not done.all():
            logits, _, _ = model.decode(out, memory, src_mask)  # (B, t, V)
            step = logits[:, -1].argmax(-1).masked_fill(done, model.pad_id)  # (B,)
            out = torch.cat([out, step[:, None]], dim=1)  # (B, t + 1)
            done |= step == eos
    return out
