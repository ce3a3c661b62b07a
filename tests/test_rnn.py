"""lib.rnn: the Elman RNN against torch.nn.RNN, the influence tools, the recall task, bad inputs."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from lib.heads import MultiHeadAttention
from lib.rnn import (
    ElmanRNN,
    RecallAttention,
    RecallRNN,
    best_time,
    elman_loop,
    elman_step,
    last_state_influence,
    matmul_depth,
    power_band,
    recall_task,
    rnn_influence,
    rnn_jacobians,
    rnn_profiles,
    spectral_radius,
    with_spectral_radius,
)

# --- oracle: torch.nn.RNN --------------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_elman_rnn_equals_torch(bidirectional, bias, dtype, gen):
    ref = nn.RNN(3, 5, batch_first=True, bidirectional=bidirectional, bias=bias).to(dtype)
    ours = ElmanRNN.from_torch(ref)
    x = torch.randn(4, 7, 3, generator=gen, dtype=dtype)
    h0 = torch.randn(2 if bidirectional else 1, 4, 5, generator=gen, dtype=dtype)
    for args in ((x,), (x, h0)):
        out, h_n = ours(*args)
        ref_out, ref_h = ref(*args)
        torch.testing.assert_close(out, ref_out)
        torch.testing.assert_close(h_n, ref_h)
        assert out.shape == (4, 7, 10 if bidirectional else 5) and h_n.shape == ref_h.shape


def test_elman_rnn_gradients_equal_torch(gen):
    ref = nn.RNN(3, 4, batch_first=True, bidirectional=True)
    ours = ElmanRNN.from_torch(ref)
    x = torch.randn(2, 6, 3, generator=gen)
    ref(x)[0].square().sum().backward()
    ours(x)[0].square().sum().backward()
    for name, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, dict(ref.named_parameters())[name].grad)


def test_elman_step_is_the_formula(gen):
    x, h = torch.randn(2, 3, generator=gen), torch.randn(2, 4, generator=gen)
    w_ih, w_hh, b1, b2 = (torch.randn(*s, generator=gen) for s in ((4, 3), (4, 4), (4,), (4,)))
    torch.testing.assert_close(elman_step(x, h, w_ih, w_hh, b1, b2), torch.tanh(x @ w_ih.T + b1 + h @ w_hh.T + b2))
    torch.testing.assert_close(elman_step(x, h, w_ih, w_hh), torch.tanh(x @ w_ih.T + h @ w_hh.T))


def test_reverse_loop_is_the_forward_loop_on_the_flipped_sequence(gen):
    x = torch.randn(2, 5, 3, generator=gen)
    w_ih, w_hh = torch.randn(4, 3, generator=gen), torch.randn(4, 4, generator=gen) / 2
    backward = elman_loop(x, w_ih, w_hh, reverse=True)
    torch.testing.assert_close(backward, elman_loop(x.flip(1), w_ih, w_hh).flip(1))


def test_init_matches_torch_range():
    torch.manual_seed(0)
    model = ElmanRNN(3, 16, bidirectional=True)
    names = [n for n, _ in nn.RNN(3, 16, batch_first=True, bidirectional=True).named_parameters()]
    assert [n for n, _ in model.named_parameters()] == names
    assert all(p.abs().max() <= 1 / math.sqrt(16) for p in model.parameters())


# --- influence and depth -----------------------------------------------------------------------


def _rnn(rho, *, bidirectional=False, gen=None, D=8):
    model = ElmanRNN(D, D, bidirectional=bidirectional, bias=False).double()
    g = gen or torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            w = torch.randn(D, D, generator=g, dtype=torch.float64) / math.sqrt(D)
            p.copy_(with_spectral_radius(w, rho) if "hh" in name else w)
    return model


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("scale", [1e-6, 1.0])
def test_closed_form_jacobians_equal_autograd(bidirectional, scale, gen):
    model = _rnn(0.9, bidirectional=bidirectional)
    x = scale * torch.randn(12, 8, generator=gen, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda x: model(x[None])[1].reshape(-1), x)  # (K·D, T, C)
    torch.testing.assert_close(rnn_jacobians(model, x), jac.transpose(0, 1))
    torch.testing.assert_close(rnn_influence(model, x), last_state_influence(model, x))


def test_closed_form_jacobians_with_biases(gen):
    model = ElmanRNN(3, 5).double()
    x = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda x: model(x[None])[1].reshape(-1), x)
    torch.testing.assert_close(rnn_jacobians(model, x), jac.transpose(0, 1))


def test_rnn_profiles_split_the_directions(gen):
    bi = _rnn(0.8, bidirectional=True)
    forward = ElmanRNN(8, 8, bias=False).double()
    with torch.no_grad():
        forward.weight_ih_l0.copy_(bi.weight_ih_l0)
        forward.weight_hh_l0.copy_(bi.weight_hh_l0)
    x = torch.randn(10, 8, generator=gen, dtype=torch.float64)
    found = rnn_profiles(bi, x)
    torch.testing.assert_close(found["RNN"], last_state_influence(forward, x))
    torch.testing.assert_close(found["BiRNN"], last_state_influence(bi, x))
    assert torch.all(found["BiRNN"] >= found["RNN"] * (1 - 1e-12))  # stacking rows never lowers a norm


@pytest.mark.parametrize("rho", [0.7, 1.0, 1.3])
def test_linear_regime_stays_in_the_power_band(rho, gen):
    model = _rnn(rho)
    x = 1e-9 * torch.randn(40, 8, generator=gen, dtype=torch.float64)
    infl = last_state_influence(model, x).log()
    low, high = power_band(model.weight_hh_l0, model.weight_ih_l0, torch.arange(39, -1, -1))
    assert torch.all(infl >= low - 1e-6) and torch.all(infl <= high + 1e-6)


def test_power_band_is_exact_for_a_symmetric_matrix(gen):
    a = torch.randn(6, 6, generator=gen, dtype=torch.float64)
    w = with_spectral_radius(a + a.T, 0.5)
    low, high = power_band(w, torch.eye(6, dtype=torch.float64), [0, 3, 10])
    torch.testing.assert_close(low, high)  # κ(V) = 1 and σ_min = σ_max = 1
    torch.testing.assert_close(low.exp(), torch.tensor([1.0, 0.125, 0.5**10], dtype=torch.float64))


def test_attention_influence_is_permutation_equivariant(gen):
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, 2).double()
    x = torch.randn(9, 8, generator=gen, dtype=torch.float64)
    perm = torch.tensor([7, 1, 2, 3, 4, 5, 6, 0, 8])  # keeps the last (query) token in place
    torch.testing.assert_close(last_state_influence(attention, x[perm]), last_state_influence(attention, x)[perm])


def test_spectral_radius_and_rescaling(gen):
    w = torch.randn(5, 5, generator=gen, dtype=torch.float64)
    assert math.isclose(spectral_radius(with_spectral_radius(w, 1.7)), 1.7, rel_tol=1e-12)
    assert spectral_radius(torch.diag(torch.tensor([0.5, -2.0]))) == 2.0


@pytest.mark.parametrize("T", [1, 5, 40])
def test_matmul_depth_rnn_is_T_attention_is_constant(T, gen):
    x = torch.randn(1, T, 4, generator=gen, requires_grad=True)
    _, h_n = ElmanRNN(4, 4)(x)
    out, _ = MultiHeadAttention(4, 2)(x, x, x)
    assert matmul_depth(h_n) == T and matmul_depth(out) == 4
    assert matmul_depth(ElmanRNN(4, 4, bidirectional=True)(x)[1]) == T  # the two directions run side by side


def test_matmul_depth_deep_graph_has_no_recursion_limit(gen):
    x = torch.randn(1, 1500, 2, generator=gen, requires_grad=True)
    assert matmul_depth(ElmanRNN(2, 2)(x)[1]) == 1500


def test_best_time_calls_and_returns_seconds():
    calls = []
    t = best_time(lambda: calls.append(1), repeats=3)
    assert len(calls) == 3 and 0 <= t < 1


# --- the recall task ---------------------------------------------------------------------------


def test_recall_task_layout():
    tokens, targets = recall_task(50, 6, n_symbols=3, seed=1)
    assert tokens.shape == (50, 8) and targets.shape == (50,) and tokens.dtype == torch.int64
    assert torch.equal(tokens[:, 0], targets) and torch.all(targets < 3)
    assert torch.all((tokens[:, 1:-1] >= 3) & (tokens[:, 1:-1] < 6)) and torch.all(tokens[:, -1] == 6)
    assert torch.equal(recall_task(50, 6, n_symbols=3, seed=1)[0], tokens)
    assert recall_task(4, 0)[0].shape == (4, 2)


def test_recall_models_shapes():
    tokens, _ = recall_task(5, 3)
    logits, none = RecallRNN(4, 8)(tokens)
    assert logits.shape == (5, 4) and none is None
    logits, weights = RecallAttention(4, 8, n_heads=2)(tokens)
    assert logits.shape == (5, 4) and weights.shape == (5, 2, 1, 5)


# --- bad inputs --------------------------------------------------------------------------------


def test_bad_inputs():
    model = ElmanRNN(3, 4)
    with pytest.raises(TypeError, match=r"torch\.from_numpy"):
        model(np.zeros((1, 2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match=r"float64 but the layer's weights are torch.float32; use x.float\(\)"):
        model(torch.zeros(1, 2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"input_size=3\), got \(1, 2, 5\)"):
        model(torch.zeros(1, 2, 5))
    with pytest.raises(ValueError, match=r"3 dimensions, got shape \(2, 3\)"):
        model(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"h0 must have shape \(K=1, B=1, D=4\), got \(1, 4\)"):
        model(torch.zeros(1, 2, 3), torch.zeros(1, 4))
    for bad, err in ((0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError)):
        with pytest.raises(err, match="hidden_size"):
            ElmanRNN(3, bad)
    with pytest.raises(ValueError, match="rho"):
        with_spectral_radius(torch.eye(2), float("nan"))
    with pytest.raises(ValueError, match="rho"):
        with_spectral_radius(torch.eye(2), 0.0)
    with pytest.raises(ValueError, match=r"square \(D, D\), got shape \(2, 3\)"):
        spectral_radius(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="batch_first=True"):
        ElmanRNN.from_torch(nn.RNN(3, 4))
    with pytest.raises(ValueError, match="no autograd graph"):
        matmul_depth(torch.zeros(3))
    with pytest.raises(TypeError, match="ElmanRNN or a MultiHeadAttention, got Linear"):
        last_state_influence(nn.Linear(2, 2), torch.zeros(3, 2))
    with pytest.raises(TypeError, match="bidirectional ElmanRNN"):
        rnn_profiles(ElmanRNN(2, 2), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="n_distractors must be >= 0"):
        recall_task(3, -1)
    with pytest.raises(ValueError, match="square w_ih"):
        power_band(torch.eye(3), torch.zeros(3, 2), [1])
