"""Notebook 03 (softmax saturation): its widget and its exercises."""

import pytest
import torch
from widget_harness import exercise

from lib.checks.softmax_saturation import check_entropy, check_softmax_backward, check_softmax_jacobian
from lib.softmax import JACOBIAN_ENTRY_LIMIT, prefix_scores, softmax_jacobian
from lib.widgets.softmax_saturation import saturation_widget

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


def jacobian_solution(p):
    return torch.diag_embed(p) - p[..., :, None] * p[..., None, :]


def entropy_solution(p):
    return -torch.special.xlogy(p, p).sum(dim=-1)


def backward_solution(p, grad_p):
    return p * (grad_p - (p * grad_p).sum(dim=-1, keepdim=True))


def not_done(*args):
    raise NotImplementedError


def test_solutions_pass():
    assert check_softmax_jacobian(jacobian_solution).passed
    assert check_entropy(entropy_solution).passed
    assert check_softmax_backward(backward_solution).passed
    for check in (check_softmax_jacobian, check_entropy, check_softmax_backward):
        assert "not done yet" in check(not_done).message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda p: torch.diag_embed(p * (1 - p)), "only the diagonal"),
        (lambda p: p[..., :, None] * p[..., None, :] - torch.diag_embed(p), "sign is flipped"),
        (lambda p: torch.diag_embed(p) - (p * p).sum(-1)[..., None, None], "a dot product"),
        (lambda p: torch.diag_embed(p) - p[..., None] * p[..., None], "squares each weight"),
        (lambda p: torch.diag_embed(p) - (p.mT @ p if p.dim() > 1 else torch.outer(p, p)),
         "adds up the outer products of all rows"),
        (lambda p: -p[..., :, None] * p[..., None, :], "diag(p) term is missing"),
        (lambda p: jacobian_solution(torch.softmax(p, -1)), "do not apply softmax again"),
        (lambda p: torch.diag(p) - torch.outer(p, p), "raised RuntimeError"),  # 1-D only
    ],
)
def test_jacobian_hints(wrong, hint):
    result = check_softmax_jacobian(wrong)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda p: -(p * torch.log2(p.clamp_min(1e-30))).sum(-1), "in bits"),
        (lambda p: torch.special.xlogy(p, p).sum(-1), "the sign"),
        (lambda p: -torch.special.xlogy(p, p).sum(), "one entropy per row"),
        (lambda p: -torch.special.xlogy(p, p).sum(0), "not over the rows"),
        (lambda p: -torch.special.xlogy(p, p).mean(-1), "not the mean"),
        (lambda p: -(p * p.log()).sum(-1), "xlogy"),  # NaN at p = 0
    ],
)
def test_entropy_hints(wrong, hint):
    result = check_entropy(wrong)
    assert not result.passed and hint in result.message


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (lambda p, g: p * g, "−p pᵀ g part is missing"),
        (lambda p, g: g - (p * g).sum(-1, keepdim=True), "multiply the centred gradient by p"),
        (lambda p, g: p * (g - g.mean(-1, keepdim=True)), "not the plain mean"),
        (lambda p, g: p * (g - (p * g).sum()), "keepdim=True"),
        (lambda p, g: p * (1 - p) * g, "only the diagonal"),
    ],
)
def test_backward_hints(wrong, hint):
    result = check_softmax_backward(wrong)
    assert not result.passed and hint in result.message
