"""The local read-only web UI over a workspace (``ioscope serve``); pages share the report's data.

Example:
    >>> from ioscope.web import create_app, get  # doctest: +SKIP
    >>> get(create_app("case.duckdb"), "/clusters.json").status  # doctest: +SKIP
    200
"""

from ioscope.web.app import create_app
from ioscope.web.client import get

__all__ = ["create_app", "get"]
