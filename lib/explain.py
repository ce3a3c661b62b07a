"""Which source characters does an output token depend on? Three answers, and how far they agree.

For a trained `lib.model.Transformer`, a source (B, S) and the teacher-forced target (B, T):

- `attention_scores`: the cross-attention weights of one decoder layer, mean over heads;
- `occlusion_scores`: leave one source character out (hide it from every attention, so the
  positions of the others do not move) and measure how much the log-probability of the right
  output token drops; or, with `replace_with=`, replace it by another token instead;
- `grad_input_scores`: gradient × input, (∂ log p / ∂ e_s) · e_s for the vector e_s the encoder
  reads at source position s; its first-order estimate of the same drop when e_s is set to 0.

Every score is (B, T, S): one row per output position, one column per source position; padding
columns are NaN, so no statistic counts them. `spearman`, `top1_agreement` and `without_top`
compare two scores row by row over the real source characters only; `top1_share` and
`source_hits` describe one score.
"""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F

from lib import validate
from lib.model import Transformer, evaluating


def _check(model, src: torch.Tensor, tgt_in: torch.Tensor, target: torch.Tensor | None = None) -> None:
    if not isinstance(model, Transformer):
        raise TypeError(f"model must be a lib.model.Transformer (an encoder–decoder), got {type(model).__name__}")
    validate.token_ids(src, "src (B, S)", model.src_embedding.vocab_size)
    validate.token_ids(tgt_in, "tgt_in (B, T)", model.tgt_embedding.vocab_size)
    if src.shape[0] != tgt_in.shape[0]:
        raise ValueError(f"src (B, S) {tuple(src.shape)} and tgt_in (B, T) {tuple(tgt_in.shape)} must share B")
    if not (src != model.pad_id).any(-1).all():
        raise ValueError(f"src has a row of padding only (pad id {model.pad_id}): every source needs a real token")
    if target is not None:
        validate.token_ids(target, "target (B, T)", model.tgt_embedding.vocab_size)
        if target.shape != tgt_in.shape:
            raise ValueError(f"target must have the shape of tgt_in (B, T) = {tuple(tgt_in.shape)} (the token to "
                             f"predict after each input token), got {tuple(target.shape)}")


def _nan_at_padding(scores: torch.Tensor, src: torch.Tensor, pad_id: int) -> torch.Tensor:
    return scores.masked_fill((src == pad_id)[:, None, :], float("nan"))  # (B, T, S)


def _log_prob(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """log p(target) at each position. Shapes: logits (B, T, V), target (B, T) -> (B, T)."""
    return F.log_softmax(logits, dim=-1).gather(-1, target[..., None])[..., 0]


@torch.no_grad()
def attention_scores(model: Transformer, src: torch.Tensor, tgt_in: torch.Tensor, *, layer: int = -1) -> torch.Tensor:
    """Cross-attention weights of decoder layer `layer`, averaged over the heads.

    Shapes: src (B, S), tgt_in (B, T) -> (B, T, S), NaN at source padding.
    """
    _check(model, src, tgt_in)
    n = len(model.decoder)
    if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or not -n <= layer < n:
        raise ValueError(f"layer must be a decoder layer index in {-n}..{n - 1}, got {layer!r}")
    layer = int(layer)  # a NumPy integer too
    with evaluating(model):
        _, weights = model(src, tgt_in)
    return _nan_at_padding(weights["cross"][layer].mean(1), src, model.pad_id)  # (B, H, T, S) -> (B, T, S)


def _occluded(model: Transformer, src: torch.Tensor, b: torch.Tensor, s: torch.Tensor, replace_with: int | None):
    """Row r: source b[r] with character s[r] left out (masked as a key) or replaced, and its mask.

    Cut to the longest real source among the rows (the columns after it are padding everywhere).
    Shapes: src (B, S), b (R,), s (R,) -> src (R, W), mask (R, 1, W).
    """
    rows = src[b].clone()  # (R, S)
    if replace_with is not None:
        rows[torch.arange(len(b)), s] = replace_with
        keep = model.source_mask(rows)  # (R, 1, S): a pad replacement is masked, any other token read
    else:
        keep = model.source_mask(rows)
        keep[torch.arange(len(b)), 0, s] = False  # nobody reads character s; the others keep their positions
    width = int((src[b] != model.pad_id).any(0).nonzero().max()) + 1
    return rows[:, :width], keep[..., :width]


@torch.no_grad()
def occlusion_scores(model: Transformer, src: torch.Tensor, tgt_in: torch.Tensor, target: torch.Tensor,
                     *, replace_with: int | None = None, chunk: int = 256) -> torch.Tensor:
    """log p(target_t | whole source) − log p(target_t | source without character s).

    By default character s is left out: masked as a key of every encoder self-attention and of
    the cross-attention, so nothing reads it and the other characters keep their positions (the
    same as replacing it by the pad token). `replace_with=id` replaces it by that token instead.
    Positive = losing s hurts the right answer. One forward pass per real source character, run
    `chunk` at a time, shortest sources together. Only real characters are run: padding stays NaN.
    Shapes: src (B, S), tgt_in (B, T), target (B, T) -> (B, T, S), NaN at source padding.
    """
    _check(model, src, tgt_in, target)
    validate.size(chunk, "chunk")
    if replace_with is not None:
        validate.size(replace_with, "replace_with", minimum=0)
        validate.token_ids(torch.tensor([[replace_with]]), "replace_with", model.src_embedding.vocab_size)
    with evaluating(model):
        B, S = src.shape
        full = _log_prob(model(src, tgt_in)[0], target)  # (B, T)
        real = src != model.pad_id  # (B, S)
        b_all, s_all = real.nonzero(as_tuple=True)  # (R,), (R,): one row per real character
        order = torch.argsort(real.sum(-1)[b_all], stable=True)  # shortest sources first: less padding per chunk
        b_all, s_all = b_all[order], s_all[order]
        drop = torch.full((B, S, tgt_in.shape[1]), float("nan"))  # (B, S, T)
        for i in range(0, len(b_all), chunk):
            b, s = b_all[i:i + chunk], s_all[i:i + chunk]
            rows, keep = _occluded(model, src, b, s, replace_with)  # (R, W), (R, 1, W)
            drop[b, s] = full[b] - _log_prob(model(rows, tgt_in[b], src_mask=keep)[0], target[b])  # (R, T)
    return drop.transpose(1, 2)  # (B, T, S)


def grad_input_scores(model: Transformer, src: torch.Tensor, tgt_in: torch.Tensor,
                      target: torch.Tensor) -> torch.Tensor:
    """Gradient × input: (∂ log p(target_t) / ∂ e_s) · e_s, with e_s the vector the encoder reads.

    e_s is the source embedding's output (token · √d_model + positional encoding) at position s.
    One backward pass per output position; the examples of a batch do not mix, so one pass
    serves the whole batch. Shapes: src (B, S), tgt_in (B, T), target (B, T) -> (B, T, S), NaN at padding.
    """
    _check(model, src, tgt_in, target)
    seen: list[torch.Tensor] = []

    def keep_output(_module, _inputs, output):
        # A leaf of its own: the gradient reaches e_s also when the model's weights are frozen.
        leaf = output.detach().requires_grad_(True)
        seen.append(leaf)
        return leaf

    handle = model.src_embedding.register_forward_hook(keep_output)
    try:
        with evaluating(model), torch.enable_grad():
            log_p = _log_prob(model(src, tgt_in)[0], target)  # (B, T)
            e = seen[0]  # (B, S, C)
            rows = []
            for t in range(tgt_in.shape[1]):
                (grad,) = torch.autograd.grad(log_p[:, t].sum(), e, retain_graph=t + 1 < tgt_in.shape[1])
                rows.append((grad * e).sum(-1).detach())  # (B, S)
    finally:
        handle.remove()
    return _nan_at_padding(torch.stack(rows, dim=1), src, model.pad_id)  # (B, T, S)


# --- comparing scores -------------------------------------------------------------------------

def _check_scores(x, name: str) -> torch.Tensor:
    validate.tensor(x, f"{name} (..., S)", min_dims=1)
    if x.isnan().all(-1).any():
        raise ValueError(f"a row of {name} is all NaN (padding only): it has no real source character to rank")
    return x


def _check_pair(a: torch.Tensor, b: torch.Tensor) -> None:
    validate.tensor(a, "a (..., S)", min_dims=1)
    validate.tensor(b, "b (..., S)", min_dims=1)
    if a.shape != b.shape:
        raise ValueError(f"the two scores must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    differ = a.isnan() != b.isnan()
    if differ.any():
        first = tuple(differ.nonzero()[0].tolist())
        raise ValueError(f"the two scores must be NaN (padding) at the same places, and only there; they differ at "
                         f"{int(differ.sum())} of {differ.numel()} entries, the first at index {first}")
    _check_scores(a, "a")


def ranks(x: torch.Tensor) -> torch.Tensor:
    """Rank of each entry in its row, 1 = smallest, ties get their mean rank; NaN entries stay NaN
    and are not counted. Shapes: x (..., S) -> (..., S) float64."""
    validate.tensor(x, "x (..., S)", min_dims=1)
    x = x.double()
    real = ~x.isnan()  # (..., S)
    xi, xj = x[..., :, None], x[..., None, :]  # (..., S, 1), (..., 1, S)
    below = ((xj < xi) & real[..., None, :]).sum(-1)
    ties = ((xj == xi) & real[..., None, :]).sum(-1)  # counts the entry itself
    return (below.double() + (ties + 1).double() / 2).masked_fill(~real, float("nan"))  # (..., S)


def spearman(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Spearman's rank correlation ρ of each row of `a` with the same row of `b`, over the non-NaN entries.

    ρ is the Pearson correlation of the ranks (`ranks`, ties averaged). A row with fewer than two
    entries, or whose entries are all tied in `a` or `b`, has no ρ: NaN. A row that is all NaN
    (no real character at all) is refused.
    Shapes: a, b (..., S) -> (...) float64.
    """
    _check_pair(a, b)
    ra, rb = ranks(a), ranks(b)
    real = ~ra.isnan()
    n = real.sum(-1)
    da = (ra - ra.nansum(-1, keepdim=True) / n[..., None]).nan_to_num(0.0)
    db = (rb - rb.nansum(-1, keepdim=True) / n[..., None]).nan_to_num(0.0)
    denom = (da.square().sum(-1) * db.square().sum(-1)).sqrt()
    return torch.where((n >= 2) & (denom > 0), (da * db).sum(-1) / denom, torch.nan)


def top1(scores: torch.Tensor) -> torch.Tensor:
    """The position of the largest non-NaN entry of each row (the first one on a tie).

    Shapes: (..., S) -> (...) int64.
    """
    _check_scores(scores, "scores")
    return scores.nan_to_num(float("-inf")).argmax(-1)


def top1_agreement(a: torch.Tensor, b: torch.Tensor) -> float:
    """Share of rows whose largest entry sits at the same position in `a` and `b`. Shapes: (..., S) -> float."""
    _check_pair(a, b)
    return (top1(a) == top1(b)).double().mean().item()


def top1_share(scores: torch.Tensor) -> torch.Tensor:
    """|score of the top-1 entry| / Σ |scores| of its row: how much of the row one character holds.

    1 = everything on one character; 1/n = spread evenly over n. A row of zeros has no share: NaN.
    Shapes: (..., S) -> (...) float64.
    """
    top = top1(scores)  # (...)
    size = scores.double().abs().nan_to_num(0.0)  # (..., S)
    return size.gather(-1, top[..., None])[..., 0] / size.sum(-1)


def _check_source(source, scores: torch.Tensor) -> torch.Tensor:
    if not isinstance(source, torch.Tensor):
        raise TypeError(f"source must be an integer torch.Tensor of positions, got {type(source).__name__}; "
                        f"use torch.tensor(source) or torch.from_numpy(source).long()")
    if source.dtype.is_floating_point or source.dtype == torch.bool or source.is_complex():
        raise TypeError(f"source must hold integer positions (−1 = none), got dtype {source.dtype}; use source.long()")
    if source.shape != scores.shape[:-1]:
        raise ValueError(f"source must have shape (...) = {tuple(scores.shape[:-1])}, one entry per row of "
                         f"scores {tuple(scores.shape)}, got {tuple(source.shape)}")
    S = scores.shape[-1]
    if source.min() < -1 or source.max() >= S:
        raise ValueError(f"source must hold positions in 0..{S - 1} or −1 (none), got {source.min().item()} to "
                         f"{source.max().item()}")
    if not (source >= 0).any():
        raise ValueError("source is −1 everywhere: no row has a true source position to compare with")
    if scores.gather(-1, source.clamp(min=0)[..., None])[..., 0][source >= 0].isnan().any():
        raise ValueError("a true source position falls on padding (NaN in scores)")
    return source


def source_hits(scores: torch.Tensor, source: torch.Tensor) -> float:
    """Share of rows whose top-1 entry is the row's true source position, over rows that have one.

    `source` holds, per row, the position the output is copied from, or −1 for none
    (e.g. `lib.data.copy_alignment`); rows with −1 are not counted.
    Shapes: scores (..., S), source (...) int -> float.
    """
    _check_scores(scores, "scores")
    _check_source(source, scores)
    counted = source >= 0
    return (top1(scores) == source)[counted].double().mean().item()


def without_top(a: torch.Tensor, b: torch.Tensor, *, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Copies of `a` and `b` with the k largest entries of each row of `a` *and* of `b` set to NaN.

    What is left is the long tail both agree is not at the top: `spearman(*without_top(a, b, k=3))`
    asks whether the two rankings still agree there.
    Shapes: a, b (..., S) -> (..., S), (..., S).
    """
    _check_pair(a, b)
    validate.size(k, "k")
    top = torch.zeros_like(a, dtype=torch.bool)  # (..., S)
    for x in (a, b):
        n = min(k, a.shape[-1])
        top.scatter_(-1, x.nan_to_num(float("-inf")).topk(n, dim=-1).indices, True)
    emptied = (top | a.isnan()).all(-1)  # (...): rows with nothing left
    if emptied.any():
        shortest = int((~a.isnan()).sum(-1)[emptied].min())
        raise ValueError(f"k={k} leaves no entry in {int(emptied.sum())} of {emptied.numel()} rows of a "
                         f"{tuple(a.shape)}: the top {k} of a and of b cover all {shortest} real entries of the "
                         f"shortest row; use a smaller k")
    return a.masked_fill(top, float("nan")), b.masked_fill(top, float("nan"))
