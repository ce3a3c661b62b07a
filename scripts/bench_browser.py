"""Widget latency as a student feels it: key press on a control to the new picture on screen.

Usage:
    .venv/bin/python scripts/bench_browser.py                 # every notebook, table to stdout
    .venv/bin/python scripts/bench_browser.py --only "04_*" --presses 40 --breakdown
    .venv/bin/python scripts/bench.py --browser-only          # the same, written into bench/RESULTS.md

What it does: starts JupyterLab exactly as the browser test does (tests/e2e/conftest.py
`lab_server`, on a temp copy of notebooks/), opens each notebook in headless Chromium, runs
Run > Run All Cells, waits for the kernel to be idle, and then, for every widget view that
has a picture, presses keys on one control, one press at a time:

- the control: the view's first slider (ArrowRight / ArrowLeft alternately on its handle);
  without a slider the first dropdown (the next / previous option picked, as a click would:
  JupyterLab keeps ArrowUp/ArrowDown for moving between cells), toggle buttons (Space on the
  other button) or checkbox (Space);
- the clock runs in the page (`performance.now()`): it starts in a capturing `keydown` (for a
  dropdown: `input`) listener on the window, before the widget sees the event, and stops when the picture is
  shown: a MutationObserver sees the `<img>`'s `src` change, `img.decode()` resolves, the
  next animation frame runs, and a task queued from that frame runs (the frame is painted);
- the next press waits until the picture is shown and the kernel is idle again, so presses
  never queue behind each other.

With --breakdown the kernel is instrumented too (timestamps on the same wall clock as the
page's `performance.timeOrigin + now()`) and each update is split into: key press -> comm
message sent on the websocket -> kernel receives it -> update callback (compute, move the
artists) -> render (blit, encode, send) -> picture message arrives in the page -> `src` set
-> decoded -> painted.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
E2E = REPO / "tests" / "e2e"

TARGET_P90_MS = 50.0
PRESS_TIMEOUT_MS = 4000  # a press whose picture has not changed by then counts as missed
WARMUP_PRESSES = 2  # not counted: the first updates after Run All may still be settling

# Installed before JupyterLab's own scripts: a clock on every key press and on the websocket.
JS_INIT = r"""(() => {
  if (window.__lat) return;
  const L = window.__lat = {log: null};
  const size = (d) => d == null ? 0 : (d.byteLength ?? d.size ?? d.length ?? 0);
  L.mark = (kind, extra) => { if (L.log) L.log.push([kind, performance.now(), extra]); };
  const Orig = window.WebSocket;
  function Timed(...args) {
    const ws = new Orig(...args);
    ws.addEventListener('message', (e) => L.mark('ws-in', size(e.data)));
    const send = ws.send.bind(ws);
    ws.send = (d) => { L.mark('ws-out', size(d)); return send(d); };
    return ws;
  }
  Timed.prototype = Orig.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Timed[k] = Orig[k];
  window.WebSocket = Timed;
  window.addEventListener('keydown', (e) => L.mark('keydown', e.key), true);
  window.addEventListener('input', (e) => L.mark('input', e.target.tagName), true);
})();"""

# Arm the clock on one view's <img>: resolves when the next picture is shown.
JS_ARM = r"""(i) => {
  const L = window.__lat;
  const img = document.querySelector(`[data-e2e-view="${i}"] img`);
  L.log = [];
  L.pending = new Promise((resolve) => {
    const mo = new MutationObserver(() => {
      mo.disconnect();
      const src = performance.now();
      img.decode().catch(() => null).then(() => {
        const decoded = performance.now();
        requestAnimationFrame(() => {
          const frame = performance.now();
          const ch = new MessageChannel();
          ch.port1.onmessage = () => {
            const shown = performance.now();
            resolve({src, decoded, frame, shown, log: L.log, origin: performance.timeOrigin,
                     w: img.naturalWidth, h: img.naturalHeight});
            L.log = null;
          };
          ch.port2.postMessage(null);
        });
      });
    });
    mo.observe(img, {attributes: true, attributeFilter: ['src']});
  });
  return img.naturalWidth;
}"""

JS_WAIT = r"""(ms) => new Promise((resolve) => {
  const L = window.__lat;
  const timer = setTimeout(() => { L.log = null; resolve(null); }, ms);
  L.pending.then((sample) => { clearTimeout(timer); resolve(sample); });
})"""

# Code run in the notebook's kernel (through JupyterLab's kernel connection) for --breakdown.
KERNEL_HOOKS = r"""
def _bench_latency_hooks():
    import time
    import comm.base_comm as base_comm
    import ipywidgets.widgets.widget as widget_module
    import lib.widgets as lw
    log = []
    if getattr(base_comm.BaseComm, '_bench_log', None) is not None:
        return base_comm.BaseComm._bench_log
    comm_cls = next((type(w.comm) for w in widget_module._instances.values() if w.comm), base_comm.BaseComm)
    handle_msg, publish_msg = comm_cls.handle_msg, comm_cls.publish_msg
    render = lw.FigureView.render
    def timed_handle(self, msg):
        log.append(('recv', time.time() * 1000))
        return handle_msg(self, msg)
    def timed_publish(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        t = time.time() * 1000
        out = publish_msg(self, msg_type, data=data, metadata=metadata, buffers=buffers, **keys)
        log.append(('send', t, time.time() * 1000, (data or {}).get('method'), sum(len(b) for b in buffers or ())))
        return out
    encode = lw.encode_png
    def timed_encode(rgba):
        t = time.time() * 1000
        try:
            return encode(rgba)
        finally:
            log.append(('encode', t, time.time() * 1000))
    lw.encode_png = timed_encode
    def timed_render(self):
        t = time.time() * 1000
        render(self)
        log.append(('render', t, time.time() * 1000))
    comm_cls.handle_msg, comm_cls.publish_msg = timed_handle, timed_publish
    lw.FigureView.render = timed_render
    for w in list(widget_module._instances.values()):
        if isinstance(w, lw.LiveFigure):
            def timed_update(*a, _f=w._update, **k):
                t = time.time() * 1000
                try:
                    return _f(*a, **k)
                finally:
                    log.append(('update', t, time.time() * 1000))
            w._update = timed_update
    base_comm.BaseComm._bench_log = log
    return log
_bench_latency_hooks()
"""
KERNEL_DRAIN = r"""
import comm.base_comm as _bc, json as _json
print('@@lat@@' + _json.dumps(_bc.BaseComm._bench_log)); _bc.BaseComm._bench_log.clear()
"""

JS_EXECUTE = r"""async (code) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  let out = '';
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream') out += msg.content.text;
    if (msg.header.msg_type === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
  };
  await future.done;
  return out;
}"""


def e2e_modules():
    """conftest (lab_server, Chromium flags) and the browser test's page helpers."""
    if str(E2E) not in sys.path:
        sys.path.insert(0, str(E2E))
    import conftest
    import test_notebooks_in_browser

    return conftest, test_notebooks_in_browser


def percentile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation (numpy's default), q in [0, 1]."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def pick_control(view, e2e):
    """(kind, label, locator) of the control to press: a slider first, else a dropdown, toggle, checkbox."""
    found = e2e.controls(view)  # the browser test's list: (kind, label, locator), in display order
    for kind in ("slider", "dropdown", "toggle buttons", "checkbox"):
        for item in found:
            if item[0] == kind:
                return item
    return None


def starts_forward(kind: str, loc) -> bool:
    """Whether the first press goes up (a slider or dropdown already at its end goes down first)."""
    if kind == "slider":
        handle = loc.locator(".noUi-handle").first
        return handle.get_attribute("aria-valuenow") != handle.get_attribute("aria-valuemax")
    if kind == "dropdown":
        return loc.locator("select").first.evaluate("s => s.selectedIndex < s.options.length - 1")
    return True


def press_once(kind: str, loc, forward: bool) -> None:
    """One key press on the control (ArrowRight/Left for a slider, Space for toggles); a dropdown: the next option."""
    if kind == "slider":
        target, key = loc.locator(".noUi-handle").first, "ArrowRight" if forward else "ArrowLeft"
    elif kind == "dropdown":  # JupyterLab takes ArrowUp/ArrowDown for its own (move between cells)
        select = loc.locator("select").first
        index = select.evaluate("s => s.selectedIndex") + (1 if forward else -1)
        select.select_option(index=index)
        return
    elif kind == "toggle buttons":
        target, key = loc.locator("button.widget-toggle-button:not(.mod-active)").first, "Space"
    else:
        target, key = loc.locator("input[type=checkbox]").first, "Space"
    target.focus()
    target.press(key)


def wait_idle(page, e2e, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while page.evaluate(e2e.JS_BUSY) and time.monotonic() < deadline:
        time.sleep(0.02)


def split(sample: dict, kernel: list | None) -> dict:
    """One update cut into stages (ms): page clock, plus the kernel's wall clock when given."""
    log = sample["log"]
    t0 = next(t for kind, t, _ in log if kind in ("keydown", "input"))
    outs = [t for kind, t, _ in log if kind == "ws-out" and t >= t0]
    ins = [(size, t) for kind, t, size in log if kind == "ws-in" and t >= t0]
    stages = {"total": sample["shown"] - t0}
    if outs:
        stages["key -> ws send"] = outs[0] - t0
    if ins:
        size, t_pic = max(ins)  # the picture is the largest message
        stages["picture bytes"] = size
        stages["picture in page -> src set"] = sample["src"] - t_pic
        if outs:
            stages["ws send -> picture in page"] = t_pic - outs[0]
    stages["src set -> decoded"] = sample["decoded"] - sample["src"]
    stages["decoded -> painted"] = sample["shown"] - sample["decoded"]
    if kernel and outs and ins:
        to_page = lambda wall: wall - sample["origin"]  # noqa: E731 - kernel wall clock -> page clock
        recv = [to_page(e[1]) for e in kernel if e[0] == "recv"]
        upd = [e for e in kernel if e[0] == "update"]
        ren = [e for e in kernel if e[0] == "render"]
        pics = [e for e in kernel if e[0] == "send" and e[4] > 1000]
        if recv and upd and ren and pics:
            stages["ws send -> kernel receives"] = recv[0] - outs[0]
            stages["kernel: receive -> update starts"] = to_page(upd[0][1]) - recv[0]
            stages["kernel: update (compute, artists)"] = upd[0][2] - upd[0][1]
            stages["kernel: render (draw, encode, send)"] = ren[0][2] - ren[0][1]
            enc = [e for e in kernel if e[0] == "encode"]
            if enc:
                stages["kernel: render: draw"] = enc[0][1] - ren[0][1]
                stages["kernel: render: encode"] = enc[0][2] - enc[0][1]
                stages["kernel: render: send"] = ren[0][2] - enc[0][2]
            stages["kernel: picture sent -> in page"] = t_pic - to_page(pics[0][2])
    return stages


def measure_view(page, e2e, index: int, presses: int, kernel_hooks: bool) -> dict | None:
    view = page.locator(f'[data-e2e-view="{index}"]')
    if not view.locator("img").count():
        return None
    picked = pick_control(view, e2e)
    if picked is None:
        return None
    kind, label, loc = picked
    view.scroll_into_view_if_needed()
    first = starts_forward(kind, loc)
    times, missed, stages, size = [], 0, [], None
    for n in range(WARMUP_PRESSES + presses):
        wait_idle(page, e2e)
        time.sleep(0.05)
        if kernel_hooks:
            page.evaluate(JS_EXECUTE, KERNEL_DRAIN)
        page.evaluate(JS_ARM, index)
        press_once(kind, loc, first == (n % 2 == 0))
        sample = page.evaluate(JS_WAIT, PRESS_TIMEOUT_MS)
        if n < WARMUP_PRESSES:
            continue
        if sample is None or not any(k in ("keydown", "input") for k, _, _ in sample["log"]):
            missed += 1
            continue
        size = (sample["w"], sample["h"])
        kernel = None
        if kernel_hooks:
            wait_idle(page, e2e)
            out = page.evaluate(JS_EXECUTE, KERNEL_DRAIN)
            kernel = json.loads(out.split("@@lat@@", 1)[1]) if "@@lat@@" in out else None
        st = split(sample, kernel)
        times.append(st["total"])
        stages.append(st)
    row = {"control": f"{kind} '{label}'" if label else kind, "n": len(times), "missed": missed, "pixels": size}
    if times:
        row.update(median_ms=statistics.median(times), p90_ms=percentile(times, 0.9), max_ms=max(times))
        keys = sorted({k for st in stages for k in st})
        row["stages_median"] = {k: statistics.median(st[k] for st in stages if k in st) for k in keys}
    return row


def measure_notebook(context, lab, e2e, notebook: Path, presses: int, breakdown: bool) -> dict:
    name = notebook.name
    page = context.new_page()
    page.set_default_timeout(20_000)
    result = {"notebook": name, "widgets": []}
    try:
        page.goto(f"{lab.url}/lab/workspaces/bench-{notebook.stem}/tree/{notebook.as_posix()}?token={lab.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-cell", state="attached", timeout=60_000)
        e2e.wait_kernel(page, name)
        e2e.run_all(page, name)
        n_views = page.evaluate(e2e.JS_MARK_VIEWS)
        if breakdown and n_views:
            out = page.evaluate(JS_EXECUTE, KERNEL_HOOKS)
            if out.strip():
                raise RuntimeError(f"kernel hooks failed: {out}")
        for i in range(n_views):
            cell = page.locator(f'[data-e2e-view="{i}"]').evaluate(
                "(v) => [...v.closest('.jp-NotebookPanel').querySelectorAll('.jp-Notebook-cell')]"
                ".indexOf(v.closest('.jp-Notebook-cell'))"
            )
            row = measure_view(page, e2e, i, presses, breakdown)
            if row is not None:
                result["widgets"].append(dict(row, cell=cell))
    except Exception as exc:  # one notebook failing must not lose the others' numbers
        result["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        traceback.print_exc(file=sys.stderr)
    finally:
        page.close()
        lab.shutdown_kernels()
    return result


def lab_settings(conftest, windowing: str | None) -> dict:
    """The browser test's JupyterLab settings, but the notebook's windowing mode as a student has it.

    The browser test attaches every cell (`windowingMode: none`) to inspect off-screen outputs;
    `make lab` keeps JupyterLab's default (`contentVisibility`: the browser skips off-screen cells).
    """
    settings = {k: v for k, v in conftest.LAB_SETTINGS.items() if "notebook-extension/tracker" not in k}
    if windowing is not None:
        settings["@jupyterlab/notebook-extension/tracker.jupyterlab-settings"] = {"windowingMode": windowing}
    return settings


def measure(
    only: str = "*.ipynb", presses: int = 30, breakdown: bool = False, windowing: str | None = None, log=print
) -> dict:
    """Start JupyterLab and Chromium, measure every widget of the notebooks matching `only`."""
    conftest, e2e = e2e_modules()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit(f"Chromium is not on PATH; install it with: {conftest.INSTALL_HINT}")
    notebooks = sorted(p.relative_to(REPO / "notebooks") for p in (REPO / "notebooks").glob(only))
    res = {"presses": presses, "target_p90_ms": TARGET_P90_MS, "windowing": windowing or "default", "notebooks": []}
    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    try:
        settings = lab_settings(conftest, windowing)
        server = conftest.lab_server(extra_args=["--LabApp.expose_app_in_browser=True"], settings=settings)
        with server as lab, sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=conftest.CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000},
            )  # fmt: skip
            context.add_init_script(JS_INIT)
            res["chromium"] = context.browser.version if context.browser else None
            try:
                for nb in notebooks:
                    got = measure_notebook(context, lab, e2e, nb, presses, breakdown)
                    res["notebooks"].append(got)
                    summary = ", ".join(
                        f"{w['control']} {w.get('median_ms', math.nan):.0f}/{w.get('p90_ms', math.nan):.0f} ms"
                        for w in got["widgets"]
                    )
                    error = f" [{got['error']}]" if got.get("error") else ""
                    log(f"  browser {got['notebook']}: {summary or 'no widget'}{error}")
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return res


def markdown(res: dict) -> list[str]:
    """The README/RESULTS section (lines), from `measure`'s result."""
    target = res.get("target_p90_ms", TARGET_P90_MS)
    lines = [
        "## Widgets in the browser, key press to picture",
        "",
        "`scripts/bench_browser.py`: JupyterLab (default settings, as `make lab`) in headless Chromium, "
        "Run All, then one control change at a time on each widget (slider: ArrowRight/ArrowLeft alternately "
        "on its handle; no slider: the next/previous dropdown option, or Space on a toggle), waiting for each "
        "picture before the next. Timed in the page with `performance.now()`, from the `keydown` (dropdown: "
        "`input`) to the new `<img>` decoded and painted (MutationObserver on `src`, `img.decode()`, "
        f"next animation frame). {res.get('date', '')}".rstrip(),
        "",
        f"| notebook | widget (cell) | control | n | median (ms) | p90 (ms) | target p90 ≤ {target:.0f} ms |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for nb in res["notebooks"]:
        if nb.get("error") and not nb["widgets"]:
            lines.append(f"| {nb['notebook']} | — | error: {nb['error'][:120]} | 0 | — | — | **missed** |")
        for w in nb["widgets"]:
            ok = w.get("p90_ms") is not None and w["p90_ms"] <= target and not w["missed"]
            miss = f" ({w['missed']} without a new picture)" if w["missed"] else ""
            med = f"{w['median_ms']:.1f}" if "median_ms" in w else "—"
            p90 = f"{w['p90_ms']:.1f}" if "p90_ms" in w else "—"
            verdict = "ok" if ok else "**missed**"
            lines.append(
                f"| {nb['notebook']} | LiveFigure ({w['cell']}) | {w['control']} | {w['n']} | {med} | {p90} "
                f"| {verdict}{miss} |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="*.ipynb", help="glob of notebooks/ to measure (default: all)")
    parser.add_argument("--presses", type=int, default=30, help="key presses per widget (after 2 warm-up ones)")
    parser.add_argument("--breakdown", action="store_true", help="also instrument the kernel; print the stages")
    parser.add_argument("--windowing", help="JupyterLab windowingMode (default: JupyterLab's own default)")
    parser.add_argument("--json", help="write the raw result here")
    args = parser.parse_args(argv)
    res = measure(args.only, args.presses, args.breakdown, args.windowing)
    print("\n".join(markdown(res)))
    if args.breakdown:
        for nb in res["notebooks"]:
            for w in nb["widgets"]:
                print(f"\n{nb['notebook']} cell {w['cell']} {w['control']} {w.get('pixels')}:")
                for k, v in w.get("stages_median", {}).items():
                    print(f"  {k:40s} {v:10.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
