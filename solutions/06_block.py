"""Reference answers to the exercises of notebooks/06_block.ipynb (the Transformer block).

One function per exercise, under the name the notebook's stub has, written as a student would:
plain torch, no lib. The checkers (lib/checks/block.py) never import this file; the tests load
it by path.
"""

import torch


def my_layer_norm(x, weight, bias):
    """Exercise 1: each input vector over its own features; biased variance, eps inside the root."""
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
    var = x.var(dim=-1, unbiased=False, keepdim=True)  # (..., 1): divide by C, as torch.nn.LayerNorm
    return (x - mean) / torch.sqrt(var + 1e-5) * weight + bias  # the affine map y = a·x̂ + b


def my_batch_norm(x):
    """Exercise 2: each feature over every token of every sentence, dims (0, 1) of (B, T, C)."""
    mean = x.mean(dim=(0, 1))  # (C,)
    var = x.var(dim=(0, 1), unbiased=False)  # (C,): training mode normalises with the biased variance
    return (x - mean) / torch.sqrt(var + 1e-5)


def sublayer(x, f, norm_first):
    """Exercise 3: Post-LN x -> LN(x + f(x)), or Pre-LN x -> x + f(LN(x))."""
    def ln(z):
        return torch.nn.functional.layer_norm(z, z.shape[-1:], eps=1e-5)  # no affine map

    if norm_first:
        return x + f(ln(x))  # Pre-LN: only the sublayer's input is normalised
    return ln(x + f(x))  # Post-LN (the paper): normalise after the residual sum


def stack_parameters():
    """Exercise 4: N = 4 encoder blocks, d_model = 64, h = 4, d_ff = 256."""
    d, d_ff, n = 64, 256, 4
    attention = 4 * (d * d + d)  # W_Q, W_K, W_V, W_O with biases; the heads are slices, h does not count
    ffn = (d * d_ff + d_ff) + (d_ff * d + d)  # two linear maps with biases
    norms = 2 * (d + d)  # two LayerNorms, a and b each
    return n * (attention + ffn + norms)
