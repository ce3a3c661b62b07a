"""make homework / make progress (scripts/homework.py): student work is never lost, progress is true."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "homework.py"


def homework(*args: str, cwd: Path = REPO) -> str:
    out = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, check=True)
    return out.stdout


def test_copy_never_overwrites_a_changed_notebook_and_backs_it_up_only_when_asked(tmp_path):
    into = tmp_path / "homework"
    assert "new" in homework("copy", "--into", str(into))
    names = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(p.name for p in into.glob("*.ipynb")) == names
    assert f"{len(names)} unchanged" in homework("copy", "--into", str(into))

    mine = into / names[0]
    mine.write_text(mine.read_text() + " ")  # the student's work
    student = mine.read_bytes()
    out = homework("copy", "--into", str(into))
    assert f"kept     homework/{names[0]}: you changed it; not overwritten" in out
    assert mine.read_bytes() == student

    out = homework("copy", "--into", str(into), "--backup")
    asides = list(into.glob(f"{mine.stem}.*.ipynb"))
    assert len(asides) == 1 and asides[0].read_bytes() == student and "backup" in out
    assert mine.read_bytes() == (REPO / "notebooks" / names[0]).read_bytes()


def test_a_copy_the_student_never_touched_is_brought_up_to_date(tmp_path):
    sys.path.insert(0, str(REPO / "scripts"))
    import homework as hw

    source, into = tmp_path / "notebooks", tmp_path / "homework"
    source.mkdir()
    (source / "01_demo.ipynb").write_text("version 1")
    hw.copy(into, backup=False, source=source)
    (source / "01_demo.ipynb").write_text("version 2")  # git pull brought a new version
    hw.copy(into, backup=False, source=source)
    assert (into / "01_demo.ipynb").read_text() == "version 2"
    assert json.loads((into / ".copied.json").read_text())["01_demo.ipynb"] == hw.sha256(into / "01_demo.ipynb")


EXERCISE = '''from lib.checks.decoder import check_memory_mask


def memory_mask(source_lengths, T, S):
{body}


check_memory_mask(memory_mask)
'''
RIGHT = ("    keys = torch.arange(S)[None, :] < source_lengths[:, None]  # (B, S)\n"
         "    return keys[:, None, :].expand(-1, T, S)")


def _notebook(path: Path, bodies: list[str]) -> None:
    setup = "import torch\nfrom lib.notebook import setup_notebook\n\nsetup_notebook(seed=0)"
    cells = [nbformat.v4.new_code_cell(setup)]
    cells += [nbformat.v4.new_code_cell(EXERCISE.format(body=b)) for b in bodies]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def test_progress_reports_passed_wrong_not_started_and_names_from_other_cells(tmp_path):
    _notebook(tmp_path / "10_decoder.ipynb", [
        "    raise NotImplementedError",
        RIGHT,
        "    return torch.ones(len(source_lengths), T, S)",  # a float mask: wrong kind
        "    return torch.ones(B, T, S, dtype=torch.bool)",  # B lives in another cell
    ])
    out = homework("progress", "--into", str(tmp_path))
    row = next(line for line in out.splitlines() if line.startswith("| 10_decoder.ipynb"))
    assert "| 1/4 |" in row and row.count("⏳") == 1 and row.count("✅") == 1 and row.count("❌") == 2
    assert "1 of 4 exercises pass" in out


def test_progress_says_what_to_do_when_there_is_no_homework(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "progress", "--into", str(tmp_path)], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 1 and "run `make homework` first" in out.stdout
