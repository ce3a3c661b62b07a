"""The curriculum and the links between the documents stay true.

- Every notebook a notebook (markdown cells), README.md or docs/*.md links to or names exists:
  a file name `NN_slug.ipynb` (with or without a path), or a number in "notebook 05",
  "notebooks 06 and 11", or in a "**Next:**" / "**Builds on:**" paragraph.
- Every relative link resolves, and `CURRICULUM.md` is never named without a link to it.
- docs/CURRICULUM.md has one row per claim id; a covered claim's notebooks exist, mention its id
  and contain the code the row quotes; the count at its top and in the README match the table.
- docs/lecture_notes_07_08.txt is non-empty UTF-8 and has the hash docs/CURRICULUM.md states.

The helpers are pure functions on text, tested on synthetic input at the bottom of this file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DOCS = ROOT / "docs"
README = ROOT / "README.md"
CURRICULUM = DOCS / "CURRICULUM.md"
LECTURE_NOTES = DOCS / "lecture_notes_07_08.txt"

CLAIM_IDS = [f"L7.{i}" for i in range(1, 9)] + [f"L8.{i}" for i in range(11)]
STATUSES = ("covered", "not yet")
COLUMNS = ("id", "claim", "notebook", "shown by", "checked by", "status")


# --- reading the files -----------------------------------------------------------------------

def notebook_cells(path: Path) -> list[tuple[int, str, str]]:
    """(index, cell type, source) of every cell of a .ipynb file."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(i, c["cell_type"], "".join(c["source"])) for i, c in enumerate(cells)]


def notebook_text(path: Path) -> str:
    """All markdown and code sources of a notebook (outputs left out)."""
    return "\n".join(src for _, kind, src in notebook_cells(path) if kind in ("markdown", "code"))


def prose_chunks(path: Path) -> list[tuple[str, str]]:
    """(location, text) a reader sees: markdown cells of a notebook, or the lines of a .md file."""
    if path.suffix == ".ipynb":
        return [(f"cell {i}", src) for i, kind, src in notebook_cells(path) if kind == "markdown"]
    return [(f"line {n}", line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]


def prose_files(root: Path = ROOT) -> list[Path]:
    """The files whose references are checked: every notebook, README.md and docs/*.md."""
    notebooks, docs = sorted((root / "notebooks").glob("*.ipynb")), sorted((root / "docs").glob("*.md"))
    return [*notebooks, root / "README.md", *docs]


def rel(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


# --- finding references to notebooks ---------------------------------------------------------

NOTEBOOK_FILE = re.compile(r"(?<![\w-])(\d\d_[A-Za-z0-9_-]+\.ipynb)\b")
NOTEBOOK_WORD = re.compile(r"\b[Nn]otebooks?\s+(\d\d(?:(?:\s*,\s*|\s+and\s+|\s+or\s+)\d\d)*)\b")
# A "**Next:**" or "**Builds on:**" paragraph: to the next blank line or the next "**Label:**" line.
LABELLED = re.compile(r"^\*\*(?:Next|Builds on):\*\*.*(?:\n(?![ \t]*$|\*\*).*)*", re.MULTILINE)
# A two-digit number standing alone: not part of a word, a decimal, "12,000", "= 64", "07강" or "n²".
BARE_NUMBER = re.compile(r"(?<![\w.,=])(?<!= )(\d\d)(?![\w²³%]|[.,]\d)")
LECTURE_NUMBER = re.compile(r"(?i)\blectures?\s+\d\d\b")


def notebook_file_names(text: str) -> list[str]:
    """Notebook files named in text, as bare file names: 'notebooks/05_x.ipynb' -> '05_x.ipynb'."""
    return NOTEBOOK_FILE.findall(text)


def notebook_numbers(text: str) -> list[str]:
    """Notebooks named by number: 'notebook 05', 'notebooks 06 and 11', '**Next:** 10 puts ...'."""
    found = [n for group in NOTEBOOK_WORD.findall(text) for n in re.findall(r"\d\d", group)]
    for paragraph in LABELLED.findall(text):
        found += BARE_NUMBER.findall(LECTURE_NUMBER.sub("", paragraph))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Ref:
    file: str  # relative to the repository
    where: str  # "cell 46" or "line 12"
    target: str  # "05_complexity.ipynb" or "05"

    def __str__(self) -> str:
        return f"{self.file} ({self.where}): {self.target}"


def notebook_refs(path: Path, root: Path = ROOT) -> list[Ref]:
    refs = []
    for where, text in prose_chunks(path):
        for target in notebook_file_names(text) + notebook_numbers(text):
            refs.append(Ref(rel(path, root), where, target))
    return list(dict.fromkeys(refs))


def is_dangling(ref: Ref, existing: set[str]) -> bool:
    """existing: the notebook file names in notebooks/; a number needs a file starting with it."""
    if ref.target.endswith(".ipynb"):
        return ref.target not in existing
    return not any(name.startswith(ref.target + "_") for name in existing)


# --- links ------------------------------------------------------------------------------------

LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]+)\)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def relative_links(text: str) -> list[str]:
    """Targets of markdown links that point into the repository (no URL, no bare #anchor)."""
    return [t for _, t in LINK.findall(text) if not SCHEME.match(t) and not t.startswith("#")]


def resolve(base: Path, target: str) -> Path:
    return (base / re.split(r"[#?]", target, maxsplit=1)[0]).resolve()


def bare_curriculum_mentions(text: str, base: Path, curriculum: Path) -> list[str]:
    """Mentions of CURRICULUM.md that are not inside a link resolving to `curriculum`."""

    def drop_good_link(m: re.Match) -> str:
        target = m.group(2)
        ok = not SCHEME.match(target) and resolve(base, target) == curriculum.resolve()
        return "" if ok else m.group(0)

    rest = LINK.sub(drop_good_link, text)
    return [rest[max(0, m.start() - 30) : m.end() + 5].strip() for m in re.finditer(r"CURRICULUM\.md", rest)]


# --- the claim table --------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    id: str
    notebooks: tuple[str, ...]  # link targets ending in .ipynb
    shown: str
    checked: str
    status: str


def split_row(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_claims(text: str) -> tuple[list[Claim], list[str]]:
    """The rows of the table whose header starts with `| id |`, and what is wrong with its shape."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if re.match(r"^\|\s*id\s*\|", line)]
    if len(starts) != 1:
        return [], [f"expected one table with an 'id' column, found {len(starts)}"]
    header = [h.lower() for h in split_row(lines[starts[0]])]
    if tuple(header) != COLUMNS:
        return [], [f"columns {header}, expected {list(COLUMNS)}"]
    claims, problems = [], []
    for line in lines[starts[0] + 2 :]:
        if not line.startswith("|"):
            break
        cells = split_row(line)
        if len(cells) != len(COLUMNS):
            problems.append(f"{len(cells)} cells instead of {len(COLUMNS)} (a stray '|'?): {line[:60]}")
            continue
        row = dict(zip(COLUMNS, cells, strict=True))
        targets = tuple(t for _, t in LINK.findall(row["notebook"]) if t.endswith(".ipynb"))
        claims.append(Claim(row["id"], targets, row["shown by"], row["checked by"], row["status"]))
    return claims, problems


SUMMARY = re.compile(r"^\*\*(\d+) of (\d+) claims covered\*\*", re.MULTILINE)
README_COUNT = re.compile(r"\b(\d+)\s+of\s+(\d+)\s+claims\b")


def summary_counts(text: str) -> list[tuple[int, int]]:
    """(covered, total) of every summary line that comes before the claim table."""
    table = re.search(r"^\|\s*id\s*\|", text, re.MULTILINE)
    head = text[: table.start()] if table else text
    return [(int(a), int(b)) for a, b in SUMMARY.findall(head)]


def table_counts(claims: list[Claim]) -> tuple[int, int]:
    return sum(c.status == "covered" for c in claims), len(claims)


def mentions_id(text: str, claim_id: str) -> bool:
    """True if text cites the id itself: 'L8.1' is not cited by 'L8.10'."""
    return re.search(rf"(?<![\w.]){re.escape(claim_id)}(?![\d])", text) is not None


def code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def coverage_problems(claim: Claim, notebooks_dir: Path) -> list[str]:
    """Why a row marked covered is not: no notebook, a missing notebook, or one without the id."""
    if claim.status != "covered":
        return []
    if not claim.notebooks:
        return [f"{claim.id} is marked covered but links no notebook"]
    problems = []
    for target in claim.notebooks:
        path = notebooks_dir / Path(target).name
        if not path.exists():
            problems.append(f"{claim.id} is covered by {target}, which does not exist")
        elif not mentions_id(notebook_text(path), claim.id):
            problems.append(f"{claim.id} does not appear in {target}")
    return problems


def unquoted_code(claim: Claim, notebooks_dir: Path) -> list[str]:
    """Code spans of a covered row's 'shown by' / 'checked by' found in none of its notebooks."""
    paths = [notebooks_dir / Path(t).name for t in claim.notebooks]
    text = "\n".join(notebook_text(p) for p in paths if p.exists())
    return [s for s in code_spans(claim.shown + " " + claim.checked) if s not in text]


# --- collected once, for parametrize ----------------------------------------------------------

def _safe_read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


EXISTING = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
REFS = [ref for path in prose_files() if path.exists() for ref in notebook_refs(path)]
LINKS = [
    (rel(path), where, target)
    for path in prose_files()
    if path.exists()
    for where, text in prose_chunks(path)
    for target in relative_links(text)
]
CLAIMS, TABLE_PROBLEMS = parse_claims(_safe_read(CURRICULUM))
COVERED = [c for c in CLAIMS if c.status == "covered"]


# --- the repository ---------------------------------------------------------------------------

def test_curriculum_and_lecture_notes_exist():
    assert CURRICULUM.is_file(), "docs/CURRICULUM.md is missing"
    assert LECTURE_NOTES.is_file(), "docs/lecture_notes_07_08.txt is missing"


def test_lecture_notes_are_utf8_and_unchanged():
    data = LECTURE_NOTES.read_bytes()
    assert data.strip(), "the lecture notes are empty"
    text = data.decode("utf-8")  # strict: raises on any byte sequence that is not UTF-8
    assert "(07강) Transformer(1)" in text and "(08강) Transformer(2)" in text
    stated = re.findall(r"SHA-256: `([0-9a-f]{64})`", _safe_read(CURRICULUM))
    assert len(stated) == 1, "docs/CURRICULUM.md must state the notes' hash once, as SHA-256: `...`"
    assert hashlib.sha256(data).hexdigest() == stated[0], "the lecture notes differ from the copy made"


def test_the_scan_sees_the_references():
    """Guards the scanner itself: if it found nothing, every check below would pass vacuously."""
    readme_refs = {r.target for r in REFS if r.file == "README.md"}
    assert {"01_self_attention.ipynb", "09_masking.ipynb"} <= readme_refs
    assert any(r.file.startswith("notebooks/") for r in REFS)
    assert any(f == "docs/CURRICULUM.md" for f, _, _ in LINKS)


@pytest.mark.parametrize("ref", REFS, ids=str)
def test_named_notebook_exists(ref: Ref):
    assert not is_dangling(ref, EXISTING), (
        f"{ref.file}, {ref.where}, names notebook {ref.target!r}, which is not in notebooks/ "
        "(name a planned notebook without its number, or link docs/CURRICULUM.md)"
    )


@pytest.mark.parametrize("file, where, target", LINKS, ids=[f"{f} ({w}): {t}" for f, w, t in LINKS])
def test_relative_link_resolves(file: str, where: str, target: str):
    assert resolve((ROOT / file).parent, target).exists(), f"{file}, {where}, links to missing {target!r}"


@pytest.mark.parametrize("path", prose_files(), ids=rel)
def test_curriculum_is_named_with_a_link(path: Path):
    bare = [
        f"{where}: ...{snippet}..."
        for where, text in prose_chunks(path)
        for snippet in bare_curriculum_mentions(text, path.parent, CURRICULUM)
    ]
    link = "../docs/CURRICULUM.md" if path.suffix == ".ipynb" else "docs/CURRICULUM.md"
    assert not bare, f"{rel(path)} names CURRICULUM.md without linking it (use [...]({link})): {bare}"


def test_claim_table_has_every_id_once():
    assert not TABLE_PROBLEMS, TABLE_PROBLEMS
    ids = [c.id for c in CLAIMS]
    assert sorted(ids) == sorted(CLAIM_IDS) and len(ids) == len(set(ids)), (
        f"missing {sorted(set(CLAIM_IDS) - set(ids))}, unknown {sorted(set(ids) - set(CLAIM_IDS))}, "
        f"repeated {sorted({i for i in ids if ids.count(i) > 1})}"
    )
    assert all(c.status in STATUSES for c in CLAIMS), [(c.id, c.status) for c in CLAIMS if c.status not in STATUSES]


def test_summary_line_matches_the_table():
    counts = summary_counts(_safe_read(CURRICULUM))
    assert len(counts) == 1, "docs/CURRICULUM.md needs one '**N of M claims covered**' line above the table"
    assert counts[0] == table_counts(CLAIMS), f"summary says {counts[0]}, the table has {table_counts(CLAIMS)}"


@pytest.mark.parametrize("claim", COVERED, ids=lambda c: c.id)
def test_covered_claim_appears_in_its_notebook(claim: Claim):
    problems = coverage_problems(claim, NOTEBOOKS)
    assert not problems, problems


@pytest.mark.parametrize("claim", COVERED, ids=lambda c: c.id)
def test_quoted_code_is_in_its_notebook(claim: Claim):
    missing = unquoted_code(claim, NOTEBOOKS)
    assert not missing, f"{claim.id}: quoted in docs/CURRICULUM.md but not in {list(claim.notebooks)}: {missing}"


def test_readme_states_the_same_coverage():
    readme = README.read_text(encoding="utf-8")
    stated = {(int(a), int(b)) for a, b in README_COUNT.findall(readme)}
    assert stated == {table_counts(CLAIMS)}, f"README states {stated}, the table has {table_counts(CLAIMS)}"
    assert "(docs/CURRICULUM.md)" in readme, "README should link docs/CURRICULUM.md"
    covered, total = table_counts(CLAIMS)
    if covered < total:
        assert not re.search(r"(?i)\bevery claim of the lectures is\b", readme), "README still claims full coverage"


# --- the helpers, on synthetic input ----------------------------------------------------------

def test_file_names_are_found_with_or_without_a_path():
    text = "See [05](../notebooks/05_complexity.ipynb), notebooks/06_block.ipynb and 10_decoder.ipynb."
    assert notebook_file_names(text) == ["05_complexity.ipynb", "06_block.ipynb", "10_decoder.ipynb"]
    assert notebook_file_names("notebooks/NN_topic.ipynb, E2E_ONLY=\"07_*\", `00_why_attention`") == []


def test_numbers_are_found_in_prose_next_and_builds_on():
    assert notebook_numbers("as notebook 02 measures; notebooks 06 and 11 open it up") == ["02", "06", "11"]
    assert notebook_numbers("**Next:** 05 measures the cost, and 06 wraps this layer into a\nblock.") == ["05", "06"]
    builds_on = "**Builds on:** attention (04) and positional encoding (07).\n\nBy the end, 12 words."
    assert notebook_numbers(builds_on) == ["04", "07"]
    # not notebook numbers: a lecture, a Korean lecture tag, decimals, widths, thousands, claim ids
    quiet = "**Next:** 08 looks at lecture 08's recipe, (07강), d_k = 64, 0.25, 12,000, L8.10, 20 ms."
    assert notebook_numbers(quiet) == ["08", "20"]  # "20 ms" in a Next line counts: keep numbers out of it
    assert notebook_numbers("d_k = 64 and 12 000 predictions; no notebook here") == []


def test_dangling_refs_are_flagged():
    existing = {"01_self_attention.ipynb", "04_multi_head.ipynb"}
    assert is_dangling(Ref("x", "cell 1", "05"), existing)
    assert is_dangling(Ref("x", "cell 1", "05_complexity.ipynb"), existing)
    assert is_dangling(Ref("x", "cell 1", "04_multihead.ipynb"), existing)  # a typo in the slug
    assert not is_dangling(Ref("x", "cell 1", "04"), existing)
    assert not is_dangling(Ref("x", "cell 1", "01_self_attention.ipynb"), existing)


def test_refs_of_a_scratch_notebook_name_file_and_cell(tmp_path: Path):
    (tmp_path / "notebooks").mkdir()
    nb = {"cells": [
        {"cell_type": "markdown", "source": ["# 01\n", "**Builds on:** nothing."]},
        {"cell_type": "code", "source": ["# notebook 05 in a code comment is not prose\n"]},
        {"cell_type": "markdown", "source": ["**Next:** 05 measures the cost."]},
    ]}
    path = tmp_path / "notebooks" / "01_a.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    refs = notebook_refs(path, root=tmp_path)
    assert refs == [Ref("notebooks/01_a.ipynb", "cell 2", "05")]
    assert str(refs[0]) == "notebooks/01_a.ipynb (cell 2): 05"
    assert is_dangling(refs[0], {"01_a.ipynb"})


def test_the_real_readme_with_one_broken_link_fails(tmp_path: Path):
    readme = README.read_text(encoding="utf-8")
    broken = readme.replace("(notebooks/09_masking.ipynb)", "(notebooks/99_missing.ipynb)")
    assert broken != readme
    copy = tmp_path / "README.md"
    copy.write_text(broken, encoding="utf-8")
    dangling = [r for r in notebook_refs(copy, root=tmp_path) if is_dangling(r, EXISTING)]
    assert [(r.file, r.target) for r in dangling] == [("README.md", "99_missing.ipynb")]
    assert dangling[0].where.startswith("line ")
    assert [t for t in relative_links(broken) if not resolve(ROOT, t).exists()] == ["notebooks/99_missing.ipynb"]


def test_relative_links_and_bare_curriculum_mentions(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "notebooks").mkdir()
    curriculum = tmp_path / "docs" / "CURRICULUM.md"
    curriculum.write_text("x", encoding="utf-8")
    base = tmp_path / "notebooks"
    text = "[web](https://example.org) [top](#why) [cur](../docs/CURRICULUM.md#claims) [gone](../docs/gone.md)"
    assert relative_links(text) == ["../docs/CURRICULUM.md#claims", "../docs/gone.md"]
    assert resolve(base, "../docs/CURRICULUM.md#claims").exists() and not resolve(base, "../docs/gone.md").exists()
    assert bare_curriculum_mentions("(see [docs/CURRICULUM.md](../docs/CURRICULUM.md))", base, curriculum) == []
    assert len(bare_curriculum_mentions("(see `CURRICULUM.md`)", base, curriculum)) == 1
    assert bare_curriculum_mentions("[CURRICULUM.md](CURRICULUM.md)", base, curriculum) != []  # wrong folder


SYNTHETIC = """# Curriculum

**2 of 3 claims covered**

| id | claim | notebook | shown by | checked by | status |
|---|---|---|---|---|---|
| L7.1 | a | [01_a.ipynb](../notebooks/01_a.ipynb) | `plot(x)` | `assert x > 0` | covered |
| L8.1 | b | [02_b.ipynb](../notebooks/02_b.ipynb) | the map | `assert y` | covered |
| L8.10 | c | planned: `03_c` | planned | — | not yet |

after the table
"""


def _write_notebook(path: Path, *sources: str) -> None:
    cells = [{"cell_type": "code", "source": [s]} for s in sources]
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")


def test_claim_table_parsing_and_counts():
    claims, problems = parse_claims(SYNTHETIC)
    assert problems == []
    assert [(c.id, c.notebooks, c.status) for c in claims] == [
        ("L7.1", ("../notebooks/01_a.ipynb",), "covered"),
        ("L8.1", ("../notebooks/02_b.ipynb",), "covered"),
        ("L8.10", (), "not yet"),
    ]
    assert summary_counts(SYNTHETIC) == [(2, 3)] == [table_counts(claims)]
    assert summary_counts(SYNTHETIC.replace("**2 of", "**3 of")) != [table_counts(claims)]
    assert summary_counts(SYNTHETIC.replace("**2 of 3 claims covered**", "")) == []
    _, problems = parse_claims(SYNTHETIC.replace("| a |", "| a | b |"))
    assert problems and "stray" in problems[0]
    assert parse_claims(SYNTHETIC.replace("| status |", "| state |"))[1]


def test_coverage_problems_on_scratch_notebooks(tmp_path: Path):
    claims, _ = parse_claims(SYNTHETIC)
    _write_notebook(tmp_path / "01_a.ipynb", "# L7.1\nplot(x)\nassert x > 0")
    # 02_b mentions only L8.10: "L8.1" must not count as cited, and the quoted assert is absent
    _write_notebook(tmp_path / "02_b.ipynb", "# L8.10\nassert z")
    assert coverage_problems(claims[0], tmp_path) == [] and unquoted_code(claims[0], tmp_path) == []
    assert coverage_problems(claims[1], tmp_path) == ["L8.1 does not appear in ../notebooks/02_b.ipynb"]
    assert unquoted_code(claims[1], tmp_path) == ["assert y"]
    assert coverage_problems(claims[2], tmp_path) == []  # not yet: nothing to check
    (tmp_path / "01_a.ipynb").unlink()
    gone = "L7.1 is covered by ../notebooks/01_a.ipynb, which does not exist"
    assert coverage_problems(claims[0], tmp_path) == [gone]
    no_link = Claim("L7.2", (), "", "", "covered")
    assert coverage_problems(no_link, tmp_path) == ["L7.2 is marked covered but links no notebook"]


def test_mentions_id_respects_boundaries():
    assert mentions_id("Claims covered: L8.1, L8.2", "L8.1")
    assert not mentions_id("Claim covered: L8.10", "L8.1")
    assert mentions_id("Claim covered: L8.10", "L8.10")
    assert not mentions_id("XL7.3", "L7.3")
