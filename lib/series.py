"""The series as a map: which notebook teaches which part of the Transformer, read from the notebooks.

`lessons(folder)` reads each NN_slug.ipynb's first cell, so the start page's table cannot drift
from the notebooks: its title, the lecture claims it cites (L7.1 ...), the notebooks it builds
on (two-digit numbers on its "Builds on" line) and the Korean terms it uses there. What a
notebook cannot say about itself, where its part sits in the diagram and how long it takes, is
kept here, one entry per notebook (a test fails when a notebook has none).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from lib.i18n import _

# Where each notebook sits on the diagram (a key of lib.plots.transformer_diagram's boxes) and how
# long it takes: minutes in class (stepping through it, one widget tried), minutes as homework.
PLACES = {
    "why_attention": ("model", 20, 30),
    "self_attention": ("encoder.attn", 25, 30),
    "dot_product_variance": ("encoder.attn", 15, 25),
    "softmax_saturation": ("encoder.attn", 15, 30),
    "multi_head": ("encoder.attn", 20, 30),
    "complexity": ("encoder.attn", 15, 25),
    "block": ("encoder.norm1", 25, 35),
    "positional_encoding": ("src_embedding", 20, 30),
    "warmup": ("training", 15, 25),
    "masking": ("decoder.self_attn", 20, 30),
    "decoder": ("decoder.cross_attn", 20, 30),
    "trained_transformer": ("model", 25, 35),
    "attention_explanation": ("decoder.cross_attn", 25, 35),
}
# The lectures' own terms (한국어 -> English), in the order the series meets them.
GLOSSARY = {
    "순환 신경망": "recurrent neural network (RNN)", "장기 의존성": "long-term dependency",
    "병렬화": "parallelisation", "쿼리": "query", "키": "key", "밸류": "value", "내적": "dot product",
    "가중치": "weight", "히든 벡터": "hidden vector", "분산": "variance", "소프트맥스": "softmax",
    "멀티헤드 어텐션": "multi-head attention", "셀프 어텐션": "self-attention", "잔차 연결": "residual connection",
    "배치 정규화": "batch normalisation", "레이어 정규화": "layer normalisation",
    "위치 인코딩": "positional encoding", "포지셔널 인코딩": "positional encoding", "워밍업": "warm-up",
    "학습률": "learning rate", "인코더": "encoder", "디코더": "decoder",
    "마스크드 셀프 어텐션": "masked self-attention", "재정규화": "renormalisation",
}


@dataclass(frozen=True)
class Lesson:
    number: str  # "07"
    slug: str  # "positional_encoding"
    file: str  # "07_positional_encoding.ipynb"
    title: str  # the notebook's own title, without its number
    claims: tuple[str, ...]  # lecture claim ids, in order of first mention
    needs: tuple[str, ...]  # numbers of the notebooks it builds on
    terms: tuple[str, ...]  # the lecture's Korean terms (GLOSSARY) its text uses
    place: str  # its box on the diagram
    minutes_class: int
    minutes_homework: int


def read_lesson(path: Path) -> Lesson:
    """One notebook's entry, from its first (markdown) cell and PLACES."""
    path = Path(path)
    match = re.fullmatch(r"(\d\d)_(\w+)\.ipynb", path.name)
    if not match:
        raise ValueError(f"a lesson notebook is named NN_slug.ipynb, got {path.name!r}")
    number, slug = match.groups()
    if slug not in PLACES:
        raise ValueError(f"{path.name} has no entry in lib.series.PLACES (its place on the diagram and its minutes)")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = "".join(cells[0]["source"])
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    title = next((line.lstrip("# ").split("·", 1)[-1].strip() for line in first.splitlines() if line.startswith("# ")),
                 slug.replace("_", " "))
    builds = re.search(r"\*\*(?:Builds on|선수 학습):\*\*(.*?)(?:\n\n|\n\*\*|$)", first, re.S)
    needs = tuple(dict.fromkeys(n for n in re.findall(NUMBER, builds.group(1) if builds else "") if n < number))
    place, minutes_class, minutes_homework = PLACES[slug]
    claims = tuple(dict.fromkeys(re.findall(CLAIM, first)))
    terms = tuple(term for term in GLOSSARY if re.search(_term_pattern(term), text))
    return Lesson(number, slug, path.name, title, claims, needs, terms, place, minutes_class, minutes_homework)


# A notebook number or a claim id may be followed by a Korean particle ("04의", "L8.9를"): Hangul counts
# as a word character, so these patterns use look-arounds instead of \b.
NUMBER = r"(?<![\d.])(\d\d)(?!\d)"
CLAIM = r"(?<![\w.])L\d\.\d+(?!\d)"
_PARTICLES = "은|는|이|가|을|를|의|와|과|로|으로|도|에|에서|만|이나|나|란|라는|입니다"


def _term_pattern(term: str) -> str:
    """A glossary term as a word of its own: not inside a longer Korean word ("키" is not in "키우다")."""
    return rf"(?<![가-힣]){re.escape(term)}(?![가-힣])|(?<![가-힣]){re.escape(term)}(?:{_PARTICLES})(?![가-힣])"


def lessons(folder: Path) -> list[Lesson]:
    """Every NN_slug.ipynb of `folder`, in order."""
    found = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise ValueError(f"no NN_slug.ipynb notebooks in {Path(folder).resolve()}")
    return [read_lesson(path) for path in found]


def markdown_table(items: list[Lesson]) -> str:
    """The series as a Markdown table: notebook (linked), claims, Korean terms, builds on, minutes."""
    head = (_("notebook"), _("lecture claims"), _("용어 (terms)"), _("builds on"), _("class / homework (min)"))
    rows = ["| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
    for lesson in items:
        rows.append(f"| [{lesson.number} · {lesson.title}]({lesson.file}) | {', '.join(lesson.claims) or '—'} "
                    f"| {', '.join(lesson.terms[:6]) or '—'} | {', '.join(lesson.needs) or '—'} "
                    f"| {lesson.minutes_class} / {lesson.minutes_homework} |")
    return "\n".join(rows)


def glossary_markdown(items: list[Lesson]) -> str:
    """The lectures' terms, 한국어 ↔ English, each with the notebooks whose text uses it (first one: where taught).

    `items` are the lessons of the Korean edition, whose prose uses the lecture's own terms.
    """
    rows = ["| 한국어 | English | 처음 나오는 곳 (taught in) | 함께 쓰는 노트북 (also in) |", "|---|---|---|---|"]
    for term, english in GLOSSARY.items():
        where = [lesson for lesson in items if term in lesson.terms]
        first = f"[{where[0].number} · {where[0].title}](../notebooks/ko/{where[0].file})" if where else "—"
        rows.append(f"| {term} | {english} | {first} | {', '.join(lesson.number for lesson in where[1:]) or '—'} |")
    return "\n".join(rows)
