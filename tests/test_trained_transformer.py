"""Notebook 11 (a trained Transformer): the progress bar, the date-attention explorer and the exercises."""

import time
import warnings
from pathlib import Path

import matplotlib as mpl
import pytest
import torch
from widget_harness import exercise

from lib.blocks import DecoderBlock
from lib.checks import HINT, NOT_DONE, PASS
from lib.checks.trained_transformer import (
    CHAR_ACCURACY,
    D_FF,
    D_MODEL,
    N_CHARS,
    N_HEADS,
    check_decoder_block_parameters,
    check_exact_match_from_characters,
    check_greedy_step,
    check_teacher_forcing,
)
from lib.data import BOS, EOS, PAD, CharTokenizer, seq2seq_batches
from lib.model import greedy_decode
from lib.train import load_date_model
from lib.widgets.trained_transformer import TrainingProgress, date_attention_widget, read_date, shown_weights

CHECKPOINT = Path(__file__).resolve().parents[1] / "data" / "date_transformer.pt"
EXAMPLES = {"ko_weekday: 2003년 3월 5일 수요일": "2003년 3월 5일 수요일", "en_short: Mar 20, 1999": "Mar 20, 1999",
            "mdy_dash: 02-12-2037": "02-12-2037"}


@pytest.fixture(scope="module")
def date_model():
    torch.set_num_threads(1)
    model, _ = load_date_model(CHECKPOINT)
    return model, CharTokenizer.for_dates()


@pytest.fixture
def hangul():
    """Hangul tick labels, as setup_notebook gives the notebooks (undone after the test)."""
    with mpl.rc_context():
        with warnings.catch_warnings():  # its version check uses deprecated distutils
            warnings.simplefilter("ignore", DeprecationWarning)
            import koreanize_matplotlib  # noqa: F401  (registers NanumGothic)
        mpl.rcParams["font.family"] = ["DejaVu Sans", "NanumGothic"]
        yield


# --- the progress bar ------------------------------------------------------------------------------


def test_progress_moves_every_few_steps_and_at_the_end():
    progress = TrainingProgress(25, every=10)
    assert progress.bar.max == 25 and progress.label.value == "step 0 / 25"
    shown = []
    for step in range(1, 26):
        progress(step, 1.0 / step)
        shown.append(progress.bar.value)
    assert shown[8] == 0 and shown[9] == 10 and shown[19] == 20 and shown[24] == 25
    assert progress.label.value == "step 25 / 25 · loss 0.0400" and progress.bar.bar_style == "success"
    assert progress.last == (25, 0.04)


def test_progress_is_an_on_step_callback_of_the_training_loop():
    from lib.model import TransformerEncoder
    from lib.train import train

    g = torch.Generator().manual_seed(0)
    model = TransformerEncoder(5, 3, d_model=8, n_heads=2, d_ff=8, n_layers=1)  # returns (logits, weights)
    progress = TrainingProgress(4, every=2)
    batches = [(torch.randint(5, (2, 4), generator=g), torch.randint(3, (2, 4), generator=g)) for _ in range(4)]
    losses = train(model, torch.optim.SGD(model.parameters(), lr=0.1), batches, on_step=progress)
    assert progress.bar.value == 4 and progress.last == (4, losses[-1])


def test_progress_bad_input():
    with pytest.raises(ValueError, match=r"total_steps must be >= 1, got 0"):
        TrainingProgress(0)
    with pytest.raises(TypeError, match=r"every must be a whole number >= 1, got float 2.5"):
        TrainingProgress(10, every=2.5)
    progress = TrainingProgress(10)
    with pytest.raises(TypeError, match=r"loss must be a number, got str"):
        progress(10, "0.1")
    with pytest.raises(TypeError, match=r"step must be a whole number"):
        progress(1.5, 0.1)


# --- read_date: the pure part of the explorer --------------------------------------------------------


def test_read_date_answers_and_returns_every_layers_cross_attention(date_model):
    model, tok = date_model
    reading = read_date(model, tok, "Nov 23, 2026")
    assert reading.answer == "2026-11-23" and reading.source == list("Nov 23, 2026")
    assert reading.rows == [*"2026-11-23", "<eos>"]
    assert reading.cross.shape == (2, 4, 11, 12)  # (L, H, T, S)
    torch.testing.assert_close(reading.cross.sum(-1), torch.ones(2, 4, 11))


def test_read_date_weights_are_those_greedy_decoding_used(date_model):
    """With the causal mask, step t of the one teacher-forced pass sees only the prefix greedy decoding had."""
    model, tok = date_model
    reading = read_date(model, tok, "2003년 3월 5일 수요일")
    src = torch.tensor([tok.encode("2003년 3월 5일 수요일")])
    out = greedy_decode(model, src, bos=BOS, eos=EOS, max_len=12)
    for t in (0, 4, 10):
        with torch.no_grad():
            _, weights = model(src, out[:, : t + 1])  # only the prefix written before step t
        for layer in range(2):
            torch.testing.assert_close(weights["cross"][layer][0, :, t], reading.cross[layer, :, t])


def test_shown_weights_mean_and_single_heads(date_model):
    model, tok = date_model
    reading = read_date(model, tok, "Mar 20, 1999")
    torch.testing.assert_close(shown_weights(reading, 1, -1), reading.cross[1].mean(0))
    assert torch.equal(shown_weights(reading, 0, 3), reading.cross[0, 3])
    with pytest.raises(ValueError, match=r"layer must be a decoder layer index in 0..1, got 2"):
        shown_weights(reading, 2, -1)
    with pytest.raises(ValueError, match=r"head must be -1 \(the mean\) or a head in 0..3, got 4"):
        shown_weights(reading, 0, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"there is nothing to read"),
        ("   ", r"there is nothing to read"),
        ("Mar 5, 2003 £", r"never seen the character '£'; it knows the digits"),
        ("Mär 5 ½", r"never seen the characters '½', 'ä'"),
        ("1" * 33, r"the input is 33 characters long; the model reads at most 32"),
    ],
)
def test_read_date_refuses_what_it_cannot_read(date_model, text, message):
    model, tok = date_model
    with pytest.raises(ValueError, match=message):
        read_date(model, tok, text)


def test_read_date_bad_arguments(date_model):
    model, tok = date_model
    with pytest.raises(TypeError, match=r"text must be a str such as 'Nov 23, 2026', got int"):
        read_date(model, tok, 20260101)
    with pytest.raises(TypeError, match=r"model must be a lib.model.Transformer .* got Linear"):
        read_date(torch.nn.Linear(2, 2), tok, "Nov 23, 2026")
    with pytest.raises(TypeError, match=r"tokenizer must be a lib.data.CharTokenizer, got dict"):
        read_date(model, {}, "Nov 23, 2026")


def test_read_date_keeps_the_models_mode(date_model):
    model, tok = date_model
    model.train()
    try:
        read_date(model, tok, "Nov 23, 2026")
        assert model.training
    finally:
        model.eval()


# --- the widget --------------------------------------------------------------------------------------


def test_date_widget_every_control(date_model, hangul):
    live = date_attention_widget(*date_model, EXAMPLES)
    assert set(live.controls) == {"example", "layer", "head"} and live.text in live.children
    exercise(live)


def test_date_widget_example_fills_the_text_box_and_relabels(date_model, hangul):
    live = date_attention_widget(*date_model, EXAMPLES)
    live.controls["example"].value = "Mar 20, 1999"
    assert live.text.value == "Mar 20, 1999" and live.last_error is None
    assert "answer <b>1999-03-20</b>" in live.readout.value
    ax = live.view.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list("Mar␣20,␣1999")
    assert [t.get_text() for t in ax.get_yticklabels()] == [*"1999-03-20", "<eos>"]
    assert ax.get_xlim() == (-0.5, 11.5)


def test_date_widget_reads_a_typed_date_and_shows_the_chosen_map(date_model, hangul):
    model, tok = date_model
    live = date_attention_widget(model, tok, EXAMPLES)
    live.text.value = "Nov 23, 2026"
    live.controls["layer"].value = 0
    live.controls["head"].value = 2
    assert "answer <b>2026-11-23</b>" in live.readout.value and "decoder layer 1, head 2" in live.readout.value
    shown = live.view.axes[0].images[0].get_array()[:11, :12]
    torch.testing.assert_close(torch.as_tensor(shown.data).float(), read_date(model, tok, "Nov 23, 2026").cross[0, 2])


@pytest.mark.parametrize("text", ["", "Mar 5, 2003 £", "9" * 40])
def test_date_widget_bad_text_is_a_message_not_an_error(date_model, hangul, text):
    live = date_attention_widget(*date_model, EXAMPLES)
    before = bytes(live.view.image.value)
    live.text.value = text
    assert live.last_error is None and "Cannot read" in live.readout.value
    assert "The map still shows the last input" in live.readout.value and "error" not in live.readout.value.lower()
    assert "answer <b>2003-03-05</b>" in live.readout.value and bytes(live.view.image.value) == before
    live.text.value = "Mar 20, 1999"  # and it recovers
    assert "Cannot read" not in live.readout.value and "answer <b>1999-03-20</b>" in live.readout.value


def test_date_widget_image_keeps_its_size(date_model, hangul):
    live = date_attention_widget(*date_model, EXAMPLES)
    sizes = {bytes(live.view.image.value)[16:24]}
    for text in ["01/01/2000", "Wednesday, November 25, 2043", "61년 5월 25일"]:
        live.text.value = text
        sizes.add(bytes(live.view.image.value)[16:24])  # PNG width and height
    assert len(sizes) == 1


def test_date_widget_update_time(capsys, date_model, hangul):
    live = date_attention_widget(*date_model, EXAMPLES)
    times = {"head": [], "input": []}
    for h in [0, 1, 2, 3, -1, 0, 1, 2, 3]:
        start = time.perf_counter()
        live.controls["head"].value = h
        times["head"].append(time.perf_counter() - start)
    for text in ["Mar 20, 1999", "02-12-2037", "2003년 3월 5일 수요일"] * 2:
        start = time.perf_counter()
        live.text.value = text
        times["input"].append(time.perf_counter() - start)
    with capsys.disabled():  # measured, not asserted: the machine is shared
        print(f"\ndate widget, one update: head/layer median {sorted(times['head'])[4] * 1e3:.1f} ms, "
              f"new input (decode + relabel) median {sorted(times['input'])[3] * 1e3:.1f} ms")
    assert live.last_error is None


def test_date_widget_bad_input(date_model):
    model, tok = date_model
    with pytest.raises(TypeError, match=r"examples must be a non-empty dict of label -> source text, got list"):
        date_attention_widget(model, tok, ["Mar 20, 1999"])
    with pytest.raises(TypeError, match=r"examples must be a non-empty dict"):
        date_attention_widget(model, tok, {})
    with pytest.raises(ValueError, match=r"never seen the character '£'"):
        date_attention_widget(model, tok, {"bad": "£5"})
    with pytest.raises(TypeError, match=r"model must be a lib.model.Transformer"):
        date_attention_widget(tok, tok, EXAMPLES)


# --- exercise 1: teacher forcing ---------------------------------------------------------------------


def _not_done(*args):
    raise NotImplementedError


def _teacher_good(tgt):
    labels = tgt[:, 1:].clone()
    labels[labels == PAD] = -100
    return tgt[:, :-1], labels


def test_teacher_forcing_solutions_pass():
    assert check_teacher_forcing(_teacher_good).message.startswith(PASS)
    as_list = lambda tgt: list(_teacher_good(tgt))  # noqa: E731
    assert check_teacher_forcing(as_list).passed


def test_teacher_forcing_reference_is_what_the_training_batches_do():
    tgt = torch.tensor([[BOS, 7, 8, EOS, PAD], [BOS, 9, 10, 11, EOS]])
    src = torch.tensor([[5, 6], [7, PAD]])
    (_, decoder_input), labels = next(seq2seq_batches(src, tgt, batch_size=2, n_steps=1))
    order = decoder_input[:, 1].argsort()  # the batch comes shuffled: put row 0 first again
    mine_in, mine_labels = _teacher_good(tgt)
    assert torch.equal(decoder_input[order], mine_in) and torch.equal(labels[order], mine_labels)


def _masked(x):
    return x.masked_fill(x == PAD, -100)


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda t: (t, _masked(t)), "there is no shift"),
        (lambda t: (t[:, :-1], t[:, 1:]), "padding positions must be -100"),
        (lambda t: (t[:, 1:], _masked(t[:, :-1])), "the shift goes the other way"),
        (lambda t: (t[:, :-1], _masked(t[:, :-1])), "the labels are the decoder input itself"),
        (lambda t: (_masked(t[:, :-1]), _masked(t[:, 1:])), "only the labels get -100"),
        (lambda t: (t[:, :-1], _masked(t[:, 1:]).masked_fill(t[:, 1:] == EOS, -100)), "<eos> must stay a label"),
        (lambda t: (t[:, :-1], _masked(t[:, 1:]) + 1), "wrong values"),
    ],
)
def test_teacher_forcing_mistakes_get_their_hint(fn, hint):
    result = check_teacher_forcing(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda t: None, "returned None. Did you forget `return`?"),
        (lambda t: t[:, :-1], "return a pair (decoder_input, labels), both of shape (B, T - 1)"),
        (lambda t: (t[:, :-1], t), "return a pair (decoder_input, labels), both of shape (B, T - 1)"),
        (lambda t: (t[:, :-1], t[:, :-1], t[:, 1:]), "return a pair (decoder_input, labels)"),
        (lambda t: (t[:, :-1], _masked(t[:, 1:]) * 2), "both of the right shape (3, 5) but wrong values"),
    ],
)
def test_teacher_forcing_wrong_kind_of_answer_is_named(fn, message):
    result = check_teacher_forcing(fn)
    assert not result.passed and message in result.message, result.message


# --- exercise 2: one greedy step -----------------------------------------------------------------------


def _greedy_good(out, logits):
    done = (out == EOS).any(dim=1)
    step = torch.where(done, torch.full_like(done, PAD, dtype=torch.long), logits[:, -1].argmax(dim=-1))
    return torch.cat([out, step[:, None]], dim=1)


def test_greedy_step_solutions_pass():
    assert check_greedy_step(_greedy_good).message.startswith(PASS)


def test_greedy_step_matches_lib_greedy_decode(date_model):
    """The reference step, looped, is lib.model.greedy_decode."""
    model, tok = date_model
    src = tok.batch(["Mar 20, 1999", "2003년 3월 5일 수요일"])
    out = torch.full((2, 1), BOS)
    with torch.no_grad():
        while out.shape[1] < 12 and not (out == EOS).any(dim=1).all():
            out = _greedy_good(out, model(src, out)[0])
    assert torch.equal(out, greedy_decode(model, src, bos=BOS, eos=EOS, max_len=12))


def _append(out, step):
    return torch.cat([out, step[:, None]], dim=1)


def _done(out):
    return (out == EOS).any(dim=1)


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda o, z: _append(o, z[:, 0].argmax(-1).masked_fill(_done(o), PAD)), "LAST position"),
        (lambda o, z: _append(o, z[:, -1].argmax(-1)), "append <pad> to it"),
        (lambda o, z: _append(o, z[:, -1].argmax(-1).masked_fill(o[:, -1] == EOS, PAD)), "holds <eos> anywhere"),
        (lambda o, z: _append(o, z[:, -1].argmax(-1).masked_fill(_done(o), EOS)), "not one more <eos>"),
        (lambda o, z: _append(o, z[:, -1].argmin(-1).masked_fill(_done(o), PAD)), "argmin"),
        (lambda o, z: torch.cat([z[:, -1].argmax(-1).masked_fill(_done(o), PAD)[:, None], o], dim=1),
         "not the front"),
        (lambda o, z: _append(o, (z[:, -1].argmax(-1) + 1).masked_fill(_done(o), PAD)), "wrong values"),
    ],
)
def test_greedy_step_mistakes_get_their_hint(fn, hint):
    result = check_greedy_step(fn)
    assert not result.passed and result.message.startswith(HINT) and hint in result.message, result.message


# --- exercise 3: predict the parameter count -------------------------------------------------------------


def test_decoder_block_parameters_answer_is_what_lib_counts():
    block = DecoderBlock(D_MODEL, N_HEADS, D_FF)
    counted = sum(p.numel() for p in block.parameters())
    by_hand = 2 * 4 * (D_MODEL * D_MODEL + D_MODEL) + (D_MODEL * D_FF + D_FF) + (D_FF * D_MODEL + D_MODEL) + 6 * D_MODEL
    assert counted == by_hand == 50_240
    assert check_decoder_block_parameters(lambda: counted).passed
    assert check_decoder_block_parameters(lambda: torch.tensor(counted)).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (33_600, "two attentions"),
        (50_112, "three LayerNorms"),
        (49_856, "each LayerNorm has parameters too"),
        (50_048, "two vectors"),
        (49_536, "bias vector"),
        (224_960, "does not depend on n_heads"),
        (21_120, "one head only"),
        (50_241, "not quite. Count each part"),
        (50_000, "not quite. Count each part"),
    ],
)
def test_decoder_block_parameters_mistakes_get_their_hint(answer, hint):
    result = check_decoder_block_parameters(lambda: answer)
    assert not result.passed and hint in result.message, result.message


def test_exact_match_from_characters_answer_is_the_product():
    assert check_exact_match_from_characters(lambda: CHAR_ACCURACY**N_CHARS).passed
    assert check_exact_match_from_characters(lambda: 0.904).passed  # rounded to three places is fine
    g = torch.Generator().manual_seed(0)
    rows_right = (torch.rand(200_000, N_CHARS, generator=g) < CHAR_ACCURACY).all(dim=1).double().mean().item()
    assert abs(rows_right - CHAR_ACCURACY**N_CHARS) < 0.003  # simulated: independent characters


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (0.99, "per-character accuracy itself"),
        (0.90, "first-order estimate"),
        (1e-20, "all 10 characters are wrong"),
        (1.0, "at least one character is right"),
        (90.44, "not a percentage"),
        (0.95, "character 1 is right AND character 2"),
        ("0.9", "return a number between 0 and 1"),
    ],
)
def test_exact_match_from_characters_mistakes_get_their_hint(answer, hint):
    result = check_exact_match_from_characters(lambda: answer)
    assert not result.passed and hint in result.message, result.message


CHECKS = [check_teacher_forcing, check_greedy_step, check_decoder_block_parameters,
          check_exact_match_from_characters]


@pytest.mark.parametrize("check", CHECKS)
def test_every_listed_mistake_gets_its_own_hint(check):
    exercise = check.__self__
    for mistake in exercise.mistakes():
        result = check(mistake.fn)
        assert not result.passed and mistake.hint in result.message, (mistake.hint[:50], result.message)


@pytest.mark.parametrize("check", CHECKS)
def test_stubs_are_not_done_and_non_functions_are_refused(check):
    assert check(_not_done).message.startswith(NOT_DONE)
    result = check(42)
    assert not result.passed and "pass your function itself" in result.message
