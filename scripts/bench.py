"""Measure the series' speed and write it as a Markdown table (`make bench`).

Usage:
    .venv/bin/python scripts/bench.py                  # notebooks, widgets, attention (~2-4 min)
    .venv/bin/python scripts/bench.py --fresh-clone    # + `make test` / `make lab` on a fresh clone (~10 min)
    .venv/bin/python scripts/bench.py --fresh-clone --worktree   # the same on uncommitted work
    .venv/bin/python scripts/bench.py --only "01_*" --updates 40 --out -   # some notebooks, to stdout
    .venv/bin/python scripts/bench.py --browser-only   # only the browser latency (~5 min); other sections kept

What it measures, on this machine, in one run:
1. Each notebook top to bottom: every cell executed in a fresh kernel of this Python
   (nbclient, on an in-memory copy run from a temporary copy of notebooks/; nothing is written
   back), with and without the kernel start-up, and the total.
2. Each widget the notebook displays: the kernel imports scripts/widget_probe.py, which walks the
   widget tree (`.children`) of every displayed widget, and for each control (slider, dropdown,
   toggle, checkbox) sets `.value` programmatically at least N times; one update is the time from
   the assignment until the widget's ipywidgets.Image holds the new PNG (compute + draw + encode +
   send). Median per widget.
3. lib.attention.scaled_dot_product_attention vs torch.nn.functional.scaled_dot_product_attention
   for n = 128, 512, 2048 (batch 1, 8 heads, d_k 64, no mask), median of repeated calls, as a ratio.
4. Each widget in a real browser (scripts/bench_browser.py): JupyterLab in headless Chromium,
   Run All, then key presses on each widget's control, one at a time; the time from the
   `keydown` to the new picture decoded and painted, timed in the page. Median and p90 per
   widget against the target p90 <= 50 ms. `--skip-browser` leaves it out.
5. With --fresh-clone: `git clone` of this repository into a temp dir (pip's cache stays warm),
   then the wall time of `make test`, and of `make lab` until its URL answers (fresh, then again
   with the venv in place). Without the flag, the previous fresh-clone numbers are kept.

Results go to bench/RESULTS.md (the table the README shows) and bench/RESULTS.json (raw numbers;
its fresh-clone part is carried over when a run is made without --fresh-clone, and with
--browser-only every other section is carried over from the previous run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import bench_browser  # scripts/ is on sys.path: this script runs as `python scripts/bench.py`

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent

# Targets from the issue (seconds, seconds, milliseconds, ratio).
NOTEBOOK_TARGET_S = 15.0
NOTEBOOK_TARGETS_S = {"11_trained_transformer.ipynb": 30.0}  # it trains the date model from scratch
TRAIN_TARGET_S = 20.0  # the date model trained from scratch with DATE_RECIPE
STEP_TARGET_RATIO = 1.2  # lib's Transformer step against torch.nn.Transformer's
SERIES_TARGET_S = 90.0
WIDGET_TARGET_MS = 20.0
ATTENTION_TARGET_RATIO = 1.5

# --- machine -------------------------------------------------------------------------------
def machine_info() -> dict:
    import torch

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "uncommitted",
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "memory_gib": mem_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_before": round(os.getloadavg()[0], 2),
    }


# --- notebooks and widgets -------------------------------------------------------------------
def copy_notebooks(tmp: Path) -> Path:
    """notebooks/ copied into tmp, the rest of the repo symlinked beside it (../data resolves)."""
    for entry in REPO.iterdir():
        if entry.name not in {"notebooks", ".git", ".venv"}:
            (tmp / entry.name).symlink_to(entry)
    shutil.copytree(REPO / "notebooks", tmp / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return tmp / "notebooks"


def bench_notebook(path: Path, n_updates: int, timeout: int) -> dict:
    """Run one notebook top to bottom in a fresh kernel, then time its widgets' updates."""
    import nbformat
    import nbrun  # scripts/ is on sys.path: this script runs as `python scripts/bench.py`
    from widget_probe import PROBE_MARK

    nb = nbformat.read(path, as_version=4)
    client = nbrun.new_client(nb, path.parent, timeout=timeout)
    start = time.perf_counter()
    with nbrun.running_kernel(client):
        kernel_s = time.perf_counter() - start
        t0 = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        run_s = time.perf_counter() - t0
        # The probe runs as one more cell, appended in memory only (the file is never written).
        probe = nbformat.v4.new_code_cell(probe_source(nbrun.widget_views(nb), n_updates))
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    widgets = json.loads(text.split(PROBE_MARK, 1)[1].splitlines()[0]) if PROBE_MARK in text else []
    return {"notebook": path.name, "kernel_s": kernel_s, "run_s": run_s, "widgets": widgets}


def probe_source(views: list[tuple[int, str]], n_updates: int) -> str:
    """The cell that imports scripts/widget_probe.py in the kernel and prints its report."""
    scripts = str(SCRIPTS)
    lines = [
        "import sys",
        f"if {scripts!r} not in sys.path:",
        f"    sys.path.insert(0, {scripts!r})",
        "import widget_probe",
        f"widget_probe.print_report({views!r}, {n_updates})",
    ]
    return "\n".join(lines)


# --- attention -----------------------------------------------------------------------------
def bench_attention(sizes=(128, 512, 2048), n_heads=8, d_k=64, budget_s=2.0) -> list[dict]:
    """Both implementations with 1 torch thread (as lib.notebook.setup_notebook sets) and with all cores."""
    import torch

    before = torch.get_num_threads()
    rows = []
    try:
        for threads in sorted({1, os.cpu_count() or 1}):
            torch.set_num_threads(threads)
            rows += [dict(row, threads=threads) for row in _bench_attention(sizes, n_heads, d_k, budget_s)]
    finally:
        torch.set_num_threads(before)
    return rows


def _bench_attention(sizes, n_heads: int, d_k: int, budget_s: float) -> list[dict]:
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    from lib.attention import scaled_dot_product_attention

    def torch_math(q, k, v):  # PyTorch's own unfused path: it materialises the (T, S) weights, as lib must
        with sdpa_kernel(SDPBackend.MATH):
            return F.scaled_dot_product_attention(q, k, v)

    gen = torch.Generator().manual_seed(0)
    rows = []
    for n in sizes:
        q, k, v = torch.randn(3, 1, n_heads, n, d_k, generator=gen).unbind(0)  # (B, H, T, D) each
        calls = {
            "lib": lambda q=q, k=k, v=v: scaled_dot_product_attention(q, k, v),
            "torch": lambda q=q, k=k, v=v: F.scaled_dot_product_attention(q, k, v),
            "math": lambda q=q, k=k, v=v: torch_math(q, k, v),
        }
        with torch.inference_mode():
            out_lib, _ = calls["lib"]()
            torch.testing.assert_close(out_lib, calls["torch"](), rtol=1e-4, atol=1e-5)
            t0 = time.perf_counter()
            calls["lib"]()
            repeats = int(min(200, max(7, budget_s / max(time.perf_counter() - t0, 1e-6) / 2)))
            times = {name: [] for name in calls}
            for r in range(repeats):
                order = list(calls) if r % 2 == 0 else list(calls)[::-1]  # same conditions for all
                for name in order:
                    t0 = time.perf_counter()
                    calls[name]()
                    times[name].append((time.perf_counter() - t0) * 1000.0)
        lib_ms, torch_ms, math_ms = (statistics.median(times[name]) for name in ("lib", "torch", "math"))
        rows.append({"n": n, "lib_ms": lib_ms, "torch_ms": torch_ms, "math_ms": math_ms,
                     "ratio": lib_ms / torch_ms, "math_ratio": lib_ms / math_ms, "repeats": repeats})
    return rows


# --- training ------------------------------------------------------------------------------
def bench_training(n_steps: int = 30) -> dict:
    """The date model trained as notebook 11 trains it, and one step of lib's model against torch's.

    1. `train_date_model` with DATE_RECIPE at 1 torch thread (setup_notebook's settings): seconds
       and held-out exact match.
    2. A training step (forward, loss, backward, Adam) of lib.model.Transformer against a
       torch.nn.Transformer of the same size with the same embeddings, masks and batches,
       interleaved, median over `n_steps`: their ratio.
    """
    import torch
    from torch import nn

    from lib.data import CharTokenizer, read_date_file, seq2seq_batches, seq2seq_tensors
    from lib.model import TokenEmbedding, Transformer
    from lib.notebook import setup_notebook
    from lib.train import DATE_RECIPE, cross_entropy, date_exact_match, train_date_model

    setup_notebook(seed=0)
    tok = CharTokenizer.for_dates()
    src, tgt = seq2seq_tensors(read_date_file(REPO / "data" / "dates_train.tsv"), tok)
    start = time.perf_counter()
    model, _ = train_date_model(src, tgt, len(tok))
    train_s = time.perf_counter() - start
    exact = date_exact_match(model, read_date_file(REPO / "data" / "dates_test.tsv"), tok)["all"]

    r, V = DATE_RECIPE, len(tok)

    class TorchSeq2Seq(nn.Module):  # the same model with torch's own layers
        def __init__(self):
            super().__init__()
            self.src_embedding, self.tgt_embedding = TokenEmbedding(V, r["d_model"]), TokenEmbedding(V, r["d_model"])
            self.core = nn.Transformer(r["d_model"], r["n_heads"], r["n_layers"], r["n_layers"], r["d_ff"],
                                       dropout=0.0, batch_first=True)
            self.out = nn.Linear(r["d_model"], V)

        def forward(self, s, t):
            causal = nn.Transformer.generate_square_subsequent_mask(t.shape[1], dtype=torch.bool)
            pad_s, pad_t = s == 0, t == 0
            h = self.core(self.src_embedding(s), self.tgt_embedding(t), tgt_mask=causal, src_key_padding_mask=pad_s,
                          tgt_key_padding_mask=pad_t, memory_key_padding_mask=pad_s)
            return self.out(h)

    torch.manual_seed(0)
    models = {"lib": Transformer(V, V, d_model=r["d_model"], n_heads=r["n_heads"], d_ff=r["d_ff"],
                                 n_layers=r["n_layers"]), "torch": TorchSeq2Seq()}
    opts = {name: torch.optim.Adam(m.parameters(), lr=1e-4, fused=True) for name, m in models.items()}
    batches = list(seq2seq_batches(src, tgt, batch_size=r["batch_size"], n_steps=n_steps + 3, seed=0))
    times = {name: [] for name in models}
    for i, ((s, t_in), t_out) in enumerate(batches):
        for name in (list(models) if i % 2 == 0 else list(models)[::-1]):
            t0 = time.perf_counter()
            logits = models[name](s, t_in)
            logits = logits[0] if isinstance(logits, tuple) else logits
            loss = cross_entropy(logits, t_out)
            opts[name].zero_grad()
            loss.backward()
            opts[name].step()
            if i >= 3:  # the first steps warm up allocators and caches
                times[name].append((time.perf_counter() - t0) * 1000.0)
    lib_ms, torch_ms = statistics.median(times["lib"]), statistics.median(times["torch"])
    return {"train_s": train_s, "exact": exact, "steps": r["steps"], "lib_step_ms": lib_ms,
            "torch_step_ms": torch_ms, "ratio": lib_ms / torch_ms, "timed_steps": n_steps}


# --- fresh clone ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env() -> dict:
    """The caller's environment without this venv, so `make` finds the system python3."""
    env = dict(os.environ)
    venv = env.pop("VIRTUAL_ENV", None)
    bin_dirs = {str(Path(sys.executable).parent)} | ({str(Path(venv) / "bin")} if venv else set())
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p not in bin_dirs)
    env.pop("PYTHONPATH", None)
    return env


def clone(dest: Path, worktree: bool) -> str:
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "HEAD"], capture_output=True)
    if head.returncode == 0 and not worktree:
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(dest)], check=True)
        return "git clone of HEAD"
    # Work not committed yet: copy what a commit would hold (tracked + untracked, not ignored).
    files = (
        subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, files):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest / rel)
    return "copy of the working tree (tracked and untracked files, not ignored)"


def stop_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass


def time_lab(workdir: Path, env: dict, log: Path, timeout: float = 900.0) -> float | None:
    """`make lab` in workdir; seconds until its URL answers 200 (None if it never does)."""
    port, token = free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}/lab?token={token}"
    run_env = dict(env, JUPYTER_TOKEN=token)
    with log.open("ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            ["make", "lab", f"PORT={port}"], cwd=workdir, env=run_env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            while time.perf_counter() - start < timeout and proc.poll() is None:
                try:
                    with urllib.request.urlopen(url, timeout=2) as resp:
                        if resp.status == 200:
                            return time.perf_counter() - start
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                time.sleep(0.2)
            return None
        finally:
            stop_group(proc)


def bench_fresh_clone(keep: bool, worktree: bool) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-clone-"))
    env, result = clean_env(), {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    try:
        for name in ("test", "lab"):
            (tmp / name).mkdir()
            result["source"] = clone(tmp / name, worktree)
        log = tmp / "fresh.log"
        print(f"  fresh clone: make test (log: {log}) ...", flush=True)
        start = time.perf_counter()
        with log.open("ab") as out:
            rc = subprocess.run(
                ["make", "test"], cwd=tmp / "test", env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            ).returncode  # fmt: skip
        result["make_test_s"], result["make_test_rc"] = time.perf_counter() - start, rc
        print(f"  fresh clone: make test {result['make_test_s']:.0f} s (exit {rc}); make lab ...", flush=True)
        result["make_lab_fresh_s"] = time_lab(tmp / "lab", env, log)
        result["make_lab_again_s"] = time_lab(tmp / "lab", env, log)
        text = log.read_text(errors="replace")
        # The closing lines of each step (pytest's "N passed in S s", skips), to show what ran.
        keys = (" passed", " failed", " skipped", "All checks passed", "does not exist yet")
        result["make_test_summary"] = [line.strip("= ") for line in text.splitlines() if any(k in line for k in keys)]
        if rc != 0:
            result["log_tail"] = text[-2000:]
    finally:
        if keep:
            print(f"  kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


# --- report --------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "ok" if ok else "**missed**"


def fmt(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def control_cell(c: dict) -> str:
    if "median_ms" not in c:
        return f"{c['label']} (skipped)"
    same = f" [{c['unchanged']} same]" if c.get("unchanged") else ""
    errors = f" [errors: {'; '.join(c['errors'])}]" if c.get("errors") else ""
    return f"{c['label']} {fmt(c['median_ms'])}{same}{errors}"


def markdown(res: dict) -> str:
    m = res["machine"]
    lines = [
        "# Benchmark",
        "",
        f"Measured by `make bench` (`scripts/bench.py`) on {m['date']}, commit {m['commit']}.",
        f"Machine: {m['cpu']}, {m['cores']} cores ({m['torch_threads']} torch threads), "
        f"{m['memory_gib']} GiB, {m['os']}; Python {m['python']}, torch {m['torch']}; "
        f"load average {m['load_before']} when it started.",
        "",
        "## Notebooks, top to bottom",
        "",
        "Every cell run in a fresh kernel (nbclient); the kernel's start-up shown apart.",
        "",
        f"| notebook | all cells (s) | with kernel start (s) | target < {NOTEBOOK_TARGET_S:.0f} s |",
        "|---|---:|---:|---|",
    ]
    if not res["notebooks"]:
        lines[-3:] = ["Not measured in this run (`--skip-notebooks`)."]
    for nb in res["notebooks"]:
        total = nb["run_s"] + nb["kernel_s"]
        target = NOTEBOOK_TARGETS_S.get(nb["notebook"], NOTEBOOK_TARGET_S)
        note = "" if target == NOTEBOOK_TARGET_S else f" (target < {target:.0f} s: it trains a model)"
        lines.append(f"| {nb['notebook']} | {nb['run_s']:.1f} | {total:.1f} | {verdict(total < target)}{note} |")
    run = sum(nb["run_s"] for nb in res["notebooks"])
    total = run + sum(nb["kernel_s"] for nb in res["notebooks"])
    if res["notebooks"]:
        lines.append(
            f"| **series** | **{run:.1f}** | **{total:.1f}** | {verdict(total < SERIES_TARGET_S)} "
            f"(< {SERIES_TARGET_S:.0f} s) |"
        )
    lines += [
        "",
        "## Widgets, one update",
        "",
        "A control's `.value` set from the kernel until the widget's Image holds the new PNG "
        "(compute, draw, encode, send); every control of the widget moved across its range.",
        "",
        f"| notebook | widget (cell) | controls: median ms | updates | median (ms) | p90 (ms) "
        f"| target ≤ {WIDGET_TARGET_MS:.0f} ms |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for nb in res["notebooks"]:
        for w in nb["widgets"]:
            per = ", ".join(control_cell(c) for c in w["controls"])
            flag = (
                f" ({w['unchanged']} of {w['updates']} updates left the image as it was¹)" if w.get("unchanged") else ""
            )
            ok = w["median_ms"] is not None and w["median_ms"] <= WIDGET_TARGET_MS
            lines.append(
                f"| {nb['notebook']} | {w['type']} ({w['cell']}) | {per or w.get('error', '—')} | {w['updates']} "
                f"| {fmt(w['median_ms'])} | {fmt(w['p90_ms'])} | {verdict(ok)}{flag} |"
            )
    if any(w.get("unchanged") for nb in res["notebooks"] for w in nb["widgets"]):
        lines += [
            "",
            "¹ Counted per control in brackets. A control may legitimately change only the read-out in some "
            "states (e.g. a mode that gives the same weights); a slider that never changes the plot is a bug, "
            "which the browser test (`make e2e`) fails on.",
        ]
    browser = res.get("browser")
    lines += ["", *(bench_browser.markdown(browser) if browser else [
        "## Widgets in the browser, key press to picture", "", "Not measured in this run (`--skip-browser`)."
    ])]
    lines += [
        "",
        "## Attention: `lib` vs `torch`",
        "",
        "`lib.attention.scaled_dot_product_attention` (also returns the weights) against "
        "`torch.nn.functional.scaled_dot_product_attention`; batch 1, 8 heads, d_k = 64, no mask, "
        "float32, inference mode, median of interleaved calls in the same run. "
        "The notebooks run with 1 torch thread (`setup_notebook`). "
        "*torch math* is PyTorch's own unfused backend (`sdpa_kernel(SDPBackend.MATH)`), which, like lib, "
        "writes the full (T, S) weight matrix; the default fused kernel never does.",
        "",
        f"| n | torch threads | lib (ms) | torch (ms) | torch math (ms) | lib / torch | lib / torch math "
        f"| calls each | target ≤ {ATTENTION_TARGET_RATIO} |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in res["attention"]:
        lines.append(
            f"| {row['n']} | {row.get('threads', '—')} | {row['lib_ms']:.2f} | {row['torch_ms']:.2f} "
            f"| {row['math_ms']:.2f} | {row['ratio']:.2f} | {row['math_ratio']:.2f} | {row['repeats']} "
            f"| {verdict(row['ratio'] <= ATTENTION_TARGET_RATIO)} |"
        )
    tr = res.get("training")
    if tr:
        lines += [
            "",
            "## Training the date model",
            "",
            f"`lib.train.train_date_model` with `DATE_RECIPE` ({tr['steps']} steps), 1 torch thread as in notebook 11; "
            "then one training step (forward, loss, backward, Adam) of `lib.model.Transformer` against a "
            "`torch.nn.Transformer` of the same size, embeddings and masks, interleaved, median of "
            f"{tr['timed_steps']} steps each.",
            "",
            "| measure | value | target |",
            "|---|---:|---|",
            f"| training from scratch (s) | {tr['train_s']:.1f} | {verdict(tr['train_s'] <= TRAIN_TARGET_S)} "
            f"(≤ {TRAIN_TARGET_S:.0f} s) |",
            f"| held-out exact match | {tr['exact']:.1%} | {verdict(tr['exact'] >= 0.995)} (≥ 99.5 %) |",
            f"| lib step (ms) | {tr['lib_step_ms']:.1f} | |",
            f"| torch.nn.Transformer step (ms) | {tr['torch_step_ms']:.1f} | |",
            f"| lib / torch | {tr['ratio']:.2f} | {verdict(tr['ratio'] <= STEP_TARGET_RATIO)} "
            f"(≤ {STEP_TARGET_RATIO}) |",
        ]
    fresh = res.get("fresh_clone")
    lines += ["", "## Fresh clone (pip's cache warm)", ""]
    if not fresh:
        lines.append("Not measured yet: `make bench ARGS=--fresh-clone` (about 10 minutes).")
    else:
        lines += [
            f"Measured {fresh['date']} on a {fresh['source']} in a temp dir.",
            "",
            "| command | wall time (s) |",
            "|---|---:|",
            f"| `make test` (creates .venv, then lint, unit, nbval, e2e) | {fmt(fresh.get('make_test_s'), 0)}"
            + ("" if fresh.get("make_test_rc") == 0 else f" (exit {fresh.get('make_test_rc')})")
            + " |",
            f"| `make lab` until its URL answers (creates .venv) | {fmt(fresh.get('make_lab_fresh_s'), 0)} |",
            f"| `make lab` until its URL answers (.venv exists) | {fmt(fresh.get('make_lab_again_s'), 0)} |",
        ]
        if fresh.get("make_test_summary"):
            lines += ["", "`make test` in that clone: " + "; ".join(fresh["make_test_summary"]) + "."]
    return "\n".join(lines) + "\n"


README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def paste_into_readme(text: str) -> None:
    """Replace the README's table between the bench markers (headings one level down)."""
    readme = REPO / "README.md"
    body = readme.read_text()
    if README_START not in body or README_END not in body:
        print(f"README.md has no {README_START} ... {README_END} markers; not updated")
        return
    table = "\n".join(
        "#" + line if line.startswith("## ") else line for line in text.splitlines()[1:]  # drop the title
    ).strip()
    head, rest = body.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    readme.write_text(f"{head}{README_START}\n{table}\n{README_END}{tail}")
    print("pasted the table into README.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/RESULTS.md", help="Markdown file, or - for stdout only")
    parser.add_argument("--only", default="*.ipynb", help="glob of notebooks/ to run (default: all)")
    parser.add_argument("--updates", type=int, default=20, help="updates per control (>= 20)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--fresh-clone", action="store_true", help="also time make test / make lab on a clone")
    parser.add_argument("--keep-clone", action="store_true", help="keep the fresh clone's temp dir")
    parser.add_argument(
        "--worktree", action="store_true", help="fresh clone = copy of the working tree, not `git clone` of HEAD"
    )
    parser.add_argument("--skip-notebooks", action="store_true", help="attention (and fresh clone) only")
    parser.add_argument("--skip-training", action="store_true", help="do not train the date model")
    parser.add_argument("--skip-browser", action="store_true", help="leave out the browser latency")
    parser.add_argument(
        "--browser-only", action="store_true", help="only the browser latency; other sections from the last run"
    )
    parser.add_argument("--presses", type=int, default=30, help="key presses per widget in the browser (>= 20)")
    args = parser.parse_args(argv)
    if args.presses < 20:
        parser.error("--presses must be at least 20")
    if args.updates < 20:
        parser.error("--updates must be at least 20")

    out = None if args.out == "-" else (REPO / args.out if not Path(args.out).is_absolute() else Path(args.out))
    previous = {}
    if out and out.with_suffix(".json").exists():
        previous = json.loads(out.with_suffix(".json").read_text())

    if args.browser_only:
        res = dict(previous) or {"machine": machine_info(), "notebooks": [], "attention": []}
        res["browser"] = bench_browser_section(args.only, args.presses)
        return write_results(res, out, args.only)
    res = {"machine": machine_info(), "notebooks": []}
    print(f"machine: {res['machine']['cpu']}, {res['machine']['cores']} cores, torch {res['machine']['torch']}")
    if not args.skip_notebooks:
        with tempfile.TemporaryDirectory(prefix="bench-nb-") as tmp:
            nb_dir = copy_notebooks(Path(tmp))
            for path in sorted(nb_dir.glob(args.only)):
                nb = bench_notebook(path, args.updates, args.timeout)
                res["notebooks"].append(nb)
                widgets = ", ".join(f"{fmt(w['median_ms'])} ms" for w in nb["widgets"]) or "no widget"
                print(f"  {nb['notebook']}: {nb['run_s']:.1f} s (+{nb['kernel_s']:.1f} s kernel); widgets {widgets}")
    res["attention"] = bench_attention()
    if not args.skip_training:
        res["training"] = bench_training()
        tr = res["training"]
        print(f"  training: {tr['train_s']:.1f} s, exact match {tr['exact']:.1%}; step lib {tr['lib_step_ms']:.1f} ms, "
              f"torch {tr['torch_step_ms']:.1f} ms ({tr['ratio']:.2f}x)")
    for row in res["attention"]:
        print(
            f"  attention n={row['n']}, {row['threads']} thread(s): lib {row['lib_ms']:.2f} ms, "
            f"torch {row['torch_ms']:.2f} ms, ratio {row['ratio']:.2f}"
        )
    res["fresh_clone"] = (
        bench_fresh_clone(args.keep_clone, args.worktree) if args.fresh_clone else previous.get("fresh_clone")
    )
    res["browser"] = None if args.skip_browser else bench_browser_section(args.only, args.presses)
    return write_results(res, out, args.only)


def bench_browser_section(only: str, presses: int) -> dict:
    """The browser latency (scripts/bench_browser.py), stamped with its own date and load."""
    load = round(os.getloadavg()[0], 2)
    result = bench_browser.measure(only, presses)
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    result["date"] = f"Measured {date}, load average {load} when it started."
    return result


def write_results(res: dict, out: Path | None, only: str) -> int:
    text = markdown(res)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        out.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n")
        if out == REPO / "bench" / "RESULTS.md" and only == "*.ipynb":
            paste_into_readme(text)
    print("\n" + text)
    if out:
        print(f"wrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out} and its .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
