"""The folder tree is the architecture: each package one capability, imports one way only.

Layers, lowest first; a module may import its own package and any lower layer, never a higher
one, and never another package of its own layer:

    foundation (the flat modules, content/, accounts/)  <- index  <- queries  <- pages
    <- directory  <- search  <- health  <- repository  <- editing, notifications  <- web, cli  <- export (and the app factory)

``kb/__init__.py`` (the app factory) wires everything and is exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parent.parent / "kb"
FOUNDATION = 0
LAYERS = {"index": 1, "queries": 2, "pages": 3, "directory": 4, "search": 5, "health": 6, "repository": 7}
LAYERS |= {"editing": 8, "notifications": 8, "web": 9, "cli": 9, "export": 10}


def unit(module: str) -> str:
    """The capability a module belongs to: its package below ``kb``, or 'foundation'."""
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else ""
    return name if name in LAYERS else "foundation"


def layer(module: str) -> int:
    return LAYERS.get(unit(module), FOUNDATION)


def module_of(path: Path) -> tuple[str, str]:
    """(module name, the package that relative imports start from)."""
    parts = ("kb", *path.relative_to(KB).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), ".".join(parts[:-1])
    return ".".join(parts), ".".join(parts[:-1])


def submodule(package: str, name: str) -> str:
    """``from kb import facets`` imports the module ``kb.facets``; ``from kb.index import Doc``, ``kb.index``."""
    candidate = f"{package}.{name}"
    path = KB.parent / candidate.replace(".", "/")
    return candidate if path.with_suffix(".py").exists() or (path / "__init__.py").exists() else package


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import of a kb module, including those inside functions."""
    _, package = module_of(path)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [
                f"{target}.{a.name}" if (KB.parent / f"{target}.{a.name}".replace(".", "/")).with_suffix(".py").exists() else target
                for a in node.names
            ]
            found += [(node.lineno, t) for t in targets]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def allowed(source: str, target: str) -> bool:
    """May module ``source`` import module ``target``?"""
    if target.split(".")[0] == "whoosh":
        return unit(source) == "index"
    if target.split(".")[0] != "kb" or target == "kb" or unit(target) == unit(source):
        return True
    return layer(target) < layer(source) or layer(source) == layer(target) == FOUNDATION


def wrong_way(path: Path) -> list[str]:
    source, _ = module_of(path)
    rel = path.relative_to(KB.parent)
    return [f"{rel}:{line}: {unit(source)} imports {target} ({unit(target)})" for line, target in imports(path) if not allowed(source, target)]


def test_every_import_runs_down_the_layers():
    modules = [p for p in KB.rglob("*.py") if p != KB / "__init__.py"]
    problems = [problem for path in modules for problem in wrong_way(path)]
    assert problems == []


def test_every_package_below_kb_has_a_layer():
    """A new package is placed in the layers on purpose, not by falling into the foundation."""
    packages = {p.parent.name for p in KB.glob("*/__init__.py")}
    assert packages - set(LAYERS) == {"content", "accounts"}


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("kb.web.pages", "kb.pages.library", True),
        ("kb.pages.library", "kb.web.context", False),
        ("kb.directory.service", "kb.search.service", False),
        ("kb.search.service", "kb.directory.service", True),
        ("kb.pages.library", "kb.directory.model", False),
        ("kb.catalog", "kb.places", True),
        ("kb.index.query", "kb.queries.rewriting", False),
        ("kb.web.search", "whoosh.query", False),
        ("kb.index.query", "whoosh.query", True),
        ("kb.health.freshness", "kb.repository.sync", False),
        ("kb.repository.sync", "kb.health.freshness", True),
        ("kb.editing.service", "kb.repository.sync", True),
        ("kb.repository.sync", "kb.editing.service", False),
        ("kb.web.editing", "kb.editing.service", True),
    ],
)
def test_the_rule_itself(source, target, expected):
    """The rule finds a wrong-way import (and only that), so a passing check means something."""
    assert allowed(source, target) is expected


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def test_modules_and_functions_stay_small():
    """A module over 400 lines or a function over 50 is split before it grows further."""
    too_long = []
    for path in sorted(KB.rglob("*.py")):
        text = path.read_text()
        rel = path.relative_to(KB.parent)
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{rel}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                too_long.append(f"{rel}:{node.lineno}: {node.name}() has {node.end_lineno - node.lineno + 1} lines")
    assert too_long == []
