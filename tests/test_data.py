"""lib.data: the seeded toy tasks and their minibatches."""

import pytest
import torch

from lib.data import TASKS, minibatches, toy_task


@pytest.mark.parametrize("task", sorted(TASKS))
def test_toy_task_targets_and_seed(task):
    x, y = toy_task(task, 50, 6, 4, seed=3)
    assert x.shape == y.shape == (50, 6) and x.dtype == torch.int64
    assert int(x.min()) >= 0 and int(x.max()) <= 3
    assert torch.equal(x, toy_task(task, 50, 6, 4, seed=3)[0])
    assert not torch.equal(x, toy_task(task, 50, 6, 4, seed=4)[0])
    assert torch.equal(y.sort(-1).values, x.sort(-1).values)  # same symbols, rearranged
    expected = {"copy": x, "reverse": x.flip(-1), "sort": x.sort(-1).values}[task]
    assert torch.equal(y, expected)
    assert torch.equal(y[0], expected[0])


def test_data_bad_input():
    with pytest.raises(ValueError, match=r"task must be one of 'copy', 'reverse', 'sort'; got 'shuffle'"):
        toy_task("shuffle", 4, 3, 5)
    with pytest.raises(ValueError, match=r"n_symbols must be >= 2, got 1"):
        toy_task("copy", 4, 3, 1)
    x, y = toy_task("copy", 4, 3, 5)
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, N=4\], got 8"):
        next(minibatches(x, y, batch_size=8, n_steps=1))
    with pytest.raises(ValueError, match="need the same N"):
        next(minibatches(x, y[:2], batch_size=2, n_steps=1))


def test_minibatches_are_seeded_rows_of_the_data():
    x, y = toy_task("reverse", 20, 4, 6)
    batches = list(minibatches(x, y, batch_size=5, n_steps=3, seed=1))
    again = list(minibatches(x, y, batch_size=5, n_steps=3, seed=1))
    assert len(batches) == 3
    for (bx, by), (ax, ay) in zip(batches, again, strict=True):
        assert bx.shape == (5, 4) and torch.equal(bx, ax) and torch.equal(by, ay)
        assert torch.equal(by, bx.flip(-1))  # inputs and targets stay paired
