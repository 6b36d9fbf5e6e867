"""Modules imported on first use, to keep ``ioscope ingest``'s start-up short.

``pa = lazy("pyarrow")`` at the top of a module reads like ``import pyarrow as pa``, but pyarrow
(and numpy, which it loads) is imported only when an attribute is first read: the CSV readers
never need it, the JSON readers do. Type annotations stay as they are (the modules use
``from __future__ import annotations``).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["lazy"]


class _LazyModule:
    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy(name: str) -> Any:
    """The module ``name``, imported when one of its attributes is first read."""
    return _LazyModule(name)
