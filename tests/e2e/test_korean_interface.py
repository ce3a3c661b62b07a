"""`make lab EDITION=ko`: JupyterLab's own interface in Korean, with the Korean edition working in it.

JupyterLab is started as the Makefile starts it for the Korean edition (its app settings from
config/lab-ko/, which make the language pack's ko_KR the default), the Korean start page is opened,
and the test asserts that the menu bar speaks Korean (every top-level menu of JupyterLab is Hangul, none is the
English one; nbgrader's menu keeps its name), that the language pack is the pinned one, that the page draws every Hangul
character with a real glyph (menus and notebook), and that the notebook runs there without an error.
"""

from __future__ import annotations

import importlib.metadata
import re
import time
from pathlib import Path

import pytest
from conftest import REPO, SCREENSHOTS, lab_server
from test_notebooks_in_browser import Watch, cell_errors, run_all, tofu, wait_kernel

pytestmark = pytest.mark.e2e

NOTEBOOK = Path("ko/start.ipynb")
LANGUAGE_PACK = "jupyterlab-language-pack-ko-KR"
ENGLISH_MENUS = {"File", "Edit", "View", "Run", "Kernel", "Tabs", "Settings", "Help"}
# Menus added by extensions the language pack does not translate (nbgrader's own menu keeps its name).
EXTENSION_MENUS = {"Nbgrader"}
HANGUL = re.compile(r"[가-힣]")


def test_korean_interface(chromium_path: str, browser_context) -> None:
    try:
        version = importlib.metadata.version(LANGUAGE_PACK)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{LANGUAGE_PACK} is not installed: it is in requirements.txt, run `make venv`", pytrace=False)
    settings = REPO / "config" / "lab-ko"
    assert (settings / "overrides.json").is_file(), "config/lab-ko/overrides.json is missing"
    with lab_server(extra_args=[f"--LabApp.app_settings_dir={settings}"],
                    keep_log=SCREENSHOTS / "jupyterlab-ko.log") as lab:
        page = browser_context.new_page()
        page.set_default_timeout(20_000)
        watch = Watch(page, lab)
        try:
            page.goto(f"{lab.url}/lab/workspaces/e2e-korean-ui/tree/{NOTEBOOK.as_posix()}?token={lab.token}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-cell", state="attached", timeout=60_000)
            menus = [m.strip() for m in page.locator("#jp-MainMenu .lm-MenuBar-itemLabel").all_inner_texts()]
            assert len(menus) >= 6, f"the menu bar has {len(menus)} menus: {menus}"
            english = sorted(ENGLISH_MENUS & set(menus))
            korean = [m for m in menus if HANGUL.search(m)]
            assert not english and len(korean) == len(menus) - len(EXTENSION_MENUS & set(menus)), (
                f"with {LANGUAGE_PACK} {version}, the menus are not in Korean: {menus}")
            wait_kernel(page, NOTEBOOK.as_posix())
            t0 = time.monotonic()
            run_all(page, NOTEBOOK.as_posix())
            problems = cell_errors(page, NOTEBOOK.as_posix()) + watch.new_errors()
            assert not problems, "errors in the Korean interface:\n" + "\n".join(problems)
            checked = tofu(page, "the Korean interface (menus, status bar)", "#main") + tofu(page, NOTEBOOK.as_posix())
            print(f"\nKorean interface: menus {menus}, run all {time.monotonic() - t0:.1f} s, {checked} Hangul checked")
        finally:
            page.screenshot(path=str(SCREENSHOTS / "korean-interface.png"))
            page.close()
