"""Multi-head attention: split d_model into heads, attend per head, merge, project."""

from __future__ import annotations

import torch
from torch import nn

from lib import validate
from lib.attention import check_mask, scale_factor, scaled_dot_product_attention


def check_heads(d_model: int, n_heads: int) -> int:
    """Return d_k = d_model // n_heads, or raise if the split is not exact."""
    d_model = validate.size(d_model, "d_model")
    n_heads = validate.size(n_heads, "n_heads")
    if d_model % n_heads != 0:
        raise ValueError(
            f"d_model={d_model} must be divisible by n_heads={n_heads} "
            f"(d_k = d_model / n_heads must be a whole number)"
        )
    return d_model // n_heads


def head_counts(d_model: int) -> list[int]:
    """The numbers of heads h that split d_model exactly (the divisors of d_model)."""
    d_model = validate.size(d_model, "d_model")
    return [h for h in range(1, d_model + 1) if d_model % h == 0]


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Cut the feature axis into `n_heads` slices of width d_k.

    Shapes: x (B, T, C) -> (B, H, T, D) with D = C / H.
    """
    validate.tensor(x, "x (B, T, C)", dims=3)
    B, T, C = x.shape
    D = check_heads(C, n_heads)
    return x.view(B, T, n_heads, D).transpose(1, 2)  # (B, T, H, D) -> (B, H, T, D)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """Inverse of `split_heads`: concatenate the heads along the features.

    Shapes: x (B, H, T, D) -> (B, T, H*D).
    """
    validate.tensor(x, "x (B, H, T, D)", dims=4)
    B, H, T, D = x.shape
    return x.transpose(1, 2).reshape(B, T, H * D)  # (B, H, T, D) -> (B, T, H, D) -> (B, T, C)


class MultiHeadAttention(nn.Module):
    """h attention heads on learned projections of Q, K, V; heads concatenated, then W_O.

    `mask` is boolean (True = may attend) and broadcasts to (B, T, S), the same for every head
    (e.g. a causal (T, T), a padding (B, 1, S), or both combined), or to (B, H, T, S) per head.
    Shapes: query (B, T, C), key and value (B, S, C) -> out (B, T, C), weights (B, H, T, S).
    """

    def __init__(self, d_model: int, n_heads: int, *, bias: bool = True) -> None:
        super().__init__()
        self.d_k = check_heads(d_model, n_heads)
        self.d_model, self.n_heads = d_model, n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def _check_inputs(self, query, key, value, mask) -> torch.Tensor | None:
        """Validate everything before any computation; return the mask with a head axis."""
        C = self.d_model
        for name, t in (("query", query), ("key", key), ("value", value)):
            validate.tensor(t, name, dims=3)
            validate.same_dtype(t, self.q_proj.weight, name)
            if t.shape[-1] != C:
                raise ValueError(f"{name} must have shape (B, length, d_model={C}), got {tuple(t.shape)}")
        if key.shape[:2] != value.shape[:2] or query.shape[0] != key.shape[0]:
            raise ValueError(
                f"query (B, T, C), key and value (B, S, C) disagree: query {tuple(query.shape)}, "
                f"key {tuple(key.shape)}, value {tuple(value.shape)}"
            )
        if mask is None:
            return None
        B, T, S = query.shape[0], query.shape[1], key.shape[1]
        validate.mask(mask)
        if mask.dim() == 4:  # already per head
            check_mask(mask, torch.Size((B, self.n_heads, T, S)))
            return mask
        check_mask(mask, torch.Size((B, T, S)))
        mask = mask.reshape((1,) * (3 - mask.dim()) + tuple(mask.shape))  # (S,) or (T, S) -> (1, ·, S)
        return mask.unsqueeze(-3)  # (B, T, S) -> (B, 1, T, S): the same mask for every head

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        mask = self._check_inputs(query, key, value, mask)
        q = split_heads(self.q_proj(query), self.n_heads)  # (B, H, T, D)
        k = split_heads(self.k_proj(key), self.n_heads)  # (B, H, S, D)
        v = split_heads(self.v_proj(value), self.n_heads)  # (B, H, S, D)
        out, weights = scaled_dot_product_attention(q, k, v, mask)  # (B, H, T, D), (B, H, T, S)
        return self.out_proj(merge_heads(out)), weights  # (B, T, C), (B, H, T, S)

    @classmethod
    def from_torch(cls, mha: nn.MultiheadAttention) -> MultiHeadAttention:
        """A copy holding the same weights as a batch-first `torch.nn.MultiheadAttention`."""
        if not isinstance(mha, nn.MultiheadAttention):
            raise TypeError(f"from_torch needs an nn.MultiheadAttention, got {type(mha).__name__}")
        if not mha.batch_first or not mha._qkv_same_embed_dim:
            raise ValueError("from_torch needs nn.MultiheadAttention(batch_first=True) without kdim/vdim")
        if mha.bias_k is not None or mha.add_zero_attn:
            raise ValueError("from_torch does not support add_bias_kv or add_zero_attn")
        bias = mha.in_proj_bias is not None
        new = cls(mha.embed_dim, mha.num_heads, bias=bias).to(mha.in_proj_weight.dtype)
        w_q, w_k, w_v = mha.in_proj_weight.detach().chunk(3)  # each (C, C)
        b_q, b_k, b_v = mha.in_proj_bias.detach().chunk(3) if bias else (None, None, None)
        with torch.no_grad():
            for proj, w, b in ((new.q_proj, w_q, b_q), (new.k_proj, w_k, b_k), (new.v_proj, w_v, b_v)):
                proj.weight.copy_(w)
                if bias:
                    proj.bias.copy_(b)
            new.out_proj.weight.copy_(mha.out_proj.weight)
            if bias:
                new.out_proj.bias.copy_(mha.out_proj.bias)
        return new.to(mha.in_proj_weight.dtype)  # a float64 layer gives a float64 copy



def per_head_weights(
    x: torch.Tensor,
    w_q: torch.Tensor,
    w_k: torch.Tensor,
    n_heads: int,
    *,
    scale: float | None = None,
) -> torch.Tensor:
    """Each head's attention weights when the (C, C) maps W_Q, W_K are cut into column blocks.

    Head i uses columns i*D:(i+1)*D of W_Q and W_K (D = d_k = C / H). `scale` as everywhere:
    None = 1/√d_k, the right choice; `scale=d_model**-0.5` reproduces the √d_model mistake.
    Shapes: x (T, C), w_q and w_k (C, C) -> (H, T, T).
    """
    for name, t in (("x", x), ("w_q", w_q), ("w_k", w_k)):
        validate.tensor(t, name, dims=2)
        validate.same_dtype(t, w_q, name)
    if w_q.shape != (x.shape[1], x.shape[1]) or w_k.shape != w_q.shape:
        raise ValueError(
            f"per_head_weights expects x (T, C) and w_q, w_k (C, C), got x {tuple(x.shape)}, "
            f"w_q {tuple(w_q.shape)}, w_k {tuple(w_k.shape)}"
        )
    D = check_heads(x.shape[1], n_heads)
    factor = scale_factor(D, scale)
    q = split_heads((x @ w_q)[None], n_heads)[0]  # (T, C) @ (C, C) -> (1, T, C) -> (H, T, D)
    k = split_heads((x @ w_k)[None], n_heads)[0]  # (H, S, D) with S = T
    scores = q @ k.transpose(-2, -1) * factor  # (H, T, D) @ (H, D, S) -> (H, T, S)
    return torch.softmax(scores, dim=-1)  # (H, T, S)


def mean_attention_distance(weights: torch.Tensor) -> torch.Tensor:
    """How far each query looks on average: Σ_s weights[t, s]·|t − s|, averaged over the queries t.

    Shapes: weights (..., T, S) -> (...).
    """
    validate.tensor(weights, "weights (..., T, S)", min_dims=2)
    T, S = weights.shape[-2:]
    offsets = torch.arange(T)[:, None] - torch.arange(S)[None, :]  # (T, S): t - s
    distance = offsets.abs().to(weights.dtype)  # (T, S)
    return (weights * distance).sum(dim=-1).mean(dim=-1)  # (..., T, S) -> (..., T) -> (...)
