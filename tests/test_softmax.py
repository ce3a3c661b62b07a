"""lib.softmax: the softmax Jacobian against autograd, its norm and bound, entropy against
torch.distributions, scores from the first d_k features, the gradient through attention, and
the naive masked softmax."""

import math

import pytest
import torch
from torch.autograd.functional import jacobian

from lib.attention import attention_scores, masked_softmax, scaled_dot_product_attention
from lib.softmax import (
    JACOBIAN_ENTRY_LIMIT,
    attention_grad_norms,
    jacobian_bound,
    jacobian_norm,
    max_weight,
    naive_masked_softmax,
    prefix_scores,
    softmax_entropy,
    softmax_jacobian,
)
from lib.stats import median_interval

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
    with pytest.raises(ValueError, match=(
        r"softmax_jacobian's weights \(\.\.\., S\) must have at "
        r"least 1 dimensions, got shape \(\)"
    )):
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


@pytest.mark.parametrize("scale", [None, 1.0, 0.25])
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
    with pytest.raises(ValueError, match=r"d_k must be in 1\.\.8 \(the feature size of q \(3, 8\)\), got 9"):
        prefix_scores(q, k, 9, scale=None)
    with pytest.raises(ValueError, match=r"d_k must be >= 1, got 0"):
        prefix_scores(q, k, 0, scale=None)
    with pytest.raises(ValueError, match=r"q \(3, 8\) and k \(5, 4\) must share"):
        prefix_scores(q, torch.randn(5, 4), 2, scale=None)


# --- the gradient reaching q and k -----------------------------------------------------------


@pytest.mark.parametrize("scale", [None, 1.0, 0.5])
def test_grad_norms_equal_the_chain_rule_through_the_jacobian(scale):
    n, S, D, Dv = 5, 4, 6, 3
    grad_q, grad_k, weights = attention_grad_norms(
        D, scale=scale, n_keys=S, d_v=Dv, n_trials=n, seed=7
    )
    assert grad_q.shape == grad_k.shape == (n,) and weights.shape == (n, S)
    gen = torch.Generator().manual_seed(7)  # redraw the same tensors, in the same order
    q, k = torch.randn(n, 1, D, generator=gen), torch.randn(n, S, D, generator=gen)
    v, g = torch.randn(n, S, Dv, generator=gen), torch.randn(n, 1, Dv, generator=gen)
    c = 1 / math.sqrt(D) if scale is None else scale
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


@pytest.mark.parametrize("name", ["d_k", "n_keys", "d_v", "n_trials"])
def test_grad_norms_errors(name):
    sizes = {"d_k": 4, "n_keys": 8, "d_v": 4, "n_trials": 16, name: 0}
    with pytest.raises(ValueError, match=rf"^{name} must be >= 1, got 0$"):
        attention_grad_norms(scale=None, **sizes)


def test_grad_norms_refuse_the_old_boolean_switch():
    with pytest.raises(TypeError, match=(
        r"scale \(None for 1/√d_k, or a positive "
        r"multiplier\) must be a number, got bool True"
    )):
        attention_grad_norms(4, scale=True)


def test_prefix_scores_and_grad_norms_require_scale():
    q = torch.zeros(2, 4)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'scale'"):
        prefix_scores(q, q, 2)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'scale'"):
        attention_grad_norms(4)


# --- the Jacobian's size: its spectral norm and the bound 1 − Σp² ------------------------------


def autograd_jacobian(scores):
    return jacobian(lambda s: torch.softmax(s, dim=-1), scores)  # (S, S)


@pytest.mark.parametrize("S,spread", [(1, 1.0), (2, 0.5), (5, 0.1), (8, 1.0), (8, 30.0), (16, 3.0)])
def test_jacobian_norm_is_the_spectral_norm_of_the_autograd_jacobian(gen, S, spread):
    scores = torch.randn(S, generator=gen, dtype=torch.float64) * spread
    expected = autograd_jacobian(scores)
    p = torch.softmax(scores, dim=-1)
    norm = jacobian_norm(p)
    assert norm.shape == ()
    torch.testing.assert_close(norm, torch.linalg.matrix_norm(expected, ord=2))
    torch.testing.assert_close(norm, torch.linalg.eigvalsh(expected)[-1])  # the largest eigenvalue
    torch.testing.assert_close(norm, torch.linalg.svdvals(expected)[0])


def test_jacobian_norm_batched_equals_row_by_row(gen):
    p = torch.softmax(torch.randn(3, 4, 6, generator=gen, dtype=torch.float64) * 2, dim=-1)
    norms = jacobian_norm(p)
    assert norms.shape == (3, 4)
    torch.testing.assert_close(norms, torch.linalg.matrix_norm(softmax_jacobian(p), ord=2))


def test_jacobian_norm_at_the_ends():
    S = 6
    # uniform p: J = (I − 11ᵀ/S)/S, eigenvalues 1/S (S−1 times) and 0
    uniform = torch.full((S,), 1 / S, dtype=torch.float64)
    assert jacobian_norm(uniform).item() == pytest.approx(1 / S)
    assert jacobian_bound(uniform).item() == pytest.approx(1 - 1 / S)
    one_hot = torch.eye(S, dtype=torch.float64)
    assert (jacobian_norm(one_hot) == 0).all() and (jacobian_bound(one_hot) == 0).all()
    half = torch.tensor([0.5, 0.5], dtype=torch.float64)  # S = 2: J = [[¼, −¼], [−¼, ¼]], norm ½
    assert jacobian_norm(half).item() == pytest.approx(0.5)
    assert jacobian_bound(half).item() == pytest.approx(0.5)  # the bound is tight for S = 2


def test_jacobian_bound_is_the_trace_and_bounds_the_norm(gen):
    scales = torch.logspace(-2, 2, 9, dtype=torch.float64)
    z = torch.randn(30, 7, generator=gen, dtype=torch.float64)
    p = torch.softmax(scales[:, None, None] * z, dim=-1)  # (9, 30, 7), from flat to saturated
    bound, norm = jacobian_bound(p), jacobian_norm(p)
    assert bound.shape == norm.shape == (9, 30)
    torch.testing.assert_close(bound, torch.diagonal(softmax_jacobian(p), dim1=-2, dim2=-1).sum(-1))
    torch.testing.assert_close(bound, 1 - (p**2).sum(-1))
    assert (norm >= -1e-15).all() and (norm <= bound + 1e-12).all()
    assert (bound <= 1 - 1 / 7 + 1e-12).all()  # largest for the uniform row


def test_jacobian_norm_and_bound_refuse_scores(gen):
    scores = torch.randn(3, 5, generator=gen)
    with pytest.raises(ValueError, match=r"takes softmax weights p .* not scores; got shape \(3, 5\)"):
        jacobian_norm(scores)
    with pytest.raises(ValueError, match=r"jacobian_bound takes softmax weights p .* not scores; got shape \(3, 5\)"):
        jacobian_bound(scores)


def test_jacobian_entry_limit_is_reached():
    # p = (½, ½): the diagonal p(1 − p) = ¼ and the off-diagonal −p_i p_j = −¼ both touch the limit
    jac = softmax_jacobian(torch.tensor([0.5, 0.5], dtype=torch.float64))
    assert jac.abs().max().item() == JACOBIAN_ENTRY_LIMIT == 0.25


# --- the naive masked softmax --------------------------------------------------------------------


def test_naive_masked_softmax_is_nan_on_a_fully_masked_row_and_masked_softmax_elsewhere(gen):
    scores = torch.randn(2, 4, 5, generator=gen)
    mask = torch.rand(2, 4, 5, generator=gen) > 0.5
    mask[:, :, 0] = True
    mask[1, 2] = False  # query 2 of item 1 may attend to nothing
    naive = naive_masked_softmax(scores, mask)
    assert naive.shape == (2, 4, 5)
    assert torch.isnan(naive[1, 2]).all()
    alive = mask.any(-1)  # (2, 4)
    assert not torch.isnan(naive[alive]).any()
    torch.testing.assert_close(naive[alive], masked_softmax(scores, mask)[alive])
    assert torch.all(masked_softmax(scores, mask)[1, 2] == 0)  # the guarded version gives zeros


def test_naive_masked_softmax_broadcasts_a_causal_mask(gen):
    scores = torch.randn(3, 4, 4, generator=gen)
    causal = torch.ones(4, 4, dtype=torch.bool).tril()
    torch.testing.assert_close(naive_masked_softmax(scores, causal), masked_softmax(scores, causal))


def test_naive_masked_softmax_bad_input():
    with pytest.raises(TypeError, match=r"mask must be boolean \(True = may attend\), got dtype torch\.float32"):
        naive_masked_softmax(torch.zeros(2, 3), torch.ones(2, 3))
    with pytest.raises(TypeError, match=r"scores must be a torch\.Tensor, got a list"):
        naive_masked_softmax([[0.0, 1.0]], torch.ones(1, 2, dtype=torch.bool))
