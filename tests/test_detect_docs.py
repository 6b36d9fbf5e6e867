"""docs/signals.md is generated from the signal modules and stays in sync; every signal is cited."""

from __future__ import annotations

from pathlib import Path

from ioscope.detect import SIGNALS
from ioscope.detect.docs import signals_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_signals_doc_in_sync():
    assert (ROOT / "docs" / "signals.md").read_text() == signals_markdown(), (
        "docs/signals.md is stale: run `python -m ioscope.detect.docs > docs/signals.md`")


def test_every_signal_documented_with_paper_and_parameters():
    text = (ROOT / "docs" / "signals.md").read_text()
    for name, sig in SIGNALS.items():
        assert f"## `{name}`" in text
        assert any(w in sig.paper for w in ("et al", "Broder")), name
        for p in sig.params:
            assert f"`{p.name}`" in text
    for verb in ("ioscope detect", "bucket", "hot", "Δt = W counts"):
        assert verb in text
