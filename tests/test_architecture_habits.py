"""The tests' own habits: test modules share fixtures and helpers through ``tests/fixtures/``,
never by importing one another (nor ``conftest``), so that each test module can be read, moved
and run alone."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (imports inside functions too), with its line."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: the tests folder is not a package
                out.append((node.lineno, "." * node.level + (node.module or "")))
            else:
                out.append((node.lineno, node.module or ""))
    return sorted(out)


def test_tests_folder_holds_only_test_modules_and_conftest():
    helpers = sorted(
        p.name
        for p in TESTS.glob("*.py")
        if p.name != "conftest.py" and not p.name.startswith("test_")
    )
    assert helpers == [], f"move {helpers} into tests/fixtures/ (imported as tests.fixtures.*)"


def test_no_test_module_imports_another_test_module():
    local = {p.stem for p in TESTS.glob("*.py")}  # test modules and conftest
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        for line, name in imported_modules(path):
            first = name.split(".")[0]
            if (
                name.startswith(".")
                or first in local
                or (first == "tests" and not name.startswith("tests.fixtures"))
            ):
                found.append(f"{path.name}:{line} imports {name}")
    assert found == [], "share it through tests/fixtures/ instead:\n" + "\n".join(found)


def test_the_check_sees_imports_at_any_depth(tmp_path):
    f = tmp_path / "test_x.py"
    f.write_text(
        "import os\n\ndef test_a():\n    from test_other import thing\n"
        "    import tests.test_y\n\nfrom tests.fixtures.case import build\n"
    )
    assert imported_modules(f) == [
        (1, "os"),
        (4, "test_other"),
        (5, "tests.test_y"),
        (7, "tests.fixtures.case"),
    ]


def test_package_docstring_examples_run_and_no_package_module_looks_like_a_test():
    """``pytest`` runs the examples in the package's docstrings (``--doctest-modules`` over
    ``src/ioscope``) and collects test functions from ``test_*.py`` files only; no module of the
    package is named like a test module, so none of its functions is taken for a test."""
    import tomllib

    ini = tomllib.loads((TESTS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    ini = ini["tool"]["pytest"]["ini_options"]
    assert "src/ioscope" in ini["testpaths"] and "--doctest-modules" in ini["addopts"].split()
    assert ini["python_files"] == ["test_*.py"]
    package = TESTS.parent / "src" / "ioscope"
    named_like_tests = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name.startswith("test_") or p.stem.endswith("_test")
    )
    assert named_like_tests == []
