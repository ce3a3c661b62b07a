"""The language a student reads: English (the source) or Korean, from one catalogue per language.

Messages are written in English in the code and wrapped in `_()`, the standard gettext idiom:
`ax.set_title(_("weights, all queries"))`, `_("{name}: right.").format(name=...)`. The English
text is the message id; `lib/locale/ko.po` (a standard gettext catalogue, edited with any PO editor)
holds its Korean. `lib/locale/messages.pot` is the template extracted from lib/ and the notebooks'
code cells by Babel (`make catalogue`); a test fails when a message is in the template and not
translated in ko.po, or in ko.po and no longer used.

The language is chosen once per kernel by `setup_notebook(seed=0)`: the folder the notebook lives in
(notebooks/ko/ is the Korean edition), or `lang=` / the LECTURE_LANG environment variable. So the
code cells of both editions stay identical.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import cache
from pathlib import Path

from babel.support import LazyProxy

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "ko")
DEFAULT = "en"
ENV = "LECTURE_LANG"

_current = DEFAULT


def _check(lang) -> str:
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(map(repr, LANGUAGES))}, got {lang!r}")
    return lang


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The translations of `lang`, compiled in memory from its .po file (English: the ids themselves)."""
    _check(lang)
    if lang == DEFAULT:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / f"{lang}.po"
    if not path.exists():
        raise FileNotFoundError(f"no catalogue for {lang!r}: {path} is missing (run `make catalogue`)")
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def language_for(folder: Path | str | None = None) -> str:
    """The edition's language: LECTURE_LANG if set, else "ko" inside a folder named ko, else English."""
    env = os.environ.get(ENV)
    if env:
        try:
            return _check(env)
        except ValueError as exc:
            raise ValueError(f"the environment variable {ENV}: {exc}") from None
    folder = Path.cwd() if folder is None else Path(folder)
    return "ko" if folder.resolve().name == "ko" else DEFAULT


def set_language(lang: str) -> str:
    """Choose the language of every later message; returns it."""
    global _current
    catalogue(_check(lang))  # fail here on a broken catalogue, not in the middle of a figure
    _current = lang
    return lang


def language() -> str:
    return _current


def _(message: str) -> str:
    """`message` in the current language (itself when it has no translation)."""
    return catalogue(_current).gettext(message)


def lazy_gettext(message: str, **fields) -> LazyProxy:
    """`message` translated each time it is shown, not when this is called: for texts made at import,
    before the notebook has chosen its language (an exercise's hints are built when lib.checks is
    imported). Babel's LazyProxy stands in for the string in f-strings, str.format, `or` and `+`;
    `fields` fill the message's {placeholders} after translation."""
    return LazyProxy(lambda: _(message).format(**fields) if fields else _(message), enable_cache=False)
