"""Slide metadata for every notebook, read from the notebook's own structure (jupyterlab-rise slideshows).

Usage:
    .venv/bin/python scripts/slides.py                 # tag every notebooks/*.ipynb in place
    .venv/bin/python scripts/slides.py notebooks/03_softmax_saturation.ipynb
    .venv/bin/python scripts/slides.py --check         # change nothing; exit 1 and name every cell that differs

Only metadata is written: each cell's `metadata.slideshow.slide_type` and the notebook's `metadata.rise`
(the slideshow's settings, sized for a 1280×720 projector). Sources and outputs are never touched, and
running it twice changes nothing the second time.

The rules (one slide per section, the steps of *Build it* revealed one at a time):
- the title cell and every `## ` section heading start a **slide**;
- a `### ` sub-heading, an exercise's statement (`**Exercise N...**`) and a widget (a cell whose stored
  output is a widget view or its placeholder) start a **subslide** (unless the page so far is prose only,
  e.g. the section's heading), and so does any step that would no longer fit on the 1280×720 page (the
  height is estimated from the cells' text and stored figures);
- a step is a code cell with the markdown just before it (its introduction) and its `Notice:` text after;
  in *Build it* each step, and each step's `Notice:`, is a **fragment** (the room sees the code and its
  output, is asked what it shows, then the Notice appears); elsewhere a section shows all at once;
- an exercise's hints (a cell that starts with `<details>`) are a **fragment**: folded hints, revealed
  when the room has tried; nothing is skipped, so a lecturer can run every cell inside the slideshow;
- every other cell is `-` (it continues the current slide or fragment).
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# jupyterlab-rise reads the notebook's `rise` metadata over its own defaults (and the user's settings).
# width/height are reveal.js's slide size in px (numbers: reveal scales a 1280×720 page to the screen);
# scroll lets a slide taller than the screen scroll instead of being cut off; the rest is chosen for a
# room: no animation, slide numbers as current/total, the progress bar and arrows shown.
RISE = {
    "width": 1280,
    "height": 720,
    "scroll": True,
    "center": False,
    "transition": "none",
    "slideNumber": "c/t",
    "controls": True,
    "progress": True,
}

# Height model of the slideshow at 1280×720 (px); calibrated on the rendered slides of notebook 03.
PAGE_HEIGHT = 640  # what one page may hold: 720 less the slide's padding and the controls
MD_CHARS_PER_LINE = 120
MD_LINE = 24
MD_HEADING = 44
MD_GAP = 12  # blank line between paragraphs
CELL_PAD = 16
CODE_LINE = 18
OUT_LINE = 17
OUT_LINES_MAX = 40  # a longer text output scrolls inside JupyterLab's output area
SUMMARY_LINE = 30  # a folded <details> hint shows its <summary> only
WIDGET_HEIGHT = 500

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_PLACEHOLDER = "to show the interactive widget"  # what scripts/nbrun.py stores instead of a view
EXERCISE = re.compile(r"^\*\*(Exercise|연습 문제)\s+\d", re.MULTILINE)  # English / Korean edition
NOTICE = re.compile(r"^\s*(Notice|주목)\b")
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def first_line(cell: dict) -> str:
    return next((line for line in source(cell).splitlines() if line.strip()), "")


def is_markdown(cell: dict) -> bool:
    return cell.get("cell_type") == "markdown"


def is_title(cell: dict) -> bool:
    return is_markdown(cell) and first_line(cell).startswith("# ")


def is_section(cell: dict) -> bool:
    return is_markdown(cell) and first_line(cell).startswith("## ")


def is_subsection(cell: dict) -> bool:
    return is_markdown(cell) and first_line(cell).startswith("### ")


def is_exercise(cell: dict) -> bool:
    return is_markdown(cell) and EXERCISE.search(source(cell)) is not None


def is_hint(cell: dict) -> bool:
    return is_markdown(cell) and source(cell).lstrip().startswith("<details") and not is_exercise(cell)


def is_notice(cell: dict) -> bool:
    return is_markdown(cell) and NOTICE.match(source(cell)) is not None


def is_widget(cell: dict) -> bool:
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        text = data.get("text/plain", "")
        if WIDGET_MIME in data or WIDGET_PLACEHOLDER in ("".join(text) if isinstance(text, list) else text):
            return True
    return False


def png_height(b64: str | list) -> int:
    raw = base64.b64decode(("".join(b64) if isinstance(b64, list) else b64)[:64])
    return struct.unpack(">II", raw[16:24])[1] if raw[:8] == b"\x89PNG\r\n\x1a\n" else 300


def output_height(out: dict) -> int:
    data = out.get("data", {})
    if "image/png" in data:
        height = out.get("metadata", {}).get("image/png", {}).get("height")
        return int(height) if height else png_height(data["image/png"])
    if "text/markdown" in data or "text/html" in data:
        text = data.get("text/markdown") or data.get("text/html")
        return markdown_height("".join(text) if isinstance(text, list) else text)
    text = out.get("text", data.get("text/plain", ""))
    lines = ("".join(text) if isinstance(text, list) else text).count("\n") + 1
    return min(lines, OUT_LINES_MAX) * OUT_LINE


def markdown_height(text: str) -> int:
    height = 0
    for line in text.splitlines():
        if not line.strip():
            height += MD_GAP
        elif line.startswith("#"):
            height += MD_HEADING
        else:
            height += math.ceil(len(line) / MD_CHARS_PER_LINE) * MD_LINE
    return height


def cell_height(cell: dict) -> int:
    """Estimated height of a cell on a 1280×720 slide (a rough model, good enough to split pages)."""
    if is_hint(cell):
        return CELL_PAD + SUMMARY_LINE * max(1, source(cell).count("<summary"))
    if is_markdown(cell):
        return CELL_PAD + markdown_height(source(cell))
    code = CELL_PAD + CODE_LINE * (source(cell).count("\n") + 1)
    if is_widget(cell):  # its stored output is a placeholder; the live view is a figure and its controls
        return code + WIDGET_HEIGHT
    return code + sum(output_height(out) for out in cell.get("outputs", []))


@dataclass
class Step:
    """Cells shown together: an introduction, a code cell and its Notice (any part may be missing)."""

    cells: list[int] = field(default_factory=list)
    has_code: bool = False
    new_page: bool = False  # a sub-heading, an exercise or a widget: always a page of its own


def steps_of(cells: list[dict], section: range) -> list[Step]:
    steps: list[Step] = []
    for i in section:
        cell = cells[i]
        forced = is_subsection(cell) or is_exercise(cell) or is_widget(cell)
        current = steps[-1] if steps else None
        if current is None or forced or is_hint(cell):
            start = True
        elif not current.cells:  # the step opened after a hint
            start = False
        elif is_markdown(cell):
            start = current.has_code and not is_notice(cell)
        else:  # a code cell joins its introduction, not another code cell
            start = current.has_code or is_title(cells[current.cells[0]])
        if start:
            steps.append(Step(new_page=forced))
        steps[-1].cells.append(i)
        steps[-1].has_code |= cell.get("cell_type") == "code"
        if is_hint(cell):  # a hint is a step of its own: what follows it starts a new one
            steps.append(Step())
    return [s for s in steps if s.cells]


def sections_of(cells: list[dict]) -> list[range]:
    starts = [i for i, c in enumerate(cells) if i == 0 or is_title(c) or is_section(c)]
    return [range(a, b) for a, b in zip(starts, [*starts[1:], len(cells)], strict=True)]


def slide_types(cells: list[dict]) -> list[str]:
    """The slide type of every cell (see the module docstring for the rules)."""
    types = ["-"] * len(cells)
    for section in sections_of(cells):
        heading = first_line(cells[section[0]]).strip().lower()
        fragments = heading.startswith("## build it") or heading.startswith("## 만들기")
        page = 0  # estimated height of the page being filled
        for n, step in enumerate(steps_of(cells, section)):
            height = sum(cell_height(cells[i]) for i in step.cells)
            head = step.cells[0]
            if n == 0:
                types[head] = "slide"
                page, page_has_code = height, False
            elif (step.new_page and page_has_code) or page + height > PAGE_HEIGHT:
                types[head] = "subslide"
                page, page_has_code = height, False
            else:
                types[head] = "fragment" if fragments or is_hint(cells[head]) else "-"
                page += height
            for i in step.cells[1:]:
                types[i] = "fragment" if fragments and is_notice(cells[i]) else "-"
            page_has_code |= step.has_code
    return types


def tag(nb: dict) -> dict:
    """A copy of the notebook with the tagger's metadata (sources and outputs are the same objects)."""
    cells = nb.get("cells", [])
    types = slide_types(cells)
    new_cells = []
    for cell, kind in zip(cells, types, strict=True):
        metadata = {**cell.get("metadata", {}), "slideshow": {"slide_type": kind}}
        new_cells.append({**cell, "metadata": metadata})
    return {**nb, "cells": new_cells, "metadata": {**nb.get("metadata", {}), "rise": dict(RISE)}}


def describe(cell: dict) -> str:
    return f"{cell.get('cell_type', '?')} `{first_line(cell)[:60]}`"


def differences(nb: dict) -> list[str]:
    """What differs from the tagger's metadata: one line per cell (and one for the notebook's settings)."""
    wanted = tag(nb)
    found = []
    if nb.get("metadata", {}).get("rise") != wanted["metadata"]["rise"]:
        found.append(f"notebook metadata.rise is {nb.get('metadata', {}).get('rise')!r}, expected {RISE!r}")
    for i, (have, want) in enumerate(zip(nb.get("cells", []), wanted["cells"], strict=True)):
        got = have.get("metadata", {}).get("slideshow")
        if got != want["metadata"]["slideshow"]:
            found.append(f"cell {i} ({describe(have)}): slideshow {got!r}, expected {want['metadata']['slideshow']!r}")
    return found


def dumps(nb: dict) -> str:
    """The notebook as nbformat writes it (sorted keys, one-space indent, UTF-8), so diffs stay small."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def load(path: Path) -> dict:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SystemExit(f"{path}: cannot read it as a notebook ({err})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise SystemExit(f"{path}: not a notebook (expected a JSON object with a `cells` list)")
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any metadata differs")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((REPO / "notebooks").glob("*.ipynb")) + sorted(
        (REPO / "notebooks" / "ko").glob("*.ipynb"))
    stale = 0
    for path in paths:
        nb = load(path)
        found = differences(nb)
        if args.check:
            if found:
                stale += 1
                print(f"{path}: slide metadata differs from scripts/slides.py's", *found, sep="\n  ")
            continue
        if found:
            path.write_text(dumps(tag(nb)), encoding="utf-8")
            print(f"tagged   {path} ({len(found)} change(s))")
        else:
            print(f"ok       {path}")
    if args.check and stale:
        print(f"{stale} of {len(paths)} notebook(s) out of date: run `.venv/bin/python scripts/slides.py`")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
