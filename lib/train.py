"""A short training loop and an evaluation, for the tiny models of the notebooks."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every position (targets equal to -100 are ignored).

    Shapes: logits (..., V), targets (...) -> scalar.
    """
    if logits.shape[:-1] != targets.shape:
        raise ValueError(f"logits (..., V) = {tuple(logits.shape)} do not fit targets (...) = {tuple(targets.shape)}")
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def train(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
    *,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = cross_entropy,
    seed: int = 0,
) -> list[float]:
    """One optimizer step (then one scheduler step) per batch; returns the loss of every step.

    `model(inputs)` must return (logits, anything). `seed` fixes dropout's random draws
    without touching the global generator, so the same model, batches and seed give the
    same curve.
    Shapes: each batch inputs (B, ...), targets (B, ...) -> losses: one float per batch.
    """
    model.train()
    losses = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for inputs, targets in batches:
            logits, _ = model(inputs)
            loss = loss_fn(logits, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()  # per batch: the schedule counts optimizer steps
            losses.append(loss.item())
    return losses


@torch.no_grad()
def evaluate(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[float, float]:
    """Loss and accuracy (share of positions predicted right) on one batch, in eval mode.

    The model's train/eval mode is restored afterwards.

    Shapes: inputs (B, ...), targets (B, ...) -> (loss, accuracy).
    """
    was_training = model.training
    model.eval()
    logits, _ = model(inputs)
    model.train(was_training)
    accuracy = (logits.argmax(-1) == targets).float().mean().item()
    return cross_entropy(logits, targets).item(), accuracy
