import pytest
import torch


@pytest.fixture
def gen() -> torch.Generator:
    """A seeded generator, so every test draws the same numbers on every run."""
    return torch.Generator().manual_seed(0)


@pytest.fixture
def one_thread():
    """Tiny models train faster on one thread (two threads spin against each other on 2 cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
