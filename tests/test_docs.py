"""The docs are part of the product: their reference blocks are generated from the code (cog
blocks calling docs/_cog.py) and are never stale, and every command, option, table, column,
signal and parameter is documented."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from cogapp import Cog

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: The pages whose reference blocks are generated (each must keep at least one block).
GENERATED = ("accounts.md", "cli.md", "report.md", "schema.md", "signals.md", "simulator.md")


def _generator():
    spec = importlib.util.spec_from_file_location("_cog", DOCS / "_cog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def _cogged() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if "[[[cog" in p.read_text(encoding="utf-8"))


def test_generated_blocks_are_fresh(capsys):
    files = _cogged()
    assert {p.name for p in files} >= set(GENERATED)
    status = Cog().main(["cog", "--check", "--diff", "-I", str(DOCS), *(str(p) for p in files)])
    out, err = capsys.readouterr()
    assert status == 0, (
        f"generated docs are stale (or their code fails): run "
        f"`{GEN.REGENERATE}`\n{out[-4000:]}{err[-4000:]}"
    )


def test_a_stale_block_is_caught(tmp_path, capsys):
    """The check above can fail: a block whose output differs from its code is reported."""
    page = tmp_path / "page.md"
    text = (DOCS / "report.md").read_text(encoding="utf-8")
    page.write_text(text.replace("| `format` |", "| `formats` |", 1), encoding="utf-8")
    assert Cog().main(["cog", "--check", "-I", str(DOCS), str(page)]) == 5
    capsys.readouterr()


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2
    assert "ioscope demo" in block[0] and "pytest" in block[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert block[1] in ci


def test_every_command_has_help_with_an_example():
    for name, cmd in GEN.commands().items():
        if hasattr(cmd, "list_commands"):
            continue
        assert cmd.help and "xample" in cmd.help, f"`ioscope {name}` needs help with an example"


def test_every_command_and_option_is_in_the_cli_reference():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name, cmd in GEN.commands().items():
        assert f"## `ioscope {name}`" in text, name
        section = text.split(f"## `ioscope {name}`\n", 1)[1].split("\n## ", 1)[0]
        for p in cmd.params:
            if p.param_type_name == "option" and p.name != "help":
                assert f"`{p.opts[0]}`" in section, f"ioscope {name} {p.opts[0]}"


def test_every_table_and_column_is_in_the_schema():
    import ioscope.model.stages  # noqa: F401
    from ioscope.model import all_tables

    text = (DOCS / "schema.md").read_text(encoding="utf-8")
    for t in all_tables():
        section = text.split(f"## `{t.name}`\n", 1)[1].split("\n## ", 1)[0]
        for c in t.columns:
            assert f"| `{c.name}` | `{c.type}` |" in section, (t.name, c.name)


def test_every_signal_documented_with_paper_and_parameters():
    from ioscope.detect import SIGNALS

    text = (DOCS / "signals.md").read_text(encoding="utf-8")
    for name, sig in SIGNALS.items():
        assert f"## `{name}`" in text
        assert any(w in sig.paper for w in ("et al", "Broder")), name
        for p in sig.spec:
            assert f"`{p.name}`" in text
    for verb in ("ioscope detect", "bucket", "hot", "Δt = W counts"):
        assert verb in text


def test_every_parameter_is_documented():
    from ioscope.accounts import FAMILIES
    from ioscope.accounts.scoring import SCORE_PARAMS
    from ioscope.accounts.training import TRAIN_PARAMS
    from ioscope.report import REPORT_PARAMS
    from ioscope.simulate import SIMULATE_PARAMS

    pages = {
        "accounts.md": [
            *TRAIN_PARAMS,
            *SCORE_PARAMS,
            *(p for f in FAMILIES.values() for p in f.params),
        ],
        "report.md": REPORT_PARAMS,
        "simulator.md": SIMULATE_PARAMS,
    }
    for page, spec in pages.items():
        text = (DOCS / page).read_text(encoding="utf-8")
        for p in spec:
            assert f"| `{p.name}` | {p.requirement()} | `{p.default}` |" in text, (page, p.name)


def test_user_docs_speak_of_the_product_only():
    """No paths outside the project, no instructions to run the package's former doc modules."""
    for page in DOCS.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"(?<![\w:/.])/(work|home|root|tmp)/", text), page.name
        assert not re.search(r"python -m ioscope\.\w+\.docs", text), page.name
