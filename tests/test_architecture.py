"""Dependency direction: handlers -> bot -> (db, templates). bot/ never imports Slack glue."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_bot_never_imports_bolt_or_handlers() -> None:
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in ("slack_bolt", "handlers", "app"):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_no_module_is_over_about_400_lines() -> None:
    long = []
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > 420:
                long.append(f"{path.relative_to(ROOT)}: {lines}")
    assert long == []
