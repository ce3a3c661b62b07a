"""The exercises of a notebook, found by their shape; shared by the homework tools and their tests.

An exercise cell holds a stub, a function whose body is only `raise NotImplementedError` (what
the student replaces), and a call `check_<x>(that_function)` of a checker imported from
`lib.checks.<module>`. Once the student has written the function, the same cell holds their
function instead of the stub: `exercises_of(..., stubs_only=False)` finds those too, by the call.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Found:
    notebook: str  # file name, e.g. "09_masking.ipynb"
    cell: int  # index of the cell in the notebook
    function: str  # the function's name, also its name in solutions/NN_slug.py
    checker: str  # check_<x>
    module: str  # where check_<x> is imported from, lib.checks.<slug>
    source: str  # the function's source as the cell has it (the stub, or the student's answer)
    is_stub: bool


def is_stub(fn: ast.FunctionDef) -> bool:
    """True when the body (after a docstring) is only `raise NotImplementedError`."""
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in ast.unparse(body[0])


def exercises_of(path: Path, *, stubs_only: bool = True) -> list[Found]:
    """Every exercise of a notebook, in order: a `check_<x>(name)` call on a function of its cell."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    found, imported = [], {}
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        try:
            tree = ast.parse(source)
        except SyntaxError:  # cell magics, or a student's half-written line
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lib.checks"):
                imported.update({alias.asname or alias.name: node.module for alias in node.names})
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id.startswith("check_") and len(node.args) == 1
                    and isinstance(node.args[0], ast.Name) and node.args[0].id in functions):
                continue
            fn = functions[node.args[0].id]
            if stubs_only and not is_stub(fn):
                continue
            found.append(Found(Path(path).name, index, fn.name, node.func.id, imported.get(node.func.id, "?"),
                               ast.get_source_segment(source, fn), is_stub(fn)))
    return found


def checker_of(found: Found):
    """The checker function `check_<x>` the cell calls."""
    if not found.module.startswith("lib.checks"):
        raise ValueError(f"{found.notebook}: {found.checker} is not imported from lib.checks in its notebook")
    return getattr(importlib.import_module(found.module), found.checker)


def function_of(found: Found, namespace: dict | None = None):
    """The cell's function (stub or answer), defined on its own in `namespace` (a fresh one by default)."""
    namespace = {} if namespace is None else namespace
    exec(compile(found.source, found.notebook, "exec"), namespace)  # the notebook's own code
    return namespace[found.function]


def solutions_path(notebook: str) -> Path:
    return REPO / "solutions" / notebook.replace(".ipynb", ".py")


def load_solutions(notebook: str):
    """solutions/NN_slug.py as a module (loaded by path: lib never imports the reference answers)."""
    path = solutions_path(notebook)
    if not path.exists():
        raise FileNotFoundError(f"{notebook} has exercises but no reference answers: {path.relative_to(REPO)}")
    spec = importlib.util.spec_from_file_location(f"solutions_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def imports_of(path: Path) -> str:
    """Every top-level import statement of the notebook's code cells, as one block of source."""
    lines = []
    for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        lines += [ast.unparse(node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    return "\n".join(dict.fromkeys(lines))
