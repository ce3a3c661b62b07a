"""scripts/slides.py: every notebook carries exactly the tagger's slide metadata, and the tagger's rules hold."""

import copy
import json
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

import slides  # noqa: E402

NOTEBOOKS = sorted((SCRIPTS.parent / "notebooks").glob("*.ipynb")) + sorted(
    (SCRIPTS.parent / "notebooks" / "ko").glob("*.ipynb"))  # both editions


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text: str, outputs: list | None = None) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": outputs or [], "execution_count": 1}


def widget() -> dict:
    placeholder = {"output_type": "display_data", "metadata": {},
                   "data": {"text/plain": "Run this cell to show the interactive widget."}}  # fmt: skip
    return code("# NBVAL_IGNORE_OUTPUT\nshow_widget()", [placeholder])


def tiny_notebook() -> dict:
    cells = [
        md("# 99 · A tiny lesson\n\nGoals."),  # 0 slide
        code("setup_notebook(seed=0)"),  # 1 '-'
        md("## Why\n\nOne formula."),  # 2 slide
        md("## Build it\n\nSmall steps."),  # 3 slide
        code("x = 1"),  # 4 '-': the section's heading introduces the first step
        md("Notice: x is one."),  # 5 fragment
        md("Now the next step."),  # 6 fragment (an introduction)
        code("y = x + 1"),  # 7 '-' (with its introduction)
        md("Notice: y is two."),  # 8 fragment
        md("### A sub-heading"),  # 9 subslide
        code("z = 3"),  # 10 '-'
        md("Notice: z."),  # 11 fragment
        md("## Check it"),  # 12 slide
        code("assert x == 1"),  # 13 '-'
        md("## Explore it\n\nMove the slider."),  # 14 slide
        widget(),  # 15 subslide: a widget has a page of its own
        md("## Exercises\n\nRun the cell.\n\n**Exercise 1.** Write f."),  # 16 slide
        code("def f():\n    raise NotImplementedError"),  # 17 '-'
        md("<details><summary>Hint 1</summary>\n\nThink.\n</details>"),  # 18 fragment
        md("**Exercise 2 (predict before you run).** Guess."),  # 19 subslide
        code("def g():\n    raise NotImplementedError"),  # 20 '-'
        md("<details><summary>Hint</summary>\n\nOne.\n</details>\n\n**Exercise 3.** Write h."),  # 21 subslide
        code("def h():\n    raise NotImplementedError"),  # 22 '-'
        md("## Summary\n\nThree lines."),  # 23 slide
    ]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}


EXPECTED = [
    "slide", "-", "slide", "slide", "-", "fragment", "fragment", "-", "fragment", "subslide", "-", "fragment",
    "slide", "-", "slide", "subslide", "slide", "-", "fragment", "subslide", "-", "subslide", "-", "slide",
]  # fmt: skip


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_every_notebook_has_the_taggers_metadata(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = slides.differences(nb)
    assert not found, f"{path.name}: run `.venv/bin/python scripts/slides.py`:\n" + "\n".join(found)


def test_all_lecture_notebooks_and_the_start_page_are_checked() -> None:
    names = {p.name for p in NOTEBOOKS if p.parent.name == "notebooks"}
    assert "start.ipynb" in names
    assert {f"{n:02d}" for n in range(13)} <= {name[:2] for name in names}


def test_rules_on_a_tiny_notebook() -> None:
    assert slides.slide_types(tiny_notebook()["cells"]) == EXPECTED


def test_a_step_that_would_not_fit_starts_a_subslide() -> None:
    nb = tiny_notebook()
    tall = {"output_type": "stream", "name": "stdout", "text": "line\n" * 30}  # 30 lines of 17 px
    nb["cells"][7]["outputs"] = [tall]  # x = 1 ... y = x + 1 with a long output: no longer on one page
    nb["cells"][4]["outputs"] = [copy.deepcopy(tall)]
    types = slides.slide_types(nb["cells"])
    assert types[6] == "subslide" and types[7] == "-" and types[8] == "fragment"


def test_outside_build_it_cells_show_together() -> None:
    cells = [md("# T"), md("## Pitfalls\n\nA mistake."), code("demo()"), md("Notice: see."), md("More text.")]
    assert slides.slide_types(cells) == ["slide", "slide", "-", "-", "-"]


def test_tagging_touches_only_metadata_and_is_idempotent() -> None:
    nb = tiny_notebook()
    nb["cells"][4]["metadata"]["tags"] = ["keep-me"]
    once = slides.tag(nb)
    assert slides.differences(once) == []
    assert slides.dumps(slides.tag(once)) == slides.dumps(once)
    for before, after in zip(nb["cells"], once["cells"], strict=True):
        rest = {k: v for k, v in before.items() if k != "metadata"}
        assert {k: v for k, v in after.items() if k != "metadata"} == rest
        assert {k: v for k, v in after["metadata"].items() if k != "slideshow"} == before["metadata"]
    assert once["metadata"]["kernelspec"] == nb["metadata"]["kernelspec"]
    assert once["metadata"]["rise"] == slides.RISE
    assert nb["cells"][0]["metadata"] == {}, "tag() must not change its input"


def test_rise_settings_fit_the_projector() -> None:
    assert slides.RISE["width"] == 1280 and slides.RISE["height"] == 720 and slides.RISE["scroll"] is True


def test_check_names_the_cells_that_differ(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "99_tiny.ipynb"
    nb = slides.tag(tiny_notebook())
    nb["cells"][9]["metadata"]["slideshow"] = {"slide_type": "skip"}
    path.write_text(slides.dumps(nb), encoding="utf-8")
    assert slides.main(["--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "cell 9 (markdown `### A sub-heading`)" in out and "'skip'" in out and "'subslide'" in out
    assert slides.main([str(path)]) == 0  # tags it
    assert slides.main(["--check", str(path)]) == 0
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][9]["metadata"]["slideshow"] == {
        "slide_type": "subslide"
    }


def test_a_file_that_is_not_a_notebook_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"broken.ipynb: not a notebook \(expected a JSON object"):
        slides.main(["--check", str(path)])
