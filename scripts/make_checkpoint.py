"""Train the date Transformer with lib.train.DATE_RECIPE and save its weights to data/ (`make checkpoint`).

The same seed and the same thread count (one, as in the notebooks) give the same weights, so the
checkpoint is what notebook 11 trains; a test checks that they agree. Load it with
`torch.load(path, weights_only=True)`.

Usage:
    .venv/bin/python scripts/make_checkpoint.py [--out data/date_transformer.pt]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from lib.data import CharTokenizer, read_date_file, seq2seq_tensors
from lib.notebook import setup_notebook
from lib.train import DATE_RECIPE, date_exact_match, save_date_model, train_date_model

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "data" / "date_transformer.pt")
    args = parser.parse_args(argv)
    setup_notebook(seed=0)  # the notebooks' torch settings (one thread, deterministic), so the weights agree
    tok = CharTokenizer.for_dates()
    src, tgt = seq2seq_tensors(read_date_file(REPO / "data" / "dates_train.tsv"), tok)
    start = time.perf_counter()
    model, losses = train_date_model(src, tgt, len(tok))
    seconds = time.perf_counter() - start
    exact = date_exact_match(model, read_date_file(REPO / "data" / "dates_test.tsv"), tok)["all"]
    save_date_model(model, args.out, recipe=DATE_RECIPE, vocab_size=len(tok))
    print(f"trained {DATE_RECIPE['steps']} steps in {seconds:.1f} s; final loss {losses[-1]:.4f}; "
          f"held-out exact match {exact:.1%}; wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
