"""Run a notebook the way nbval does: a fresh kernel of this Python, in the notebook's folder.

Shared by `execute_notebooks.py` (which writes the outputs back) and `bench.py` (which
times the cells and then probes the widgets). Both are run as `python scripts/<name>.py`,
so this folder is on `sys.path` and `import nbrun` finds this file.

- The kernel is always this interpreter (the project venv), never a kernel spec installed
  for the user, and it gets the same hash seed as `make test` (`KERNEL_ENV`).
- The kernel is stopped when the run ends, also when a cell raises or times out.
- `clean` drops what changes on every run without changing the lesson, so re-running an
  unchanged notebook stores the same file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from ipykernel.kernelspec import get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from traitlets import default

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_PLACEHOLDER = "Run this cell to show the interactive widget."
# What a notebook stores as its kernel, whatever the machine that ran it called its kernel.
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# The kernel's environment on top of the caller's (the caller's values win, as with `make`,
# which exports the same): sets and dicts print in the same order when outputs are made and
# when nbval compares them, and Jupyter uses its current path layout without a notice.
KERNEL_ENV = {"PYTHONHASHSEED": "0", "JUPYTER_PLATFORM_DIRS": "1"}


class CurrentEnvKernelSpecs(KernelSpecManager):
    """Every kernel name resolves to an ipykernel of the interpreter running this script."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(resource_dir="", **get_kernel_dict())


class CurrentEnvKernelManager(KernelManager):
    """Starts the kernel from `CurrentEnvKernelSpecs`, with `KERNEL_ENV` added to its environment."""

    @default("kernel_spec_manager")
    def _current_env_specs(self) -> KernelSpecManager:
        return CurrentEnvKernelSpecs()

    def start_kernel(self, **kw: Any) -> None:
        kw["env"] = {**KERNEL_ENV, **kw.get("env", os.environ)}
        super().start_kernel(**kw)


def new_client(nb: nbformat.NotebookNode, cwd: Path, *, timeout: int) -> NotebookClient:
    """A client that runs `nb` (in memory) in a new kernel started in `cwd`.

    The client owns its kernel manager, so nbclient stops the kernel and closes its channels
    when `client.execute()` or `running_kernel(client)` ends, also on an error. A cell that
    raises stops the run (`CellExecutionError`); one that runs longer than `timeout` seconds
    too (`CellTimeoutError`). Timings and widget state are not recorded in the notebook.
    """
    return NotebookClient(
        nb,
        kernel_name="python3",
        kernel_manager_class=CurrentEnvKernelManager,
        shutdown_kernel="immediate",
        timeout=timeout,
        allow_errors=False,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(cwd)}},
    )


def stop_kernel(client: NotebookClient) -> None:
    """Kill the client's kernel if one is still running (safe to call twice)."""
    km = client.km
    if km is not None and km.has_kernel:
        km.shutdown_kernel(now=True)


def execute(nb: nbformat.NotebookNode, cwd: Path, *, timeout: int) -> float:
    """Run every cell of `nb` in place (outputs and `language_info` stored); return the seconds taken."""
    client = new_client(nb, cwd, timeout=timeout)
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        stop_kernel(client)  # normally done already by nbclient; this is the safety net
    return time.perf_counter() - start


@contextmanager
def running_kernel(client: NotebookClient) -> Iterator[None]:
    """Start the client's kernel for `client.execute_cell(...)` calls; stop it on leaving."""
    try:
        with client.setup_kernel():
            yield
    finally:
        stop_kernel(client)


def widget_views(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, model id) of every widget a code cell displayed, in order."""
    return [
        (index, output["data"][WIDGET_VIEW]["model_id"])
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.outputs
        if WIDGET_VIEW in output.get("data", {})
    ]


def coalesce_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks: how the kernel split a print is timing, not content."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def clean(nb: nbformat.NotebookNode, *, keep_widget_views: bool) -> None:
    """Drop metadata that changes on every run without changing the lesson (in place)."""
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
