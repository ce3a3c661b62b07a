"""Exercises on attention as explanation (notebook 12): leave-one-out by hand, top-1 agreement that
ignores padding, and two "predict before you run" questions about the trained date model.

Each `check_<x>` is an `Exercise`: the reference, the cases and the known mistakes, each mistake
written the way a student would get it wrong and paired with its own hint. The two predictions are
`Choice`s: the answer is one of a few options (a method's name, or a number), compared as the
option's index.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from lib.checks import Exercise, Mistake, Result, as_mistakes, check_function
from lib.i18n import _, lazy_gettext

PAD, UNK = 0, 3  # as in lib.data: <pad> is never read by the model, <unk> is an ordinary token

# --- Exercise: leave_one_out(log_p, tokens, s) ---------------------------------------------------

# A stand-in for "log p of the right output token, given the source": a fixed, position-aware,
# non-linear function of the token ids that never reads <pad>. Deleting a character (which moves the
# later ones), replacing it by <unk> and leaving it out give three different numbers.
_TABLE = torch.linspace(-1.5, 2.0, 12)  # one value per token id 0..11
_POSITION = torch.tensor([0.9, -0.4, 0.7, 0.3, -0.8, 0.5, 0.2, -0.6, 1.1, 0.4])  # one weight per position


def toy_log_p(tokens: torch.Tensor) -> torch.Tensor:
    """log p(right answer | tokens) of a toy model. Shapes: tokens (S,) int, S <= 10 -> () float."""
    read = (tokens != PAD).float()  # (S,): <pad> is never read
    return F.logsigmoid((_POSITION[: len(tokens)] * _TABLE[tokens] * read).sum() + 0.3)


def _with(tokens: torch.Tensor, s: int, token: int = PAD) -> torch.Tensor:
    out = tokens.clone()
    out[s] = token
    return out


def _loo_ref(log_p, tokens, s):
    return log_p(tokens) - log_p(_with(tokens, s))


def _loo_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    return [(toy_log_p, torch.randint(4, 12, (n,), generator=g), s) for n, s in ((6, 2), (8, 0), (10, 7), (5, 4))]


def _loo_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda f, x, s: f(_with(x, s)) - f(x),
         _("the sign is flipped: the drop is log p(whole source) − log p(source without s), positive when "
           "losing s hurts the right answer.")),
        (lambda f, x, s: f(x) - f(torch.cat([x[:s], x[s + 1:]])),
         _("you deleted the character: every character after s moved one position to the left, so the model "
           "reads a different input, not the same one without s. Replace tokens[s] by PAD instead.")),
        (lambda f, x, s: f(x) - f(_with(x, s, UNK)),
         _("you replaced it by <unk>: <unk> is an ordinary token the model reads. Leaving s out means the model "
           "reads nothing there: replace it by PAD, which it never reads.")),
        (lambda f, x, s: f(x).exp() - f(_with(x, s)).exp(),
         _("that is the drop in the probability p; the score is the drop in log p (log_p already returns a log).")),
        (lambda f, x, s: f(x) / f(_with(x, s)),
         _("that is a ratio; the score is the difference log p(whole) − log p(without s).")),
        (lambda f, x, s: f(x) - f(x),
         _("the drop is 0: both calls read the same tokens. Build the changed copy first (changed = "
           "tokens.clone(); changed[s] = PAD) and pass it to the second call.")),
    ])


check_leave_one_out = Exercise(name="leave_one_out", reference=_loo_ref, cases=_loo_cases,
                               mistakes=_loo_mistakes).check


# --- Exercise: top1_agreement(a, b), NaN = padding ------------------------------------------------


def _top1(x: torch.Tensor) -> torch.Tensor:
    return x.nan_to_num(float("-inf")).argmax(-1)  # NaN (padding) can never be the largest


def _agreement_ref(a, b):
    return (_top1(a) == _top1(b)).double().mean()


def _agreement_cases() -> list[tuple]:
    nan = float("nan")
    # No padding: top-1 agrees in 1 row of 4, argmin in 3.
    a0 = torch.tensor([[0.9, 0.1, 0.5], [0.2, 0.3, 0.8], [0.4, 0.6, 0.1], [0.5, 0.2, 0.9]])
    b0 = torch.tensor([[0.8, 0.2, 0.3], [0.1, 0.9, 0.7], [0.7, 0.3, 0.2], [0.6, 0.7, 0.1]])
    a1 = torch.tensor([[0.1, 0.7, 0.2, nan], [0.5, 0.3, 0.2, 0.0], [-0.3, -0.1, nan, nan], [0.2, 0.2, 0.6, nan]])
    b1 = torch.tensor([[0.0, 2.0, 0.1, nan], [0.1, 0.9, 0.3, 0.2], [-2.0, -0.5, nan, nan], [-1.0, -3.0, -0.2, nan]])
    g = torch.Generator().manual_seed(1)
    a2, b2 = torch.randn(12, 6, generator=g) - 1.0, torch.randn(12, 6, generator=g) - 1.0  # mostly negative
    for i, n in enumerate(torch.randint(2, 6, (12,), generator=g).tolist()):
        a2[i, n:] = b2[i, n:] = nan
    b2[::3] = a2[::3] * 2  # a third of the rows agree for sure
    return [(a0, b0), (a1, b1), (a2, b2)]


def _agreement_mistakes() -> list[Mistake]:
    def same_top(a, b, fill=float("-inf"), pick=torch.argmax):
        return pick(a.nan_to_num(fill), -1) == pick(b.nan_to_num(fill), -1)  # (N,)

    return as_mistakes([
        (lambda a, b: (a.argmax(-1) == b.argmax(-1)).double().mean(),
         _("torch.argmax counts NaN as the largest value, so every padded row 'agrees' on its first padding "
           "position. Replace NaN by -inf first: x.nan_to_num(float('-inf')).")),
        (lambda a, b: same_top(a, b, fill=0.0).double().mean(),
         _("NaN replaced by 0 lets padding win in rows whose real scores are all negative (occlusion and "
           "gradient × input can be). Use -inf, which no real score is below.")),
        (lambda a, b: same_top(a, b).sum(),
         _("that is the number of agreeing rows; return the share (between 0 and 1): divide by the number of rows.")),
        (lambda a, b: same_top(a, b, fill=float("inf"), pick=torch.argmin).double().mean(),
         _("that compares the smallest entries (argmin); top-1 is the largest.")),
        (lambda a, b: same_top(a, b)[~a.isnan().any(-1)].double().mean(),
         _("you dropped every row that has padding; keep them, and only ignore their NaN entries.")),
    ])


check_top1_agreement = Exercise(name="top1_agreement", reference=_agreement_ref, cases=_agreement_cases,
                                mistakes=_agreement_mistakes).check


# --- the two predictions ------------------------------------------------------------------------


def _option_index(answer, options: tuple) -> int:
    """The index of `answer` among `options`, −1 if it is none of them.

    A text option matches by its first four letters, case and spaces ignored ("Occlusion", "grad x
    input"); a number option matches a number within 1e-9 (an int or a float; never a bool).
    """
    if isinstance(answer, torch.Tensor) and answer.numel() == 1 and answer.dtype != torch.bool:
        answer = answer.item()
    for i, option in enumerate(options):
        if isinstance(option, str) and isinstance(answer, str):
            key = answer.strip().lower()[:4]
            if key and option.startswith(key):
                return i
        elif (isinstance(option, numbers.Real) and isinstance(answer, numbers.Real) and not isinstance(answer, bool)
              and math.isclose(answer, option, rel_tol=1e-9, abs_tol=1e-9)):
            return i
    return -1


@dataclass(frozen=True)
class Choice(Exercise):
    """A "predict before you run" question answered with one of `options`, by a function without arguments.

    The reference and each mistake return an option, as a student would; the student's answer, the
    reference and the mistakes are all compared as option indices (−1: not an option, which gets the
    hint `not_an_option`, a lazy_gettext text, in the language chosen by the time it is checked).
    """

    options: tuple = ()
    not_an_option: str = ""  # default: "answer with one of the options."

    def _indexed(self, fn):
        def answer():
            got = fn()
            return None if got is None else torch.tensor(_option_index(got, self.options))  # None: "forgot return"
        return answer

    def check(self, student_fn) -> Result:
        if not callable(student_fn):
            return super().check(student_fn)  # "pass your function itself"
        mistakes = [Mistake(self._indexed(m.fn), m.hint) for m in self.mistakes()]
        not_an_option = str(self.not_an_option or _("answer with one of the options."))
        mistakes.append(Mistake(lambda: torch.tensor(-1), not_an_option))
        return check_function(self._indexed(student_fn), name=self.name, reference=self._indexed(self.reference),
                              cases=[()], mistakes=mistakes, atol=0.0, time_limit=self.time_limit)


METHODS = ("attention", "occlusion", "grad × input")
# Both answers are measured on the notebook's held-out subset (40 rows per format) and re-measured on
# the checkpoint by tests/test_attention_explanation.py. How often each method's top-1 is the copied
# character: attention 0.80, occlusion 0.85, grad × input 0.32.
MOST_OFTEN = "occlusion"
# The median over the subset of the largest occlusion drop at the dash (t = 4): ~4e-5 nats.
DASH_CHOICES = (0.0, 0.1, 1.0, 10.0)  # about 0 (below 0.001), about 0.1, about 1, about 10 nats
DASH_DROP = 0.0


def _most_often_mistakes() -> list[Mistake]:
    return as_mistakes([
        (lambda: "attention",
         _("attention comes close (its top-1 is the copied character about 80 % of the time), but when it misses, "
           "it is nine times in ten on a neighbour: the encoder has mixed each character into the vectors next "
           "to it, and the decoder may read it there. Another method measures what the output needs, not where "
           "the model looks.")),
        (lambda: "grad × input",
         _("gradient × input is the least often right (about a third): it is only a first-order estimate of "
           "removing e_s, and e_s also holds the positional encoding; a trained model is far from linear in e_s.")),
    ])


check_most_often = Choice(
    name="most_often", reference=lambda: MOST_OFTEN, cases=lambda: [()], mistakes=_most_often_mistakes,
    options=METHODS, not_an_option=lazy_gettext("answer with one of 'attention', 'occlusion', 'grad × input' (a str)."),
).check


def _dash_mistakes() -> list[Mistake]:
    dash = _("the dash at t = 4 is '-' for every input: the model needs no source character to write it, so "
             "leaving any one out changes log p by almost nothing")
    return as_mistakes([
        (lambda: 0.1, dash + "."),
        (lambda: 1.0, _("{dash}. A drop of 1 nat would make the right answer e ≈ 2.7 times less likely.").format(
            dash=dash)),
        (lambda: 10.0, _("about 10 nats is what a digit loses when the character it is copied from is left out "
                         "(the last digit of the year, the day); {dash}.").format(dash=dash)),
    ])


check_dash_drop = Choice(
    name="dash_drop", reference=lambda: DASH_DROP, cases=lambda: [()], mistakes=_dash_mistakes,
    options=DASH_CHOICES, not_an_option=lazy_gettext("answer with one of the numbers 0, 0.1, 1, 10."),
).check
