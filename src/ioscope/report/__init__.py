"""The case report: what was analysed, the campaign candidates and their evidence, paid promotion,
method and limitations — every number with the query that produced it.

Example:
    >>> from ioscope.workspace import Workspace  # doctest: +SKIP
    >>> with Workspace.open("case.duckdb", read_only=True) as ws:  # doctest: +SKIP
    ...     build_report(ws, "report.html")
"""

from ioscope.report.build import REPORT_PARAMS, build_report, collect

__all__ = ["build_report", "collect", "REPORT_PARAMS"]
