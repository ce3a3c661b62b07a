"""Extract the messages wrapped in `_()` and keep the language catalogues in step (`make catalogue`).

It also writes docs/glossary.md (the lectures' terms, with the Korean notebook where each is taught).

Babel does the work: it extracts from every lib/ module and from the code cells of the English
notebooks (the Korean edition's code cells are the same), writes the template
lib/locale/messages.pot, and merges it into each lib/locale/<lang>.po, keeping what is translated.
A new message arrives in ko.po untranslated; tests/test_i18n.py fails until it has its Korean.

    .venv/bin/python scripts/catalogue.py          # write messages.pot, update the .po files
    .venv/bin/python scripts/catalogue.py --check  # exit 1 if messages.pot is out of date
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
GLOSSARY_MD = REPO / "docs" / "glossary.md"
LOCALE = REPO / "lib" / "locale"
TEMPLATE = LOCALE / "messages.pot"
KEYWORDS = {"_": None, "lazy_gettext": None, "tr": None}  # tr: the name notebooks import _ as
TRANSLATED = ("ko",)


def template() -> Catalog:
    """Every `_("...")` of lib/ and of the English notebooks' code cells, with where it is used."""
    catalog = Catalog(project="transformer-lectures", fuzzy=False)
    for filename, lineno, message, comments, _context in extract_from_dir(
        REPO / "lib", method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("i18n:",),
    ):
        catalog.add(message, locations=[(f"lib/{filename}", lineno)], auto_comments=comments)
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]).encode()
            for lineno, message, comments, _context in extract("python", io.BytesIO(source), keywords=KEYWORDS):
                catalog.add(message, locations=[(f"notebooks/{path.name}#cell{index}", lineno)],
                            auto_comments=comments)
    return catalog


def render(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, omit_header=True, sort_output=True, width=100, no_location=True)
    return buf.getvalue()


def glossary() -> str:
    """docs/glossary.md: the lectures' terms with the Korean notebook where each is taught."""
    sys.path.insert(0, str(REPO))
    from lib.series import glossary_markdown, lessons

    return (
        "# 용어집 · Glossary\n\n"
        "The lectures' own terms, 한국어 ↔ English, with the notebook of the Korean edition where each is first\n"
        "used and the others that use it. Made by `make catalogue` from `lib.series.GLOSSARY` and the notebooks'\n"
        "text (tests/test_i18n.py checks it is up to date).\n\n"
        "강의에서 쓰는 용어와 영어 용어, 그리고 한국어판에서 그 용어가 처음 나오는 노트북입니다.\n\n"
        + glossary_markdown(lessons(REPO / "notebooks" / "ko")) + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that messages.pot is up to date")
    args = parser.parse_args(argv)
    fresh = render(template())
    if args.check:
        stale = [p for p, text in ((TEMPLATE, fresh), (GLOSSARY_MD, glossary().encode()))
                 if not p.exists() or p.read_bytes() != text]
        for path in stale:
            print(f"{path.relative_to(REPO)} is out of date: run `make catalogue`", file=sys.stderr)
        return 1 if stale else 0
    GLOSSARY_MD.write_text(glossary(), encoding="utf-8")
    LOCALE.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(fresh)
    tmpl = template()
    for lang in TRANSLATED:
        path = LOCALE / f"{lang}.po"
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=lang)
        else:
            catalog = Catalog(locale=lang)
        catalog.update(tmpl, no_fuzzy_matching=True)
        catalog.obsolete.clear()  # a message no longer used leaves the catalogue
        path.write_bytes(render(catalog))
        missing = [m.id for m in catalog if m.id and not m.string]
        print(f"{path.relative_to(REPO)}: {len(catalog)} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
