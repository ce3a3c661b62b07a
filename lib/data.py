"""Seeded synthetic toy tasks: small integer sequences and their targets, made on the spot.

Nothing is downloaded; the same seed always gives the same tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from lib import validate

TASKS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "copy": lambda x: x.clone(),  # output the input: attention can stay on the diagonal
    "reverse": lambda x: x.flip(-1),  # position t outputs the token at T-1-t: needs the order
    "sort": lambda x: x.sort(dim=-1).values,  # ascending: needs to compare every pair
}


def toy_task(
    task: str, n_samples: int, seq_len: int, n_symbols: int, *, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random sequences of the symbols 0..n_symbols-1 and their targets under `task`.

    `task` is one of TASKS: "copy", "reverse", "sort".
    Shapes: -> inputs (n_samples, seq_len) int64, targets (n_samples, seq_len) int64.
    """
    validate.choice(task, "task", sorted(TASKS))
    validate.size(n_samples, "n_samples")
    validate.size(seq_len, "seq_len")
    validate.size(n_symbols, "n_symbols", minimum=2)
    validate.size(seed, "seed", minimum=0)
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randint(n_symbols, (n_samples, seq_len), generator=g)  # (N, T)
    return inputs, TASKS[task](inputs)


def minibatches(
    inputs: torch.Tensor, targets: torch.Tensor, *, batch_size: int, n_steps: int, seed: int = 0
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """`n_steps` minibatches of rows drawn at random (without replacement within a batch).

    Shapes: inputs (N, ...), targets (N, ...) -> each batch (batch_size, ...), (batch_size, ...).
    """
    validate.tensor(inputs, "inputs", floating=False, min_dims=1)
    validate.tensor(targets, "targets", floating=False, min_dims=1)
    validate.size(n_steps, "n_steps", minimum=0)
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(f"inputs {tuple(inputs.shape)} and targets {tuple(targets.shape)} need the same N")
    validate.size(batch_size, "batch_size")
    if batch_size > inputs.shape[0]:
        raise ValueError(f"batch_size must be in [1, N={inputs.shape[0]}], got {batch_size}")
    g = torch.Generator().manual_seed(seed)
    for _ in range(n_steps):
        rows = torch.randperm(inputs.shape[0], generator=g)[:batch_size]  # (batch_size,)
        yield inputs[rows], targets[rows]
