"""Seeded data for the models: toy integer tasks made on the spot, and the date task of data/.

Nothing is downloaded; the same seed always gives the same tensors and the same files.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import torch

from lib import validate

# The repository's data/ folder, wherever a notebook runs from (notebooks/, homework/, an nbgrader
# course folder): notebooks read `DATA_DIR / "dates_test.tsv"`, never a relative "../data".
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

TASKS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "copy": lambda x: x.clone(),  # output the input: attention can stay on the diagonal
    "reverse": lambda x: x.flip(-1),  # position t outputs the token at T-1-t: needs the order
    "sort": lambda x: x.sort(dim=-1).values,  # ascending: needs to compare every pair
}


def toy_task(
    task: str, n_samples: int, seq_len: int, n_symbols: int, *, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random sequences of the symbols 0..n_symbols-1 and their targets under `task`.

    `task` is one of TASKS: "copy", "reverse", "sort".
    Shapes: -> inputs (n_samples, seq_len) int64, targets (n_samples, seq_len) int64.
    """
    validate.choice(task, "task", sorted(TASKS))
    validate.size(n_samples, "n_samples")
    validate.size(seq_len, "seq_len")
    validate.size(n_symbols, "n_symbols", minimum=2)
    validate.size(seed, "seed", minimum=0)
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randint(n_symbols, (n_samples, seq_len), generator=g)  # (N, T)
    return inputs, TASKS[task](inputs)


def minibatches(
    inputs: torch.Tensor, targets: torch.Tensor, *, batch_size: int, n_steps: int, seed: int = 0
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """`n_steps` minibatches of rows drawn at random (without replacement within a batch).

    Shapes: inputs (N, ...), targets (N, ...) -> each batch (batch_size, ...), (batch_size, ...).
    """
    validate.tensor(inputs, "inputs", floating=False, min_dims=1)
    validate.tensor(targets, "targets", floating=False, min_dims=1)
    validate.size(n_steps, "n_steps", minimum=0)
    validate.size(seed, "seed", minimum=0)
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(f"inputs {tuple(inputs.shape)} and targets {tuple(targets.shape)} need the same N")
    validate.size(batch_size, "batch_size")
    if batch_size > inputs.shape[0]:
        raise ValueError(f"batch_size must be in [1, N={inputs.shape[0]}], got {batch_size}")
    g = torch.Generator().manual_seed(seed)
    for _ in range(n_steps):
        rows = torch.randperm(inputs.shape[0], generator=g)[:batch_size]  # (batch_size,)
        yield inputs[rows], targets[rows]


# --- dates: a task whose attention a person can read -----------------------------------------
# A date written in one of many formats (Korean, English, numeric) is rewritten as ISO YYYY-MM-DD.
# Every output digit is copied from one place of the input (or, for a month name, read off it),
# so a trained model's cross-attention can be checked against where the answer really is.

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_KO = "월화수목금토일"
FIRST_YEAR, LAST_YEAR = 1950, 2049  # two-digit years: 50..99 -> 19yy, 00..49 -> 20yy


def _parts(date: dt.date, name: str) -> list[tuple[str, str]]:
    """The pieces of `date` written in format `name`, each tagged with what it holds.

    Tags: "Y" four-digit year, "y" two-digit year, "m"/"d" month/day digits (zero-padded or not),
    "month" a month name, "" anything else (separators, weekday names, 년 월 일 ...).
    """
    Y, m, d = date.year, date.month, date.day
    month, weekday, ko_weekday = MONTHS[m - 1], WEEKDAYS[date.weekday()], WEEKDAYS_KO[date.weekday()]
    return {
        "ko": [(f"{Y}", "Y"), ("년 ", ""), (f"{m}", "m"), ("월 ", ""), (f"{d}", "d"), ("일", "")],
        "ko_short_year": [(f"{Y % 100:02d}", "y"), ("년 ", ""), (f"{m}", "m"), ("월 ", ""), (f"{d}", "d"), ("일", "")],
        "ko_month_first": [(f"{m}", "m"), ("월 ", ""), (f"{d}", "d"), ("일 ", ""), (f"{Y}", "Y"), ("년", "")],
        "ko_weekday": [(f"{Y}", "Y"), ("년 ", ""), (f"{m}", "m"), ("월 ", ""), (f"{d}", "d"),
                       (f"일 {ko_weekday}요일", "")],
        "en_short": [(month[:3], "month"), (" ", ""), (f"{d}", "d"), (", ", ""), (f"{Y}", "Y")],
        "en_long": [(month, "month"), (" ", ""), (f"{d}", "d"), (", ", ""), (f"{Y}", "Y")],
        "en_day_first": [(f"{d}", "d"), (" ", ""), (month, "month"), (" ", ""), (f"{Y}", "Y")],
        "en_weekday": [(f"{weekday}, ", ""), (month, "month"), (" ", ""), (f"{d}", "d"), (", ", ""), (f"{Y}", "Y")],
        "dmy_slash": [(f"{d:02d}", "d"), ("/", ""), (f"{m:02d}", "m"), ("/", ""), (f"{Y}", "Y")],
        "ymd_dot": [(f"{Y}", "Y"), (".", ""), (f"{m:02d}", "m"), (".", ""), (f"{d:02d}", "d")],
        "mdy_dash": [(f"{m:02d}", "m"), ("-", ""), (f"{d:02d}", "d"), ("-", ""), (f"{Y}", "Y")],
    }[name]


def _format(date: dt.date, name: str) -> str:
    return "".join(text for text, _ in _parts(date, name))


DATE_FORMATS = ("ko", "ko_short_year", "ko_month_first", "ko_weekday", "en_short", "en_long", "en_day_first",
                "en_weekday", "dmy_slash", "ymd_dot", "mdy_dash")


def format_date(date: dt.date, fmt: str) -> str:
    """`date` written in the format `fmt` (one of DATE_FORMATS), e.g. "2026년 11월 23일", "Nov 23, 2026"."""
    validate.choice(fmt, "fmt", DATE_FORMATS)
    if not isinstance(date, dt.date) or not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise ValueError(f"date must be a datetime.date in {FIRST_YEAR}..{LAST_YEAR}, got {date!r}")
    return _format(date, fmt)


def copy_alignment(date: dt.date, fmt: str) -> list[int]:
    """For each character of the ISO target YYYY-MM-DD, the index of the source character it is copied from.

    −1 where no single source character holds it: the dashes, the century of a two-digit year,
    the leading 0 of a month or day written without one, and both month digits of a month name.
    Shapes: -> a list of 10 ints.
    """
    format_date(date, fmt)  # validates
    where, start = {}, 0
    for text, tag in _parts(date, fmt):
        where[tag] = (start, text)
        start += len(text)
    align = [-1] * 10
    slots = {"Y": range(0, 4), "y": range(2, 4), "m": range(5, 7), "d": range(8, 10)}
    for tag, targets in slots.items():
        if tag in where:
            first, text = where[tag]
            for target, offset in zip(reversed(targets), reversed(range(len(text))), strict=False):
                align[target] = first + offset  # right-aligned: "7" is the second digit of "07"
    return align


def _shuffled(items: list, rng: random.Random) -> list:
    """Fisher-Yates with only `rng.random()`, whose sequence Python guarantees across versions."""
    items = list(items)
    for i in range(len(items) - 1, 0, -1):
        j = int(rng.random() * (i + 1))
        items[i], items[j] = items[j], items[i]
    return items


def date_splits(*, n_train: int = 16000, n_test: int = 1000, seed: int = 0) -> dict[str, list[tuple[str, str, str]]]:
    """Seeded (source, target, format) rows: "train" and a held-out "test" whose *dates* never occur in train.

    Every date of FIRST_YEAR..LAST_YEAR is shuffled; the first n_test are the test dates, each written
    in the formats in turn (so every format is tested about equally), the rest are the training
    dates, n_train of them written in a format drawn at random.
    """
    validate.size(n_train, "n_train")
    validate.size(n_test, "n_test")
    rng = random.Random(validate.size(seed, "seed", minimum=0))
    start, stop = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)
    days = _shuffled([start + dt.timedelta(n) for n in range((stop - start).days + 1)], rng)
    if n_train + n_test > len(days):
        raise ValueError(f"n_train + n_test must be at most {len(days)} dates, got {n_train + n_test}")
    test = [(d, DATE_FORMATS[i % len(DATE_FORMATS)]) for i, d in enumerate(days[:n_test])]
    train = [(d, DATE_FORMATS[int(rng.random() * len(DATE_FORMATS))]) for d in days[n_test:n_test + n_train]]
    return {name: [(format_date(d, f), d.isoformat(), f) for d, f in rows] for name, rows in
            (("train", train), ("test", test))}


def write_date_files(folder: Path, **split_kw) -> list[Path]:
    """Write `dates_<split>.tsv` (source, target, format per line, UTF-8, LF) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in date_splits(**split_kw).items():
        path = folder / f"dates_{name}.tsv"
        path.write_text("".join(f"{s}\t{t}\t{f}\n" for s, t, f in rows), encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


def read_date_file(path: Path) -> list[tuple[str, str, str]]:
    """The (source, target, format) rows of a file written by `write_date_files`."""
    rows = [line.split("\t") for line in Path(path).read_text(encoding="utf-8").splitlines()]
    bad = [i for i, row in enumerate(rows) if len(row) != 3]
    if bad:
        raise ValueError(f"{path}: line {bad[0] + 1} does not have 3 tab-separated fields")
    return [tuple(row) for row in rows]


# --- a character-level tokenizer ----------------------------------------------------------------

SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
PAD, BOS, EOS, UNK = range(4)


class CharTokenizer:
    """One id per character, after the four specials <pad>=0, <bos>=1, <eos>=2, <unk>=3.

    The rule for what it does not know: a character outside the vocabulary becomes <unk> (and
    `unknown(text)` lists them); a text longer than `max_len` is refused with a ValueError, never
    cut silently, because a cut date is a different date.
    """

    def __init__(self, alphabet: str, *, max_len: int) -> None:
        if not isinstance(alphabet, str):
            raise TypeError(f"alphabet must be a str of the characters to know, got {type(alphabet).__name__}")
        chars = sorted(set(alphabet))
        self.max_len = validate.size(max_len, "max_len")
        self.itos = [*SPECIALS, *chars]
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def for_dates(cls, *, max_len: int = 32) -> CharTokenizer:
        """Every character any date format can produce, plus the ISO targets' digits and '-'."""
        sample = [_format(dt.date(2000, 1, 1) + dt.timedelta(n), f) for n in range(14) for f in DATE_FORMATS]
        sample += [format_date(dt.date(2000, m, 1), "en_long") for m in range(1, 13)]
        return cls("".join(sample) + "0123456789-", max_len=max_len)

    def __len__(self) -> int:
        return len(self.itos)

    def unknown(self, text: str) -> list[str]:
        """The characters of `text` this tokenizer maps to <unk>."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return sorted({c for c in text if c not in self.stoi})

    def encode(self, text: str, *, bos: bool = False, eos: bool = False) -> list[int]:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        ids = [BOS] * bos + [self.stoi.get(c, UNK) for c in text] + [EOS] * eos
        if len(ids) > self.max_len:
            raise ValueError(f"{text!r} is {len(ids)} tokens long (with specials); the limit is max_len={self.max_len}")
        return ids

    def decode(self, ids) -> str:
        """The text of `ids`, stopping at the first <eos> and skipping <pad> and <bos>."""
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1:
                raise ValueError(f"ids must be one sequence (a 1-D tensor), got shape {tuple(ids.shape)}")
            ids = ids.tolist()
        if isinstance(ids, str) or not all(isinstance(i, int) for i in ids):
            raise TypeError(f"ids must be a list or 1-D tensor of ints, got {type(ids).__name__}")
        out = []
        for i in ids:
            if i == EOS:
                break
            if i not in (PAD, BOS):
                out.append(self.itos[i] if 0 <= i < len(self.itos) else self.itos[UNK])
        return "".join(out)

    def batch(self, texts, *, bos: bool = False, eos: bool = False) -> torch.Tensor:
        """Encode and right-pad with <pad> to the longest text.

        Shapes: -> (B, T) int64.
        """
        if isinstance(texts, str):
            raise TypeError(f"texts must be a list of strings, got a str {texts!r}; use [text]")
        rows = [self.encode(t, bos=bos, eos=eos) for t in texts]
        if not rows:
            raise ValueError("texts is empty")
        width = max(len(r) for r in rows)
        return torch.tensor([r + [PAD] * (width - len(r)) for r in rows], dtype=torch.long)


def seq2seq_tensors(rows, tokenizer: CharTokenizer) -> tuple[torch.Tensor, torch.Tensor]:
    """Source ids, and target ids framed as <bos> target <eos>, each right-padded with <pad>.

    Shapes: rows N (source, target, ...) -> src (N, S), tgt (N, T + 2) int64.
    """
    if not isinstance(tokenizer, CharTokenizer):
        raise TypeError(f"tokenizer must be a lib.data.CharTokenizer, got {type(tokenizer).__name__}")
    rows = list(rows)
    if not rows:
        raise ValueError("rows is empty")
    if any(isinstance(r, str) or len(r) < 2 for r in rows):
        raise TypeError(f"each row must be (source, target, ...), got a {type(rows[0]).__name__} {rows[0]!r}")
    return tokenizer.batch([r[0] for r in rows]), tokenizer.batch([r[1] for r in rows], bos=True, eos=True)


def seq2seq_batches(
    src: torch.Tensor, tgt: torch.Tensor, *, batch_size: int, n_steps: int, seed: int = 0
) -> Iterator[tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor]]:
    """Teacher forcing: ((source, target shifted right), target shifted left with -100 at padding).

    The decoder reads <bos> y1 … y_{T-1} and must predict y1 … y_T <eos>; padded target positions
    are not scored (-100). Each source batch is cut to its longest real sequence.
    Shapes: src (N, S), tgt (N, T) -> ((B, S_b), (B, T - 1)), (B, T - 1).
    """
    validate.tensor(src, "src (N, S)", dims=2, floating=False)
    validate.tensor(tgt, "tgt (N, T)", dims=2, floating=False)
    if tgt.shape[1] < 2:
        raise ValueError(f"tgt (N, T) must hold at least <bos> and one token, got shape {tuple(tgt.shape)}")
    if not (src != PAD).any(dim=1).all():
        raise ValueError("src has a row of padding only: every source needs at least one real token")
    for rows_src, rows_tgt in minibatches(src, tgt, batch_size=batch_size, n_steps=n_steps, seed=seed):
        width = int((rows_src != PAD).sum(1).max())
        target_out = rows_tgt[:, 1:].masked_fill(rows_tgt[:, 1:] == PAD, -100)  # (B, T - 1)
        yield (rows_src[:, :width], rows_tgt[:, :-1]), target_out
