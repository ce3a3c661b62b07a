"""The browser test's missing-glyph check (JS_TOFU) can fail: without a Korean font it finds the boxes.

A Chromium whose fontconfig sees only DejaVu (no Hangul) must report every Hangul character of a
page as missing; the normal one (with the font `make e2e` installs) must report none. A page of its
own, no JupyterLab: a few seconds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS
from test_notebooks_in_browser import JS_TOFU

pytestmark = pytest.mark.e2e

PAGE = """<div class="jp-NotebookPanel"><p>쿼리와 키의 내적, 가중치</p>
<pre style="font-family: monospace">attention = 어텐션</pre><p>no Hangul here</p></div>"""
NO_HANGUL_FONTS = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>"""


def probe(pw, chromium_path: str, env: dict | None) -> dict:
    browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS, env=env)
    try:
        page = browser.new_page()
        page.set_content(PAGE)
        return page.evaluate(JS_TOFU, ".jp-NotebookPanel")
    finally:
        browser.close()


def test_the_probe_finds_missing_hangul_and_only_then(playwright_driver, chromium_path: str, tmp_path: Path) -> None:
    if not Path("/usr/share/fonts/truetype/dejavu").is_dir() or shutil.which("fc-list") is None:
        pytest.skip("needs fontconfig and DejaVu (Debian's fonts-dejavu-core, which chromium depends on)")
    conf = tmp_path / "fonts.conf"
    conf.write_text(NO_HANGUL_FONTS.format(cache=tmp_path / "cache"))
    without = probe(playwright_driver, chromium_path, {**os.environ, "FONTCONFIG_FILE": str(conf)})
    # 10 distinct characters in the paragraph's font, 3 in the monospace one.
    assert without["probeWorks"] and without["checked"] == 13 and without["fonts"] == 2, without
    missing = "".join(entry.split(": ", 1)[1] for entry in without["missing"])
    assert sorted(missing) == sorted("쿼리와키의내적가중치어텐션"), without
    with_fonts = probe(playwright_driver, chromium_path, None)
    assert with_fonts["probeWorks"] and with_fonts["checked"] == 13 and not with_fonts["missing"], with_fonts
