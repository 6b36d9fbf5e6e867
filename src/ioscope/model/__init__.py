"""The canonical model: every table ioscope writes, declared once as data."""

from ioscope.model.table import Column, Table, all_tables, register
from ioscope.model import core  # noqa: F401  (registers the core tables)

__all__ = ["Column", "Table", "all_tables", "register"]
