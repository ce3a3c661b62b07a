"""lib.complexity (counts, FLOP counter, op counts, peak memory) and notebook 05's widget and exercises.

The exercises' reference answers live in solutions/05_complexity.py (loaded by path; tests/test_solutions.py
runs every listed mistake); here: wrong answers written the way students write them.
"""

import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from widget_harness import exercise

from lib.attention import chunked_attention, scaled_dot_product_attention
from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.complexity import (
    check_attention_macs,
    check_block_macs,
    check_fit_exponent,
    check_predict_memory_growth,
    check_predict_ratio,
)
from lib.complexity import (
    CostGrid,
    attention_layer_macs,
    attention_macs,
    counted_flops,
    dispatched_ops,
    fastest_seconds,
    fit_exponent,
    measure_grid,
    median_seconds,
    memory_grid,
    peak_tensor_bytes,
    rnn_layer,
    rnn_layer_macs,
    sequential_steps,
)
from lib.heads import MultiHeadAttention
from lib.rnn import best_time
from lib.widgets.complexity import complexity_widget

# --- counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "d"), [(1, 1), (5, 3), (64, 16), (16, 64), (100, 100)])
def test_counts_by_formula(n, d):
    parts = attention_macs(n, d)
    assert parts == {"projections": 4 * n * d * d, "scores": n * n * d, "weighted sum": n * n * d}
    assert attention_layer_macs(n, d) == 4 * n * d * d + 2 * n * n * d
    assert rnn_layer_macs(n, d) == 2 * n * d * d
    assert attention_layer_macs(n, d) * d == (2 * d + n) * rnn_layer_macs(n, d)  # ratio = 2 + n/d, exactly
    assert sequential_steps("attention", n) == 1 and sequential_steps("rnn", n) == n


@pytest.mark.parametrize(("n", "d", "h"), [(7, 8, 1), (7, 8, 2), (33, 16, 4), (10, 64, 8)])
def test_flop_counter_matches_the_attention_count(n, d, h, gen):
    layer = MultiHeadAttention(d, h)
    x = torch.randn(2, n, d, generator=gen)  # (B, T, C)
    assert counted_flops(layer, x, x, x) == 2 * 2 * attention_layer_macs(n, d)  # batch 2, 2 FLOPs per MAC


@pytest.mark.parametrize(("n", "d"), [(1, 4), (9, 4), (50, 16)])
def test_flop_counter_matches_the_rnn_count(n, d, gen):
    x, w = torch.randn(3, n, d, generator=gen), torch.randn(d, d, generator=gen)
    assert counted_flops(rnn_layer, x, w, w) == 3 * 2 * rnn_layer_macs(n, d)


def test_chunked_attention_same_flops_and_output(gen):
    q, k, v = (torch.randn(2, 100, 8, generator=gen) for _ in range(3))
    out = chunked_attention(q, k, v, chunk_size=16)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v))
    assert counted_flops(chunked_attention, q, k, v, chunk_size=16) == counted_flops(scaled_dot_product_attention,
                                                                                     q, k, v)


def test_rnn_layer_matches_torch_rnn(gen):
    x = torch.randn(2, 6, 5, generator=gen)
    ref = torch.nn.RNN(5, 5, bias=False, batch_first=True)
    ours = rnn_layer(x, ref.weight_ih_l0.detach().T, ref.weight_hh_l0.detach().T)
    torch.testing.assert_close(ours, ref(x)[0].detach())


def test_op_counts_constant_for_attention_linear_for_rnn(gen):
    w = torch.randn(4, 4, generator=gen)
    att, rnn = [], []
    for n in (2, 8, 32):
        x = torch.randn(1, n, 4, generator=gen)
        att.append(dispatched_ops(scaled_dot_product_attention, x, x, x))
        rnn.append(dispatched_ops(rnn_layer, x, w, w))
    assert att[0] == att[1] == att[2]
    assert (rnn[2] - rnn[1]) == 4 * (rnn[1] - rnn[0]) > 0  # a·n + b: the steps grow with n


# --- peak memory ------------------------------------------------------------------------------


def test_peak_bytes_counts_what_is_alive():
    def make_and_drop():
        a = torch.zeros(1000)  # 4000 bytes
        b = a.view(10, 100)  # a view: no new storage
        c = b * 2  # 4000 more: 8000 alive
        del a, b, c
        return torch.ones(10)  # 40 bytes after the others are gone

    assert peak_tensor_bytes(make_and_drop) == 8000
    assert peak_tensor_bytes(make_and_drop) == 8000  # deterministic


def test_peak_bytes_ignores_inputs_and_in_place():
    x = torch.zeros(1000)
    assert peak_tensor_bytes(lambda t: t.add_(1), x) == 0
    assert peak_tensor_bytes(lambda t: t + 1, x) == 4000


def test_peak_bytes_of_attention_grow_as_n_squared_and_chunked_as_n(gen):
    ns = [128, 256, 512]
    plain, chunked = [], []
    for n in ns:
        q, k, v = (torch.randn(n, 8, generator=gen) for _ in range(3))
        plain.append(peak_tensor_bytes(scaled_dot_product_attention, q, k, v))
        chunked.append(peak_tensor_bytes(chunked_attention, q, k, v, chunk_size=32))
    assert 1.95 < fit_exponent(ns, plain) <= 2.0
    assert abs(fit_exponent(ns, chunked) - 1.0) < 1e-9
    assert all(p >= 2 * 4 * n * n for p, n in zip(plain, ns, strict=True))  # scores and weights, float32


def test_grid_shapes_and_widget_over_its_range():
    grid = measure_grid((8, 16, 32), (4, 8), batch=2, repeats=1, chunk_size=8)
    for a in (grid.attention_seconds, grid.rnn_seconds, grid.attention_bytes, grid.chunked_bytes, grid.rnn_bytes):
        assert a.shape == (2, 3) and np.all(a > 0)
    plain, chunked, rnn = memory_grid((8, 16, 32), (4, 8), chunk_size=8)  # deterministic: the same numbers
    for again, stored in ((plain, grid.attention_bytes), (chunked, grid.chunked_bytes), (rnn, grid.rnn_bytes)):
        np.testing.assert_array_equal(again, stored)
    live = complexity_widget(grid)
    exercise(live)
    times = []
    for n in grid.ns:
        start = time.perf_counter()
        live.controls["n"].value = n
        times.append(time.perf_counter() - start)
    print(f"widget update: median {1e3 * np.median(times):.1f} ms")  # measured, not asserted
    live.controls["n"].value, live.controls["d"].value = 32, 4
    assert "n = 32, d = 4 (n &gt; d)" in live.readout.value and "= 10.00 × RNN" in live.readout.value
    assert live.last_error is None


def test_widget_image_keeps_its_size():
    ones = np.ones((2, 2))
    grid = CostGrid((8, 16), (4, 8), 1, ones, 2 * ones, ones * 100, ones * 50, ones * 10)
    live = complexity_widget(grid)
    sizes = set()
    for n in grid.ns:
        for d in grid.ds:
            live.controls["n"].value, live.controls["d"].value = n, d
            sizes.add(live.view.image.value[16:24])
    assert len(sizes) == 1


def test_timings_count_the_work_not_the_waiting():
    """lib's timings are CPU time: a call that waits (as a busy machine makes a computation wait for its
    core) costs almost nothing, and one that computes costs what it computes."""
    assert median_seconds(lambda: time.sleep(0.05), repeats=1) < 0.01
    assert fastest_seconds({"sleep": lambda: time.sleep(0.05)}, repeats=1)["sleep"] < 0.01
    assert best_time(lambda: time.sleep(0.05), repeats=1) < 0.01

    def spin(seconds=0.03):
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass

    assert 0.025 < median_seconds(spin, repeats=1) < 0.2


def test_median_seconds_and_fit_exponent():
    assert median_seconds(lambda: None, repeats=3) >= 0
    calls = []
    best = fastest_seconds({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3)
    assert set(best) == {"a", "b"} and all(0 <= t < 1 for t in best.values())
    assert calls == ["a", "b"] * 4  # one warm-up each, then interleaved
    ns = np.array([1.0, 2.0, 4.0, 8.0])
    assert abs(fit_exponent(ns, 3 * ns**1.5) - 1.5) < 1e-12


# --- bad inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: attention_macs(0, 4), ValueError, r"n \(sequence length\) must be >= 1, got 0"),
        (lambda: attention_macs(4, -2), ValueError, r"d \(d_model\) must be >= 1, got -2"),
        (lambda: rnn_layer_macs(4.0, 2), TypeError, "whole number"),
        (lambda: attention_layer_macs(True, 2), TypeError, "whole number"),
        (lambda: sequential_steps("cnn", 4), ValueError, "kind must be one of 'attention', 'rnn'"),
        (lambda: median_seconds(lambda: None, repeats=0), ValueError, "repeats must be >= 1"),
        (lambda: fastest_seconds({"a": lambda: None}, repeats=0), ValueError, "repeats must be >= 1"),
        (lambda: fastest_seconds({}), TypeError, "non-empty dict"),
        (lambda: fit_exponent([1.0], [2.0]), ValueError, "at least 2"),
        (lambda: measure_grid((8,), (4,), batch=0), ValueError, "batch must be >= 1"),
    ],
)
def test_bad_sizes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_rnn_layer_bad_inputs():
    x, w = torch.zeros(1, 3, 4), torch.zeros(4, 4)
    with pytest.raises(TypeError, match=r"torch\.Tensor, got a NumPy array"):
        rnn_layer(np.zeros((1, 3, 4)), w, w)
    with pytest.raises(TypeError, match=r"float64 but the layer's weights are torch\.float32"):
        rnn_layer(x.double(), w, w)
    with pytest.raises(ValueError, match=r"x \(B, T, C\) must have 3 dimensions, got shape \(3, 4\)"):
        rnn_layer(x[0], w, w)
    with pytest.raises(ValueError, match=r"w_h must be \(C, C\) = \(4, 4\) for x \(1, 3, 4\), got \(4, 5\)"):
        rnn_layer(x, w, torch.zeros(4, 5))


# --- exercises --------------------------------------------------------------------------------

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from exercises import load_solutions  # noqa: E402

SOLUTIONS = load_solutions("05_complexity.ipynb")
CHECKS = [check_attention_macs, check_fit_exponent, check_block_macs, check_predict_ratio, check_predict_memory_growth]


def _not_done(*args):
    raise NotImplementedError


def test_solutions_pass():
    assert check_attention_macs(SOLUTIONS.attention_macs_of).message.startswith(PASS)
    assert check_fit_exponent(SOLUTIONS.exponent).passed
    assert check_block_macs(SOLUTIONS.block_macs_of).passed
    assert check_predict_ratio(SOLUTIONS.predict_ratio).passed
    assert check_predict_memory_growth(SOLUTIONS.predict_memory_growth).passed
    assert check_predict_ratio(lambda: 10).passed and check_predict_memory_growth(lambda: [4.0, 2.0]).passed
    assert check_fit_exponent(lambda ns, v: np.polyfit(np.log2(ns), np.log2(v), 1)[0]).passed  # any log base


def test_block_reference_is_what_the_block_runs_and_leaves_the_random_numbers_alone(gen):
    from lib.blocks import EncoderBlock
    from lib.checks.complexity import _block_ref

    torch.manual_seed(3)
    before = torch.random.get_rng_state()
    assert _block_ref(7, 8, 24) == attention_layer_macs(7, 8) + 2 * 7 * 8 * 24
    assert torch.equal(torch.random.get_rng_state(), before)
    x = torch.randn(2, 9, 16, generator=gen)
    assert counted_flops(EncoderBlock(16, 4, 40), x) == 2 * 2 * _block_ref(9, 16, 40)  # heads and batch: same


@pytest.mark.parametrize(
    ("check", "fn", "hint"),
    [
        (check_attention_macs, lambda n, d: 2 * n * n * d, "add 4·n·d²"),
        (check_attention_macs, lambda n, d: n * n * d + 4 * n * d * d, "a second (n, n) @ (n, d)"),
        (check_attention_macs, lambda n, d: 2 * n * n * d + 3 * n * d * d, "W_O is the fourth"),
        (check_attention_macs, lambda n, d: 8 * n * d * d + 4 * n * n * d, "that is FLOPs"),
        (check_attention_macs, lambda n, d: 4 * n * n * d + 2 * n * d * d, "n and d are swapped"),
        (check_block_macs, lambda n, d, f: 4 * n * d * d + 2 * n * n * d, "attention layer alone"),
        (check_block_macs, lambda n, d, f: 4 * n * d * d + 2 * n * n * d + n * d * f, "two linear maps"),
        (check_block_macs, lambda n, d, f: 12 * n * d * d + 2 * n * n * d, "d_ff = 4·d"),
        (check_block_macs, lambda n, d, f: 4 * n * d * d + 2 * n * n * d + 2 * d * f, "every one of the n positions"),
        (check_block_macs, lambda n, d, f: 2 * n * n * d + 2 * n * d * f, "four projections"),
        (check_block_macs, lambda n, d, f: 2 * (4 * n * d * d + 2 * n * n * d + 2 * n * d * f), "that is FLOPs"),
        (check_predict_ratio, lambda: 8, "compares the n²-terms only"),
        (check_predict_ratio, lambda: 0.1, "upside down"),
        (check_predict_ratio, lambda: 6, "a second one"),
        (check_predict_ratio, lambda: 64, "not (n/d)²"),
        (check_predict_ratio, lambda: 11, "not quite. Write both counts"),
        (check_predict_memory_growth, lambda: (2, 2), "multiplies them by 4"),
        (check_predict_memory_growth, lambda: (4, 4), "linear in n"),
        (check_predict_memory_growth, lambda: (4, 1), "T = n still doubles"),
        (check_predict_memory_growth, lambda: (2, 1), "(factor 4)"),
        (check_predict_memory_growth, lambda: (8, 2), "not quite. For each, find the largest tensor"),
        (check_predict_memory_growth, lambda: 4, "return a pair of two numbers"),
        (check_fit_exponent, lambda n, v: np.polyfit(n, v, 1)[0], "linear axes"),
        (check_fit_exponent, lambda n, v: np.polyfit(n, np.log(v), 1)[0], "log of n too"),
        (check_fit_exponent, lambda n, v: np.log(v[-1] / v[0]) / np.log(n[-1] / n[0]), "first and last"),
        (check_fit_exponent, lambda n, v: np.polyfit(np.log(v), np.log(n), 1)[0], "swapped"),
        (check_fit_exponent, lambda n, v: np.polyfit(np.log(n), np.log(v), 1)[1], "element [0]"),
    ],
)
def test_mistakes_get_their_hint(check, fn, hint):
    result = check(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


def test_predictions_do_not_give_the_answer_away():
    for check, answer, truth in ((check_predict_ratio, lambda: 12, "10"), (check_predict_memory_growth,
                                                                           lambda: (3, 2), "(4, 2)")):
        message = check(answer).message
        assert "difference" not in message and truth not in message, message


def test_fit_exponent_in_place_log_is_caught():
    def in_place(ns, values):
        np.log(values, out=values)
        return float(np.polyfit(np.log(ns), values, 1)[0])

    result = check_fit_exponent(in_place)
    assert not result.passed and "changed its input (argument 2) in place" in result.message


@pytest.mark.parametrize("check", CHECKS)
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message
