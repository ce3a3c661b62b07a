"""scripts/: the widget probe on a real LiveFigure, and the notebook runner's cleaning and kernel."""

import json
import os
import sys
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from lib.widgets import FigureView, LiveFigure, slider

# The scripts are run as `python scripts/<name>.py`, which puts scripts/ on sys.path; do the same.
SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

import execute_notebooks  # noqa: E402
import nbrun  # noqa: E402
import widget_probe  # noqa: E402

import bench  # noqa: E402

N = 6  # updates per control: enough to see a pattern, quick on a small figure


def small_live_figure(*, dead: bool = False, fail_above: int | None = None) -> LiveFigure:
    """Slider `a`, checkbox `flag`, dropdown `pick` all move one line; `dead` (if asked for) moves nothing.

    With `fail_above`, update raises for a > fail_above (LiveFigure keeps that in last_error).
    """
    view = FigureView(figsize=(2.0, 1.5), dpi=40)
    ax = view.axes[0]
    (line,) = ax.plot([0, 1], [0, 0])
    ax.set_ylim(-1, 14)
    view.animate(line)

    def update(a, flag, pick, **_ignored):
        if fail_above is not None and a > fail_above:
            raise ValueError(f"a={a} is too large")
        line.set_ydata([0, a + 5 * flag + pick])
        return f"a={a}"

    controls = {
        "a": slider("a", 2, 0, 5),
        "flag": widgets.Checkbox(value=False, description="flag"),
        "pick": widgets.Dropdown(options=[("zero", 0), ("one", 1), ("two", 2)], value=0, description="pick"),
    }
    if dead:
        controls["dead"] = slider("dead", 0, 0, 3)
    return LiveFigure(controls, update, view)


# --- widget probe ----------------------------------------------------------------------------
def test_bounce_walks_up_and_down_without_repeating():
    assert widget_probe.bounce([0, 1, 2], 1, 5) == [2, 1, 0, 1, 2]
    assert widget_probe.bounce([0, 1, 2], 9, 3) == [1, 2, 1]  # a start off the grid counts as the first point
    assert widget_probe.bounce([0], 0, 3) == []


def test_values_for_each_kind_of_control():
    toggle = widgets.Checkbox(value=True)
    assert widget_probe.values_for(toggle, 4) == [False, True, False, True]
    dropdown = widgets.Dropdown(options=[("a", 10), ("b", 20), ("c", 30)], value=20)
    assert widget_probe.values_for(dropdown, 4) == [30, 20, 10, 20]
    wide = widgets.IntSlider(value=0, min=0, max=1000)
    values = widget_probe.values_for(wide, 40)
    assert len(set(values)) == widget_probe.MAX_POINTS and min(values) == 0 and max(values) == 1000
    floats = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.25)
    assert widget_probe.values_for(floats, 4) == [0.75, 1.0, 0.75, 0.5]
    log = widgets.FloatLogSlider(value=10.0, base=10, min=0, max=2)
    assert widget_probe.values_for(log, 1) == pytest.approx([10 ** (1 + 1 / 10)])
    assert widget_probe.values_for(widgets.Dropdown(options=["only"]), 3) == []  # nothing to move to


def test_probe_times_every_control_of_a_live_figure():
    live = small_live_figure(dead=True)
    before = live.values()
    [entry] = widget_probe.time_widget_updates([(7, live)], N)

    assert entry["cell"] == 7 and entry["type"] == "LiveFigure" and entry["images"] == 1
    assert [c["label"] for c in entry["controls"]] == ["a", "flag", "pick", "dead"]
    assert [c["kind"] for c in entry["controls"]] == ["IntSlider", "Checkbox", "Dropdown", "IntSlider"]
    assert entry["updates"] == 4 * N
    for control in entry["controls"]:
        assert control["median_ms"] > 0 and control["errors"] == [] and "ms" not in control
    assert entry["median_ms"] > 0 and entry["p90_ms"] >= entry["median_ms"]
    # Every move of a live control redrew the line; the dead slider never changed the picture.
    assert {c["label"]: c["unchanged"] for c in entry["controls"]} == {"a": 0, "flag": 0, "pick": 0, "dead": N}
    assert entry["unchanged"] == N
    assert live.values() == before  # each control put back where it was
    assert json.loads(json.dumps(entry)) == entry  # what the kernel prints for bench.py


def test_probe_counts_updates_and_finds_a_widget_by_model_id():
    live = small_live_figure()
    calls = []
    live.controls["a"].observe(lambda change: calls.append(change["new"]), names="value")
    [entry] = widget_probe.time_widget_updates([(0, live.model_id)], N)
    assert entry["type"] == "LiveFigure" and entry["updates"] == 3 * N
    assert calls[:N] == [3, 4, 5, 4, 3, 2] and calls[N:] == []  # up from 2 and back down; 2 again needs no reset

    [gone] = widget_probe.time_widget_updates([(3, "no-such-model-id")], N)
    assert gone["type"] is None and gone["error"] == "displayed widget not found in the kernel"
    assert gone["updates"] == 0 and gone["median_ms"] is None and gone["p90_ms"] is None


def test_probe_reports_the_errors_of_an_update():
    live = small_live_figure(fail_above=3)
    [entry] = widget_probe.time_widget_updates([(0, live)], N)
    by_label = {c["label"]: c for c in entry["controls"]}
    # a goes 3, 4, 5, 4, 3, 2: 4, 5 and 4 raise and draw nothing; 3 then redraws what 3 drew before.
    too_large = [f"ValueError('a={a} is too large')" for a in (4, 5, 4)]
    assert by_label["a"]["errors"] == too_large
    assert by_label["a"]["unchanged"] == 4
    assert by_label["flag"]["errors"] == [] and live.last_error is None


def test_probe_skips_a_control_it_cannot_move():
    view = FigureView(figsize=(2.0, 1.5), dpi=40)
    live = LiveFigure({"only": widgets.Dropdown(options=["x"], description="only")}, lambda only: None, view)
    [entry] = widget_probe.time_widget_updates([(0, live)], N)
    assert entry["controls"] == [{"label": "only", "skipped": "Dropdown"}]
    assert entry["updates"] == 0 and entry["median_ms"] is None


def test_bench_markdown_reads_the_probe_report():
    [entry] = widget_probe.time_widget_updates([(4, small_live_figure(dead=True))], N)
    machine = dict.fromkeys(["date", "commit", "cpu", "cores", "torch_threads", "memory_gib", "os"], "x")
    res = {
        "machine": dict(machine, python="3", torch="2", load_before=0.0),
        "notebooks": [{"notebook": "01_x.ipynb", "kernel_s": 1.0, "run_s": 2.0, "widgets": [entry]}],
        "attention": [],
    }
    [row] = [line for line in bench.markdown(res).splitlines() if line.startswith("| 01_x.ipynb | LiveFigure")]
    assert "| LiveFigure (4) | a " in row and f"dead {entry['controls'][3]['median_ms']:.1f} [{N} same]" in row
    assert f"| {4 * N} |" in row and f"({N} of {4 * N} updates left the image as it was¹)" in row


# --- notebook runner ---------------------------------------------------------------------
def test_clean_merges_streams_and_drops_what_changes_on_every_run():
    view = {"version_major": 2, "version_minor": 0, "model_id": "0123abcd"}
    cell = nbformat.v4.new_code_cell(
        "print('a')",
        outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="a"),
            nbformat.v4.new_output("stream", name="stdout", text="b\n"),
            nbformat.v4.new_output("stream", name="stderr", text="warn\n"),
            nbformat.v4.new_output("stream", name="stdout", text="c\n"),
            nbformat.v4.new_output("display_data", data={nbrun.WIDGET_VIEW: view, "text/plain": "IntSlider(...)"}),
        ],
        metadata={"execution": {"iopub.execute_input": "2024-01-01T00:00:00Z"}, "tags": ["keep"]},
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# title"), cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["kernelspec"] = {"name": "my-venv", "display_name": "Mine", "language": "python"}
    kept = nbformat.from_dict(json.loads(json.dumps(nb)))

    nbrun.clean(nb, keep_widget_views=False)
    nbformat.validate(nb)
    outputs = nb.cells[1].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs[:3]] == [
        ("stream", "stdout", "ab\n"),
        ("stream", "stderr", "warn\n"),
        ("stream", "stdout", "c\n"),
    ]
    assert outputs[3].data == {"text/plain": nbrun.WIDGET_PLACEHOLDER}
    assert nb.cells[1].metadata == {"tags": ["keep"]}
    assert "widgets" not in nb.metadata and nb.metadata["kernelspec"] == nbrun.KERNELSPEC

    nbrun.clean(kept, keep_widget_views=True)
    assert kept.cells[1].outputs[3].data[nbrun.WIDGET_VIEW] == view


def test_execute_runs_in_the_notebooks_folder_with_the_fixed_hash_seed(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import os, sys, time\n"
                "print('a', end=''); sys.stdout.flush(); time.sleep(0.2); print('b')\n"
                "print(os.environ['PYTHONHASHSEED'], os.getcwd())"
            ),
            nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider()"),
        ]
    )
    seconds = nbrun.execute(nb, tmp_path, timeout=30)
    nbrun.clean(nb, keep_widget_views=False)
    assert 0 < seconds < 30
    assert nb.metadata["language_info"]["name"] == "python"
    first, second = nb.cells
    assert [(o.output_type, o.text) for o in first.outputs] == [("stream", f"ab\n0 {tmp_path}\n")]
    assert [o.data for o in second.outputs] == [{"text/plain": nbrun.WIDGET_PLACEHOLDER}]
    assert all("execution" not in cell.metadata for cell in nb.cells)


def test_a_notebook_that_writes_to_stderr_is_not_written(tmp_path, capsys):
    """A stray warning (here a logged one, as matplotlib logs a missing glyph) fails `make notebooks`
    instead of being stored as an output that nbval would then expect."""
    path = tmp_path / "warns.ipynb"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('fine')"),
        nbformat.v4.new_code_cell("import logging\nlogging.getLogger('matplotlib').warning('no glyph for X')"),
    ])
    nbformat.write(nb, path)
    before = path.read_bytes()
    assert execute_notebooks.main([str(path)]) == 1
    assert path.read_bytes() == before
    assert "cell 1: no glyph for X" in capsys.readouterr().err


def test_a_failing_cell_raises_and_the_kernel_is_stopped(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import os, pathlib\npathlib.Path('pid').write_text(str(os.getpid()))"),
            nbformat.v4.new_code_cell("raise ValueError('boom')"),
            nbformat.v4.new_code_cell("print('never')"),
        ]
    )
    with pytest.raises(CellExecutionError, match="boom"):
        nbrun.execute(nb, tmp_path, timeout=30)
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the kernel process is gone (and reaped)
    assert nb.cells[2].outputs == []


def test_every_jupyterlab_this_project_starts_sends_kernel_messages_without_delay():
    """`make lab` and the browser test's server (which the bench uses too) name the same connection class."""
    from lib.labserver import SERVER_OPTION

    makefile = (SCRIPTS.parent / "Makefile").read_text()
    conftest = (SCRIPTS.parent / "tests" / "e2e" / "conftest.py").read_text()
    assert SERVER_OPTION in makefile and "SERVER_OPTION," in conftest
    assert SERVER_OPTION.endswith("=lib.labserver.NoDelayKernelConnection")


def test_the_kernel_connection_turns_nagle_off_before_it_connects(monkeypatch):
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

    from lib.labserver import NoDelayKernelConnection

    calls = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", lambda self: calls.append("connect") or "ready")

    class Handler:  # stands in for the kernel's websocket handler
        def set_nodelay(self, value):
            calls.append(("nodelay", value))

    connection = NoDelayKernelConnection.__new__(NoDelayKernelConnection)
    connection._trait_values["websocket_handler"] = Handler()  # without a live server behind it
    assert connection.connect() == "ready"
    assert calls == [("nodelay", True), "connect"]
