"""Exercises on training and running the date Transformer (notebook 11): teacher forcing, one step of
greedy decoding, and two "predict before you run" questions (a parameter count, exact match from
per-character accuracy).

Each `check_<x>` is an `Exercise` (or a `Prediction`): the reference, the cases and the known
mistakes, each written the way a student would get it wrong and paired with its own hint.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

import torch

from lib.blocks import DecoderBlock
from lib.checks import HINT, Exercise, Mistake, Prediction, Result, as_mistakes
from lib.data import BOS, EOS, PAD
from lib.i18n import _, lazy_gettext
from lib.train import IGNORE

# Exercise 3: the parameters of one DecoderBlock of this size. n_heads is a distractor:
# splitting d_model into heads does not change the count.
D_MODEL, N_HEADS, D_FF = 64, 8, 128
# Exercise 4: a model that writes each of the 10 characters right with this probability, independently.
CHAR_ACCURACY, N_CHARS = 0.99, 10


# --- Exercise 1: teacher_forcing(tgt) -> (decoder_input, labels) ----------------------------------


def _teacher_ref(tgt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    labels = tgt[:, 1:]  # (B, T - 1): the token after each input token
    return tgt[:, :-1], labels.masked_fill(labels == PAD, IGNORE)  # (B, T - 1), (B, T - 1)


def _teacher_cases() -> list[tuple]:
    rows = [[BOS, 7, 8, 9, 10, EOS], [BOS, 11, 12, EOS, PAD, PAD], [BOS, 13, EOS, PAD, PAD, PAD]]
    longer = [[BOS, 20, 21, 22, EOS, PAD, PAD], [BOS, 23, 24, 25, 26, 27, EOS]]
    return [(torch.tensor(rows),), (torch.tensor(longer),), (torch.tensor([[BOS, 5, EOS]]),)]


def _masked(x: torch.Tensor) -> torch.Tensor:
    return x.masked_fill(x == PAD, IGNORE)


def _teacher_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda t: (t, _masked(t)),
         _("there is no shift: the decoder reads tgt without its last column (<bos> y₁ …) and the labels are "
           "tgt without its first column (y₁ … <eos>), both (B, T - 1).")),
        (lambda t: (t[:, :-1], t[:, 1:]),
         _("the labels at padding positions must be -100 (lib.train.IGNORE), so the loss does not score them; "
           "left as <pad> (0) the model is trained to write padding.")),
        (lambda t: (t[:, 1:], _masked(t[:, :-1])),
         _("the shift goes the other way: the decoder reads <bos> y₁ … (tgt without its last column) and must "
           "predict y₁ … <eos> (tgt without its first column).")),
        (lambda t: (t[:, :-1], _masked(t[:, :-1])),
         _("the labels are the decoder input itself: shift them left by one (tgt[:, 1:]). Position t must "
           "predict the token after the one it reads, else the model learns to copy its input.")),
        (lambda t: (_masked(t[:, :-1]), _masked(t[:, 1:])),
         _("only the labels get -100: the decoder input goes into an embedding, so it must stay token ids "
           "(<pad> stays <pad>).")),
        (lambda t: (t[:, :-1], _masked(t[:, 1:]).masked_fill(t[:, 1:] == EOS, IGNORE)),
         _("<eos> must stay a label: it is how the model learns to stop. Only <pad> becomes -100.")),
    ])


@dataclass(frozen=True)
class _PairExercise(Exercise):
    """An exercise whose answer is a pair of tensors of one shape (the engine compares them stacked).

    A result of another form (one tensor, a pair of two shapes, three things) is told the form
    instead of the engine's message about a stacked (2, ...) tensor the student never built.
    """

    form: str = ""  # a str or a lazy_gettext text; default: "a pair (a, b) of tensors of the same shape"

    def check(self, student_fn) -> Result:
        result = super().check(student_fn)
        first, newline, rest = result.message.partition("\n")
        if not result.passed and result.kind == "shape":  # "expected a tensor of shape", "it returned shape"
            form = self.form or _("a pair (a, b) of tensors of the same shape")
            first = f"{HINT} {self.name}: " + _("return {form}.").format(form=form)
        return Result(result.passed, _of_the_pair(first) + newline + rest)


def _of_the_pair(line: str) -> str:
    """The engine's "right shape (2, ...) but wrong values" about the stacked pair, said of its two tensors,
    in the language of the message: the engine's own sentence (its translation) is found and replaced."""
    pattern = ""
    for literal, field, *_rest in string.Formatter().parse(
            _("right shape {shape} but wrong values (largest difference {diff}).")):
        pattern += re.escape(literal) + {"shape": r"\(2, (?P<shape>.*?)\)", "diff": "(?P<diff>.*?)", None: ""}[field]
    found = re.search(pattern, line)
    if found is None:
        return line
    return line[:found.start()] + _("both of the right shape ({shape}) but wrong values (largest difference "
                                    "{diff}).").format(shape=found["shape"], diff=found["diff"]) + line[found.end():]


# `student_fn(tgt)`: tgt (B, T) = <bos> y₁ … <eos> <pad>… -> (decoder_input, labels), each (B, T - 1).
check_teacher_forcing = _PairExercise(
    name="teacher_forcing", reference=_teacher_ref, cases=_teacher_cases, mistakes=_teacher_mistakes,
    atol=0.0, form=lazy_gettext("a pair (decoder_input, labels), both of shape (B, T - 1)"),
).check


# --- Exercise 2: greedy_step(out, logits) -> out with one more column -------------------------------


def _finished(out: torch.Tensor) -> torch.Tensor:
    return (out == EOS).any(dim=1)  # (B,): this row has written <eos> already


def _append(out: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
    return torch.cat([out, step[:, None]], dim=1)  # (B, t) and (B,) -> (B, t + 1)


def _greedy_ref(out: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    return _append(out, logits[:, -1].argmax(-1).masked_fill(_finished(out), PAD))


def _greedy_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(3)
    outs = [
        [[BOS, 7, 8, 9], [BOS, 7, EOS, PAD], [BOS, 9, 10, EOS]],
        [[BOS, 5], [BOS, EOS]],
        [[BOS, 6, 6, 6, 6, 6], [BOS, 6, 6, 6, 6, 6], [BOS, 8, EOS, PAD, PAD, PAD], [BOS, 9, 9, 9, 9, EOS]],
    ]
    cases = []
    for rows in outs:
        out = torch.tensor(rows)  # (B, t)
        cases.append((out, torch.randn(*out.shape, 12, generator=g) * 3))  # logits (B, t, V = 12)
    return cases


def _greedy_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda o, z: _append(o, z[:, 0].argmax(-1).masked_fill(_finished(o), PAD)),
         _("logits[:, 0] are the scores after <bos>: the next token is read off the LAST position, logits[:, -1].")),
        (lambda o, z: _append(o, z[:, -1].argmax(-1)),
         _("a row that has written <eos> is finished: append <pad> to it, not another token.")),
        (lambda o, z: _append(o, z[:, -1].argmax(-1).masked_fill(o[:, -1] == EOS, PAD)),
         _("a row is finished once it holds <eos> anywhere, not only in its last place (after <eos> come <pad>s): "
           "use (out == EOS).any(dim=1).")),
        (lambda o, z: _append(o, z[:, -1].argmax(-1).masked_fill(_finished(o), EOS)),
         _("finished rows get <pad> (the model's pad id), not one more <eos>.")),
        (lambda o, z: _append(o, z[:, -1].argmin(-1).masked_fill(_finished(o), PAD)),
         _("argmin picks the least likely token: greedy decoding takes the argmax.")),
        (lambda o, z: torch.cat([z[:, -1].argmax(-1).masked_fill(_finished(o), PAD)[:, None], o], dim=1),
         _("the new token goes at the end of each row (torch.cat([out, step[:, None]], dim=1)), not the front.")),
    ])


# `student_fn(out, logits)`: out (B, t) tokens so far, logits (B, t, V) the decoder's scores -> (B, t + 1).
check_greedy_step = Exercise(
    name="greedy_step", reference=_greedy_ref, cases=_greedy_cases, mistakes=_greedy_mistakes, atol=0.0,
).check


# --- Exercises 3 and 4 (predict before you run) -------------------------------------------------------


@dataclass(frozen=True)
class _Count(Prediction):
    """A prediction whose answer is a whole number, right only when exact.

    The engine compares with a relative tolerance (1e-4), which would pass 50,241 for 50,240;
    a parameter count is either right or not.
    """

    def check(self, student_fn) -> Result:
        result = super().check(student_fn)
        if not result.passed:
            return result
        answer = student_fn()
        answer = answer.item() if isinstance(answer, torch.Tensor) else answer
        if answer != self.reference():
            return Result(False, f"{HINT} {self.name}: " + _("not quite. {retry}").format(retry=self.retry))
        return result


def _linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out  # weight and bias


def _block_count() -> int:
    """The answer, counted by lib itself."""
    return sum(p.numel() for p in DecoderBlock(D_MODEL, N_HEADS, D_FF).parameters())


def _block_mistakes() -> list[Mistake]:
    C, F, H = D_MODEL, D_FF, N_HEADS
    attention, ffn, norm = 4 * _linear(C, C), _linear(C, F) + _linear(F, C), 2 * C
    return [
        Mistake(lambda: attention + ffn + 3 * norm,
                _("a decoder block has two attentions: masked self-attention AND cross-attention, each with its "
                  "own W_Q, W_K, W_V, W_O.")),
        Mistake(lambda: 2 * attention + ffn + 2 * norm,
                _("three LayerNorms: one after each of the three sublayers (self-attention, cross-attention, FFN).")),
        Mistake(lambda: 2 * attention + ffn,
                _("each LayerNorm has parameters too: a scale a and a shift b, 2 · d_model.")),
        Mistake(lambda: 2 * attention + ffn + 3 * C,
                _("a LayerNorm has two vectors, the scale a and the shift b (d_model numbers each), not one.")),
        Mistake(lambda: 2 * 4 * C * C + C * F + F * C + 3 * norm,
                _("every nn.Linear has a bias vector too (d_out numbers).")),
        Mistake(lambda: 2 * (3 * H * _linear(C, C) + _linear(C, C)) + ffn + 3 * norm,
                _("the heads share d_model: each head's W_Q is (d_model, d_k) with d_k = d_model / h, so all h "
                  "heads together are one (d_model, d_model) matrix. The count does not depend on n_heads.")),
        Mistake(lambda: 2 * 4 * _linear(C, C // H) + ffn + 3 * norm,
                _("that counts the projections of one head only: the h heads together are (d_model, d_model).")),
    ]


# `student_fn()` returns the predicted parameter count of DecoderBlock(d_model=64, n_heads=8, d_ff=128).
check_decoder_block_parameters = _Count(
    name="decoder_block_parameters", reference=_block_count, cases=lambda: [()], mistakes=_block_mistakes,
    atol=0.0, form=lazy_gettext("a whole number"),
    retry=lazy_gettext(
        "Count each part: two attentions of four d_model × d_model maps, the FFN's two maps, a bias on every linear "
        "map, three LayerNorms with a and b each."),
).check


def _exact_ref() -> float:
    return CHAR_ACCURACY**N_CHARS  # every one of the 10 characters right, independently


def _exact_mistakes() -> list[Mistake]:
    p, n = CHAR_ACCURACY, N_CHARS
    return [
        Mistake(lambda: p, _("that is the per-character accuracy itself: a date is right only if all 10 of its "
                             "characters are right.")),
        Mistake(lambda: 1 - n * (1 - p), _("1 − 10 · 0.01 adds the error chances as if they could not happen "
                                           "together; that is only the first-order estimate. Multiply the "
                                           "chances of each character being right.")),
        Mistake(lambda: (1 - p) ** n, _("that is the chance that all 10 characters are wrong.")),
        Mistake(lambda: 1 - (1 - p) ** n, _("that is the chance that at least one character is right.")),
        Mistake(lambda: 100 * p**n, _("return a share between 0 and 1, not a percentage.")),
    ]


# `student_fn()` returns the predicted share of dates entirely right, a number between 0 and 1.
check_exact_match_from_characters = Prediction(
    name="exact_match_from_characters", reference=_exact_ref, cases=lambda: [()], mistakes=_exact_mistakes,
    atol=1e-3, form=lazy_gettext("a number between 0 and 1"),
    retry=lazy_gettext("A date is right when character 1 is right AND character 2 is right AND … all 10."),
).check
