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


def test_cli_reference_in_sync():
    from ioscope.cli.docs import cli_markdown

    assert (ROOT / "docs" / "cli.md").read_text() == cli_markdown(), (
        "docs/cli.md is stale: run `python -m ioscope.cli.docs > docs/cli.md`")


def test_every_command_has_help_with_an_example():
    from ioscope.cli.docs import commands

    for name, cmd in commands().items():
        if hasattr(cmd, "list_commands"):
            continue
        assert cmd.help and "xample" in cmd.help, f"`ioscope {name}` needs help with an example"
