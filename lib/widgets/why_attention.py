"""The why-attention widget: length T, spectral radius ρ, which layer, input size; see how
strongly each token still reaches the vector the layer hands on (log scale)."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
import torch

from lib import validate
from lib.heads import MultiHeadAttention
from lib.i18n import _
from lib.plots import influence_plot, update_influence_plot
from lib.rnn import ElmanRNN, last_state_influence, rnn_profiles, with_spectral_radius
from lib.widgets import FigureView, LiveFigure, float_slider, slider

MODELS = ("RNN", "BiRNN", "attention")
SMALL = 1e-10  # "small inputs": h stays ~1e-9, so tanh′ = 1 − h² is 1 to float64 precision (the linear regime)


def _layers(d_model: int, seed: int) -> tuple[ElmanRNN, MultiHeadAttention, torch.Tensor, torch.Tensor]:
    """A bidirectional RNN without biases, an attention layer, the base W_hh and the inputs, all seeded."""
    torch.manual_seed(seed)
    birnn = ElmanRNN(d_model, d_model, bidirectional=True, bias=False).double()
    attention = MultiHeadAttention(d_model, 2).double()
    g = torch.Generator().manual_seed(seed)
    w_hh = torch.randn(d_model, d_model, generator=g, dtype=torch.float64) / math.sqrt(d_model)  # (D, D)
    with torch.no_grad():
        for w in (birnn.weight_ih_l0, birnn.weight_ih_l0_reverse):
            w.copy_(torch.randn(d_model, d_model, generator=g, dtype=torch.float64) / math.sqrt(d_model))
        birnn.weight_hh_l0_reverse.copy_(torch.randn(d_model, d_model, generator=g, dtype=torch.float64)
                                         / math.sqrt(d_model))
    return birnn, attention, w_hh, torch.randn(64, d_model, generator=g, dtype=torch.float64)


def _names() -> dict[str, str]:
    """Each layer (the toggle's value, what the code matches on) as the toggle, legend and read-out name it."""
    return {"RNN": "RNN", "BiRNN": "BiRNN", "attention": _("attention")}


def _readout(name: str, T: int, rho: float, small: bool, curve: np.ndarray) -> str:
    steps = {"RNN": _("{T} steps"), "BiRNN": _("{T} steps (forward) or 1 (backward)"),
             "attention": _("1 step")}[name].format(T=T)
    worst = int(np.argmin(curve))
    return _(
        "<b>{name}</b>, T = {T}, ρ(W_hh) = {rho:.2f}, {inputs}: first token {first:.0e}, last token {last:.0e}, "
        "weakest token i = {worst} ({weakest:.0e}); from the first token to the end: {steps}"
    ).format(name=_names()[name], T=T, rho=rho, inputs=_("small inputs") if small else _("ordinary inputs"),
             first=curve[0], last=curve[-1], worst=worst, weakest=curve[worst], steps=steps)


def why_attention_widget(*, d_model: int = 16, t_max: int = 48, seed: int = 0) -> LiveFigure:
    """Controls: length T, ρ of W_hh (both directions), the layer to highlight, small inputs.

    All three curves are always drawn (the chosen one bold); results are cached per setting.
    """
    d_model, t_max = validate.size(d_model, "d_model", minimum=2), validate.size(t_max, "t_max", minimum=2)
    if t_max > 64:
        raise ValueError(f"t_max must be at most 64 (the stored inputs), got {t_max}")
    birnn, attention, w_hh, x_all = _layers(d_model, seed)
    view = FigureView(1, 1, figsize=(7.6, 3.4))
    lines = influence_plot(view.axes[0], t_max, MODELS, labels=_names())
    view.animate(*lines.values())
    cache: dict = {}  # (T, ρ, small) -> the RNN curves; (T, small) -> the attention curve

    def curves(T: int, rho: float, small: bool) -> dict[str, np.ndarray]:
        x = x_all[:T] * (SMALL if small else 1.0)  # (T, C)
        if (T, small) not in cache:
            cache[T, small] = last_state_influence(attention, x).numpy()
        key = (T, round(rho, 6), small)
        if key not in cache:
            with torch.no_grad():
                birnn.weight_hh_l0.copy_(with_spectral_radius(w_hh, rho))
                birnn.weight_hh_l0_reverse.copy_(with_spectral_radius(birnn.weight_hh_l0_reverse, rho))
            cache[key] = {k: v.numpy() for k, v in rnn_profiles(birnn, x).items()}
        return cache[key] | {"attention": cache[T, small]}

    def update(T: int, rho: float, model: str, small: bool) -> str:
        found = curves(T, rho, small)
        update_influence_plot(lines, found, highlight=model)
        return _readout(model, T, rho, small, found[model])

    controls = {
        "T": slider(_("length T"), 30, 2, t_max),
        "rho": float_slider("ρ(W_hh)", 0.9, 0.5, 1.5, 0.05),
        "model": widgets.ToggleButtons(options=[(_names()[m], m) for m in MODELS], value="RNN",
                                       description=_("highlight")),
        "small": widgets.Checkbox(value=False, description=_("small inputs (linear regime)")),
    }
    return LiveFigure(controls, update, view)
