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


def setup_notebook(seed: int = 0, lang: str | None = None) -> None:
    """Seed everything, choose the language, draw Hangul in figures, and print numbers short and stable.

    `lang` ("en" or "ko"): the language of every message, read-out and label lib shows; by default
    the edition's, from the notebook's folder (notebooks/ko/ is Korean) or LECTURE_LANG, so both
    editions run the same code (`lib.i18n.language()` tells which was chosen).
    """
    import matplotlib as mpl

    from lib import i18n

    i18n.set_language(i18n.language_for() if lang is None else lang)

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
    # One look for every figure, set once here (importing seaborn or lib changes nothing): seaborn's
    # "ticks" style (white, no grid over the heat maps), its "notebook" sizes scaled so the smallest
    # text, tick labels and legends, is ~10 pt at a figure's own size (readable on a 1280×720 projector),
    # and the project's palette as the colour cycle ("C0", "C1", ... = lib.plots.PALETTE).
    import seaborn as sns

    from lib.plots import PALETTE, TEXT_SIZE

    sns.set_theme(context="notebook", style="ticks", palette=list(PALETTE), font_scale=0.9)
    mpl.rcParams.update({
        # After seaborn, which would choose its own fonts. DejaVu Sans draws Latin, maths and the
        # minus sign of log-axis ticks; matplotlib falls
        # back glyph by glyph to NanumGothic (shipped by koreanize-matplotlib) for Hangul.
        "font.family": ["DejaVu Sans", "NanumGothic"],
        "figure.figsize": (6.0, 3.2),
        "figure.dpi": 90,
        "legend.fontsize": TEXT_SIZE,
        "image.cmap": "viridis",  # = lib.plots.WEIGHT_CMAP, for any imshow that does not name one
    })
