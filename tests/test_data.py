"""lib.data: the seeded toy tasks and their minibatches; the date task, its files and its tokenizer."""

import datetime as dt
from pathlib import Path

import pytest
import torch

from lib.data import (
    BOS,
    DATE_FORMATS,
    EOS,
    PAD,
    TASKS,
    UNK,
    CharTokenizer,
    copy_alignment,
    date_splits,
    format_date,
    minibatches,
    seq2seq_batches,
    seq2seq_tensors,
    toy_task,
    write_date_files,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("task", sorted(TASKS))
def test_toy_task_targets_and_seed(task):
    x, y = toy_task(task, 50, 6, 4, seed=3)
    assert x.shape == y.shape == (50, 6) and x.dtype == torch.int64
    assert int(x.min()) >= 0 and int(x.max()) <= 3
    assert torch.equal(x, toy_task(task, 50, 6, 4, seed=3)[0])
    assert not torch.equal(x, toy_task(task, 50, 6, 4, seed=4)[0])
    assert torch.equal(y.sort(-1).values, x.sort(-1).values)  # same symbols, rearranged
    expected = {"copy": x, "reverse": x.flip(-1), "sort": x.sort(-1).values}[task]
    assert torch.equal(y, expected)
    assert torch.equal(y[0], expected[0])


def test_data_bad_input():
    with pytest.raises(ValueError, match=r"task must be one of 'copy', 'reverse', 'sort'; got 'shuffle'"):
        toy_task("shuffle", 4, 3, 5)
    with pytest.raises(ValueError, match=r"n_symbols must be >= 2, got 1"):
        toy_task("copy", 4, 3, 1)
    x, y = toy_task("copy", 4, 3, 5)
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, N=4\], got 8"):
        next(minibatches(x, y, batch_size=8, n_steps=1))
    with pytest.raises(ValueError, match="need the same N"):
        next(minibatches(x, y[:2], batch_size=2, n_steps=1))


def test_minibatches_are_seeded_rows_of_the_data():
    x, y = toy_task("reverse", 20, 4, 6)
    batches = list(minibatches(x, y, batch_size=5, n_steps=3, seed=1))
    again = list(minibatches(x, y, batch_size=5, n_steps=3, seed=1))
    assert len(batches) == 3
    for (bx, by), (ax, ay) in zip(batches, again, strict=True):
        assert bx.shape == (5, 4) and torch.equal(bx, ax) and torch.equal(by, ay)
        assert torch.equal(by, bx.flip(-1))  # inputs and targets stay paired


# --- the date task and its tokenizer -----------------------------------------------------------


def test_date_files_are_remade_byte_for_byte(tmp_path):
    write_date_files(tmp_path)
    for name in ("dates_train.tsv", "dates_test.tsv"):
        assert (tmp_path / name).read_bytes() == (REPO / "data" / name).read_bytes(), name


def test_test_dates_never_seen_in_training_and_every_format_tested():
    splits = date_splits()
    train_dates = {t for _, t, _ in splits["train"]}
    test_dates = {t for _, t, _ in splits["test"]}
    assert len(splits["train"]) == 16000 and len(test_dates) == 1000
    assert not train_dates & test_dates
    assert {f for _, _, f in splits["test"]} == set(DATE_FORMATS) == {f for _, _, f in splits["train"]}
    assert date_splits(seed=1)["test"] != splits["test"]  # the seed matters ...
    assert date_splits()["test"] == splits["test"]  # ... and gives the same rows again


@pytest.mark.parametrize("fmt", DATE_FORMATS)
def test_every_format_round_trips_and_its_alignment_points_at_the_digit(fmt):
    for date in (dt.date(1950, 1, 1), dt.date(2026, 11, 23), dt.date(2049, 12, 9), dt.date(1999, 5, 31)):
        source, target = format_date(date, fmt), date.isoformat()
        align = copy_alignment(date, fmt)
        assert len(align) == 10 and align[4] == align[7] == -1
        assert all(i < 0 or source[i] == target[j] for j, i in enumerate(align)), (source, align)
        assert all(i >= 0 for i in align[2:4] + align[9:10])  # the last year and day digits are always copied


def test_formats_follow_the_lecture_examples():
    date = dt.date(2026, 11, 23)
    assert [format_date(date, f) for f in DATE_FORMATS] == [
        "2026년 11월 23일", "26년 11월 23일", "11월 23일 2026년", "2026년 11월 23일 월요일", "Nov 23, 2026",
        "November 23, 2026", "23 November 2026", "Monday, November 23, 2026", "23/11/2026", "2026.11.23",
        "11-23-2026"]


def test_tokenizer_round_trip_unknown_and_too_long():
    tok = CharTokenizer.for_dates()
    assert tok.itos[:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    for source, target, _ in date_splits(n_train=200, n_test=50)["train"]:
        assert tok.decode(tok.encode(source)) == source and not tok.unknown(source)
        assert tok.decode(tok.encode(target, bos=True, eos=True)) == target
    assert tok.encode("1월 Q") [-1] == UNK and tok.unknown("1월 Q€") == ["Q", "€"]
    with pytest.raises(ValueError, match=r"is 40 tokens long .* max_len=32"):
        tok.encode("1" * 40)
    with pytest.raises(TypeError, match="text must be a str"):
        tok.encode(20261123)
    batch = tok.batch(["1월", "2026년"], bos=True, eos=True)
    assert batch.shape == (2, 7) and batch[0, 4:].tolist() == [PAD] * 3


def test_seq2seq_batches_shift_the_target_and_hide_padding():
    tok = CharTokenizer.for_dates()
    src, tgt = seq2seq_tensors([("1월", "01"), ("2026년 1월", "2026-01")], tok)
    (s, t_in), t_out = next(seq2seq_batches(src, tgt, batch_size=2, n_steps=1))
    assert s.shape[1] == 8  # cut to the longest real source
    for row in range(2):
        real = t_out[row] != -100
        assert t_in[row, 0] == BOS and torch.equal(t_in[row, 1:][real[1:]], t_out[row][real][:-1])
        assert t_out[row][real][-1] == EOS
