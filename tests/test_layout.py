"""The house as the README draws it: small modules, one stage per folder, no module reaching into
another's private names, each report type a folder of declarations and no code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "provincial_reports"
EXPECTATIONS = ROOT / "expectations"
MAX_MODULE_LINES = 320  # "about 300"
PYTHON = sorted(p for folder in ("src", "tests", "bench", "dags", "plugins") for p in (ROOT / folder).rglob("*.py"))


def private_names_used_across_modules(path: Path) -> list[str]:
    """`from x import _name`, and `module._name` where `module` was imported from our package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ours: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
                elif node.module.startswith("provincial_reports"):
                    ours.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            ours |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("provincial_reports")}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in ours
        ):
            found.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_reaches_into_another_modules_private_names() -> None:
    assert [use for path in PYTHON for use in private_names_used_across_modules(path)] == []


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from provincial_reports.validate import suites\nsuites._hidden()\nfrom x import _y\n")
    assert private_names_used_across_modules(bad) == ["bad.py:3 imports x._y", "bad.py:2 uses suites._hidden"]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_is_small_and_says_why_it_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name}: split it"
    if text.strip():
        assert ast.get_docstring(ast.parse(text)), f"{path.name} has no module docstring"


@pytest.mark.parametrize("folder", sorted(p for p in EXPECTATIONS.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_each_report_type_is_a_folder_of_declarations_not_code(folder: Path) -> None:
    names = {p.name for p in folder.iterdir()}
    assert {"report_type.yaml", "suite.json", "README.md"} <= names
    assert not [n for n in names if n.endswith(".py")]
