"""`ioscope clusters`, the report and the web UI agree with each other and with an independent
recomputation from the workspace tables (clusters, cluster_members, edges, edge_evidence, posts):
flagged accounts, clusters, per-cluster accounts, "N more clusters, M accounts", the edges of the
network at cluster level. Compared through table values, never through explanation sentences."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app as cli
from ioscope.detect.pipeline import run_detect
from ioscope.detect.results import cluster_members, flagged_accounts, ranked_clusters
from ioscope.ingest import ingest
from ioscope.report import build_report
from ioscope.report.data.clusters import cluster_detail, clusters_list
from ioscope.report.trace import Tracer, inline_params
from ioscope.simulate import simulate
from ioscope.web import create_app, get
from ioscope.workspace import Workspace

TOP = 2  # fewer than the clusters found, so that "N more clusters" is not trivially zero


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory) -> Path:
    """A small version of the demo: planted campaigns of several strategies among organic
    accounts and hard negatives (automated mirrors of outlets), calibrated detect."""
    tmp = tmp_path_factory.mktemp("agree")
    s = simulate(tmp / "sim", posts=30_000, seed=2016, format="parquet")
    path = tmp / "demo.duckdb"
    with Workspace.open(path) as ws:  # as the demo does: posts and accounts (creation dates)
        ingest(ws, [p for k, p in s["paths"].items() if k in ("posts", "accounts") and p])
        run_detect(ws)
    return path


def truth(path: Path, top: int) -> dict:
    """Everything recomputed from the tables, without the report's code."""
    with Workspace.open(path, read_only=True) as ws:
        clusters = ws.rows(
            "SELECT cluster_id, rank, size, kind, details FROM clusters ORDER BY rank, cluster_id"
        )
        members = ws.rows("SELECT cluster_id, platform, account_id FROM cluster_members")
        edges = ws.rows(
            "SELECT platform_1, account_1, platform_2, account_2 FROM edges WHERE significant"
        )
        posts = {
            (r["platform"], r["post_id"]): r["account_id"]
            for r in ws.rows(
                "SELECT p.platform, p.post_id, p.account_id FROM posts p WHERE p.post_id IN "
                "(SELECT post_1 FROM edge_evidence UNION SELECT post_2 FROM edge_evidence)"
            )
        }
        evidence = ws.rows(
            "SELECT signal, platform_1, account_1, platform_2, account_2, post_1, "
            "post_2 FROM edge_evidence"
        )
    flagged_by = defaultdict(set)
    for m in members:
        flagged_by[m["cluster_id"]].add((m["platform"], m["account_id"]))
    accounts_of = {}
    for c in clusters:
        listed = (
            json.loads(c["details"]) if isinstance(c["details"], str) else c["details"] or {}
        ).get("members", [])
        accounts_of[c["cluster_id"]] = flagged_by[c["cluster_id"]] or {
            (m["platform"], m["account_id"]) for m in listed
        }
    order = [c["cluster_id"] for c in clusters]
    head, rest = order[:top], order[top:]
    flagged = set().union(*flagged_by.values()) if flagged_by else set()
    head_flagged = set().union(*(flagged_by[c] for c in head)) if head else set()
    where = {}
    for cid in order:  # an account belongs to its highest-ranked cluster
        for a in accounts_of[cid]:
            where.setdefault(a, cid)
    inner, between = defaultdict(int), defaultdict(int)
    for e in edges:
        c1 = where.get((e["platform_1"], e["account_1"]))
        c2 = where.get((e["platform_2"], e["account_2"]))
        if c1 is not None and c1 == c2:
            inner[c1] += 1
        elif c1 is not None and c2 is not None:
            between[tuple(sorted((c1, c2)))] += 1
    # every evidence row names posts written by the accounts it names
    assert all(
        posts.get((e["platform_1"], e["post_1"])) == e["account_1"]
        and posts.get((e["platform_2"], e["post_2"])) == e["account_2"]
        for e in evidence
    )
    return {
        "clusters": len(clusters),
        "order": order,
        "size": {c["cluster_id"]: c["size"] for c in clusters},
        "accounts_of": {k: len(v) for k, v in accounts_of.items()},
        "flagged_in": {c: len(flagged_by[c]) for c in order},
        "flagged": len(flagged),
        "accounts": sum(c["size"] for c in clusters),
        "more_clusters": len(rest),
        "more_accounts": sum(c["size"] for c in clusters[top:]),
        "more_flagged": len(flagged - head_flagged),
        "inner": dict(inner),
        "between": dict(between),
    }


def test_clusters_cli_report_and_ui_agree_with_the_tables(demo_like):
    t = truth(demo_like, TOP)
    assert t["clusters"] > TOP and t["flagged"] > 0 and t["more_clusters"] > 0
    # the clusters' own size is the number of their accounts (flagged, or listed for mirrors)
    assert t["size"] == t["accounts_of"]

    # ioscope clusters
    r = CliRunner().invoke(cli, ["clusters", str(demo_like), "--members", "--json"])
    assert r.exit_code == 0, r.output
    listed = json.loads(r.output)
    assert [c["cluster_id"] for c in listed] == t["order"]
    assert {c["cluster_id"]: c["size"] for c in listed} == t["size"]
    assert {c["cluster_id"]: len(c["members"]) for c in listed} == t["accounts_of"]

    # the report (JSON facts and the HTML a reader sees)
    with Workspace.open(demo_like, read_only=True) as ws:
        doc = json.loads(build_report(ws, format="json", top=TOP))
        html = build_report(ws, format="html", top=TOP)
    camp = doc["sections"]["campaigns"]
    assert camp["total"] == t["clusters"]
    assert [c["cluster_id"] for c in camp["clusters"]] == t["order"]  # every cluster listed
    assert {c["cluster_id"]: c["size"] for c in camp["clusters"]} == t["size"]
    assert {c["cluster_id"]: c["members"] for c in camp["clusters"]} == t["flagged_in"]
    assert [d["cluster_id"] for d in camp["details"]] == t["order"][:TOP]
    assert {d["cluster_id"]: d["n_members"] for d in camp["details"]} == {
        c: t["accounts_of"][c] for c in t["order"][:TOP]
    }
    cov = camp["coverage"]
    assert (cov["clusters"], cov["accounts"], cov["flagged"]) == (
        t["clusters"],
        t["accounts"],
        t["flagged"],
    )
    assert (cov["more_clusters"], cov["more_accounts"], cov["more_flagged"]) == (
        t["more_clusters"],
        t["more_accounts"],
        t["more_flagged"],
    )
    assert cov["top_clusters"] + cov["more_clusters"] == t["clusters"]
    net = doc["sections"]["network"]
    assert [n["cluster_id"] for n in net["nodes"]] == t["order"]
    assert {n["cluster_id"]: n["inner_edges"] for n in net["nodes"] if n["inner_edges"]} == t[
        "inner"
    ]
    assert {(lk["cluster_1"], lk["cluster_2"]): lk["edges"] for lk in net["links"]} == t["between"]
    assert html.count('<tbody class="cluster" id="row-cluster-') == t["clusters"]
    line = re.search(
        r"<strong>([\d,]+) more clusters?, ([\d,]+) accounts</strong> \(([\d,]+) "
        r"flagged\) (?:is|are) listed in the table",
        html,
    )
    assert line and [int(g.replace(",", "")) for g in line.groups()] == [
        t["more_clusters"],
        t["more_accounts"],
        t["more_flagged"],
    ]

    # the web UI
    ui = create_app(demo_like)
    try:
        page = json.loads(get(ui, f"/clusters.json?per_page={TOP}").text)["data"]
        assert page["total"] == t["clusters"]
        assert [c["cluster_id"] for c in page["clusters"]] == t["order"][:TOP]
        c = page["coverage"]
        assert (
            c["flagged"],
            c["accounts"],
            c["more_clusters"],
            c["more_accounts"],
            c["more_flagged"],
        ) == (
            t["flagged"],
            t["accounts"],
            t["more_clusters"],
            t["more_accounts"],
            t["more_flagged"],
        )
        seen = []
        for n in range(1, -(-t["clusters"] // TOP) + 1):
            seen += [
                c["cluster_id"]
                for c in json.loads(get(ui, f"/clusters.json?per_page={TOP}&page={n}").text)[
                    "data"
                ]["clusters"]
            ]
        assert seen == t["order"]  # the pages together list every cluster once
        for cid in t["order"]:
            one = json.loads(get(ui, f"/clusters/{cid}.json").text)["data"]
            assert one["n_members"] == t["accounts_of"][cid]
        over = json.loads(get(ui, "/index.json").text)["data"]["campaigns"]["coverage"]
        assert over["flagged"] == t["flagged"] and over["clusters"] == t["clusters"]
        assert over["more_clusters"] == max(t["clusters"] - 10, 0)
        unet = json.loads(get(ui, "/network.json").text)["data"]
        assert {n["cluster_id"]: n["inner_edges"] for n in unet["nodes"] if n["inner_edges"]} == t[
            "inner"
        ]
        assert get(ui, "/network").status == 200 and get(ui, "/network?view=accounts").status == 200
    finally:
        ui.state.ui.ws.close()


def test_cluster_list_is_the_detect_stages_named_query(demo_like):
    """`ioscope clusters`, the report and the web UI list the clusters through one query owned
    by detect (ranked_clusters): the SQL the report and the UI show beside the list is that
    query's text, and they list the same clusters as the CLI; a cluster's members are read
    through detect's cluster_members query by both."""
    named = ranked_clusters(limit=None)
    with Workspace.open(demo_like, read_only=True) as ws:
        tr = Tracer(ws)
        data = clusters_list(tr, limit=None)
        doc = json.loads(build_report(ws, format="json", top=TOP))
        first = data["clusters"][0]["cluster_id"]
        detail = cluster_detail(tr, first)
        flagged = flagged_accounts(ws, cluster_id=first)
    q = data["q_clusters"]
    assert (q.title, q.sql, tuple(q.params)) == (named.title, named.sql, named.params)
    # the cluster's members: the inventory joins onto detect's query, with its parameters first
    members = cluster_members(first)
    q = detail["q_members"]
    assert f"FROM ({members.sql}) m" in q.sql and tuple(q.params[:1]) == members.params
    assert len(flagged) == detail["n_members"] > 0
    assert sorted(m["account_id"] for m in flagged) == sorted(
        m["account_id"] for m in detail["members"]
    )
    shown = {x["id"]: x["sql"] for x in doc["queries"]}[doc["sections"]["campaigns"]["q_clusters"]]
    assert shown == inline_params(named.sql, list(named.params))
    ui = create_app(demo_like)
    page = json.loads(get(ui, "/clusters.json?per_page=3&page=2").text)
    paged = ranked_clusters(limit=3, offset=3)
    shown = {x["id"]: x["sql"] for x in page["queries"]}[page["data"]["q_clusters"]]
    assert shown == inline_params(paged.sql, list(paged.params))

    r = CliRunner().invoke(cli, ["clusters", str(demo_like), "--json"])
    assert r.exit_code == 0, r.output
    listed = json.loads(r.output)
    keys = ("cluster_id", "rank", "kind", "size", "score")
    cli_rows = [tuple(c[k] for k in keys) for c in listed]
    assert cli_rows == [tuple(c[k] for k in keys) for c in doc["sections"]["campaigns"]["clusters"]]
    assert cli_rows == [tuple(c[k] for k in keys) for c in data["clusters"]]
    assert len(cli_rows) == data["total"] > TOP
