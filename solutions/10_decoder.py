"""Reference answers for notebooks/10_decoder.ipynb (디코더, the decoder's cross-attention).

One function per exercise, under the name the notebook's stub has, written as a student would.
Try the exercises yourself first: the checkers in the notebook give hints, these give it all away.
"""

import torch


def cross_attention(x, memory, w_q, w_k, w_v):
    """Exercise 1. x (B, T, C) from the decoder, memory (B, S, C) from the encoder -> (B, T, D)."""
    q, k, v = x @ w_q, memory @ w_k, memory @ w_v  # (B, T, D), (B, S, D), (B, S, D)
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5  # (B, T, D) @ (B, D, S) -> (B, T, S)
    weights = torch.softmax(scores, dim=-1)  # each target position's weights over the source sum to 1
    return weights @ v  # (B, T, S) @ (B, S, D) -> (B, T, D)


def memory_mask(source_lengths, T, S):
    """Exercise 2. source_lengths (B,) -> (B, T, S) bool: True where key s is a real source token."""
    real = torch.arange(S)[None, :] < source_lengths[:, None]  # (B, S)
    return real[:, None, :].expand(len(source_lengths), T, S)  # the same row for every target position


def masked_cross_attention(x, memory, w_q, w_k, w_v, memory_mask):
    """Exercise 3. cross_attention with the source padding blocked; memory_mask (B, 1, S), True = real."""
    q, k, v = x @ w_q, memory @ w_k, memory @ w_v  # (B, T, D), (B, S, D), (B, S, D)
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5  # (B, T, S)
    scores = scores.masked_fill(~memory_mask, float("-inf"))  # (B, 1, S) broadcasts over the T queries
    return torch.softmax(scores, dim=-1) @ v  # (B, T, D)


def cross_weights_shape():
    """Exercise 4 (predict). DecoderBlock(32, 4, 64), x (2, 5, 32), memory (2, 9, 32): cross_weights' shape."""
    # (batch, heads, queries = target positions, keys = source positions)
    return (2, 4, 5, 9)
