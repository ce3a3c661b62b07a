"""lib.series (the start page's map of the notebooks), lib.plots.transformer_diagram (drawn from a model), and the
start page's lecturer notes (one per notebook, read against each notebook's Pitfalls)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from matplotlib.figure import Figure

from lib.model import Transformer
from lib.plots import transformer_diagram
from lib.series import PLACES, lessons, markdown_table, read_lesson

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_every_notebook_has_a_place_and_no_place_is_stale():
    slugs = {p.stem[3:] for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert slugs == set(PLACES), f"missing: {sorted(slugs - set(PLACES))}, stale: {sorted(set(PLACES) - slugs)}"


def test_a_lesson_is_read_from_the_notebooks_first_cell(tmp_path):
    first = ("# 05 · A title\n\n**Lecture:** ...\n**Claims covered:** L8.3 and L7.1.\n"
             "**Builds on:** 01 (attention) and 04 (heads), not 07.\n\n병렬화 matters; 분산 too.")
    path = tmp_path / "05_complexity.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": first}]}))
    lesson = read_lesson(path)
    assert (lesson.number, lesson.title, lesson.claims) == ("05", "A title", ("L8.3", "L7.1"))
    assert lesson.needs == ("01", "04")  # a later notebook is never a prerequisite
    assert lesson.terms == ("병렬화", "분산")
    assert "[05 · A title](05_complexity.ipynb) | L8.3, L7.1 | 병렬화, 분산 | 01, 04 |" in markdown_table([lesson])


def test_a_notebook_without_a_place_is_named(tmp_path):
    path = tmp_path / "14_new_topic.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": "# 14 · New"}]}))
    with pytest.raises(ValueError, match=r"14_new_topic\.ipynb has no entry in lib\.series\.PLACES"):
        read_lesson(path)
    with pytest.raises(ValueError, match=r"named NN_slug\.ipynb, got 'start\.ipynb'"):
        read_lesson(tmp_path / "start.ipynb")


def test_the_series_is_in_order_and_covers_every_lecture_claim():
    series = lessons(NOTEBOOKS)
    assert [lesson.number for lesson in series] == [f"{i:02d}" for i in range(len(series))]
    assert {c for lesson in series for c in lesson.claims} == (
        {f"L7.{i}" for i in range(1, 9)} | {f"L8.{i}" for i in range(11)})


@pytest.mark.parametrize("norm_first", [False, True])
def test_the_diagram_draws_each_sublayer_in_forward_order(norm_first):
    model = Transformer(10, 10, d_model=8, n_heads=2, d_ff=16, n_layers=3, norm_first=norm_first)
    ax = Figure().subplots()
    boxes = transformer_diagram(ax, model, places={"decoder.cross_attn": ["10"]})
    enc = [k for k in boxes if k.startswith("encoder.")]
    dec = [k for k in boxes if k.startswith("decoder.")]
    post = (["encoder.attn", "encoder.norm1", "encoder.ff", "encoder.norm2"],
            ["decoder.self_attn", "decoder.norm1", "decoder.cross_attn", "decoder.norm2", "decoder.ff",
             "decoder.norm3"])
    pre = tuple([names[i ^ 1] for i in range(len(names))] for names in post)  # each norm before its sublayer
    assert (enc, dec) == (pre if norm_first else post)
    ys = [boxes[k].get_y() for k in enc]
    assert ys == sorted(ys)  # drawn bottom to top, in the order the data flows
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("×3") == 2 and "10" in texts


def test_the_diagram_refuses_other_models_and_unknown_places():
    ax = Figure().subplots()
    with pytest.raises(TypeError, match=r"lib\.model\.Transformer, got Linear"):
        transformer_diagram(ax, torch.nn.Linear(2, 2))
    model = Transformer(10, 10, d_model=8, n_heads=2, d_ff=16)
    with pytest.raises(ValueError, match=r"no box 'encoder\.cross_attn'"):
        transformer_diagram(ax, model, places={"encoder.cross_attn": ["x"]})


# --- the lecturer notes on the start page (issue 11, item 6) ---------------------------------------------------
# One markdown cell per notebook after the "For the lecturer" header, each a folded <details> block:
#   <summary>NN · title (M min in class)</summary>, a link to the notebook, a **Timing:** line whose split adds up
#   to M, "**Ask the room before running**" with one "- *Section*, before ... ? → answer" item per experiment, and
#   "**Misconceptions the Pitfalls answer**" with 2-3 "- Students often think ... — but ... (*Pitfalls:* “phrase”)"
#   items, the phrase quoted from that notebook's Pitfalls section.
START = NOTEBOOKS / "start.ipynb"


@dataclass(frozen=True)
class NoteMarkers:
    """What the notes parser reads, in one edition's language."""

    header: str
    summary: re.Pattern
    ask: str
    misconceptions: str
    sections: tuple[str, ...]
    pitfall_quote: re.Pattern
    pitfalls_heading: str
    timing: re.Pattern
    thinks: str  # how a misconception starts
    but: str  # and where it turns


MARKERS = {
    "en": NoteMarkers(
        "## For the lecturer · 강의 노트",
        re.compile(r"<details><summary>(\d\d) · (.+?) \((\d+) min in class\)</summary>"),
        "**Ask the room before running**", "**Misconceptions the Pitfalls answer**",
        ("*Why*", "*Build it*", "*Check it*", "*Explore it*"), re.compile(r"\(\*Pitfalls:\* “([^”]+)”\)$"),
        "## Pitfalls", re.compile(r"\*\*Timing:\*\* (\d+) min in class \(([^)]*)\)"),
        "Students often think", " — but "),
    "ko": NoteMarkers(
        "## 강의 노트 (For the lecturer)", re.compile(r"<details><summary>(\d\d) · (.+?) \(수업 (\d+)분\)</summary>"),
        "**실행 전에 물어볼 질문**", "**함정(Pitfalls)이 답하는 오해**",
        ("*왜*", "*만들기*", "*확인하기*", "*탐구하기*"), re.compile(r"\(\*함정:\* “([^”]+)”\)$"),
        "## 함정 (Pitfalls)", re.compile(r"\*\*시간 배분:\*\* 수업 (\d+)분 \(([^)]*)\)"),
        "학생들은 흔히", "생각합니다 — 하지만 "),
}
EN = MARKERS["en"]


def _markdown(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def _plain(text: str) -> str:
    """Markdown emphasis and code marks dropped, whitespace collapsed: a phrase matches across line breaks."""
    return " ".join(text.replace("**", "").replace("`", "").split())


def pitfalls_text(path: Path, heading: str = EN.pitfalls_heading) -> str:
    """The markdown of a notebook's Pitfalls section: from its '## Pitfalls' heading to the next '## ' heading."""
    inside, parts = False, []
    for text in _markdown(path):
        for line in text.splitlines():
            if line.startswith("## "):
                inside = line.strip() == heading
            if inside:
                parts.append(line)
    return _plain("\n".join(parts))


def _items(block: str, start: str, end: str | None) -> list[str]:
    part = block.split(start, 1)[1] if start in block else ""
    part = part.split(end, 1)[0] if end and end in part else part.split("</details>", 1)[0]
    items, current = [], None
    for line in part.splitlines():
        if line.startswith("- "):
            current = [line[2:]]
            items.append(current)
        elif line.strip() and current is not None:
            current.append(line.strip())
    return [" ".join(item) for item in items]


def notes_problems(start: Path, folder: Path, m: NoteMarkers = EN) -> list[str]:
    """Everything wrong with the start page's lecturer notes, read against the notebooks of `folder`."""
    series = {lesson.number: lesson for lesson in lessons(folder)}
    texts = _markdown(start)
    if m.header not in [t.split("\n", 1)[0] for t in texts]:
        return [f"no cell starting with {m.header!r} on {start.name}"]
    after = texts[[t.split("\n", 1)[0] for t in texts].index(m.header) + 1:]
    problems, seen = [], []
    for block in after:
        match = m.summary.match(block)
        if not match:
            problems.append(f"a cell after the notes header is not a notes block: {block[:60]!r}")
            continue
        number, title, minutes = match.group(1), match.group(2), int(match.group(3))
        seen.append(number)
        lesson = series.get(number)
        if lesson is None or lesson.title != title:
            problems.append(f"stale notes {number} · {title}: the series has "
                            f"{f'{lesson.number} · {lesson.title}' if lesson else f'no notebook {number}'}")
            continue
        where = f"notes {number}"
        if f"]({lesson.file})" not in block:
            problems.append(f"{where}: no link to {lesson.file}")
        if minutes != lesson.minutes_class:
            problems.append(f"{where}: {minutes} min in class, lib.series says {lesson.minutes_class}")
        timing = m.timing.search(block)
        split = [int(m) for m in re.findall(r"(\d+)", timing.group(2))] if timing else []
        if not timing or int(timing.group(1)) != lesson.minutes_class or sum(split) != lesson.minutes_class:
            problems.append(f"{where}: the Timing line must give {lesson.minutes_class} min split into sections "
                            f"that add up to it, got {timing.group(0) if timing else 'none'}")
        questions = _items(block, m.ask, m.misconceptions)
        if len(questions) < 2:
            problems.append(f"{where}: {len(questions)} question(s) to ask the room, expected at least 2")
        for q in questions:
            if not (q.startswith(m.sections) and "? → " in q):
                problems.append(f"{where}: a question must name its section ({', '.join(m.sections)}) and end in "
                                f"'? → ' followed by the answer: {q[:70]!r}")
        mistakes = _items(block, m.misconceptions, None)
        if not 2 <= len(mistakes) <= 3:
            problems.append(f"{where}: {len(mistakes)} misconception(s), expected 2 or 3")
        pitfalls = pitfalls_text(folder / lesson.file, m.pitfalls_heading)
        for item in mistakes:
            quote = m.pitfall_quote.search(item)
            if not (item.startswith(m.thinks) and m.but in item and quote):
                problems.append(f"{where}: a misconception reads '{m.thinks} …{m.but}… "
                                f"({m.pitfall_quote.pattern})': {item[:70]!r}")
            elif _plain(quote.group(1)) not in pitfalls:
                problems.append(f"{where}: “{quote.group(1)}” is not in the Pitfalls section of {lesson.file}")
    problems += [f"notes {n} appear {seen.count(n)} times" for n in sorted(set(seen)) if seen.count(n) > 1]
    problems += [f"no lecturer notes for {n} · {series[n].title}" for n in sorted(set(series) - set(seen))]
    return problems


def test_the_start_page_has_lecturer_notes_for_every_notebook():
    assert notes_problems(START, NOTEBOOKS) == []


def test_the_korean_start_page_has_lecturer_notes_for_every_korean_notebook():
    """Its quotes are from the Korean notebooks' 함정 (Pitfalls) sections, its titles theirs."""
    assert notes_problems(NOTEBOOKS / "ko" / "start.ipynb", NOTEBOOKS / "ko", MARKERS["ko"]) == []


def _edit(path: Path, old: str, new: str) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    hits = 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if old in text:
            cell["source"], hits = text.replace(old, new), hits + 1
    assert hits == 1, (path.name, old)
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def test_the_notes_check_fails_when_a_notebook_or_its_pitfalls_change(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for path in NOTEBOOKS.glob("*.ipynb"):
        (folder / path.name).write_bytes(path.read_bytes())
    assert notes_problems(folder / "start.ipynb", folder) == []
    # A notebook renamed (its title), a Pitfalls bullet rewritten, a notebook's notes cut down to one question and one
    # misconception, another's deleted: each is named.
    old_title = read_lesson(folder / "07_positional_encoding.ipynb").title
    _edit(folder / "07_positional_encoding.ipynb", f"# 07 · {old_title}", "# 07 · Where the words are")
    _edit(folder / "02_dot_product_variance.ipynb", "**Dividing by d_k instead of √d_k.**", "**Too small a scale.**")
    nb = json.loads((folder / "start.ipynb").read_text(encoding="utf-8"))
    texts = ["".join(c["source"]) for c in nb["cells"]]
    five = next(i for i, t in enumerate(texts) if t.startswith("<details><summary>05 · "))
    lines = texts[five].split("\n")
    questions = [i for i, line in enumerate(lines) if line.startswith("- *")]
    mistakes = [i for i, line in enumerate(lines) if line.startswith("- Students often think")]
    drop = set(questions[1:] + mistakes[1:])
    nb["cells"][five]["source"] = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    nb["cells"] = [c for c in nb["cells"] if not "".join(c["source"]).startswith("<details><summary>12 · ")]
    (folder / "start.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    problems = "\n".join(notes_problems(folder / "start.ipynb", folder))
    assert f"stale notes 07 · {old_title}: the series has 07 · Where the words are" in problems
    assert "“Dividing by d_k instead of √d_k” is not in the Pitfalls section of 02_dot_product_variance" in problems
    assert "notes 05: 1 question(s) to ask the room, expected at least 2" in problems
    assert "notes 05: 1 misconception(s), expected 2 or 3" in problems
    assert "no lecturer notes for 12 · Can attention explain the output?" in problems
    assert len(problems.splitlines()) == 5, problems


def test_pitfalls_text_stops_at_the_next_section(tmp_path):
    path = tmp_path / "03_x.ipynb"
    cells = ["## Explore it\n\nnot this", "## Pitfalls\n\n- **First `trap`.** text", "more\ntext",
             "## Exercises\n\nnot this either"]
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": c} for c in cells]}))
    assert pitfalls_text(path) == "## Pitfalls - First trap. text more text"
