"""Mutation check: would the unit tests notice if lib/ were wrong in a way that matters?

Each mutant replaces one exact snippet of one lib/ file (V taken from the key, minibatches drawn
with replacement, a √d_model in place of √d_k, ...). It is applied to a temporary copy of lib/ and
tests/ (and pyproject.toml, for pytest's settings); the repository itself is never written. The
unit tests run on the copy (`pytest -x -q`, without tests/e2e, tests/test_docs.py and
tests/test_scripts.py), with PYTHONPATH pointing at it, and the script checks that `import lib`
really imports the copy. A mutant that no test fails on has SURVIVED: a bug of that kind would
go unnoticed.

The unmutated copy is tested first. Tests that already fail there (work in progress) are
deselected in every mutant run and listed, so that they cannot "kill" a mutant; test files that
do not even import are ignored the same way. Nothing here names a test file: the mutants are
killed by whatever tests/ holds.

Exit status: 0 when every mutant is killed; 1 when one survived or a snippet no longer occurs
exactly once in lib (the list must follow lib as it changes); 2 when the copy cannot be tested.

    python scripts/mutation_check.py                   # every mutant (a few minutes)
    python scripts/mutation_check.py --list            # the mutants, and whether each still applies
    python scripts/mutation_check.py --only mha_value_from_key --only noam_exponent
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("lib", "tests", "pyproject.toml")  # what the unit tests need; nothing else is copied
NOT_COPIED = ("__pycache__", ".pytest_cache", "e2e", "*.pyc")
EXCLUDED_TESTS = ("tests/e2e", "tests/test_docs.py", "tests/test_scripts.py")  # not unit tests of lib
PLUGIN = Path(__file__).stem  # this file doubles as the pytest plugin that records the results
REPORT_ENV, SKIP_ENV = "MUTATION_CHECK_REPORT", "MUTATION_CHECK_SKIP"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the repository root
    snippet: str  # must occur exactly once in the file
    replacement: str
    description: str


MUTANTS = [
    # The nine of the issue: each was caught by no assert before tests/test_mutants.py.
    Mutant("mha_value_from_key", "lib/heads.py",
           "v = split_heads(self.v_proj(value), self.n_heads)",
           "v = split_heads(self.v_proj(key), self.n_heads)",
           "MultiHeadAttention takes V from the key input"),
    Mutant("minibatches_with_replacement", "lib/data.py",
           "rows = torch.randperm(inputs.shape[0], generator=g)[:batch_size]",
           "rows = torch.randint(inputs.shape[0], (batch_size,), generator=g)",
           "minibatches drawn with replacement"),
    Mutant("toy_task_ignores_seed", "lib/data.py",
           "g = torch.Generator().manual_seed(seed)\n    inputs = torch.randint(",
           "g = torch.Generator().manual_seed(0)\n    inputs = torch.randint(",
           "toy_task ignores its seed"),
    Mutant("pe_d_model_hard_coded", "lib/positional.py",
           "angle = pos / base ** (two_i / d_model)",
           "angle = pos / base ** (two_i / 64)",
           "the PE exponent with d_model hard-coded to 64"),
    Mutant("padding_mask_off_by_one", "lib/masks.py",
           "positions[None, :] < lengths[:, None]",
           "positions[None, :] <= lengths[:, None]",
           "padding_mask lets one padding position through"),
    Mutant("ffn_without_relu", "lib/blocks.py",
           "hidden = torch.relu(self.linear1(x))",
           "hidden = self.linear1(x)",
           "the feed-forward network without its ReLU"),
    Mutant("ffn_without_residual", "lib/blocks.py",
           "x = self.norm2(x + self.dropout(self.ff(x)))",
           "x = self.norm2(self.dropout(self.ff(x)))",
           "the encoder block's feed-forward without its residual (Post-LN)"),
    Mutant("layers_share_one_block", "lib/model.py",
           "EncoderBlock(d_model, n_heads, d_ff, dropout=dropout, norm_first=norm_first) for _ in range(n_layers)",
           "[EncoderBlock(d_model, n_heads, d_ff, dropout=dropout, norm_first=norm_first)] * n_layers",
           "the Encoder's layers share one block"),
    Mutant("embedding_not_scaled", "lib/model.py",
           "return self.embed(tokens) * math.sqrt(self.d_model) + self.pe[:T]",
           "return self.embed(tokens) + self.pe[:T]",
           "the token embedding not scaled by √d_model"),
    # More of the same kind.
    Mutant("softmax_wrong_axis", "lib/attention.py",
           "if mask is None:\n        return torch.softmax(scores, dim=-1)",
           "if mask is None:\n        return torch.softmax(scores, dim=-2)",
           "softmax over the queries instead of the keys (no mask)"),
    Mutant("masked_softmax_wrong_axis", "lib/attention.py",
           "return torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)",
           "return torch.softmax(scores, dim=-2).masked_fill(~mask, 0.0)",
           "softmax over the queries instead of the keys (with a mask)"),
    Mutant("masked_row_not_zeroed", "lib/attention.py",
           "return torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)",
           "return torch.softmax(scores, dim=-1)",
           "a fully masked row gets uniform weights instead of zeros"),
    Mutant("causal_mask_without_diagonal", "lib/masks.py",
           "torch.ones(T, T, dtype=torch.bool).tril()",
           "torch.ones(T, T, dtype=torch.bool).tril(-1)",
           "the causal mask tril(-1): a query may not see itself"),
    Mutant("combine_masks_or", "lib/masks.py",
           "combined = combined & m",
           "combined = combined | m",
           "combine_masks takes the OR of the masks"),
    Mutant("mha_scaled_by_sqrt_d_model", "lib/heads.py",
           "out, weights = scaled_dot_product_attention(q, k, v, mask)",
           "out, weights = scaled_dot_product_attention(q, k, v, mask, scale=self.d_model**-0.5)",
           "multi-head attention divides by √d_model instead of √d_k"),
    Mutant("split_heads_without_transpose", "lib/heads.py",
           "x.view(B, T, n_heads, D).transpose(1, 2)",
           "x.view(B, n_heads, T, D)",
           "split_heads reshapes (B, T, C) to (B, H, T, D) without the transpose"),
    Mutant("chunked_rescale_inverted", "lib/attention.py",
           "shrink = torch.exp(best - new_best)",
           "shrink = torch.exp(new_best - best)",
           "chunked attention rescales its running sums the wrong way"),
    Mutant("pe_sin_cos_swapped", "lib/positional.py",
           "pe[:, 0::2] = torch.sin(angle)\n    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])",
           "pe[:, 0::2] = torch.cos(angle)\n    pe[:, 1::2] = torch.sin(angle[:, : d_model // 2])",
           "cos in the even columns of the PE, sin in the odd"),
    Mutant("noam_exponent", "lib/schedules.py",
           "s * warmup**-1.5",
           "s * warmup**-0.5",
           "the Noam warm-up term with warmup^-0.5 instead of warmup^-1.5"),
    Mutant("noam_lambda_counts_from_zero", "lib/schedules.py",
           "lambda n_done: noam_lr(n_done + 1,",
           "lambda n_done: noam_lr(n_done,",
           "LambdaLR's first update gets noam_lr(0) = 0"),
    Mutant("pre_ln_ffn_without_residual", "lib/blocks.py",
           "x = x + self.dropout(self.ff(self.norm2(x)))",
           "x = self.dropout(self.ff(self.norm2(x)))",
           "the encoder block's feed-forward without its residual (Pre-LN)"),
    Mutant("pre_ln_without_final_norm", "lib/model.py",
           "self.final_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()",
           "self.final_norm = nn.Identity()",
           "a Pre-LN encoder without its last LayerNorm"),
    Mutant("mean_pool_counts_padding", "lib/model.py",
           "weights.sum(dim=1).clamp(min=1)",
           "x.shape[1]",
           "mean_pool divides by T instead of the number of real tokens"),
    Mutant("accuracy_counts_ignored", "lib/train.py",
           "(logits.argmax(-1) == targets)[scored]",
           "(logits.argmax(-1) == targets)",
           "evaluate's accuracy counts the ignored (-100) positions"),
    Mutant("jacobian_sign", "lib/softmax.py",
           "return diag - outer",
           "return outer - diag",
           "the softmax Jacobian with the wrong sign"),
]


# --- the pytest plugin (loaded in the test runs with -p, never when run as a script) ------------
def _record(**entry) -> None:
    path = os.environ.get(REPORT_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def pytest_collection_modifyitems(config, items) -> None:
    path = os.environ.get(SKIP_ENV)
    if not path:
        return
    skip = set(json.loads(Path(path).read_text(encoding="utf-8")))
    dropped = [item for item in items if item.nodeid in skip]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.nodeid not in skip]


def pytest_collectreport(report) -> None:
    if report.failed:
        _record(kind="collect_error", nodeid=report.nodeid)


def pytest_runtest_logreport(report) -> None:
    if report.failed:
        _record(kind="failed", nodeid=report.nodeid, when=report.when)


def pytest_sessionfinish(session, exitstatus) -> None:
    lib = sys.modules.get("lib")
    _record(kind="session", lib=getattr(lib, "__file__", None), exitstatus=int(exitstatus))


# --- the check --------------------------------------------------------------------------------
def occurrences(m: Mutant, root: Path = ROOT) -> int:
    path = root / m.file
    return path.read_text(encoding="utf-8").count(m.snippet) if path.exists() else 0


def make_copy(dest: Path) -> None:
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(*NOT_COPIED))
        elif src.exists():
            shutil.copy2(src, dest / name)


def environment(copy: Path, report: Path, skip: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), str(Path(__file__).resolve().parent)])  # lib, then plugin
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a stale .pyc must never stand in for a mutated file
    env[REPORT_ENV] = str(report)
    env.pop(SKIP_ENV, None)
    if skip is not None:
        env[SKIP_ENV] = str(skip)
    return env


def imported_lib(copy: Path, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-c", "import lib; print(lib.__file__)"], cwd=copy, env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def run_tests(copy: Path, env: dict[str, str], tests: list[str], ignore: list[str], *, stop_first: bool,
              timeout: float) -> tuple[str, list[dict]]:
    """Run pytest on the copy; return its outcome ('passed', 'failed', 'timeout', 'error') and the records."""
    report = Path(env[REPORT_ENV])
    report.write_text("", encoding="utf-8")
    cmd = [sys.executable, "-m", "pytest", *tests, "-q", "-p", PLUGIN, "-p", "no:cacheprovider",
           *[f"--ignore={path}" for path in (*EXCLUDED_TESTS, *ignore)]]
    # A mutant run stops at its first failure; the baseline runs everything, even past a file that does not import.
    cmd.append("-x" if stop_first else "--continue-on-collection-errors")
    try:
        proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", []
    records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines() if line]
    outcome = {0: "passed", 1: "failed", 2: "failed"}.get(proc.returncode, "error")  # 2: stopped by a collection error
    if outcome == "error" or not any(r["kind"] == "session" for r in records):
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        outcome = "error"
    return outcome, records


def check_lib_path(records: list[dict], copy: Path) -> None:
    libs = {r["lib"] for r in records if r["kind"] == "session"}
    expected = str(copy / "lib" / "__init__.py")
    if libs != {expected}:
        sys.exit(f"mutation_check: the tests imported lib from {libs}, not from the copy {expected}")


def baseline(copy: Path, env: dict[str, str], tests: list[str], timeout: float) -> tuple[list[str], list[str]]:
    """The tests that fail, and the test files that do not import, on the unmutated copy."""
    outcome, records = run_tests(copy, env, tests, [], stop_first=False, timeout=timeout)
    if outcome in ("timeout", "error"):
        sys.exit(f"mutation_check: the unmutated copy could not be tested ({outcome})")
    check_lib_path(records, copy)
    failing = sorted({r["nodeid"] for r in records if r["kind"] == "failed"})
    broken = sorted({r["nodeid"] for r in records if r["kind"] == "collect_error" and r["nodeid"]})
    return failing, broken


def apply(copy: Path, m: Mutant) -> str | None:
    """Mutate the copy; return the file's original text, or None if the snippet is not there exactly once."""
    path = copy / m.file
    original = path.read_text(encoding="utf-8")
    if original.count(m.snippet) != 1:
        return None
    path.write_text(original.replace(m.snippet, m.replacement, 1), encoding="utf-8")
    return original


def killer(records: list[dict]) -> str:
    for r in records:
        if r["kind"] == "collect_error":
            return f"collection error in {r['nodeid']}"
        if r["kind"] == "failed":
            return r["nodeid"]
    return "(failed, but no test named)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and whether each still applies")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this mutant (repeatable)")
    parser.add_argument("--tests", nargs="+", default=["tests"], metavar="PATH",
                        help="what pytest runs in the copy (default: tests)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pytest run (default 900)")
    args = parser.parse_args(argv)

    names = [m.name for m in MUTANTS]
    assert len(set(names)) == len(names), "two mutants share a name"
    unknown = sorted(set(args.only or []) - set(names))
    if unknown:
        parser.error(f"unknown mutant(s) {unknown}; --list shows them")
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    stale = [m for m in chosen if occurrences(m) != 1]
    for m in stale:
        print(f"STALE {m.name}: the snippet occurs {occurrences(m)} times in {m.file} (needs exactly once)")

    if args.list:
        for m in chosen:
            state = "ok" if occurrences(m) == 1 else "STALE"
            print(f"{m.name:32s} {state:5s} {m.file:18s} {m.description}")
        return 1 if stale else 0

    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutation_check_") as tmp:
        copy = Path(tmp)
        make_copy(copy)
        env = environment(copy, copy / "report.jsonl", None)
        found = imported_lib(copy, env)
        if Path(found) != copy / "lib" / "__init__.py":
            sys.exit(f"mutation_check: `import lib` gives {found}, not the copy in {copy}")
        print(f"copy of lib/ and tests/ in {copy}; `import lib` there gives {found}")

        failing, broken = baseline(copy, env, args.tests, args.timeout)
        print(f"unmutated copy: {len(failing)} failing test(s), {len(broken)} test file(s) that do not import")
        for nodeid in [*broken, *failing]:
            print(f"  not counted: {nodeid}")
        skip = copy / "skip.json"
        skip.write_text(json.dumps(failing), encoding="utf-8")
        env = environment(copy, copy / "report.jsonl", skip)

        results = []
        for m in chosen:
            if m in stale:
                results.append((m, "STALE", "snippet not found exactly once", 0.0))
                continue
            t0 = time.monotonic()
            original = apply(copy, m)
            if original is None:  # lib changed between the check above and the copy
                results.append((m, "STALE", "snippet not found exactly once in the copy", 0.0))
                continue
            try:
                outcome, records = run_tests(copy, env, args.tests, broken, stop_first=True, timeout=args.timeout)
            finally:
                (copy / m.file).write_text(original, encoding="utf-8")
            if outcome == "error":
                result, by = "ERROR", "pytest did not finish normally (output above)"
            elif outcome == "timeout":
                result, by = "killed", f"timeout after {args.timeout:g} s"
            elif outcome == "passed":
                check_lib_path(records, copy)  # a survivor must have been tested against the mutated copy
                result, by = "SURVIVED", "-"
            else:
                check_lib_path(records, copy)
                result, by = "killed", killer(records)
            results.append((m, result, by, time.monotonic() - t0))
            print(f"{m.name:32s} {result:8s} {by}", flush=True)

    print("\n| mutant | file | result | killed by | s |\n|---|---|---|---|---|")
    for m, result, by, seconds in results:
        print(f"| {m.name} ({m.description}) | {m.file} | {result} | {by} | {seconds:.0f} |")
    bad = [m.name for m, result, _, _ in results if result != "killed"]
    print(f"\n{len(results) - len(bad)} of {len(results)} mutants killed in {time.monotonic() - start:.0f} s"
          + (f"; not killed: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
