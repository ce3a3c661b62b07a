"""Reference answers for notebooks/12_attention_explanation.ipynb (can attention explain the output?).

One function per exercise, under the name the notebook's stub has, written as a student would.
Try the exercises yourself first: the checkers in the notebook give hints, these give it all away.
"""

PAD = 0  # <pad>: the model never reads it


def leave_one_out(log_p, tokens, s):
    """Exercise 1. The drop in log p when character s is left out (the others keep their positions)."""
    changed = tokens.clone()  # never change the caller's tokens
    changed[s] = PAD  # the model reads nothing at s; deleting it would move every later character
    return log_p(tokens) - log_p(changed)  # positive when the answer needs s


def top1_agreement(a, b):
    """Exercise 2. Share of rows whose largest real (non-NaN) entry is at the same position in a and b."""
    top_a = a.nan_to_num(float("-inf")).argmax(-1)  # torch.argmax would take NaN as the largest
    top_b = b.nan_to_num(float("-inf")).argmax(-1)
    return (top_a == top_b).float().mean()


def most_often():
    """Exercise 3 (predict). Leave-one-out measures what the output needs: its top-1 is the copied character
    85 % of the time, attention's 79 % (its misses are mostly the neighbour), gradient × input's 32 %."""
    return "occlusion"


def dash_drop():
    """Exercise 4 (predict). The dash is '-' whatever the input, so no single character matters: the median
    largest drop at t = 4 is about 4e-5 nats."""
    return 0
