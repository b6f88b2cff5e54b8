"""The layout holds: each layer imports only the ones below it, no package
reaches into another's privates, the library never prints nor imports typer,
functions stay short and product files under 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

#: Rank of each part: a module may import only parts of its own rank or lower.
RANKS = {
    "corpus": 0,
    "index": 1,
    "evaluation.synth": 1,  # the generator (the demo uses it): text and hashing only
    "detector": 2,
    "app": 3,
    "evaluation": 4,  # the PAN measures and the benchmark run the detector
    "reports": 5,
    "cli_output": 6,
    "cli": 7,
    "bench": 8,
}
LIBRARY = ("corpus", "index", "detector", "app", "reports", "evaluation")
#: Data tables and the generator's grammar may be long; nothing else.
LONG_ALLOWED = {"evaluation/synth/lexicon.py", "evaluation/synth/generator.py"}


def _part(module: str) -> str | None:
    """The part of RANKS a dotted module name belongs to (the longest prefix)."""
    pieces = module.split(".")
    for n in range(len(pieces), 0, -1):
        name = ".".join(pieces[:n])
        if name in RANKS:
            return name
    return None


def _sources() -> list[tuple[str, Path]]:
    found = []
    for part in ("corpus", "index", "detector", "app", "reports", "evaluation", "bench"):
        for path in sorted((REPO / part).rglob("*.py")):
            relative = path.relative_to(REPO).with_suffix("")
            module = ".".join(relative.parts).removesuffix(".__init__")
            found.append((module, path))
    found += [("cli", REPO / "cli.py"), ("cli_output", REPO / "cli_output.py")]
    return found


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) of every absolute import."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names]
    return found


def test_the_tree_is_where_the_ranks_say():
    assert len(_sources()) > 40
    assert all(_part(module) is not None for module, _ in _sources())


@pytest.mark.parametrize("module, path", _sources(), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_go_only_downward_and_never_into_privates(module, path):
    own = _part(module)
    problems = []
    for line, imported, names in _imports(path):
        target = _part(imported)
        if target is None:
            continue
        if RANKS[target] > RANKS[own]:
            problems.append(f"{path.name}:{line} imports {imported} ({target} is above {own})")
        if target.split(".")[0] != own.split(".")[0]:
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            private += [p for p in imported.split(".") if p.startswith("_") and not p.startswith("__")]
            if private:
                problems.append(f"{path.name}:{line} imports the private {imported}.{private[0]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module, path", [s for s in _sources() if s[0].split(".")[0] in LIBRARY])
def test_the_library_never_prints_nor_imports_typer(module, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prints = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"]
    typer = [line for line, imported, _ in _imports(path) if imported.split(".")[0] in ("typer", "cli", "cli_output")]
    assert not prints, f"{path}: print() at lines {prints}"
    assert not typer, f"{path}: imports the command line at lines {typer}"


def test_functions_are_short_and_files_under_500_lines():
    problems = []
    for module, path in _sources():
        relative = path.relative_to(REPO).as_posix()
        if relative in LONG_ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        if module.split(".")[0] in LIBRARY + ("cli", "cli_output") and text.count("\n") > 500:
            problems.append(f"{relative}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    problems.append(f"{relative}:{node.lineno} {node.name} is {length} lines")
    assert not problems, "\n".join(problems)
