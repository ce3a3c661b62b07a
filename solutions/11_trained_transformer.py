"""Reference answers for notebooks/11_trained_transformer.ipynb (a Transformer, trained on the date task).

One function per exercise, under the name the notebook's stub has, written as a student would.
Try the exercises yourself first: the checkers in the notebook give hints, these give it all away.
"""

import torch

from lib.data import EOS, PAD


def teacher_forcing(tgt):
    """Exercise 1. tgt (B, T) = <bos> y₁ … <eos> <pad>… -> (decoder_input, labels), each (B, T - 1)."""
    labels = tgt[:, 1:]  # position t must predict the token after the one it reads
    return tgt[:, :-1], labels.masked_fill(labels == PAD, -100)  # padding is not scored


def greedy_step(out, logits):
    """Exercise 2. out (B, t) tokens so far, logits (B, t, V) -> out with the next token (or <pad>) appended."""
    finished = (out == EOS).any(dim=1)  # (B,): rows that have written <eos> already
    step = logits[:, -1].argmax(dim=-1).masked_fill(finished, PAD)  # (B,): the last position's best token
    return torch.cat([out, step[:, None]], dim=1)  # (B, t + 1)


def decoder_block_parameters():
    """Exercise 3 (predict). DecoderBlock(d_model=64, n_heads=8, d_ff=128): its number of parameters."""
    attention = 4 * (64 * 64 + 64)  # W_Q, W_K, W_V, W_O with biases; the heads split them, not multiply them
    ffn = (64 * 128 + 128) + (128 * 64 + 64)
    return 2 * attention + ffn + 3 * 2 * 64  # self- and cross-attention, the FFN, three LayerNorms: 50,240


def exact_match_from_characters():
    """Exercise 4 (predict). 10 characters, each right with probability 0.99, independently: all right."""
    return 0.99**10  # ≈ 0.904
