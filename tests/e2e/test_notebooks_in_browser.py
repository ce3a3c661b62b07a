"""Every notebook, run in JupyterLab in a real (headless) Chromium, and every widget control moved.

For each notebooks/*.ipynb (a temp copy, see conftest.py):
1. open it in JupyterLab, Run > Run All Cells, wait until the kernel is idle;
2. assert no cell shows an error, a traceback or anything on stderr, that every code cell ran,
   and that every widget rendered (no "Error displaying widget", every <img> decoded);
3. for every widget view, change each control (slider: focus the handle, press ArrowRight /
   ArrowLeft / End / Home; dropdown: select another option; toggle buttons, toggle button,
   checkbox, radio: click another choice) and assert that what the view displays changed
   (a slider must change the plot, i.e. the bytes of the <img>; another control the plot or
   the HTML read-out; some control must change the plot), and that no error appeared: in a
   cell, in the read-out (lib.widgets.LiveFigure shows `error: ...` there), in JupyterLab's
   log console (a callback that raises), in the server/kernel log, or as a page error;
4. save a screenshot to tests/e2e/screenshots/<notebook>.png (and the server log beside it).

Both editions. The Korean edition (notebooks/ko/, the same code cells: tests/test_i18n.py) runs up
to and including its last widget cell instead of Run All: strict nbval already runs it top to bottom,
and the cells after the widgets (checks, exercises) drive no widget; that keeps `make test` within its
time. In every notebook, before and after running, every Hangul character on the page (Markdown,
stored and fresh outputs, widget labels and read-outs, code) must be drawn with a real glyph, not the
missing-glyph box ("tofu"): each is drawn on a canvas in its element's font and compared with the
drawing of an unassigned code point (U+0378). Figures are PNGs drawn by matplotlib, whose
missing-glyph warning would show on stderr, which fails the cell (step 2).

Run: `make e2e` (or `.venv/bin/python -m pytest tests/e2e -s` to also see per-notebook timings).
Knobs (see conftest.py): E2E_ONLY="01_* ko/01_*" for some notebooks, E2E_ALLOW_SKIP=1 without Chromium.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

RUN_ALL_TIMEOUT = 120.0  # seconds for one notebook top to bottom (target is 15 s)
UPDATE_TIMEOUT = 10.0  # seconds for a widget to show a control change (target is 20 ms)
IDLE_TIMEOUT = 30.0
POLL = 0.1

VIEW = "[data-e2e-view]"  # set by JS_MARK_VIEWS on the root element of every widget view
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# Things in the server's stdout/stderr (which kernels inherit) that mean something broke.
LOG_ALARMS = ("Traceback (most recent call last)", "Exception in comm_msg")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# scripts/execute_notebooks.py stores this text instead of a widget view (no kernel on disk).
WIDGET_PLACEHOLDER = "to show the interactive widget"

# Kernel status as the notebook shows it, and the cells that are still queued or running.
JS_BUSY = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return 'no notebook panel';
  const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const kernel = panel.querySelector('.jp-Toolbar-kernelName');
  if (!kernel || /No Kernel/i.test(kernel.textContent)) return 'no kernel yet';
  if (document.querySelector('.jp-Dialog')) return 'a dialog is open';
  const status = ind ? ind.getAttribute('data-status') : 'no indicator';
  if (status !== 'idle') return 'kernel ' + status;
  const running = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
      .filter(p => p.textContent.includes('*')).length;
  return running ? running + ' cell(s) running' : '';
}"""

# One record per cell: index (as in the .ipynb), type, first source line, prompt, errors.
JS_CELLS = """([stderrSel]) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  return [...panel.querySelectorAll('.jp-Notebook-cell')]
    .map((cell, index) => {
      const lines = [...cell.querySelectorAll('.jp-InputArea-editor .cm-line')].map(l => l.textContent);
      const errors = [...cell.querySelectorAll(stderrSel)].map(e => e.innerText);
      const outText = [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\\n');
      if (outText.includes('Error displaying widget')) errors.push('widget did not render: ' + outText.slice(0, 300));
      const imgs = [...cell.querySelectorAll('.jp-OutputArea-output img')];
      for (const img of imgs) if (img.complete && img.naturalWidth === 0 && img.src)
        errors.push('an image in the output does not decode');
      // An un-rendered widget shows its Python repr, e.g. "VBox(children=(IntSlider(...".
      for (const o of cell.querySelectorAll('.jp-OutputArea-output'))
        if (!o.querySelector('.jupyter-widgets') && /^[A-Z]\\w*\\((children|value|layout)=/.test(o.innerText.trim()))
          errors.push('a widget was shown as text, not rendered: ' + o.innerText.slice(0, 200));
      const prompt = cell.querySelector('.jp-InputPrompt');
      return {index, code: cell.classList.contains('jp-CodeCell'),
              first: (lines.find(l => l.trim()) || '').slice(0, 80),
              prompt: prompt ? prompt.textContent.trim() : '', empty: lines.join('').trim() === '', errors};
    });
}"""

# Every Hangul character in the notebook panel, grouped by the font its element asks for, drawn on a
# canvas and compared with the drawing of two unassigned code points: the same pixels = the box a
# browser draws for a character no installed font has (tofu). Returns the count checked and the misses.
JS_TOFU = """(selector) => {
  const panel = document.querySelector(selector);
  const hangul = /[\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3]/g;
  const fonts = new Map();
  const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    const chars = el && node.nodeValue.match(hangul);
    if (!chars) continue;
    const cs = getComputedStyle(el);
    const font = `${cs.fontStyle} ${cs.fontWeight} 32px ${cs.fontFamily}`;
    if (!fonts.has(font)) fonts.set(font, new Set());
    chars.forEach(c => fonts.get(font).add(c));
  }
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (font, ch) => {
    ctx.clearRect(0, 0, 48, 48); ctx.font = font; ctx.fillStyle = '#000'; ctx.fillText(ch, 4, 36);
    const d = ctx.getImageData(0, 0, 48, 48).data;
    let h = 0; for (let i = 3; i < d.length; i += 4) h = (h * 31 + d[i]) >>> 0;
    return h;
  };
  const missing = [], probe = [];
  let checked = 0;
  for (const [font, chars] of fonts) {
    const box = draw(font, '\u0378');
    probe.push(box === draw(font, '\u0379') && box !== draw(font, 'A'));
    const bad = [...chars].filter(c => draw(font, c) === box);
    checked += chars.size;
    if (bad.length) missing.push(font + ': ' + bad.slice(0, 20).join(''));
  }
  return {checked, fonts: fonts.size, missing, probeWorks: probe.every(Boolean)};
}"""


PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def tofu(page, where: str, selector: str = PANEL) -> int:
    """Fail if a Hangul character in `selector` has no glyph; return how many distinct ones were checked."""
    found = page.evaluate(JS_TOFU, selector)
    assert found["probeWorks"], f"{where}: the missing-glyph probe cannot tell a missing glyph here"
    assert not found["missing"], (
        f"{where}: Hangul drawn as missing-glyph boxes (no Korean font; on Debian: apt-get install -y fonts-nanum, "
        "which `make e2e` does as root): " + "; ".join(found["missing"]))
    return found["checked"]


# Open a notebook in the loaded JupyterLab page (window.jupyterapp: conftest.lab_page), after closing
# whatever the previous test left open, without asking to save it (a test copy).
JS_OPEN = """async (path) => {
  const app = window.jupyterapp;
  for (const w of [...app.shell.widgets('main')]) {
    if (w.context && w.context.model) w.context.model.dirty = false;
    w.dispose();
  }
  await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
}"""
JS_CLOSE = """() => {
  for (const w of [...window.jupyterapp.shell.widgets('main')]) {
    if (w.context && w.context.model) w.context.model.dirty = false;
    w.dispose();
  }
}"""


# Mark the root element of every widget view in the notebook (nested widgets are not roots).
JS_MARK_VIEWS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const roots = [...panel.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets')]
      .filter(el => !el.parentElement.closest('.jupyter-widgets'));
  roots.forEach((el, i) => el.setAttribute('data-e2e-view', String(i)));
  return roots.length;
}"""

# What a widget view shows: a hash of every image's bytes, the text of HTML and Output parts.
JS_DISPLAY = """async (view) => {
  const hex = async (buf) => {
    if (crypto.subtle) {
      const d = await crypto.subtle.digest('SHA-256', buf);
      return [...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join('');
    }
    let h = 0; for (const b of new Uint8Array(buf)) h = (h * 31 + b) >>> 0; return 'h' + h + ':' + buf.byteLength;
  };
  const images = [];
  for (const img of view.querySelectorAll('img')) {
    try { images.push(await hex(await (await fetch(img.src)).arrayBuffer())); }
    catch (e) { images.push('unreadable:' + img.src.slice(0, 40)); }
  }
  const texts = [...view.querySelectorAll('.widget-html-content, .widget-output')].map(e => e.innerText);
  return {images, texts};
}"""


# A read-out that shows an error: lib.widgets.LiveFigure catches an exception of its update
# callback and shows `error: RuntimeError(...)` in its HTML read-out instead of raising.
READOUT_ERROR = re.compile(r"(?i:^\s*error:)|Traceback|\b[A-Z]\w*(Error|Exception)\b\s*[(:]", re.MULTILINE)


def shown_errors(display: dict) -> list[str]:
    return [f"the widget shows an error: {shorten(t)}" for t in display["texts"] if READOUT_ERROR.search(t)]


# JupyterLab's log console collects kernel output that belongs to no cell, e.g. the traceback
# of a widget callback that raised. The status bar item says how many entries it holds.
JS_LOG_COUNT = """() => {
  const item = document.querySelector('.jp-LogConsoleStatusItem [title]');
  const m = item && /(\\d+) log entr/.exec(item.getAttribute('title'));
  return m ? Number(m[1]) : 0;
}"""
JS_LOG_ENTRIES = """() => [...document.querySelectorAll('.jp-LogConsolePanel .jp-OutputArea-child')].map(e => {
  const p = e.querySelector('[data-log-level]');
  return {level: p ? p.getAttribute('data-log-level') : '?', text: e.innerText};
})"""


def shorten(text: str, head: int = 400, tail: int = 1600) -> str:
    """Keep the start and the end of a long traceback (the end names the exception)."""
    return text if len(text) <= head + tail else f"{text[:head]}\n[...]\n{text[-tail:]}"


def expected_widget_cells(path: Path) -> set[int]:
    """Cells whose stored output is a widget view (or its placeholder): each must render one."""
    nb = json.loads(path.read_text())
    found = set()
    for index, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            if WIDGET_MIME in data or WIDGET_PLACEHOLDER in text:
                found.add(index)
    return found


def wait_idle(page, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    state = page.evaluate(JS_BUSY)
    while state and time.monotonic() < deadline:
        time.sleep(POLL)
        state = page.evaluate(JS_BUSY)
    if state:
        pytest.fail(f"{what}: not idle after {timeout:.0f} s ({state})", pytrace=False)


def wait_kernel(page, name: str, timeout: float = 60.0) -> None:
    """Wait for the notebook's kernel; accept the 'Select Kernel' dialog if JupyterLab shows it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog")
        if dialog.count() and "Select Kernel" in dialog.first.inner_text():
            dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()
        if not page.evaluate(JS_BUSY):
            return
        time.sleep(POLL)
    wait_idle(page, f"{name}: kernel start", 0)


def cell_errors(page, name: str) -> list[str]:
    return [
        f"{name}, cell {c['index']} ({c['prompt'] or 'no prompt'}, starts `{c['first']}`):\n{shorten(err)}"
        for c in page.evaluate(JS_CELLS, [STDERR])
        for err in c["errors"]
    ]


class Watch:
    """Collects errors that appear outside the cells: page errors, JupyterLab's log, server log."""

    def __init__(self, page, lab):
        self.page, self.lab = page, lab
        self.page_errors: list[str] = []
        self._listener = lambda exc: self.page_errors.append(str(exc))
        page.on("pageerror", self._listener)
        self.log_pos = len(lab.log_text())
        self.console_seen = 0

    def stop(self) -> None:
        """Stop listening (the page lives on for the next notebook)."""
        self.page.remove_listener("pageerror", self._listener)

    def console_grew(self) -> bool:
        return self.page.evaluate(JS_LOG_COUNT) > self.console_seen

    def console_errors(self) -> list[str]:
        """New error entries of JupyterLab's log console (opened on demand to read them)."""
        count = self.page.evaluate(JS_LOG_COUNT)
        if count <= self.console_seen:
            return []
        if not self.page.locator(".jp-LogConsolePanel").count():
            self.page.locator(".jp-LogConsoleStatusItem .jp-StatusBar-GroupItem").first.click()
            self.page.wait_for_selector(".jp-LogConsolePanel", timeout=10_000)
        deadline = time.monotonic() + 5
        entries = self.page.evaluate(JS_LOG_ENTRIES)
        while len(entries) < count and time.monotonic() < deadline:
            time.sleep(POLL)
            entries = self.page.evaluate(JS_LOG_ENTRIES)
        fresh = entries[self.console_seen :]
        self.console_seen = count
        return [
            f"JupyterLab's log console ({e['level']}): {shorten(e['text'])}"
            for e in fresh
            if e["level"] in ("error", "critical", "?")
        ]

    def new_errors(self) -> list[str]:
        found = self.console_errors()
        found += [f"JavaScript error in the page: {e}" for e in self.page_errors]
        self.page_errors.clear()
        text = self.lab.log_text()
        fresh, self.log_pos = text[self.log_pos :], len(text)
        if any(alarm in fresh for alarm in LOG_ALARMS):
            found.append(f"the kernel/server log shows an error:\n{fresh[-3000:]}")
        return found


RUN_MENU = re.compile(r"^\s*(Run|실행)\s*$")  # its label in English and with the Korean language pack


def run_menu(page, name: str, command: str, label: str) -> None:
    """Click Run > `label` (found by its command id, else by its label) and wait until the kernel is idle."""
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=RUN_MENU).first.click()
    item = page.locator(f"li.lm-Menu-item[data-command='{command}']")
    if item.count() == 0:  # fall back to the label if the command id ever changes
        item = page.get_by_role("menuitem", name=label, exact=True)
    item.first.click()
    time.sleep(0.5)  # let the first cell get queued before polling for idle
    wait_idle(page, f"{name}: {label}", RUN_ALL_TIMEOUT)


def run_all(page, name: str) -> None:
    run_menu(page, name, "runmenu:run-all", "Run All Cells")


def run_through(page, name: str, index: int) -> None:
    """Run the cells above cell `index`, then that cell (JupyterLab's Run menu, as a student would)."""
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-cell").nth(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").first.click()  # selects the cell, in command mode
    run_menu(page, name, "notebook:run-all-above", "Run All Above Selected Cell")
    cell.locator(".jp-InputPrompt").first.click()
    run_menu(page, name, "notebook:run-cell", "Run Selected Cell and Do not Advance")


def controls(view) -> list[tuple[str, str, object]]:
    """(kind, label, locator) for every control inside a widget view."""

    def label(loc) -> str:
        for sel in (".widget-label", ".widget-label-basic"):  # checkboxes: the second one
            for part in loc.locator(sel).all():
                text = part.inner_text().replace("\u200b", "").strip()
                if text:
                    return text
        return (loc.get_attribute("title") or "") or loc.inner_text().strip()[:30]

    found = []
    for loc in view.locator(".widget-slider").all():
        found.append(("slider", label(loc), loc))
    for loc in view.locator(".widget-dropdown").all():
        found.append(("dropdown", label(loc), loc))
    for loc in view.locator(".widget-toggle-buttons").all():
        found.append(("toggle buttons", label(loc), loc))
    for loc in view.locator("button.widget-toggle-button").all():
        if loc.evaluate("b => !b.closest('.widget-toggle-buttons')"):
            found.append(("toggle button", label(loc), loc))
    for loc in view.locator(".widget-checkbox").all():
        found.append(("checkbox", label(loc), loc))
    for loc in view.locator(".widget-radio-box").all():
        found.append(("radio buttons", label(loc), loc.locator("xpath=..")))
    return found


def change(kind: str, loc):
    """Ways to change one control (callables, tried in order) and a function reading its state."""
    if kind == "slider":
        handle = loc.locator(".noUi-handle").first
        readout = loc.locator(".widget-readout")

        def press(key):
            def act():
                handle.focus()
                handle.press(key)

            return act

        return [press("ArrowRight"), press("ArrowLeft"), press("End"), press("Home")], (
            lambda: readout.first.inner_text() if readout.count() else handle.get_attribute("aria-valuenow")
        )
    if kind == "dropdown":
        select = loc.locator("select").first

        def pick():
            options = select.locator("option").all()
            current = select.input_value()
            for opt in options:
                value = opt.get_attribute("value")
                if value != current:
                    select.select_option(value=value)
                    return

        return [pick], select.input_value
    if kind == "toggle buttons":

        def click_other():
            others = loc.locator("button.widget-toggle-button:not(.mod-active)")
            others.first.click()

        return [click_other], (lambda: loc.locator("button.mod-active").all_inner_texts())
    if kind == "toggle button":
        return [loc.click], (lambda: loc.get_attribute("class"))
    if kind == "checkbox":
        box = loc.locator("input[type=checkbox]").first
        return [box.click], box.is_checked
    if kind == "radio buttons":
        radios = loc.locator("input[type=radio]")

        def click_other():
            for r in radios.all():
                if not r.is_checked():
                    r.click()
                    return

        return [click_other], (lambda: [r.is_checked() for r in radios.all()])
    raise AssertionError(kind)


def wait_display_change(view, before: dict, parts: tuple[str, ...], timeout: float, watch: Watch) -> dict:
    """Poll what the view shows until one of `parts` differs, an error is logged, or timeout."""
    deadline = time.monotonic() + timeout
    now = view.evaluate(JS_DISPLAY)
    while all(now[p] == before[p] for p in parts) and time.monotonic() < deadline and not watch.console_grew():
        time.sleep(POLL)
        now = view.evaluate(JS_DISPLAY)
    return now


def exercise_view(page, view, where: str, name: str, watch: Watch) -> int:
    """Change every control of one widget view; return how many controls were changed.

    What must change: a slider must change the plot (the image bytes) when the view has one;
    any other control must change the plot or the text (a toggle may legitimately change only
    the read-out, e.g. a mode that gives the same weights in the current state); and at least
    one control of a view with a plot must change the plot.
    """
    view.scroll_into_view_if_needed()
    items = controls(view)
    display = view.evaluate(JS_DISPLAY)
    if items and not display["images"] and not display["texts"]:
        pytest.fail(f"{where}: has controls but no image, HTML or Output part to watch", pytrace=False)
    if shown_errors(display):
        pytest.fail(f"{where}: " + "\n".join(shown_errors(display)), pytrace=False)
    plot_changed = False
    for kind, label, loc in items:
        what = f"{where}, {kind} '{label}'"
        attempts, state = change(kind, loc)
        before_display = view.evaluate(JS_DISPLAY)
        before_state = state()
        for attempt in attempts:
            attempt()
            if state() != before_state:
                break
        else:
            pytest.fail(f"{what}: could not change the control (tried {len(attempts)} ways)", pytrace=False)
        if not before_display["images"]:
            parts = ("texts",)
        elif kind == "slider":
            parts = ("images",)
        else:
            parts = ("images", "texts")
        after = wait_display_change(view, before_display, parts, UPDATE_TIMEOUT, watch)
        wait_idle(page, what, IDLE_TIMEOUT)
        problems = shown_errors(after) + cell_errors(page, name) + watch.new_errors()
        if problems:
            pytest.fail(f"{what}: an error appeared after changing it:\n" + "\n".join(problems), pytrace=False)
        if all(after[p] == before_display[p] for p in parts):
            shown = {"images": "plot (same image bytes)", "texts": "HTML/Output text"}
            pytest.fail(
                f"{what}: changing it from {before_state!r} to {state()!r} left the "
                f"{' and the '.join(shown[p] for p in parts)} unchanged after {UPDATE_TIMEOUT:.0f} s",
                pytrace=False,
            )
        plot_changed = plot_changed or after["images"] != before_display["images"]
    if items and display["images"] and not plot_changed:
        pytest.fail(f"{where}: none of its {len(items)} controls changed the plot (same image bytes)", pytrace=False)
    return len(items)


def test_notebook_in_browser(notebook: Path | None, lab, lab_page, screenshots_dir: Path) -> None:
    """`notebook` is parametrized by conftest.pytest_generate_tests (one test per notebook)."""
    if notebook is None:
        pytest.fail("no notebooks/*.ipynb found to test", pytrace=False)
    name = notebook.as_posix()
    korean = notebook.parent.name == "ko"
    page = lab_page
    watch = Watch(page, lab)
    t0 = time.monotonic()
    try:
        page.evaluate(JS_OPEN, notebook.as_posix())
        page.wait_for_selector(f"{PANEL} .jp-Notebook-cell", state="attached", timeout=60_000)
        t_page = time.monotonic()
        wait_kernel(page, name)
        t_open = time.monotonic()
        hangul = tofu(page, f"{name}, as opened (stored outputs)")
        expected_views = expected_widget_cells(lab.root / notebook)
        last = max(expected_views) if korean and expected_views else None
        if last is None:
            run_all(page, name)
        else:
            run_through(page, name, last)
        t_run = time.monotonic()

        problems = cell_errors(page, name) + watch.new_errors()
        assert not problems, "errors after running the cells:\n" + "\n".join(problems)
        not_run = [c for c in page.evaluate(JS_CELLS, [STDERR]) if c["code"] and not c["empty"]]
        not_run = [c for c in not_run if not any(ch.isdigit() for ch in c["prompt"])
                   and (last is None or c["index"] <= last)]
        assert not not_run, f"{name}: cells did not run: " + ", ".join(
            f"cell {c['index']} (`{c['first']}`)" for c in not_run
        )

        n_views = page.evaluate(JS_MARK_VIEWS)
        views = page.locator(VIEW)
        view_cells = [
            views.nth(i).evaluate(
                "(v) => [...v.closest('.jp-NotebookPanel').querySelectorAll('.jp-Notebook-cell')]"
                ".indexOf(v.closest('.jp-Notebook-cell'))"
            )
            for i in range(n_views)
        ]
        missing = sorted(expected_views - set(view_cells))
        assert not missing, f"{name}: no widget rendered in cell(s) {missing}, whose stored output is a widget"
        changed = 0
        for i, cell_index in enumerate(view_cells):
            changed += exercise_view(page, views.nth(i), f"{name}, cell {cell_index}, widget {i + 1}", name, watch)
        hangul = max(hangul, tofu(page, f"{name}, after running it and moving its widgets"))
        if korean:
            assert hangul >= 100, f"{name}: only {hangul} distinct Hangul characters on the page of a Korean notebook"

        print(
            f"\n{name}: page {t_page - t0:.1f} s, kernel {t_open - t_page:.1f} s, "
            f"{'run all' if last is None else f'run through cell {last}'} {t_run - t_open:.1f} s, "
            f"{n_views} widget view(s), {changed} control(s) changed in {time.monotonic() - t_run:.1f} s, "
            f"{hangul} Hangul characters drawn"
        )
    finally:
        try:
            if page.locator(VIEW).count():
                page.locator(VIEW).last.scroll_into_view_if_needed(timeout=5_000)
            page.screenshot(path=str(screenshots_dir / f"{notebook.with_suffix('').as_posix().replace('/', '-')}.png"))
        except Exception:  # best effort: the page may be gone already
            pass
        watch.stop()
        try:
            page.evaluate(JS_CLOSE)
        finally:
            lab.shutdown_kernels()
