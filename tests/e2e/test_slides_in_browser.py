"""One notebook presented as slides in JupyterLab, its widget moved inside the slideshow (headless Chromium).

Notebook 03 (its d_k slider redraws a picture) is opened in JupyterLab at 1280×720, the projector's size;
Run > Run All Cells makes the widget live (the test waits for the kernel to be idle, not for a timer).
Then the slideshow starts from the notebook's toolbar button, as a lecturer starts it, and the test:
1. presses ArrowRight (next slide) and Space (next sub-slide or fragment) and asserts that every press moves
   the slideshow, and that the pages shown start exactly at the cells `scripts/slides.py` tagged as a
   slide or sub-slide, in order, until the widget's page is on screen;
2. asserts that the widget rendered there (ipywidgets 8: a slider and a decoded picture, no "Error
   displaying widget"), then presses ArrowRight on the slider's handle and asserts that the picture's bytes
   changed and that the slideshow stayed on the same page (the key went to the slider, not to the deck);
3. finds no error anywhere (page errors, JupyterLab's log console, the server and kernel log);
4. saves tests/e2e/screenshots/slides.png and leaves the slideshow, so later tests see a plain notebook.

The slideshow is jupyterlab-slideshow's presentation mode, which shows the notebook's own cells (and so
its live widgets) page by page from the standard `slideshow.slide_type` metadata. jupyterlab-rise 0.43.1
renders its slides in a separate application in which ipywidgets 8's widget manager does not load with
JupyterLab 4.6 (jupyterlab-contrib/rise#119): there the widget is shown as its text repr only.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
import time
from pathlib import Path

import pytest
from test_notebooks_in_browser import JS_DISPLAY, UPDATE_TIMEOUT, Watch, cell_errors, run_all, wait_kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import slides  # scripts/slides.py: the tagger whose pages the slideshow must show

pytestmark = pytest.mark.e2e

NOTEBOOK = Path("03_softmax_saturation.ipynb")
VIEWPORT = {"width": 1280, "height": 720}
MAX_PRESSES = 80  # far more than notebook 03 needs to reach its widget (about 20)
TOGGLE = '.jp-NotebookPanel-toolbar [data-command="deck:toggle"]'
INSTALL = "jupyterlab-slideshow==0.3.4 and jupyterlab-fonts==3.0.0 in requirements.txt, then `make venv`"

# Which cells the slideshow shows now: on screen (the current page) and, of those, revealed so far.
JS_DECK = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = [...panel.querySelectorAll('.jp-Notebook-cell')];
  const where = (cls) => cells.map((c, i) => c.classList.contains(cls) ? i : -1).filter(i => i >= 0);
  return {deck: !!document.querySelector('.jp-Deck'), onscreen: where('jp-deck-mod-onscreen'),
          visible: where('jp-deck-mod-visible')};
}"""
WIDGET_ON_PAGE = ".jp-deck-mod-onscreen .jp-OutputArea-output > .jupyter-widgets"


def missing(reason: str) -> None:
    """Fail loudly, or skip when E2E_ALLOW_SKIP=1 (as conftest.py does for a missing Chromium)."""
    if os.environ.get("E2E_ALLOW_SKIP") == "1":
        pytest.skip(reason)
    pytest.fail(reason + "  (set E2E_ALLOW_SKIP=1 to skip instead of failing)", pytrace=False)


def wait_deck(page, *, active: bool, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    state = page.evaluate(JS_DECK)
    while (state["deck"] != active or (active and not state["onscreen"])) and time.monotonic() < deadline:
        time.sleep(0.05)
        state = page.evaluate(JS_DECK)
    assert state["deck"] == active, f"the slideshow did not {'start' if active else 'stop'} within {timeout:.0f} s"
    return state


def press(page, key: str, before: dict, timeout: float = 5.0) -> dict:
    """Press a key in the slideshow and return its new state once it differs from `before`."""
    page.keyboard.press(key)
    deadline = time.monotonic() + timeout
    state = page.evaluate(JS_DECK)
    while state == before and time.monotonic() < deadline:
        time.sleep(0.05)
        state = page.evaluate(JS_DECK)
    assert state != before, f"pressing {key} on the page starting at cell {before['onscreen'][:1]} did not move"
    return state


def test_slides_in_browser(lab, browser_context, screenshots_dir: Path) -> None:
    assert importlib.metadata.version("ipywidgets").startswith("8."), "this test is about ipywidgets 8"
    nb = json.loads((lab.root / NOTEBOOK).read_text(encoding="utf-8"))
    assert not slides.differences(nb), f"{NOTEBOOK} is not tagged: run `.venv/bin/python scripts/slides.py`"
    types = slides.slide_types(nb["cells"])
    heads = [i for i, t in enumerate(types) if t in ("slide", "subslide")]
    widget_cell = next(i for i, c in enumerate(nb["cells"]) if slides.is_widget(c))

    page = browser_context.new_page()
    page.set_viewport_size(VIEWPORT)
    page.set_default_timeout(20_000)
    watch = Watch(page, lab)
    t0 = time.monotonic()
    try:
        page.goto(f"{lab.url}/lab/workspaces/e2e-slides/tree/{NOTEBOOK.as_posix()}?token={lab.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-cell", state="attached", timeout=60_000)
        wait_kernel(page, NOTEBOOK.name)
        run_all(page, NOTEBOOK.name)
        problems = cell_errors(page, NOTEBOOK.name) + watch.new_errors()
        assert not problems, "errors after Run All Cells:\n" + "\n".join(problems)
        t_run = time.monotonic()

        if page.locator(TOGGLE).count() == 0:
            missing(f"the notebook toolbar has no slideshow button (jupyterlab-slideshow is not installed): {INSTALL}")
        # Start from the title: select the first cell, then the toolbar's slideshow button.
        page.locator(".jp-NotebookPanel .jp-Notebook-cell").first.locator(".jp-InputPrompt").first.click()
        page.locator(TOGGLE).first.click()
        state = wait_deck(page, active=True)
        assert state["onscreen"][0] == heads[0] == 0, f"the slideshow did not start at the title: {state}"

        pages = [state["onscreen"][0]]
        state = press(page, "ArrowRight", state)  # the next slide: the title's sub-slides are passed over
        second = next(i for i in heads if types[i] == "slide" and i > 0)
        assert state["onscreen"][0] == second, f"ArrowRight went to cell {state['onscreen'][:1]}, not {second}"
        pages.append(state["onscreen"][0])
        presses = 1
        while widget_cell not in state["onscreen"]:
            presses += 1
            assert presses <= MAX_PRESSES, f"the widget (cell {widget_cell}) not reached in {MAX_PRESSES} presses"
            state = press(page, "Space", state)
            if state["onscreen"][0] != pages[-1]:
                pages.append(state["onscreen"][0])
        expected = [0] + [h for h in heads if pages[1] <= h <= widget_cell]
        assert pages == expected, f"pages shown start at cells {pages}, the tagger's pages are {expected}"
        t_nav = time.monotonic()

        view = page.locator(WIDGET_ON_PAGE).first
        assert page.locator(WIDGET_ON_PAGE).count() == 1, "the widget's page shows no (or more than one) widget"
        assert view.locator(".widget-slider .noUi-handle").count(), "the widget on the slide has no slider"
        decoded = view.evaluate("v => [...v.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)")
        assert decoded and "Error displaying widget" not in view.inner_text(), "the widget did not render"
        before = view.evaluate(JS_DISPLAY)
        handle = view.locator(".noUi-handle").first
        handle.focus()
        handle.press("ArrowRight")
        deadline = time.monotonic() + UPDATE_TIMEOUT
        after = view.evaluate(JS_DISPLAY)
        while after["images"] == before["images"] and time.monotonic() < deadline:
            time.sleep(0.05)
            after = view.evaluate(JS_DISPLAY)
        assert after["images"] != before["images"], "the slider moved but the picture did not change"
        assert page.evaluate(JS_DECK)["onscreen"] == state["onscreen"], "the slider's key press turned the page"
        problems = cell_errors(page, NOTEBOOK.name) + watch.new_errors()
        assert not problems, "errors in the slideshow:\n" + "\n".join(problems)
        print(
            f"\nslides: open + run all {t_run - t0:.1f} s, {presses} key presses to the widget's page "
            f"{t_nav - t_run:.1f} s, slider {time.monotonic() - t_nav:.1f} s"
        )
    finally:
        try:
            page.screenshot(path=str(screenshots_dir / "slides.png"))
            if page.evaluate(JS_DECK)["deck"]:  # leave presentation mode: it is remembered in the settings
                page.keyboard.press("Escape")  # a lecturer's way out, too
                wait_deck(page, active=False)
        finally:
            page.close()
            lab.shutdown_kernels()
