"""Re-execute notebooks in place so their stored outputs match what nbval will see.

Usage:
    .venv/bin/python scripts/execute_notebooks.py                 # every notebooks/*.ipynb
    .venv/bin/python scripts/execute_notebooks.py notebooks/01_self_attention.ipynb

Each notebook runs top to bottom in a fresh kernel of *this* Python (the project venv),
with the notebook's own folder as working directory, exactly as nbval runs it. Volatile
metadata (execution timing, widget state, random widget ids) is not stored, so a re-run
that changes nothing leaves `git diff` empty. A notebook whose cell raises is not written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from ipykernel.kernelspec import get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

REPO = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_PLACEHOLDER = "Run this cell to show the interactive widget."
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


class CurrentEnvKernelSpecs(KernelSpecManager):
    """Always start the kernel with the interpreter running this script (never a user kernel)."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(resource_dir="", **get_kernel_dict())


def coalesce_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks: how the kernel split a print is timing, not content."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def clean(nb: nbformat.NotebookNode, *, keep_widget_views: bool) -> None:
    """Drop metadata that changes on every run without changing the lesson."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.outputs = coalesce_streams(cell.outputs)
        if keep_widget_views:
            continue
        for output in cell.outputs:
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                # The view points at a random model id whose state is not stored, so it
                # cannot render from disk anyway; a fixed hint keeps diffs clean.
                del data[WIDGET_VIEW]
                data["text/plain"] = WIDGET_PLACEHOLDER


def execute(path: Path, *, timeout: int, keep_widget_views: bool) -> float:
    """Run one notebook in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnvKernelSpecs())
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        allow_errors=False,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        if km.has_kernel:  # a kernel manager we pass in is ours to stop, not nbclient's
            km.shutdown_kernel(now=True)
    seconds = time.perf_counter() - start
    clean(nb, keep_widget_views=keep_widget_views)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell (120)")
    parser.add_argument(
        "--keep-widget-views", action="store_true", help="store widget outputs unchanged"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((REPO / "notebooks").glob("*.ipynb"))
    if not paths:
        print("No notebooks to execute.")
        return 0
    # Same hash seed as `make test`, so the kernel prints sets and dicts in the same order.
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    failed = []
    for path in paths:
        try:
            seconds = execute(path, timeout=args.timeout, keep_widget_views=args.keep_widget_views)
        except (CellExecutionError, CellTimeoutError) as err:
            failed.append(path)
            print(f"FAILED {path} (not written)\n{err}", file=sys.stderr)
            continue
        print(f"ok {seconds:6.1f} s  {path}")
    if failed:
        print(f"{len(failed)} of {len(paths)} notebooks failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
