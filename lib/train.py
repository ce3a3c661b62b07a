"""A short training loop and an evaluation, for the models of the notebooks.

A batch is `(inputs, targets)`. `inputs` is one tensor (`model(inputs)`), a tuple of
tensors and masks (`model(*inputs)`, e.g. source, target input, source mask, target mask),
or a dict of them (`model(**inputs)`). Every model returns `(logits, anything)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from lib import validate

IGNORE = -100  # a target equal to this is not scored (padding), as in F.cross_entropy


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every position (targets equal to -100 are ignored).

    Shapes: logits (..., V), targets (...) -> scalar.
    """
    validate.tensor(logits, "logits (..., V)", min_dims=1)
    _check_targets(targets)
    _check_fit(logits, targets)
    _check_classes(logits, targets)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)


def _check_fit(logits: torch.Tensor, targets: torch.Tensor) -> None:
    if logits.shape[:-1] != targets.shape:
        raise ValueError(
            f"the model's logits (..., V) = {tuple(logits.shape)} do not fit the targets (...) = "
            f"{tuple(targets.shape)}: every target position needs one row of V scores"
        )


def _check_targets(targets) -> None:
    """Integer class ids in a tensor, at least one of them not -100, none below 0 but -100."""
    if not isinstance(targets, torch.Tensor):
        fix = "torch.from_numpy(targets)" if hasattr(targets, "__array__") else "torch.tensor(targets)"
        what = "a NumPy array" if hasattr(targets, "__array__") else type(targets).__name__
        raise TypeError(f"targets must be a torch.Tensor of class ids, got {what}; use {fix}")
    if targets.dtype.is_floating_point or targets.dtype == torch.bool:
        raise TypeError(f"targets must be integer class ids, got dtype {targets.dtype}; use targets.long()")
    scored = targets[targets != IGNORE]
    if scored.numel() == 0:
        raise ValueError(f"every target is {IGNORE} (padding): there is no position to score")


def _check_classes(logits: torch.Tensor, targets: torch.Tensor) -> None:
    V = logits.shape[-1]
    scored = targets[targets != IGNORE]
    low, top = scored.min().item(), scored.max().item()
    if low < 0 or top >= V:
        raise ValueError(f"targets must be class ids in 0..{V - 1} (or {IGNORE} for padding; the logits have "
                         f"V={V}), got ids from {low} to {top}")


_INPUTS_KIND = ("inputs must be a tensor, a tuple or a dict of tensors, got {}; "
                "convert a NumPy array with torch.from_numpy(x)")


def call_model(model: nn.Module, inputs) -> tuple[torch.Tensor, object]:
    """`model(inputs)`, `model(*inputs)` or `model(**inputs)`, by the kind of `inputs`."""
    if isinstance(inputs, torch.Tensor):
        return model(inputs)
    if isinstance(inputs, Mapping):
        return model(**inputs)
    if isinstance(inputs, tuple | list):
        return model(*inputs)
    raise TypeError(_INPUTS_KIND.format(type(inputs).__name__))


def batch_size_of(inputs) -> int:
    """The batch size B of `inputs` (the first axis of its first tensor)."""
    if not isinstance(inputs, torch.Tensor | Mapping | tuple | list):
        raise TypeError(_INPUTS_KIND.format(type(inputs).__name__))
    first = inputs if isinstance(inputs, torch.Tensor) else next(
        iter(inputs.values() if isinstance(inputs, Mapping) else inputs), None)
    if not isinstance(first, torch.Tensor) or first.dim() == 0:
        raise TypeError(f"inputs must hold tensors with a batch axis first, got {type(first).__name__}")
    return first.shape[0]


def _check_batch(inputs, targets: torch.Tensor) -> None:
    """Before any computation: targets are integer class ids with the inputs' batch size."""
    _check_targets(targets)
    B = batch_size_of(inputs)
    if targets.dim() == 0 or targets.shape[0] != B:
        raise ValueError(f"inputs have batch size {B} but targets have shape {tuple(targets.shape)}")
    scored = targets[targets != IGNORE]
    if scored.min() < 0:
        raise ValueError(f"targets must be class ids >= 0 (or {IGNORE} for padding), got {scored.min().item()}")


def train(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterable[tuple[object, torch.Tensor]],
    *,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = cross_entropy,
    seed: int = 0,
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """One optimizer step (then one scheduler step) per batch; returns the loss of every step.

    `seed` fixes dropout's random draws without touching the global generator, so the same
    model, batches and seed give the same curve. `on_step(step, loss)`, if given, is called
    after each step (a progress bar, for instance).
    Shapes: each batch inputs (B, ...) (or a tuple/dict of them), targets (B, ...) -> one float per batch.
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer (e.g. torch.optim.Adam(model.parameters())), "
                        f"got {type(optimizer).__name__}")
    validate.size(seed, "seed", minimum=0)
    model.train()
    losses = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for inputs, targets in batches:
            _check_batch(inputs, targets)
            logits, _ = call_model(model, inputs)
            loss = loss_fn(logits, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()  # per batch: the schedule counts optimizer steps
            losses.append(loss.item())
            if on_step is not None:
                on_step(len(losses), losses[-1])
    return losses


@torch.no_grad()
def evaluate(model: nn.Module, inputs, targets: torch.Tensor) -> tuple[float, float]:
    """Loss and accuracy (share of scored positions predicted right) on one batch, in eval mode.

    Positions whose target is -100 (padding) are not scored. The model's train/eval mode is
    restored afterwards.
    Shapes: inputs (B, ...) (or a tuple/dict of them), targets (B, ...) -> (loss, accuracy).
    """
    _check_batch(inputs, targets)
    was_training = model.training
    model.eval()
    try:
        logits, _ = call_model(model, inputs)
    finally:
        model.train(was_training)
    _check_fit(logits, targets)
    _check_classes(logits, targets)
    scored = targets != IGNORE
    accuracy = (logits.argmax(-1) == targets)[scored].float().mean().item()
    return cross_entropy(logits, targets).item(), accuracy


# The recipe of the trained date model (notebook and checkpoint use the same one).
DATE_RECIPE = {"d_model": 64, "n_heads": 4, "d_ff": 128, "n_layers": 2, "batch_size": 64, "steps": 800,
               "peak_lr": 5e-3, "warmup": 100, "seed": 0}


def train_date_model(src: torch.Tensor, tgt: torch.Tensor, vocab_size: int, *, on_step=None, **overrides):
    """A `lib.model.Transformer` trained from scratch on (src, tgt) with `DATE_RECIPE` (or overrides).

    Adam (β = 0.9, 0.98) with a linear warm-up to `peak_lr` over `warmup` steps, then a linear decay
    to 0; seeded, so the same seed and thread count give the same weights.
    Returns the model (in eval mode) and the loss of every step.
    """
    from lib.data import seq2seq_batches
    from lib.model import Transformer
    from lib.schedules import warmup_linear_decay

    validate.tensor(src, "src (N, S)", dims=2, floating=False)
    validate.tensor(tgt, "tgt (N, T)", dims=2, floating=False)
    unknown = set(overrides) - set(DATE_RECIPE)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; the recipe has {sorted(DATE_RECIPE)}")
    r = {**DATE_RECIPE, **overrides}
    if validate.size(r["steps"], "steps") < validate.size(r["warmup"], "warmup"):
        raise ValueError(f"steps={r['steps']} must be at least warmup={r['warmup']} (the rate rises, then falls)")
    with torch.random.fork_rng(devices=[]):  # seeded initial weights; the caller's generator is left alone
        torch.manual_seed(r["seed"])
        model = Transformer(vocab_size, vocab_size, d_model=r["d_model"], n_heads=r["n_heads"], d_ff=r["d_ff"],
                            n_layers=r["n_layers"], max_len=max(src.shape[1], tgt.shape[1]))
    opt = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
    total = r["steps"] + 1  # LambdaLR counts from 0; update n gets the rate of step n + 1
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda n: warmup_linear_decay(n + 1, peak=r["peak_lr"], warmup=r["warmup"], total=total))
    batches = seq2seq_batches(src, tgt, batch_size=r["batch_size"], n_steps=r["steps"], seed=r["seed"])
    losses = train(model, opt, batches, scheduler=sched, seed=r["seed"], on_step=on_step)
    return model.eval(), losses
