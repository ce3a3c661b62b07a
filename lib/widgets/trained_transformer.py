"""Notebook 11 (a trained Transformer): a training progress bar, and the date model's cross-attention explorer.

`TrainingProgress` is an `on_step` callback for `lib.train.train_date_model` that moves a progress
bar. `read_date` is the pure part of the explorer: a typed date -> the model's greedy answer and
every decoder layer's cross-attention weights; `date_attention_widget` only draws them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch

from lib import validate
from lib.data import BOS, EOS, SPECIALS, CharTokenizer
from lib.i18n import _
from lib.model import Transformer, greedy_decode
from lib.plots import WEIGHT_CMAP, heatmap, pad_nan
from lib.widgets import FigureView, LiveFigure

# --- the progress bar ---------------------------------------------------------------------------


class TrainingProgress(widgets.HBox):
    """A progress bar and a read-out "step s / N · loss L", moved every `every` steps (and at the last).

    Pass the object itself as the callback: `train_date_model(..., on_step=progress)` calls
    `progress(step, loss)` after every optimizer step. Display it before training starts.
    """

    def __init__(self, total_steps: int, *, every: int = 10) -> None:
        self.total = validate.size(total_steps, "total_steps")
        self.every = validate.size(every, "every")
        self.bar = widgets.IntProgress(value=0, min=0, max=self.total, description=_("training"),
                                       style={"description_width": "initial"})
        self.label = widgets.HTML(_("step {step} / {total}").format(step=0, total=self.total))
        self.last: tuple[int, float] | None = None  # the last (step, loss) shown
        super().__init__([self.bar, self.label])

    def __call__(self, step: int, loss: float) -> None:
        step = validate.size(step, "step")
        loss = validate.number(loss, "loss")
        if step % self.every and step < self.total:
            return
        self.bar.value = min(step, self.total)
        self.label.value = _("step {step} / {total} · loss {loss:.4f}").format(step=step, total=self.total, loss=loss)
        self.last = (step, loss)
        if step >= self.total:
            self.bar.bar_style = "success"


# --- the explorer: computation --------------------------------------------------------------------

ANSWER_LEN = 12  # <bos>, YYYY-MM-DD and <eos>: the longest answer greedy decoding may write


@dataclass(frozen=True)
class DateReading:
    """What the model makes of one typed date.

    `rows[t]` is the token decoder step t writes (the answer's characters, then "<eos>");
    `cross[l, h, t]` is where head h of decoder layer l looks in the source while writing it.
    Shapes: cross (L, H, T, S) with T = len(rows), S = len(source).
    """

    source: list[str]
    answer: str
    rows: list[str]
    cross: torch.Tensor


def _check_model(model, tokenizer) -> None:
    if not isinstance(model, Transformer):
        raise TypeError(f"model must be a lib.model.Transformer (the trained date model), got {type(model).__name__}")
    if not isinstance(tokenizer, CharTokenizer):
        raise TypeError(f"tokenizer must be a lib.data.CharTokenizer, got {type(tokenizer).__name__}")


def _check_text(tokenizer: CharTokenizer, text, max_len: int) -> None:
    """A ValueError a student can act on: no text, characters the model never saw, or too long.

    Its message is what the explorer's read-out shows about a typed date, so it is in the current language.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str such as 'Nov 23, 2026', got {type(text).__name__}")
    if not text.strip():
        raise ValueError(_("there is nothing to read: type a date such as 2026년 11월 23일 or Nov 23, 2026"))
    unknown = tokenizer.unknown(text)
    if unknown:
        shown = ", ".join(repr(c) for c in unknown)
        letters = "".join(c for c in tokenizer.itos[len(SPECIALS):] if c.isalpha())
        message = (_("the model has never seen the characters {shown}; it knows the digits, space, the signs - . / , "
                     "and the letters {letters}") if len(unknown) > 1 else
                   _("the model has never seen the character {shown}; it knows the digits, space, the signs - . / , "
                     "and the letters {letters}"))
        raise ValueError(message.format(shown=shown, letters=letters))
    if len(text) > max_len:
        raise ValueError(_("the input is {n} characters long; the model reads at most {max_len}").format(
            n=len(text), max_len=max_len))


@torch.no_grad()
def read_date(model: Transformer, tokenizer: CharTokenizer, text: str) -> DateReading:
    """The model's greedy answer for `text` and the cross-attention weights of each of its steps.

    The weights come from one teacher-forced pass over the greedy answer; with the causal mask a
    step sees only the tokens before it, so they are the weights greedy decoding itself used.
    Bad input (empty, unknown characters, longer than the model reads) raises a ValueError
    whose message says what to change.
    Shapes: text of S characters -> cross (L, H, T, S), T = the answer's length + 1 (<eos>).
    """
    _check_model(model, tokenizer)
    _check_text(tokenizer, text, min(tokenizer.max_len, model.src_embedding.max_len))
    src = torch.tensor([tokenizer.encode(text)])  # (1, S)
    out = greedy_decode(model, src, bos=BOS, eos=EOS, max_len=ANSWER_LEN)  # (1, T + 1), starts with <bos>
    was_training = model.training
    model.eval()
    try:
        _logits, weights = model(src, out[:, :-1])  # decoder step t reads out[:, :t+1] and writes out[:, t+1]
    finally:
        model.train(was_training)
    cross = torch.stack([w[0] for w in weights["cross"]])  # L × (1, H, T, S) -> (L, H, T, S)
    written = out[0, 1:].tolist()
    rows = ["<eos>" if i == EOS else tokenizer.itos[i] for i in written]
    return DateReading(list(text), tokenizer.decode(out[0]), rows, cross)


def shown_weights(reading: DateReading, layer: int, head: int) -> torch.Tensor:
    """One map of a reading: decoder layer `layer`, head `head` (or -1 for the mean of the heads).

    Shapes: reading.cross (L, H, T, S) -> (T, S).
    """
    L, H = reading.cross.shape[:2]
    if not isinstance(layer, int) or not 0 <= layer < L:
        raise ValueError(f"layer must be a decoder layer index in 0..{L - 1}, got {layer!r}")
    if not isinstance(head, int) or not -1 <= head < H:
        raise ValueError(f"head must be -1 (the mean) or a head in 0..{H - 1}, got {head!r}")
    w = reading.cross[layer]  # (H, T, S)
    return w.mean(0) if head == -1 else w[head]


# --- the explorer: drawing and wiring ------------------------------------------------------------

def _tick(char: str) -> str:
    return "␣" if char == " " else char


def _relabel(view: FigureView, reading: DateReading) -> None:
    """Ticks and limits for a new input: one row per answer token, one column per source character."""
    ax = view.axes[0]
    T, S = len(reading.rows), len(reading.source)
    ax.set_xticks(range(S), labels=[_tick(c) for c in reading.source])
    ax.set_yticks(range(T), labels=reading.rows)
    ax.set_xlim(-0.5, S - 0.5)
    ax.set_ylim(T - 0.5, -0.5)
    view.invalidate()  # tick labels are static artists: the next render redraws the whole figure


def _readout(reading: DateReading, weights: torch.Tensor, layer: int, head: int) -> str:
    """The answer, and for each answer character the source character it looks at most."""
    which = _("the mean of the heads") if head == -1 else _("head {h}").format(h=head)
    looks = " · ".join(
        f"{html.escape(row)} ← {html.escape(_tick(reading.source[int(s)]))}"
        for row, s in zip(reading.rows, weights.argmax(-1), strict=True)
    )
    return "<br>".join([
        _("input <b>{source}</b> → answer <b>{answer}</b>").format(
            source=html.escape("".join(reading.source)), answer=html.escape(reading.answer)),
        _("decoder layer {layer}, {which}; each answer character ← the source character it looks at most:").format(
            layer=layer + 1, which=which),
        looks,
    ])


def date_attention_widget(model: Transformer, tokenizer: CharTokenizer, examples: Mapping[str, str]) -> LiveFigure:
    """Type a date (or pick an example), choose the decoder layer and the head: the answer and its cross-attention.

    `examples` maps a label (shown in the dropdown) to a source text; the first one is shown first.
    Controls: the example dropdown, the layer, the head (mean or one); a text box above them
    reads a typed date when Enter is pressed. Unreadable input keeps the last map and says why.
    Shapes: the map is T × S: one row per answer token, one column per source character.
    """
    _check_model(model, tokenizer)
    if not isinstance(examples, Mapping) or not examples or not all(isinstance(s, str) for s in examples.values()):
        raise TypeError(f"examples must be a non-empty dict of label -> source text, got {type(examples).__name__}")
    for source in examples.values():  # every example must be readable
        _check_text(tokenizer, source, min(tokenizer.max_len, model.src_embedding.max_len))
    first = next(iter(examples.values()))
    state = {"text": first, "reading": read_date(model, tokenizer, first)}
    L, H = state["reading"].cross.shape[:2]
    view = FigureView(1, 1, figsize=(8.4, 3.6), dpi=80)
    grid_shape = (ANSWER_LEN - 1, model.src_embedding.max_len)  # the largest map: fixed, NaN beyond the input
    grid = heatmap(view.axes[0], np.full(grid_shape, np.nan), cmap=WEIGHT_CMAP,
                   xlabel=_("source character (key, value)"), ylabel=_("answer token (query)"))
    view.axes[0].set_title(_("cross-attention: each row sums to 1 over the source"), fontsize=10)
    view.fig.colorbar(grid.image, ax=view.axes[0], fraction=0.03, pad=0.02, label=_("attention weight"))
    view.animate(grid.image)
    _relabel(view, state["reading"])
    text = widgets.Text(value=first, description=_("type a date"), continuous_update=False,
                        style={"description_width": "initial"}, layout=widgets.Layout(width="24em"))
    controls = {
        "example": widgets.Dropdown(options=list(examples.items()), value=first, description=_("or pick one")),
        "layer": widgets.ToggleButtons(options=[(_("layer {n}").format(n=i + 1), i) for i in range(L)], value=L - 1,
                                       description=_("decoder")),
        "head": widgets.ToggleButtons(options=[(_("mean"), -1)] + [(_("head {h}").format(h=h), h) for h in range(H)],
                                      value=-1, description=_("head")),
    }
    picking = {"now": False}

    def pick(change) -> None:  # runs before LiveFigure's refresh: the text box takes the example
        picking["now"] = True
        text.value = change["new"]
        picking["now"] = False

    controls["example"].observe(pick, names="value")

    def update(example: str, layer: int, head: int) -> str:  # `example` is already in the text box
        message = ""
        if text.value != state["text"]:
            try:
                state["reading"] = read_date(model, tokenizer, text.value)
                _relabel(view, state["reading"])
            except ValueError as bad:
                message = ('<span style="color:#b35900">'
                           + _("Cannot read “{text}”: {reason}. The map still shows the last input.").format(
                               text=html.escape(text.value), reason=html.escape(str(bad)))
                           + "</span><br>")
            state["text"] = text.value
        weights = shown_weights(state["reading"], layer, head)  # (T, S)
        grid.update(pad_nan(weights, grid_shape))
        return message + _readout(state["reading"], weights, layer, head)

    live = LiveFigure(controls, update, view)
    text.observe(lambda _change: None if picking["now"] else live.refresh(), names="value")
    live.text = text
    live.children = (text, *live.children)
    return live
