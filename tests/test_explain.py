"""lib.explain against independent oracles.

- attention_scores = the cross-attention weights the model itself returns, mean over heads;
- occlusion_scores = the model run normally on a source whose character s is replaced by the pad
  token (or by the token asked for), one example at a time;
- grad_input_scores = a central finite difference of log p along e_s, in float64;
- ranks / spearman = the textbook ρ = 1 − 6 Σd² / (n(n² − 1)) on tie-free rows, hand-worked rows
  with ties and NaN, and invariance under monotone maps;
- the comparison helpers on hand-worked rows; every bad input gets a clear message.
"""

from __future__ import annotations

import math

import pytest
import torch

from lib import explain
from lib.data import PAD
from lib.model import Transformer, TransformerEncoder

V_SRC, V_TGT = 11, 9
LENGTHS = (7, 4, 6, 1)  # real source characters per row; the rest is padding (id 0)


def tiny_model(seed: int = 0, **kw) -> Transformer:
    torch.manual_seed(seed)
    return Transformer(V_SRC, V_TGT, d_model=16, n_heads=4, d_ff=32, n_layers=2, max_len=12, **kw).eval()


@pytest.fixture
def batch(gen):
    """src (4, 7) with padding, tgt_in and target (4, 5): no <pad> (id 0) among the real tokens."""
    src = torch.randint(1, V_SRC, (len(LENGTHS), max(LENGTHS)), generator=gen)
    for b, n in enumerate(LENGTHS):
        src[b, n:] = PAD
    tgt = torch.randint(1, V_TGT, (len(LENGTHS), 6), generator=gen)
    return src, tgt[:, :-1], tgt[:, 1:]


def log_p(model, src, tgt_in, target) -> torch.Tensor:
    """The oracles' own log p(target): the model called normally. (B, T)."""
    logits, _ = model(src, tgt_in)
    return torch.log_softmax(logits, -1).gather(-1, target[..., None])[..., 0]


def padding(src) -> torch.Tensor:
    return (src == PAD)[:, None, :]  # (B, 1, S)


# --- attention ------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", [0, 1, -1, -2])
def test_attention_scores_are_the_models_cross_weights_mean_over_heads(batch, layer):
    src, tgt_in, _ = batch
    model = tiny_model()
    with torch.no_grad():
        cross = model(src, tgt_in)[1]["cross"][layer]  # (B, H, T, S)
    heads = sum(cross[:, h] for h in range(cross.shape[1])) / cross.shape[1]  # (B, T, S)
    got = explain.attention_scores(model, src, tgt_in, layer=layer)
    assert torch.equal(got.isnan(), padding(src).expand_as(got))
    torch.testing.assert_close(got.nan_to_num(0.0), heads, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(got.nansum(-1), torch.ones(got.shape[:2]))  # each row: weights over the source


def test_attention_scores_layers_differ_and_default_is_the_last(batch):
    src, tgt_in, _ = batch
    model = tiny_model()
    last, first = (explain.attention_scores(model, src, tgt_in, layer=n) for n in (1, 0))
    assert torch.equal(explain.attention_scores(model, src, tgt_in).nan_to_num(7.0), last.nan_to_num(7.0))
    assert not torch.allclose(first.nan_to_num(0.0), last.nan_to_num(0.0), atol=1e-3)


def test_scores_run_in_eval_mode_and_restore_the_mode(batch):
    src, tgt_in, target = batch
    model = tiny_model(dropout=0.5).train()
    for fn, args in ((explain.attention_scores, ()), (explain.occlusion_scores, (target,)),
                     (explain.grad_input_scores, (target,))):
        first, second = fn(model, src, tgt_in, *args), fn(model, src, tgt_in, *args)
        assert torch.equal(first.nan_to_num(7.0), second.nan_to_num(7.0)), fn.__name__  # no dropout draws
        assert model.training, fn.__name__
    assert model.src_embedding._forward_hooks == {}  # grad × input removed its hook


# --- occlusion ------------------------------------------------------------------------------


def occlusion_oracle(model, src, tgt_in, target, token: int) -> torch.Tensor:
    """Replace src[b, s] by `token` and run the model normally, one example and one character at a time."""
    B, S = src.shape
    out = torch.full((B, tgt_in.shape[1], S), float("nan"))
    with torch.no_grad():
        for b in range(B):
            full = log_p(model, src[b:b + 1], tgt_in[b:b + 1], target[b:b + 1])[0]  # (T,)
            for s in range(S):
                if src[b, s] == PAD:
                    continue
                changed = src[b:b + 1].clone()
                changed[0, s] = token
                out[b, :, s] = full - log_p(model, changed, tgt_in[b:b + 1], target[b:b + 1])[0]  # all-pad: no source
    return out


def test_occlusion_equals_replacing_by_pad_and_running_the_model(batch):
    src, tgt_in, target = batch
    model = tiny_model()
    got = explain.occlusion_scores(model, src, tgt_in, target)
    expected = occlusion_oracle(model, src, tgt_in, target, PAD)
    assert torch.equal(got.isnan(), padding(src).expand_as(got))
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4, equal_nan=True)
    assert got.nan_to_num(0.0).abs().max() > 1e-2  # the oracle compares real numbers, not zeros


@pytest.mark.parametrize("token", [3, 7])
def test_occlusion_by_replacement_equals_the_model_on_the_replaced_source(batch, token):
    src, tgt_in, target = batch
    model = tiny_model()
    got = explain.occlusion_scores(model, src, tgt_in, target, replace_with=token)
    torch.testing.assert_close(got, occlusion_oracle(model, src, tgt_in, target, token), atol=1e-5, rtol=1e-4,
                               equal_nan=True)
    left_out = explain.occlusion_scores(model, src, tgt_in, target)
    assert not torch.allclose(got.nan_to_num(0.0), left_out.nan_to_num(0.0), atol=1e-3)  # not the same question
    same_token = src == token  # replacing a character by itself changes nothing
    assert torch.all(got.transpose(1, 2)[same_token] == 0)


def test_occlusion_by_pad_replacement_is_leaving_out(batch):
    src, tgt_in, target = batch
    model = tiny_model()
    torch.testing.assert_close(explain.occlusion_scores(model, src, tgt_in, target, replace_with=PAD),
                               explain.occlusion_scores(model, src, tgt_in, target), equal_nan=True)


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_occlusion_does_not_depend_on_the_chunk(batch, chunk):
    src, tgt_in, target = batch
    model = tiny_model()
    torch.testing.assert_close(explain.occlusion_scores(model, src, tgt_in, target, chunk=chunk),
                               occlusion_oracle(model, src, tgt_in, target, PAD), atol=1e-5, rtol=1e-4,
                               equal_nan=True)


def test_occlusion_padding_in_the_middle_is_skipped_not_shifted(batch):
    src, tgt_in, target = batch
    src = src.clone()
    src[0, 2] = PAD  # padding inside a source: still NaN, and the characters after it keep their positions
    model = tiny_model()
    got = explain.occlusion_scores(model, src, tgt_in, target)
    assert got[0, :, 2].isnan().all() and not got[0, :, 3].isnan().any()
    torch.testing.assert_close(got, occlusion_oracle(model, src, tgt_in, target, PAD), atol=1e-5, rtol=1e-4,
                               equal_nan=True)


# --- gradient × input -----------------------------------------------------------------------


def test_grad_input_is_the_derivative_along_e_s_by_central_difference(batch):
    """d/dε log p(e + ε e_s) at ε = 0 is ∇_{e_s} log p · e_s; in float64 a central difference gets it to ~1e-9."""
    src, tgt_in, target = batch
    model = tiny_model().double()
    got = explain.grad_input_scores(model, src, tgt_in, target)
    assert got.dtype == torch.float64
    eps = 1e-5
    expected = torch.full_like(got, float("nan"))
    for s in range(src.shape[1]):
        values = []
        for sign in (1, -1):
            def scale_e_s(_module, _inputs, out, sign=sign, s=s):
                out = out.clone()
                out[:, s] = out[:, s] * (1 + sign * eps)  # e + ε e_s at position s, every example
                return out
            handle = model.src_embedding.register_forward_hook(scale_e_s)
            try:
                with torch.no_grad():
                    values.append(log_p(model, src, tgt_in, target))  # (B, T)
            finally:
                handle.remove()
        real = src[:, s] != PAD
        expected[real, :, s] = ((values[0] - values[1]) / (2 * eps))[real]
    torch.testing.assert_close(got, expected, atol=1e-7, rtol=1e-6, equal_nan=True)
    assert got.nan_to_num(0.0).abs().max() > 1e-2


def test_grad_input_is_first_order_occlusion_of_the_embedding():
    """For a small e_s, gradient × input ≈ log p(e) − log p(e with e_s = 0): shrink e_s and compare."""
    model = tiny_model().double()
    src = torch.tensor([[4, 5, 6, 7]])
    tgt_in, target = torch.tensor([[1, 2, 3]]), torch.tensor([[2, 3, 4]])
    small = 1e-6

    def shrink(_module, _inputs, out):
        return out * small  # every e_s small: the linear term dominates

    handle = model.src_embedding.register_forward_hook(shrink)
    try:
        score = explain.grad_input_scores(model, src, tgt_in, target)[0, :, 1]  # (T,)
        with torch.no_grad():
            full = log_p(model, src, tgt_in, target)[0]

            def zero_e_1(_module, _inputs, out):
                out = out.clone()
                out[:, 1] = 0
                return out
            second = model.src_embedding.register_forward_hook(zero_e_1)
            zeroed = log_p(model, src, tgt_in, target)[0]
            second.remove()
    finally:
        handle.remove()
    torch.testing.assert_close(score, full - zeroed, rtol=1e-3, atol=1e-12)


# --- ranks and Spearman -----------------------------------------------------------------------


def textbook_rho(a: list[float], b: list[float]) -> float:
    """ρ = 1 − 6 Σ d² / (n (n² − 1)), d the difference of ranks; valid without ties."""
    n = len(a)
    rank_a = {v: i + 1 for i, v in enumerate(sorted(a))}
    rank_b = {v: i + 1 for i, v in enumerate(sorted(b))}
    d2 = sum((rank_a[x] - rank_b[y]) ** 2 for x, y in zip(a, b, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_spearman_equals_the_textbook_formula_on_tie_free_rows(gen):
    a, b = torch.randn(50, 9, generator=gen), torch.randn(50, 9, generator=gen)
    b[:25] = a[:25] + 0.5 * b[:25]  # half the rows correlated, so ρ covers a range
    lengths = torch.randint(2, 10, (50,), generator=gen)
    for i, n in enumerate(lengths):
        a[i, n:] = b[i, n:] = float("nan")
    rho = explain.spearman(a, b)
    expected = torch.tensor([textbook_rho(a[i, :n].tolist(), b[i, :n].tolist()) for i, n in enumerate(lengths)],
                            dtype=torch.float64)
    torch.testing.assert_close(rho, expected, atol=1e-12, rtol=0)
    assert rho.max() > 0.8 and rho.min() < 0


def test_ranks_tie_free_equal_a_double_argsort(gen):
    x = torch.randn(6, 8, generator=gen)
    assert torch.equal(explain.ranks(x), (x.argsort(-1).argsort(-1) + 1).double())


def test_ranks_hand_worked_with_ties_and_nan():
    nan = float("nan")
    x = torch.tensor([[3.0, 1.0, 2.0, nan], [1.0, 2.0, 2.0, 5.0], [nan, 4.0, 4.0, 4.0], [0.0, -1.0, nan, -1.0]])
    expected = torch.tensor([[3.0, 1.0, 2.0, nan], [1.0, 2.5, 2.5, 4.0], [nan, 2.0, 2.0, 2.0], [3.0, 1.5, nan, 1.5]],
                            dtype=torch.float64)
    torch.testing.assert_close(explain.ranks(x), expected, equal_nan=True)


def test_spearman_hand_worked_with_ties_and_nan():
    """ranks a = 1, 2.5, 2.5, 4 and b = 1, 3, 2, 4: Σ da·db = 4.5, Σ da² = 4.5, Σ db² = 5, so ρ = 3/√10."""
    nan = float("nan")
    a = torch.tensor([[1.0, 2.0, 2.0, 3.0, nan], [nan, 1.0, 2.0, 2.0, 3.0]])
    b = torch.tensor([[1.0, 3.0, 2.0, 4.0, nan], [nan, 10.0, 30.0, 20.0, 40.0]])
    expected = torch.full((2,), 3 / math.sqrt(10), dtype=torch.float64)
    torch.testing.assert_close(explain.spearman(a, b), expected)
    assert 3 / math.sqrt(10) != pytest.approx(textbook_rho([1, 2, 2.001, 3], [1, 3, 2, 4]))  # ties change ρ


def test_spearman_is_invariant_under_monotone_maps(gen):
    a, b = torch.randn(20, 7, generator=gen), torch.randn(20, 7, generator=gen)
    a[:, 5:] = b[:, 5:] = float("nan")
    rho = explain.spearman(a, b)
    torch.testing.assert_close(explain.spearman(a.exp(), b**3), rho)
    torch.testing.assert_close(explain.spearman(10 * a - 3, torch.sigmoid(b)), rho)
    torch.testing.assert_close(explain.spearman(-a, b), -rho)  # decreasing: the sign flips
    torch.testing.assert_close(explain.spearman(a, a), torch.ones(20, dtype=torch.float64))
    assert not torch.allclose(explain.spearman(a.square(), b), rho)  # not monotone: ρ changes


def test_spearman_without_a_defined_rho_is_nan():
    nan = float("nan")
    a = torch.tensor([[1.0, 1.0, 1.0], [2.0, nan, nan], [1.0, 2.0, 3.0]])
    b = torch.tensor([[1.0, 2.0, 3.0], [5.0, nan, nan], [3.0, 2.0, 1.0]])
    rho = explain.spearman(a, b)
    assert rho[:2].isnan().all() and rho[2] == -1  # all tied / one entry: no ρ; reversed: −1


# --- top-1, shares, hits, tails -----------------------------------------------------------------


def test_top1_ignores_nan_handles_negatives_and_takes_the_first_tie():
    nan = float("nan")
    x = torch.tensor([[-3.0, -1.0, nan, -2.0], [nan, 0.5, 0.5, 0.1], [2.0, nan, 9.0, nan]])
    assert explain.top1(x).tolist() == [1, 1, 2]


def test_top1_agreement_hand_worked():
    nan = float("nan")
    a = torch.tensor([[0.1, 0.9, nan], [0.8, 0.2, nan], [-1.0, -2.0, -0.5]])
    b = torch.tensor([[0.0, 5.0, nan], [0.0, 5.0, nan], [-9.0, -8.0, -7.0]])
    assert explain.top1_agreement(a, b) == pytest.approx(2 / 3)
    assert explain.top1_agreement(a, a) == 1.0


def test_top1_share_hand_worked():
    nan = float("nan")
    x = torch.tensor([[0.5, -0.25, 0.25, nan], [-3.0, 1.0, nan, nan], [0.2, 0.2, 0.2, 0.2]])
    torch.testing.assert_close(explain.top1_share(x), torch.tensor([0.5, 0.25, 0.25], dtype=torch.float64))
    assert explain.top1_share(torch.zeros(1, 3)).isnan().all()  # nothing to share


def test_source_hits_counts_only_rows_with_a_source():
    nan = float("nan")
    scores = torch.tensor([[[0.1, 0.9, nan], [0.7, 0.2, nan], [0.3, 0.3, nan], [0.5, 0.4, nan]]])  # (1, 4, 3)
    source = torch.tensor([[1, 1, -1, 0]])  # row 0 hit, row 1 miss, row 2 not counted, row 3 hit
    assert explain.source_hits(scores, source) == pytest.approx(2 / 3)


def test_without_top_removes_the_union_of_both_top_k():
    nan = float("nan")
    a = torch.tensor([[5.0, 4.0, 3.0, 2.0, 1.0, nan]])
    b = torch.tensor([[1.0, 2.0, 3.0, 5.0, 4.0, nan]])
    ta, tb = explain.without_top(a, b, k=2)  # a's top 2: 0, 1; b's: 3, 4; left: 2
    assert torch.equal(ta.isnan(), torch.tensor([[True, True, False, True, True, True]]))
    assert torch.equal(ta.isnan(), tb.isnan()) and ta[0, 2] == 3.0 and tb[0, 2] == 3.0
    same_top = explain.without_top(a, a, k=1)[0]
    assert same_top.isnan().tolist() == [[True, False, False, False, False, True]]


# --- bad input -----------------------------------------------------------------------------------


def test_scores_refuse_bad_models_and_inputs(batch):
    src, tgt_in, target = batch
    model = tiny_model()
    wrong = TransformerEncoder(V_SRC, V_TGT, d_model=8, n_heads=2, d_ff=8, n_layers=1)
    with pytest.raises(TypeError, match=r"model must be a lib\.model\.Transformer .*got TransformerEncoder"):
        explain.attention_scores(wrong, src, tgt_in)
    with pytest.raises(TypeError, match=r"src \(B, S\) must be an integer torch\.Tensor.*got a NumPy array"):
        explain.occlusion_scores(model, src.numpy(), tgt_in, target)
    with pytest.raises(TypeError, match=r"tgt_in \(B, T\) must hold integer token ids, got dtype torch\.float32"):
        explain.grad_input_scores(model, src, tgt_in.float(), target)
    with pytest.raises(ValueError, match=r"must share B"):
        explain.attention_scores(model, src[:2], tgt_in)
    with pytest.raises(ValueError, match=r"target must have the shape of tgt_in \(B, T\) = \(4, 5\).*got \(4, 4\)"):
        explain.occlusion_scores(model, src, tgt_in, target[:, :4])
    with pytest.raises(ValueError, match=r"target \(B, T\) must lie in 0\.\.8 .*got ids from -100"):
        explain.grad_input_scores(model, src, tgt_in, target.masked_fill(target == target[0, 0], -100))
    with pytest.raises(ValueError, match=r"src has a row of padding only"):
        explain.occlusion_scores(model, src.masked_fill(torch.arange(4)[:, None] == 1, PAD), tgt_in, target)


@pytest.mark.parametrize("layer", [2, -3, 1.0, True, "last"])
def test_attention_scores_refuse_a_layer_out_of_range(batch, layer):
    src, tgt_in, _ = batch
    with pytest.raises(ValueError, match=r"layer must be a decoder layer index in -2\.\.1, got"):
        explain.attention_scores(tiny_model(), src, tgt_in, layer=layer)


@pytest.mark.parametrize(("kw", "error", "match"), [
    ({"replace_with": V_SRC}, ValueError, r"replace_with must lie in 0\.\.10"),
    ({"replace_with": -1}, ValueError, r"replace_with\b.* must be >= 0, got -1"),
    ({"replace_with": 2.0}, TypeError, r"replace_with must be a whole number"),
    ({"chunk": 0}, ValueError, r"chunk\b.* must be >= 1, got 0"),
])
def test_occlusion_refuses_bad_settings(batch, kw, error, match):
    src, tgt_in, target = batch
    with pytest.raises(error, match=match):
        explain.occlusion_scores(tiny_model(), src, tgt_in, target, **kw)


def test_comparisons_refuse_bad_scores():
    nan = float("nan")
    a = torch.tensor([[0.1, 0.9, nan], [0.3, 0.2, 0.5]])
    with pytest.raises(TypeError, match=r"a \(\.\.\., S\) must be a torch\.Tensor, got a NumPy array"):
        explain.spearman(a.numpy(), a)
    with pytest.raises(ValueError, match=r"same shape, got \(2, 3\) and \(2, 2\)"):
        explain.top1_agreement(a, a[:, :2])
    with pytest.raises(ValueError, match=r"NaN \(padding\) at the same places"):
        explain.spearman(a, a.nan_to_num(0.0))
    all_nan = a.clone()
    all_nan[1] = nan
    for fn in (explain.spearman, explain.top1_agreement):
        with pytest.raises(ValueError, match=r"a row of a is all NaN \(padding only\)"):
            fn(all_nan, all_nan)
    for fn in (explain.top1, explain.top1_share):
        with pytest.raises(ValueError, match=r"a row of scores is all NaN"):
            fn(all_nan)
    with pytest.raises(TypeError, match=r"x \(\.\.\., S\) must be a float32 or float64 tensor, got dtype torch\.int64"):
        explain.ranks(torch.tensor([[1, 2]]))
    with pytest.raises(ValueError, match=r"k\b.* must be >= 1, got 0"):
        explain.without_top(a, a, k=0)


@pytest.mark.parametrize(("source", "error", "match"), [
    ([[1, 0]], TypeError, r"source must be an integer torch\.Tensor of positions, got list"),
    (torch.tensor([[1.0, 0.0]]), TypeError, r"integer positions .*got dtype torch\.float32; use source\.long\(\)"),
    (torch.tensor([1, 0]), ValueError, r"source must have shape \(\.\.\.\) = \(1, 2\).*got \(2,\)"),
    (torch.tensor([[3, 0]]), ValueError, r"positions in 0\.\.2 or −1 \(none\), got 0 to 3"),
    (torch.tensor([[-2, 0]]), ValueError, r"positions in 0\.\.2 or −1"),
    (torch.tensor([[-1, -1]]), ValueError, r"source is −1 everywhere"),
    (torch.tensor([[2, 0]]), ValueError, r"falls on padding"),
])
def test_source_hits_refuses_bad_sources(source, error, match):
    scores = torch.tensor([[[0.1, 0.9, float("nan")], [0.3, 0.2, 0.5]]])  # (1, 2, 3)
    with pytest.raises(error, match=match):
        explain.source_hits(scores, source)


def test_scores_work_on_a_frozen_model_and_a_numpy_layer_index(batch):
    """Gradient × input needs no gradient of the weights; a NumPy integer is a layer index too."""
    import numpy as np

    src, tgt_in, target = batch
    model = tiny_model()
    expected = explain.grad_input_scores(model, src, tgt_in, target)
    model.requires_grad_(False)
    torch.testing.assert_close(explain.grad_input_scores(model, src, tgt_in, target), expected, equal_nan=True)
    torch.testing.assert_close(explain.attention_scores(model, src, tgt_in, layer=np.int64(0)),
                               explain.attention_scores(model, src, tgt_in, layer=0), equal_nan=True)


def test_evaluating_restores_the_mode_also_after_an_error():
    from lib.model import evaluating

    model = torch.nn.Dropout(0.5).train()
    seen = []

    def fail_inside():
        with evaluating(model):
            seen.append(model.training)
            raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        fail_inside()
    assert seen == [False] and model.training
    with evaluating(model.eval()):
        pass
    assert not model.training
