"""Notebook 03 (softmax saturation): its widget and its exercises."""

import sys
from pathlib import Path

import pytest
import torch
from widget_harness import exercise

from lib.checks.softmax_saturation import (
    check_entropy,
    check_softmax_backward,
    check_softmax_jacobian,
    check_tie_entropy,
)
from lib.softmax import JACOBIAN_ENTRY_LIMIT, prefix_scores, softmax_entropy, softmax_jacobian
from lib.widgets.softmax_saturation import saturation_widget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions

# --- the widget ---------------------------------------------------------------------------------


def test_saturation_widget_over_its_range(gen):
    q, k = torch.randn(64, generator=gen), torch.randn(6, 64, generator=gen)
    live = saturation_widget(q, k, d_k=4)
    exercise(live)
    image = live.view.axes[1].images[0]
    assert image.get_clim() == (-JACOBIAN_ENTRY_LIMIT, JACOBIAN_ENTRY_LIMIT)  # symmetric: 0 is white
    for d_k, scaled in ((1, False), (64, False), (64, True)):
        live.controls["d_k"].value, live.controls["scaled"].value = d_k, scaled
        assert live.last_error is None
        scores = prefix_scores(q[None], k, d_k, scale=None if scaled else 1.0)[0].double()
        weights = torch.softmax(scores, -1)
        shown = torch.as_tensor(image.get_array().data)
        torch.testing.assert_close(shown, softmax_jacobian(weights))
        heights = [bar.get_height() for bar in live.view.axes[0].patches]
        torch.testing.assert_close(torch.tensor(heights, dtype=torch.float64), weights)


def test_saturation_widget_shows_saturation_in_the_readout(gen):
    q, k = torch.randn(512, generator=gen), torch.randn(8, 512, generator=gen)
    live = saturation_widget(q, k, d_k=512, scaled=False)
    assert "not scaled" in live.readout.value
    top = float(live.readout.value.split("largest weight ")[1].split(",")[0])
    live.controls["scaled"].value = True
    top_scaled = float(live.readout.value.split("largest weight ")[1].split(",")[0])
    assert top > 0.99 > top_scaled


def test_saturation_widget_errors():
    with pytest.raises(ValueError, match=r"got q \(8,\) and k \(3, 4\)"):
        saturation_widget(torch.zeros(8), torch.zeros(3, 4))


# --- the exercises ----------------------------------------------------------------------------
# The reference answers live in solutions/03_softmax_saturation.py (tests/test_solutions.py runs them and
# every known mistake through the checkers); here: wrong answers written the way a student writes them.

SOLUTIONS = load_solutions("03_softmax_saturation.ipynb")


def not_done(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [check_softmax_jacobian, check_entropy, check_softmax_backward, check_tie_entropy])
def test_stubs_are_not_done(check):
    assert "not done yet" in check(not_done).message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda p: torch.diag_embed(p * (1 - p)), "only the diagonal"),
        (lambda p: p[..., :, None] * p[..., None, :] - torch.diag_embed(p), "sign is flipped"),
        (lambda p: torch.diag_embed(p) - (p * p).sum(-1)[..., None, None], "a dot product"),
        (lambda p: torch.diag_embed(p) - p[..., None] * p[..., None], "squares each weight"),
        (lambda p: torch.diag_embed(p) - p.mT @ p, "adds up the outer products of all rows"),
        (lambda p: -p[..., :, None] * p[..., None, :], "diag(p) term is missing"),
        (lambda p: SOLUTIONS.batched_softmax_jacobian(torch.softmax(p, -1)), "do not apply softmax again"),
        (lambda p: torch.diag(p) - torch.outer(p, p), "raised RuntimeError"),  # 1-D only
    ],
)
def test_jacobian_hints(wrong, hint):
    result = check_softmax_jacobian(wrong)
    assert not result.passed and hint in result.message


def test_jacobian_solution_is_autograds():
    p = torch.softmax(torch.randn(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0)), -1)
    for row, J in zip(p, SOLUTIONS.batched_softmax_jacobian(p), strict=True):
        torch.testing.assert_close(J, torch.autograd.functional.jacobian(lambda s: torch.softmax(s, -1), row.log()))


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda p: -(p * torch.log2(p.clamp_min(1e-30))).sum(-1), "in bits"),
        (lambda p: torch.special.xlogy(p, p).sum(-1), "the sign"),
        (lambda p: -torch.special.xlogy(p, p).sum(), "one entropy per row"),
        (lambda p: -torch.special.xlogy(p, p).sum(0), "not over the rows"),
        (lambda p: -torch.special.xlogy(p, p).mean(-1), "not the mean"),
        (lambda p: -p.log().sum(-1), "weight each log p_i by its p_i"),
        (lambda p: -(p * p.log()).sum(-1), "p · log p is NaN where p = 0"),
        (lambda p: -(p.double() * p.double().log()).sum(dim=-1), "p · log p is NaN where p = 0"),
        # NaN in other places than the known mistake's: the exercise's own NaN message
        (lambda p: softmax_entropy(p) * torch.where(p.amax(-1) == 1, torch.nan, 1.0), "0 · log 0 is 0 · (−inf)"),
    ],
)
def test_entropy_hints(wrong, hint):
    result = check_entropy(wrong)
    assert not result.passed and hint in result.message, result.message


def test_entropy_with_a_clamp_passes():
    assert check_entropy(lambda p: -(p * p.clamp_min(1e-30).log()).sum(-1)).passed


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda p, g: p * g, "−p pᵀ g part is missing"),
        (lambda p, g: g - (p * g).sum(-1, keepdim=True), "multiply the centred gradient by p"),
        (lambda p, g: p * (g - g.mean(-1, keepdim=True)), "not the plain mean"),
        (lambda p, g: p * (g - (p * g).sum()), "keepdim=True: one weighted mean per row"),
        (lambda p, g: p * (g - (p * g).sum(dim=-1)), "keep the summed axis"),
        (lambda p, g: p * (1 - p) * g, "only the diagonal"),
    ],
)
def test_backward_hints(wrong, hint):
    result = check_softmax_backward(wrong)
    assert not result.passed and hint in result.message, result.message


def test_backward_solution_is_autograds_and_in_place_changes_are_caught():
    gen = torch.Generator().manual_seed(5)
    s, g = torch.randn(4, 6, dtype=torch.float64, generator=gen, requires_grad=True), torch.randn(4, 6, generator=gen)
    p = torch.softmax(s, -1)
    (grad_s,) = torch.autograd.grad((p * g).sum(), s)
    torch.testing.assert_close(SOLUTIONS.softmax_backward(p.detach(), g.double()), grad_s)

    def in_place(p, grad_p):
        grad_p -= (p * grad_p).sum(-1, keepdim=True)  # the caller's gradient is changed
        return p * grad_p

    assert "changed its input (argument 2) in place" in check_softmax_backward(in_place).message


def test_tie_entropy_answer_is_what_the_entropy_of_a_tie_is():
    scores = torch.tensor([2.0, 2.0, 1.0, 0.0, -1.0, 0.5, -2.0, 1.5], dtype=torch.float64)
    measured = SOLUTIONS.entropy(torch.softmax(1000 * scores, dim=-1)).item()
    assert check_tie_entropy(lambda: measured).passed and check_tie_entropy(lambda: 0.69).passed


@pytest.mark.parametrize(
    "answer,hint",
    [(0, "one-hot only when one key wins"), (2.079, "uniform row"), (1, "1 bit"), (0.5, "the weight of each"),
     (0.35, "wrong values")],
)
def test_tie_entropy_hints(answer, hint):
    result = check_tie_entropy(lambda: answer)
    assert not result.passed and hint in result.message, result.message
