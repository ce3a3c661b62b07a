"""lib.series (the start page's map of the notebooks) and lib.plots.transformer_diagram (drawn from a model)."""

from __future__ import annotations

import json
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
