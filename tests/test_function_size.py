"""Functions a reader can hold: none of the product's functions runs past 50 lines or takes more
than 6 parameters (self and cls aside). A long one hides decisions; a long parameter list hides
a missing type."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "usecases", "scheduler", "storage", "media", "content", "sandbox")
MAX_LINES = 50
MAX_PARAMETERS = 6
# Signatures that a library dictates (an override of its abstract method).
LIBRARY_OVERRIDES = {"bot/transport.py:do_request"}


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    arguments = function.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    return len([name for name in names if name not in ("self", "cls")])


def _too_big() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                parameters = _parameters(node)
                if lines > MAX_LINES or parameters > MAX_PARAMETERS:
                    name = f"{path.relative_to(ROOT).as_posix()}:{node.name}"
                    found[name] = f"{lines} lines, {parameters} parameters"
    return found


def test_no_function_is_too_long_or_takes_too_many_parameters():
    too_big = {name: size for name, size in _too_big().items() if name not in LIBRARY_OVERRIDES}
    assert not too_big, (
        f"split these (at most {MAX_LINES} lines, {MAX_PARAMETERS} parameters): {too_big}"
    )
