"""The canonical model: every table ioscope writes, declared once as data."""

# every stage's tables, in the order of ioscope.model.stages, whichever module is imported first
# (the registry's order is the order of docs/schema.md)
from ioscope.model import stages  # noqa: F401
from ioscope.model.table import Column, Table, all_tables, register

__all__ = ["Column", "Table", "all_tables", "register"]
