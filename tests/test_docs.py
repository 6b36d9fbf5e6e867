"""The docs are part of the product: generated pages stay in sync, every command is documented."""

from __future__ import annotations

from pathlib import Path

from ioscope.model.docs import schema_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_schema_doc_in_sync():
    assert (ROOT / "docs" / "schema.md").read_text() == schema_markdown(), (
        "docs/schema.md is stale: run `python -m ioscope.model.docs > docs/schema.md`")


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2
    assert "ioscope demo" in block[0] and "pytest" in block[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert block[1] in ci
