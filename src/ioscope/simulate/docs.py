"""The knob table of docs/simulator.md, generated from the declarations.

    python -m ioscope.simulate.docs docs/simulator.md   # rewrites the table in place
"""

from __future__ import annotations

import sys
from pathlib import Path

from ioscope.params import describe
from ioscope.simulate.params import SIMULATE_PARAMS

__all__ = ["knobs_markdown", "sync_doc"]

_START, _END = "<!-- knobs:start -->", "<!-- knobs:end -->"


def knobs_markdown() -> str:
    return describe(SIMULATE_PARAMS)


def sync_doc(text: str) -> str:
    """``text`` with the table between the knob markers replaced by :func:`knobs_markdown`."""
    head, rest = text.split(_START, 1)
    _, tail = rest.split(_END, 1)
    return f"{head}{_START}\n{knobs_markdown()}\n{_END}{tail}"


if __name__ == "__main__":
    doc = Path(sys.argv[1])
    doc.write_text(sync_doc(doc.read_text(encoding="utf-8")), encoding="utf-8")
