"""``build_report``: the case report as one self-contained HTML file, Markdown or JSON."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ioscope import __version__
from ioscope.jsonenc import dumps, iso_time, jsonable
from ioscope.params import Param, validate_params
from ioscope.report import charts, pictures
from ioscope.report.data import accounts, ads, clusters, network, overview
from ioscope.report.limitations import limitations
from ioscope.report.paths import local_paths, redact
from ioscope.report.render import csp_hash, html_env, markdown_env, static_text
from ioscope.report.summaries import Summaries
from ioscope.report.trace import Tracer
from ioscope.workspace import Workspace

_log = logging.getLogger("ioscope.report")

__all__ = ["build_report", "collect", "REPORT_PARAMS"]

REPORT_PARAMS = (
    Param("format", "choice", "html", "Output format.", choices=("html", "md", "json")),
    Param("top", "int", 10, "Campaign candidates described in detail.", min=0, max=500),
    Param(
        "members",
        "int",
        50,
        "Members listed per campaign candidate (asset inventory).",
        min=1,
        max=100_000,
    ),
    Param(
        "evidence",
        "int",
        12,
        "Evidence pairs of posts shown per campaign candidate.",
        min=0,
        max=1000,
    ),
    Param(
        "network_nodes",
        "int",
        300,
        "Accounts drawn in each detailed cluster's network picture.",
        min=10,
        max=2000,
    ),
    Param(
        "full_paths",
        "bool",
        False,
        "Name inputs and the workspace by their full paths on "
        "this machine (by default a report, meant to be shared, names them by file name and "
        "sha256).",
    ),
)


def collect(ws: Workspace, **params: Any) -> dict[str, Any]:
    """Every section's facts, with the queries that produced them (no rendering)."""
    p = validate_params(REPORT_PARAMS, params, "report")
    tr = Tracer(ws, summaries=Summaries(ws))
    sections: dict[str, Any] = {}
    t0 = time.perf_counter()
    _step("what was analysed")
    sections["analysed"] = overview.analysed(tr)
    sections["method"] = overview.method(tr)
    _step("campaign candidates")
    listing = clusters.clusters_list(tr, limit=None, top=p["top"])  # every cluster, one line
    sections["campaigns"] = listing
    details = []
    if listing["status"] == "ok":
        for c in listing["clusters"][: p["top"]]:
            d = clusters.cluster_detail(
                tr, c["cluster_id"], members_limit=p["members"], evidence_limit=p["evidence"]
            )
            details.append(d)
            if "timeline" not in d:  # members listed in the details only (a mirror cluster)
                continue
            own = network.network(tr, cluster_id=c["cluster_id"], max_nodes=p["network_nodes"])
            if own["status"] == "ok":
                d["network"] = own
                d["network_picture"] = pictures.network_picture(
                    own["nodes"], own["edges"], height=360
                )
            d["timeline_chart"] = charts.activity_bars(
                d["timeline"], d["timeline_bucket"], height=150
            )
            d["creation_chart"] = charts.creation_bars(
                d["creation"], d["creation_bucket"], height=110
            )
    listing["details"] = details
    _step("network of the clusters")
    net = network.cluster_network(tr)
    if net["status"] == "ok":
        net["picture"] = pictures.cluster_picture(net["nodes"], net["links"], net["outside"])
    sections["network"] = net
    _step("accounts")
    creation = accounts.creation_histogram(tr)
    rows = [
        dict(r, series="cluster members", n=r["in_clusters"])
        for r in creation["histogram"]
        if creation["has_clusters"]
    ] + [
        dict(
            r,
            series="other accounts" if creation["has_clusters"] else "accounts",
            n=r["accounts"] - (r["in_clusters"] or 0),
        )
        for r in creation["histogram"]
    ]
    creation["chart"] = charts.time_bars(
        rows,
        time="bucket",
        value="n",
        series="series",
        bucket=creation["bucket"],
        height=180,
        label="accounts created",
    )
    sections["creation"] = creation
    sections["scores"] = accounts.top_scored(tr)
    _step("paid promotion")
    promo = ads.ads_overview(tr)
    if promo["status"] == "ok":
        promo["months_chart"] = charts.spend_bars(promo["months"])
    sections["ads"] = promo
    sections["limitations"] = limitations(tr, sections)
    _log.info(
        "%-22s %10s queries %8.1f s",
        "report sections",
        f"{len(tr.queries):,}",
        time.perf_counter() - t0,
    )
    facts = {
        "ioscope_version": __version__,
        "generated_at": iso_time(datetime.now(UTC).replace(microsecond=0)),
        "workspace": ws.path,
        "parameters": p,
        "sections": sections,
        "queries": tr.queries,
    }
    return facts if p["full_paths"] else redact(facts, local_paths(tr))


def _step(name: str) -> None:
    _log.info("report: %s …", name, extra={"step_start": True})


def build_report(ws: Workspace, output: str | os.PathLike | None = None, **params: Any) -> str:
    """Render the case report; write it to ``output`` when given and return the text.

    Example:
        >>> with Workspace.open("case.duckdb", read_only=True) as ws:  # doctest: +SKIP
        ...     build_report(ws, "report.html")
    """
    facts = collect(ws, **params)
    fmt = facts["parameters"]["format"]
    if fmt == "json":
        doc = jsonable({k: v for k, v in facts.items() if k != "queries"})
        doc["queries"] = [q.to_dict() for q in facts["queries"]]
        text = dumps(doc, indent=2) + "\n"
    elif fmt == "md":
        text = markdown_env().get_template("report.md.j2").render(**facts)
    else:
        css = static_text("ioscope.report", "templates/report.css")
        text = (
            html_env()
            .get_template("report.html.j2")
            .render(
                css=Markup(css),
                anchor_href=_anchors(facts),
                csp=f"default-src 'none'; style-src {csp_hash(css)}; img-src data:; "
                "base-uri 'none'; form-action 'none'",
                **facts,
            )
        )
    if output is not None and str(output) != "-":
        Path(output).write_text(text, encoding="utf-8")
    return text


def _anchors(facts: dict[str, Any]) -> Any:
    """Where a cluster links to inside the report: its details when it has some, else its
    line in the table of every cluster."""
    detailed = {d["cluster_id"] for d in facts["sections"]["campaigns"].get("details", [])}
    return lambda cid: f"#cluster-{cid}" if cid in detailed else f"#row-cluster-{cid}"
