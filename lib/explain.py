"""Which source characters does an output token depend on? Three answers, and how far they agree.

For a trained `lib.model.Transformer`, a source (B, S) and the teacher-forced target (B, T):

- `attention_scores`: the cross-attention weights of one decoder layer, mean over heads;
- `occlusion_scores`: leave one source character out (hide it from every attention, so the
  positions of the others do not move) and measure how much the log-probability of the right
  output token drops;
- `grad_input_scores`: gradient × input, (∂ log p / ∂ e_s) · e_s for the vector e_s the encoder
  reads at source position s; its first-order estimate of the same drop when e_s is set to 0.

Every score is (B, T, S): one row per output position, one column per source position; padding
columns are NaN, so no statistic counts them. `spearman` and `top1_agreement` compare two scores
row by row, over the real source characters only.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lib import validate
from lib.model import Transformer


def _check(model, src: torch.Tensor, tgt_in: torch.Tensor, target: torch.Tensor | None = None) -> None:
    if not isinstance(model, Transformer):
        raise TypeError(f"model must be a lib.model.Transformer (an encoder–decoder), got {type(model).__name__}")
    validate.token_ids(src, "src (B, S)", model.src_embedding.vocab_size)
    validate.token_ids(tgt_in, "tgt_in (B, T)", model.tgt_embedding.vocab_size)
    if src.shape[0] != tgt_in.shape[0]:
        raise ValueError(f"src (B, S) {tuple(src.shape)} and tgt_in (B, T) {tuple(tgt_in.shape)} must share B")
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
    if not isinstance(layer, int) or not -n <= layer < n:
        raise ValueError(f"layer must be a decoder layer index in {-n}..{n - 1}, got {layer!r}")
    was_training = model.training
    model.eval()
    try:
        _, weights = model(src, tgt_in)
    finally:
        model.train(was_training)
    return _nan_at_padding(weights["cross"][layer].mean(1), src, model.pad_id)  # (B, H, T, S) -> (B, T, S)


@torch.no_grad()
def occlusion_scores(model: Transformer, src: torch.Tensor, tgt_in: torch.Tensor, target: torch.Tensor,
                     *, chunk: int = 2048) -> torch.Tensor:
    """log p(target_t | whole source) − log p(target_t | source without character s).

    Character s is left out by masking it as a key of every encoder self-attention and of the
    cross-attention, so nothing reads it and the other characters keep their positions.
    Positive = leaving s out hurts the right answer. `chunk` rows are run at a time.
    Shapes: src (B, S), tgt_in (B, T), target (B, T) -> (B, T, S), NaN at source padding.
    """
    _check(model, src, tgt_in, target)
    validate.size(chunk, "chunk")
    was_training = model.training
    model.eval()
    try:
        B, S = src.shape
        keep = model.source_mask(src)  # (B, 1, S)
        full = _log_prob(model(src, tgt_in)[0], target)  # (B, T)
        # Row b * S + s is example b with character s left out.
        masks = keep.repeat_interleave(S, dim=0)  # (B*S, 1, S)
        masks[torch.arange(B * S), 0, torch.arange(S).repeat(B)] = False
        rep = {"src": src.repeat_interleave(S, dim=0), "tgt_in": tgt_in.repeat_interleave(S, dim=0),
               "target": target.repeat_interleave(S, dim=0)}
        left_out = torch.cat([
            _log_prob(model(rep["src"][i:i + chunk], rep["tgt_in"][i:i + chunk], src_mask=masks[i:i + chunk])[0],
                      rep["target"][i:i + chunk])
            for i in range(0, B * S, chunk)])  # (B*S, T)
    finally:
        model.train(was_training)
    drop = full[:, :, None] - left_out.view(B, S, -1).transpose(1, 2)  # (B, T, S)
    return _nan_at_padding(drop, src, model.pad_id)


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
        output.retain_grad()
        seen.append(output)

    was_training = model.training
    model.eval()
    handle = model.src_embedding.register_forward_hook(keep_output)
    try:
        with torch.enable_grad():
            log_p = _log_prob(model(src, tgt_in)[0], target)  # (B, T)
            e = seen[0]  # (B, S, C)
            rows = []
            for t in range(tgt_in.shape[1]):
                (grad,) = torch.autograd.grad(log_p[:, t].sum(), e, retain_graph=t + 1 < tgt_in.shape[1])
                rows.append((grad * e).sum(-1).detach())  # (B, S)
    finally:
        handle.remove()
        model.train(was_training)
    return _nan_at_padding(torch.stack(rows, dim=1), src, model.pad_id)  # (B, T, S)


def _check_pair(a: torch.Tensor, b: torch.Tensor) -> None:
    validate.tensor(a, "a (..., S)", min_dims=1)
    validate.tensor(b, "b (..., S)", min_dims=1)
    if a.shape != b.shape:
        raise ValueError(f"the two scores must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    if not torch.equal(a.isnan(), b.isnan()):
        raise ValueError("the two scores must be NaN (padding) at the same places")


def ranks(x: torch.Tensor) -> torch.Tensor:
    """Rank of each entry in its row, 1 = smallest, ties get their mean rank; NaN entries stay NaN
    and are not counted. Shapes: x (..., S) -> (..., S) float64."""
    validate.tensor(x, "x (..., S)", min_dims=1)
    x = x.double()
    real = ~x.isnan()  # (..., S)
    xi, xj = x[..., :, None], x[..., None, :]  # (..., S, 1), (..., 1, S)
    below = ((xj < xi) & real[..., None, :]).sum(-1)
    ties = ((xj == xi) & real[..., None, :]).sum(-1)  # counts the entry itself
    return (below + (ties + 1) / 2).masked_fill(~real, float("nan"))


def spearman(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Spearman's rank correlation ρ of each row of `a` with the same row of `b`, over the non-NaN entries.

    ρ is the Pearson correlation of the ranks (`ranks`, ties averaged). A row with fewer than two
    entries, or whose entries are all tied in `a` or `b`, has no ρ: NaN.
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
    """The position of the largest non-NaN entry of each row. Shapes: (..., S) -> (...) int64."""
    validate.tensor(scores, "scores (..., S)", min_dims=1)
    if scores.isnan().all(-1).any():
        raise ValueError("a row of scores is all NaN (padding only): it has no largest entry")
    return scores.nan_to_num(float("-inf")).argmax(-1)


def top1_agreement(a: torch.Tensor, b: torch.Tensor) -> float:
    """Share of rows whose largest entry sits at the same position in `a` and `b`. Shapes: (..., S) -> float."""
    _check_pair(a, b)
    return (top1(a) == top1(b)).double().mean().item()
