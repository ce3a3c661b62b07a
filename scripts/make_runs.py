"""Precompute the training runs notebook 11 compares but cannot afford to train live (`make runs`).

Each run is `lib.train.train_date_model` with DATE_RECIPE and one change, for several seeds:
- depth: n_layers 1, 2, 3 (encoder and decoder alike);
- learning-rate schedule: the recipe's linear warm-up + decay, Noam (same warm-up and peak, then
  1/√step), and constant rates (the peak, and a sixth of it).
Every run records its held-out exact match (overall and per format), its loss every 10 steps and
its training time, into data/date_runs.json. One torch thread, as in the notebooks; the numbers
are deterministic for a given thread count, the times are not.

Usage:
    .venv/bin/python scripts/make_runs.py [--seeds 0 1 2] [--out data/date_runs.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from lib.data import CharTokenizer, read_date_file, seq2seq_tensors
from lib.notebook import setup_notebook
from lib.train import DATE_RECIPE, date_exact_match, train_date_model

REPO = Path(__file__).resolve().parent.parent

# name -> the recipe's settings that change; "recipe" is DATE_RECIPE itself.
RUNS = {
    "recipe": {},
    "layers_1": {"n_layers": 1},
    "layers_3": {"n_layers": 3},
    "noam": {"schedule": "noam"},
    "constant_peak": {"schedule": "constant"},
    "constant_low": {"schedule": "constant", "peak_lr": DATE_RECIPE["peak_lr"] / 6},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", choices=sorted(RUNS), help="some runs only (others kept from --out)")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "date_runs.json")
    args = parser.parse_args(argv)
    setup_notebook(seed=0)
    tok = CharTokenizer.for_dates()
    src, tgt = seq2seq_tensors(read_date_file(REPO / "data" / "dates_train.tsv"), tok)
    test = read_date_file(REPO / "data" / "dates_test.tsv")
    old = json.loads(args.out.read_text()) if args.only and args.out.exists() else {"runs": []}
    runs = [r for r in old["runs"] if args.only and r["name"] not in args.only]
    for name in args.only or RUNS:
        for seed in args.seeds:
            start = time.perf_counter()
            model, losses = train_date_model(src, tgt, len(tok), **RUNS[name], seed=seed)
            seconds = time.perf_counter() - start
            exact = date_exact_match(model, test, tok)
            runs.append({"name": name, "changes": RUNS[name], "seed": seed, "seconds": round(seconds, 1),
                         "exact_match": exact, "loss_every_10": [round(x, 5) for x in losses[9::10]]})
            print(f"{name:14s} seed {seed}: exact match {exact['all']:.1%}, {seconds:.1f} s", flush=True)
    doc = {"recipe": DATE_RECIPE, "torch": torch.__version__, "threads": torch.get_num_threads(),
           "made_by": "make runs (scripts/make_runs.py)", "runs": runs}
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(runs)} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
