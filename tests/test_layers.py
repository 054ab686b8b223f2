"""Every SQL statement lives in storage/: no other package builds one (import-linter checks the
direction of imports; this checks what is imported from SQLAlchemy)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_STORAGE = ("bot", "handlers", "media", "sandbox", "usecases", "scheduler", "content")
# What a layer above storage may take from SQLAlchemy: sessions and engines to pass along,
# errors to catch, URLs to read settings. Nothing that writes a statement.
ALLOWED = {
    "sqlalchemy.exc",
    "sqlalchemy.engine",
    "sqlalchemy.ext.asyncio",
}


def sqlalchemy_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("sqlalchemy")]
    return found


def test_no_sql_outside_storage():
    strays = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in OUTSIDE_STORAGE
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in sqlalchemy_imports(path)
        if name.rsplit(".", 1)[0] not in ALLOWED
    ]
    assert not strays, strays


def test_the_check_sees_a_stray_statement(tmp_path):
    module = tmp_path / "stray.py"
    module.write_text("from sqlalchemy import select, text\nimport sqlalchemy\n")
    assert sqlalchemy_imports(module) == ["sqlalchemy.select", "sqlalchemy.text", "sqlalchemy"]
