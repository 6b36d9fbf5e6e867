"""pyproject.toml declares exactly what the package imports: every third-party import of
src/ioscope is a declared dependency (or belongs to an extra), and every declared dependency
is imported."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Distribution name -> import name, where they differ.
IMPORT_NAME = {
    "scikit-learn": "sklearn",
    "currencyconverter": "currency_converter",
    "pillow": "PIL",
}


def _imports() -> set[str]:
    names = set()
    for path in (ROOT / "src" / "ioscope").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "ioscope"}


def _declared(reqs: list[str]) -> set[str]:
    names = {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in reqs}
    return {IMPORT_NAME.get(n, n) for n in names}


def test_dependencies_are_exactly_the_imports():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = _declared(project["dependencies"])
    extras = {k: _declared(v) for k, v in project["optional-dependencies"].items()}
    imported = _imports()
    assert imported - required == extras["spark"]  # pyspark: imported only by the Spark engine
    assert required - imported == set(), "declared but never imported"
    assert {"plotly", "fastapi", "leidenalg"}.isdisjoint(required)
    assert "pyspark" not in extras["test"] and "playwright" not in extras["test"]
