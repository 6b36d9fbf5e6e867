"""docs/report.md and docs/web.md stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

from ioscope.report import REPORT_PARAMS
from ioscope.web.pages import PAGES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_report_parameters_documented():
    """The table is generated (tests/test_docs.py keeps it fresh); every parameter is in it."""
    text = (DOCS / "report.md").read_text()
    for p in REPORT_PARAMS:
        assert f"| `{p.name}` | {p.requirement()} | `{p.default}` | {p.help} |" in text, p.name


def test_every_page_and_error_code_documented():
    text = (DOCS / "web.md").read_text()
    for path in list(PAGES) + ["/clusters/{cluster_id}"]:
        assert f"| `{path}` |" in text, path
    for code in ("not_found", "parameter", "usage", "method_not_allowed", "internal"):
        assert f"`{code}`" in text, code
    from ioscope.web.app import CSP

    assert " ".join(CSP.split()) in " ".join(re.sub(r"`\s*", "", text).split())
