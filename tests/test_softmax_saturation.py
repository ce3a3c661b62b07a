"""lib.softmax (notebook 03): the softmax Jacobian against autograd, entropy against
torch.distributions, the gradient through attention, the widget and the exercises."""

import math

import pytest
import torch
from torch.autograd.functional import jacobian
from widget_harness import exercise

from lib.attention import attention_scores, scaled_dot_product_attention
from lib.checks.softmax_saturation import check_entropy, check_softmax_backward, check_softmax_jacobian
from lib.softmax import (
    JACOBIAN_ENTRY_LIMIT,
    attention_grad_norms,
    max_weight,
    prefix_scores,
    softmax_entropy,
    softmax_jacobian,
)
from lib.stats import median_interval
from lib.widgets.softmax_saturation import saturation_widget

# --- the Jacobian -------------------------------------------------------------------------


@pytest.mark.parametrize("S,spread", [(1, 1.0), (2, 1.0), (5, 0.1), (8, 1.0), (8, 30.0), (16, 3.0)])
def test_jacobian_matches_autograd(gen, S, spread):
    scores = torch.randn(S, generator=gen, dtype=torch.float64) * spread
    expected = jacobian(lambda s: torch.softmax(s, dim=-1), scores)  # (S, S): [i, j] = ∂p_i/∂s_j
    torch.testing.assert_close(softmax_jacobian(torch.softmax(scores, dim=-1)), expected)


def test_jacobian_batched_equals_row_by_row(gen):
    weights = torch.softmax(torch.randn(2, 3, 6, generator=gen) * 2, dim=-1)
    jac = softmax_jacobian(weights)
    assert jac.shape == (2, 3, 6, 6)
    for b in range(2):
        for t in range(3):
            torch.testing.assert_close(jac[b, t], softmax_jacobian(weights[b, t]))


def test_jacobian_properties(gen):
    p = torch.softmax(torch.randn(50, 7, generator=gen, dtype=torch.float64) * 3, dim=-1)
    jac = softmax_jacobian(p)  # (50, 7, 7)
    torch.testing.assert_close(jac, jac.transpose(-2, -1))  # symmetric
    torch.testing.assert_close(jac.sum(-1), torch.zeros(50, 7, dtype=torch.float64))  # Σ_j: 0
    eig = torch.linalg.eigvalsh(jac)  # ascending
    assert (eig > -1e-12).all()  # positive semi-definite: a covariance matrix
    gini = 1 - (p**2).sum(-1)  # = trace
    assert (eig[..., -1] <= gini + 1e-12).all()  # ‖J‖₂ ≤ tr J = 1 − Σp²
    assert jac.abs().max() <= JACOBIAN_ENTRY_LIMIT  # the widget's colour range holds every entry
    assert (softmax_jacobian(torch.eye(4)) == 0).all()  # one-hot: no gradient at all


def test_functions_refuse_scores(gen):
    scores = torch.randn(3, 5, generator=gen)
    for fn in (softmax_jacobian, softmax_entropy, max_weight):
        with pytest.raises(ValueError, match=r"weights p .* not scores; got shape \(3, 5\)"):
            fn(scores)
    with pytest.raises(ValueError, match=r"shape \(..., S\) with S ≥ 1, got \(\)"):
        softmax_jacobian(torch.tensor(1.0))


# --- entropy and largest weight ---------------------------------------------------------------


def test_entropy_matches_torch_categorical(gen):
    p = torch.softmax(torch.randn(4, 6, 9, generator=gen) * 2, dim=-1)
    expected = torch.distributions.Categorical(probs=p).entropy()
    torch.testing.assert_close(softmax_entropy(p), expected)


def test_entropy_and_max_weight_at_the_ends():
    S = 8
    uniform, one_hot = torch.full((S,), 1 / S), torch.eye(S)
    assert softmax_entropy(uniform).item() == pytest.approx(math.log(S))
    assert max_weight(uniform).item() == pytest.approx(1 / S)
    assert (softmax_entropy(one_hot) == 0).all()  # 0·log 0 = 0, not NaN
    assert (max_weight(one_hot) == 1).all()


def test_sharper_softmax_has_larger_max_and_lower_entropy(gen):
    z = torch.randn(20, 8, generator=gen, dtype=torch.float64)
    scales = torch.logspace(-2, 2, 40, dtype=torch.float64)
    p = torch.softmax(scales[:, None, None] * z, dim=-1)  # (40, 20, 8)
    assert (max_weight(p).diff(dim=0) >= -1e-12).all()
    assert (softmax_entropy(p).diff(dim=0) <= 1e-12).all()


# --- scores from the first d_k features ------------------------------------------------------


@pytest.mark.parametrize("scale", [True, False])
def test_prefix_scores_is_attention_on_the_first_features(gen, scale):
    q, k = torch.randn(3, 32, generator=gen), torch.randn(5, 32, generator=gen)
    v = torch.randn(5, 2, generator=gen)
    for d_k in (1, 7, 32):
        scores = prefix_scores(q, k, d_k, scale=scale)
        torch.testing.assert_close(scores, attention_scores(q[:, :d_k], k[:, :d_k], scale=scale))
        _, weights = scaled_dot_product_attention(q[:, :d_k], k[:, :d_k], v, scale=scale)
        torch.testing.assert_close(torch.softmax(scores, -1), weights)


def test_prefix_scores_errors(gen):
    q, k = torch.randn(3, 8, generator=gen), torch.randn(5, 8, generator=gen)
    for bad in (0, 9):
        with pytest.raises(ValueError, match=rf"d_k must be in 1..8 .*\(3, 8\)\), got {bad}"):
            prefix_scores(q, k, bad, scale=None)
    with pytest.raises(ValueError, match=r"q \(3, 8\) and k \(5, 4\) must share"):
        prefix_scores(q, torch.randn(5, 4), 2, scale=None)


# --- the gradient reaching q and k -----------------------------------------------------------


@pytest.mark.parametrize("scale", [True, False])
def test_grad_norms_equal_the_chain_rule_through_the_jacobian(scale):
    n, S, D, Dv = 5, 4, 6, 3
    grad_q, grad_k, weights = attention_grad_norms(
        D, scale=scale, n_keys=S, d_v=Dv, n_trials=n, seed=7
    )
    assert grad_q.shape == grad_k.shape == (n,) and weights.shape == (n, S)
    gen = torch.Generator().manual_seed(7)  # redraw the same tensors, in the same order
    q, k = torch.randn(n, 1, D, generator=gen), torch.randn(n, S, D, generator=gen)
    v, g = torch.randn(n, S, Dv, generator=gen), torch.randn(n, 1, Dv, generator=gen)
    c = 1 / math.sqrt(D) if scale else 1.0
    for i in range(n):
        p = torch.softmax(c * (k[i] @ q[i, 0]), dim=-1)  # (S,)
        grad_scores = softmax_jacobian(p) @ (v[i] @ g[i, 0])  # (S, S) @ (S,) -> (S,)
        torch.testing.assert_close(weights[i], p)
        torch.testing.assert_close(grad_q[i], (c * k[i].T @ grad_scores).norm())
        torch.testing.assert_close(grad_k[i], (c * torch.outer(grad_scores, q[i, 0])).norm())


def test_grad_norms_are_deterministic_and_equal_at_d_k_1():
    a = attention_grad_norms(1, scale=None, n_trials=64)
    b = attention_grad_norms(1, scale=1.0, n_trials=64)  # √1 = 1: scaling changes nothing
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x, y)
    torch.testing.assert_close(attention_grad_norms(16, scale=1.0, n_trials=64)[0],
                               attention_grad_norms(16, scale=1.0, n_trials=64)[0])


def test_unscaled_gradient_vanishes_and_scaled_does_not():
    unscaled = attention_grad_norms(512, scale=1.0)[0]  # 1024 trials
    scaled = attention_grad_norms(512, scale=None)[0]
    assert median_interval(unscaled)[1] < median_interval(scaled)[0] / 10


def test_grad_norms_errors():
    with pytest.raises(ValueError, match="must be ≥ 1, got 0, 8, 4, 1024"):
        attention_grad_norms(0, scale=None)


# --- the median interval --------------------------------------------------------------------


def test_median_interval_covers_the_true_median_as_often_as_promised():
    z, trials = 2.0, 400  # a 2-sigma interval: about 95 % coverage
    covered = 0
    for seed in range(trials):
        x = torch.randn(101, generator=torch.Generator().manual_seed(seed)).exp()  # median 1
        lo, hi = median_interval(x, z=z)
        covered += lo <= 1.0 <= hi
    # 95.4 % ± 4 binomial standard errors (each √(0.95·0.05/400) ≈ 1.1 %)
    assert 0.954 - 0.044 <= covered / trials <= min(1.0, 0.954 + 0.044)


def test_median_interval_errors():
    with pytest.raises(ValueError, match=r"1-D sample of at least 16 values, got shape \(4, 4\)"):
        median_interval(torch.zeros(4, 4))


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
        weights = torch.softmax(prefix_scores(q[None], k, d_k, scale=scaled)[0].double(), -1)
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
