"""The one set-up line every notebook runs: `setup_notebook(seed=0)`."""

from __future__ import annotations

import random
import warnings

import numpy as np
import torch


def set_seed(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's global generators."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002  (the global generator, for code that still uses it)
    torch.manual_seed(seed)


def setup_notebook(seed: int = 0) -> None:
    """Seed everything, draw Hangul in figures, and print numbers short and stable."""
    import matplotlib as mpl

    with warnings.catch_warnings():  # its version check uses deprecated distutils
        warnings.simplefilter("ignore", DeprecationWarning)
        import koreanize_matplotlib  # noqa: F401  (registers NanumGothic and selects it)

    set_seed(seed)
    # The switch behind torch.use_deterministic_algorithms(True). That wrapper also imports
    # torch._inductor only to set a compiler flag no notebook uses: 1.4 s of every notebook's start.
    torch._C._set_deterministic_algorithms(True)
    # Deterministic mode also fills every new tensor with NaN (a guard against reading memory
    # never written). lib writes every tensor before reading it; the fill cost ~10 % of a training step.
    torch.utils.deterministic.fill_uninitialized_memory = False
    # The tensors here are tiny: one thread is faster than two fighting over small ops, and
    # nbval runs two notebooks side by side on a 2-core laptop.
    torch.set_num_threads(1)
    torch.set_printoptions(precision=4, sci_mode=False)
    np.set_printoptions(precision=4, suppress=True)
    mpl.rcParams.update({
        # DejaVu Sans draws Latin, maths and the minus sign of log-axis ticks; matplotlib falls
        # back glyph by glyph to NanumGothic (shipped by koreanize-matplotlib) for Hangul.
        "font.family": ["DejaVu Sans", "NanumGothic"],
        "figure.figsize": (6.0, 3.2),
        "figure.dpi": 90,
    })
