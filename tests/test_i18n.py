"""Two editions from one source: the language switch, its catalogues, and the Korean notebooks.

- lib/locale/messages.pot is what `_()` wraps in lib/ and in the notebooks' code today (Babel's
  extraction, scripts/catalogue.py); every message in it has its Korean in ko.po, and ko.po has
  nothing else. A translation keeps the message's {placeholders}.
- notebooks/ko/NN_slug.ipynb has the English notebook's cells, in order, with its ids and its code
  (scripts/editions.py keeps them in step); its markdown is Korean and has the same structure
  (sections, Notice, exercises, hints), so a lecturer can move between the editions cell by cell.
"""

from __future__ import annotations

import importlib.util
import json
import re
import string
from pathlib import Path

import pytest
import torch
from babel.messages.pofile import read_po

from lib import i18n
from lib.checks import check_function

REPO = Path(__file__).resolve().parents[1]
ENGLISH = sorted((REPO / "notebooks").glob("*.ipynb"))
KOREAN = REPO / "notebooks" / "ko"
HANGUL = re.compile(r"[가-힣]")


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


catalogue_script, editions = _script("catalogue"), _script("editions")


def po_messages(path: Path) -> dict[str, str]:
    with path.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


# --- catalogues ---------------------------------------------------------------------------------


def test_the_template_is_what_the_code_wraps_today():
    assert catalogue_script.TEMPLATE.read_bytes() == catalogue_script.render(catalogue_script.template()), (
        "lib/locale/messages.pot is out of date: run `make catalogue`")


def test_the_glossary_is_up_to_date():
    assert catalogue_script.GLOSSARY_MD.read_text(encoding="utf-8") == catalogue_script.glossary(), (
        "docs/glossary.md is out of date: run `make catalogue`")


def test_every_message_has_its_korean_and_nothing_else_is_in_the_catalogue():
    english = set(po_messages(catalogue_script.TEMPLATE))
    korean = po_messages(i18n.LOCALE_DIR / "ko.po")
    assert english, "no message is wrapped in _() at all"
    untranslated = sorted(m for m in english if not korean.get(m))
    assert not untranslated, f"in the code but not translated in lib/locale/ko.po: {untranslated}"
    stale = sorted(set(korean) - english)
    assert not stale, f"in lib/locale/ko.po but no longer in the code (run `make catalogue`): {stale}"


def test_a_translation_keeps_the_placeholders():
    korean = po_messages(i18n.LOCALE_DIR / "ko.po")
    wrong = {m: t for m, t in korean.items() if t and placeholders(m) != placeholders(t)}
    assert not wrong, f"these translations lose or add a {{placeholder}}: {wrong}"


def test_the_same_check_speaks_the_chosen_language():
    case = [(torch.ones(2),)]
    try:
        i18n.set_language("ko")
        ko = check_function(lambda x: x * 2, name="f", reference=lambda x: x * 3, cases=case).message
        i18n.set_language("en")
        en = check_function(lambda x: x * 2, name="f", reference=lambda x: x * 3, cases=case).message
    finally:
        i18n.set_language("en")
    assert "wrong values" in en and HANGUL.search(ko) and "wrong values" not in ko
    assert "(2,)" in ko  # the numbers survive the translation


@pytest.mark.parametrize("bad", ["fr", "KO", "", None, 1, ["ko"]])
def test_an_unknown_language_is_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"lang must be one of 'en', 'ko', got"):
        i18n.set_language(bad)
    assert i18n.language() == "en"


def test_the_folder_chooses_the_edition_and_the_environment_overrides_it(tmp_path, monkeypatch):
    monkeypatch.delenv(i18n.ENV, raising=False)
    (tmp_path / "ko").mkdir()
    assert i18n.language_for(tmp_path) == "en"
    assert i18n.language_for(tmp_path / "ko") == "ko"
    assert i18n.language_for(KOREAN) == "ko" and i18n.language_for(REPO / "notebooks") == "en"
    monkeypatch.setenv(i18n.ENV, "en")
    assert i18n.language_for(tmp_path / "ko") == "en"
    monkeypatch.setenv(i18n.ENV, "de")
    with pytest.raises(ValueError, match=r"LECTURE_LANG.*got 'de'"):
        i18n.language_for(tmp_path)


def test_a_missing_catalogue_is_named_when_chosen(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match=r"no catalogue for 'ko'.*ko\.po"):
            i18n.set_language("ko")
    finally:
        i18n.catalogue.cache_clear()
    assert i18n.language() == "en"


# --- the Korean edition ---------------------------------------------------------------------------


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("english", ENGLISH, ids=[p.name for p in ENGLISH])
def test_the_korean_edition_has_the_same_cells_and_the_same_code(english: Path):
    korean = KOREAN / english.name
    assert korean.exists(), f"notebooks/ko/{english.name} is missing: the Korean edition of every notebook"
    found, stale = editions.problems(json.loads(english.read_text()), json.loads(korean.read_text()))
    assert not found, "\n".join(found)
    assert not stale, f"code cells {stale} differ from the English: run scripts/editions.py"


def test_no_korean_notebook_without_an_english_one():
    assert {p.name for p in KOREAN.glob("*.ipynb")} <= {p.name for p in ENGLISH}


# The structure a lecturer and the tools rely on, in each language.
MARKERS = [  # (English pattern, Korean pattern): counted per notebook, must be equal
    (r"^## Why\b", r"^## 왜 \(Why\)"), (r"^## Build it\b", r"^## 만들기 \(Build it\)"),
    (r"^## Check it\b", r"^## 확인하기 \(Check it\)"), (r"^## Explore it\b", r"^## 탐구하기 \(Explore it\)"),
    (r"^## Pitfalls\b", r"^## 함정 \(Pitfalls\)"), (r"^## Exercises\b", r"^## 연습 문제 \(Exercises\)"),
    (r"^## Summary\b", r"^## 정리 \(Summary\)"), (r"^Notice\s*[:(]", r"^주목\s*[:(]"),
    (r"^\*\*Exercise \d", r"^\*\*연습 문제 \d"), (r"<summary>Hint", r"<summary>힌트"),
    (r"^# ", r"^# "), (r"^## ", r"^## "), (r"^### ", r"^### "),
]


@pytest.mark.parametrize("english", [p for p in ENGLISH if (KOREAN / p.name).exists()],
                         ids=[p.name for p in ENGLISH if (KOREAN / p.name).exists()])
def test_the_korean_prose_has_the_same_structure_and_is_korean(english: Path):
    pairs = list(zip(cells(english), cells(KOREAN / english.name), strict=True))
    for index, (e, k) in enumerate(pairs):
        if e["cell_type"] != "markdown":
            continue
        assert text(k) != text(e) and HANGUL.search(text(k)), f"cell {index} is not translated"
        for en, ko in MARKERS:
            n_en, n_ko = (len(re.findall(p, text(c), re.MULTILINE)) for p, c in ((en, e), (ko, k)))
            assert n_en == n_ko, f"cell {index}: {n_en} × {en!r} in English, {n_ko} × {ko!r} in Korean"
        for pattern in (r"\bL\d\.\d+", r"\$\$"):  # claim ids and display maths are kept as they are
            assert re.findall(pattern, text(e)) == re.findall(pattern, text(k)), f"cell {index}: {pattern}"


@pytest.mark.parametrize("korean", sorted(KOREAN.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_link_of_the_korean_edition_resolves(korean: Path):
    for index, cell in enumerate(cells(korean)):
        if cell["cell_type"] != "markdown":
            continue
        for target in re.findall(r"\]\(([^)\s]+)\)", text(cell)):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (KOREAN / target.split("#")[0]).resolve()
            assert path.exists(), f"{korean.name}, cell {index}: the link {target} resolves to nothing"


def test_the_catalogue_compiles_in_memory():
    """The Korean catalogue is compiled from its .po when chosen; nothing binary is kept in the repo."""
    assert not list(i18n.LOCALE_DIR.glob("*.mo"))
    i18n.catalogue.cache_clear()
    assert i18n.catalogue("ko").gettext("passed.") != "passed."
