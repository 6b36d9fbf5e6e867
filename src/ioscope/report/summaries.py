"""Per-cluster summaries, built once per connection, that make cluster pages fast on big workspaces.

A cluster page needs its members' posts per day and the items they shared most. Asked per
cluster, each is a scan of ``posts`` or ``edge_evidence`` (tens of millions of rows). Built once
for all clusters, as temporary tables of the (read-only) connection, each cluster's answer is a
lookup. The server and the report build them on first use; the workspace is never written.

The promoted posts reposted by cluster members (a scan of every post, the same for every
request) are kept the same way (``ads.AMPLIFIED``), and so is the ads audit's result that the
paid-promotion page reads (:meth:`Summaries.memo`).

Traceability is kept: the query recorded for a figure is the per-cluster query over the
workspace tables, which gives exactly the summary's rows for that cluster, with a note naming
the summary that answered it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ioscope.workspace import Workspace

__all__ = ["Summaries", "CLUSTER_DAYS", "CLUSTER_ITEMS"]

#: Posts of each cluster's members per day and kind.
CLUSTER_DAYS = "_ioscope_cluster_days"
#: Each cluster's ``items_per_cluster`` items with the most evidence pairs.
CLUSTER_ITEMS = "_ioscope_cluster_items"


@dataclass
class Summaries:
    """Temporary summary tables of one connection, created on first use."""

    ws: Workspace
    built: dict[str, float] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def ensure(self, name: str, sql: str) -> None:
        if name in self.built:
            return
        start = time.perf_counter()
        self.ws.sql(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
        self.built[name] = round(time.perf_counter() - start, 3)

    def memo(self, name: str, compute: Callable[[], Any]) -> Any:
        """A value another stage computes over the whole workspace (e.g. the ads audit),
        computed on first use and kept for the connection."""
        if name not in self.values:
            start = time.perf_counter()
            self.values[name] = compute()
            self.built[name] = round(time.perf_counter() - start, 3)
        return self.values[name]
