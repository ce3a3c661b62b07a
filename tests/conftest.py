import pytest
import torch


@pytest.fixture
def gen() -> torch.Generator:
    """A seeded generator, so every test draws the same numbers on every run."""
    return torch.Generator().manual_seed(0)
