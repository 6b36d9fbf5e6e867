"""Campaign candidates: the ranked clusters and, for one cluster, its evidence.

Reads ``clusters`` and ``cluster_members`` (detect), ``edges`` and ``edge_evidence`` (detect), and
``accounts`` / ``posts`` / ``account_scores`` for the asset inventory. Columns beyond the contract
(cluster_id, rank, size, score; cluster_id, platform, account_id) are shown when present.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.results import cluster_members, listed_members, ranked_clusters
from ioscope.errors import NotFoundError
from ioscope.model.names import name_sql
from ioscope.report.data import empty, evidence, media, pivots, section
from ioscope.report.data.evidence import member_join, pick_bucket
from ioscope.report.data.runs import detect_not_run
from ioscope.report.trace import Tracer

__all__ = [
    "clusters_list",
    "cluster_detail",
    "cluster_order",
    "coverage",
    "pick_bucket",
    "edge_scope",
    "score_join",
]

TITLE = "Campaign candidates"


def cluster_order(tr: Tracer, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return f'{a}"rank", {a}cluster_id'


def clusters_list(
    tr: Tracer, *, limit: int | None = 20, offset: int = 0, top: int | None = None
) -> dict[str, Any]:
    """The clusters in rank order, one page (``limit`` None: all of them), with the total
    count and the coverage (:func:`coverage`) of the ``top`` first (default: the page)."""
    missing = detect_not_run(tr, "campaigns", TITLE)
    if missing is not None:
        return missing
    run = tr.last_run("detect")
    total, q_total = tr.one("Number of clusters", "SELECT count(*) AS clusters FROM clusters")
    rows, q_rows = tr.run(ranked_clusters(limit=limit, offset=offset))
    data = dict(
        total=total.get("clusters", 0),
        q_total=q_total,
        clusters=rows,
        q_clusters=q_rows,
        limit=limit,
        offset=offset,
        kinds=[],
        run_id=run["run_id"],
    )
    data["kinds"], data["q_kinds"] = tr.rows(
        "Clusters per kind",
        """
        SELECT kind, count(*) AS clusters FROM clusters GROUP BY kind
        ORDER BY clusters DESC, kind""",
    )
    if not data["total"]:
        return empty(
            "campaigns",
            TITLE,
            f"Detection ran (run {run['run_id']}, recorded in "
            "runs) and found no cluster of coordinated accounts beyond chance at the "
            "chosen parameters.",
            **data,
        )
    n = top if top is not None else (offset + len(rows))
    data["coverage"], data["q_coverage"] = coverage(tr, n)
    return section("campaigns", TITLE, **data)


def coverage(tr: Tracer, top: int) -> tuple[dict[str, Any], Any]:
    """How many clusters, accounts and flagged accounts there are in all, in the ``top``
    highest ranked and beyond them ("N more clusters, M accounts"). Accounts are the clusters'
    ``size`` (a mirror cluster's listed accounts included); flagged accounts are rows of
    ``cluster_members``, counted once however many clusters name them."""
    return tr.one(
        "Clusters, accounts and flagged accounts: all, the top ones and the rest",
        f"""
        WITH ranked AS (
          SELECT c.cluster_id, c.size AS size,
                 row_number() OVER (ORDER BY {cluster_order(tr, "c")}) AS k
          FROM clusters c),
        flagged AS (
          SELECT m.platform, m.account_id, min(r.k) AS k
          FROM cluster_members m JOIN ranked r ON r.cluster_id = m.cluster_id
          GROUP BY m.platform, m.account_id)
        SELECT count(*) AS clusters,
               coalesce(sum(size), 0) AS accounts,
               (SELECT count(*) FROM flagged) AS flagged,
               count(*) FILTER (WHERE k <= ?) AS top_clusters,
               coalesce(sum(size) FILTER (WHERE k <= ?), 0) AS top_accounts,
               (SELECT count(*) FROM flagged WHERE k <= ?) AS top_flagged,
               count(*) FILTER (WHERE k > ?) AS more_clusters,
               coalesce(sum(size) FILTER (WHERE k > ?), 0) AS more_accounts,
               (SELECT count(*) FROM flagged WHERE k > ?) AS more_flagged
        FROM ranked""",
        [top] * 6,
    )


def scores_source(tr: Tracer) -> str:
    """account_scores restricted to one model: the one of the latest scoring run."""
    return (
        "(SELECT * FROM account_scores WHERE model_id = (SELECT model_id FROM account_scores "
        "ORDER BY run_id DESC NULLS LAST, model_id LIMIT 1))"
    )


def score_join(tr: Tracer, alias: str) -> tuple[str, str]:
    """(the LEFT JOIN of the latest model's scores ``s`` onto the accounts ``alias``, the score
    expression); ("", "NULL") when nothing was scored."""
    if not tr.has("account_scores"):
        return "", "NULL"
    return (
        f"LEFT JOIN {scores_source(tr)} s "
        f"ON s.platform = {alias}.platform AND s.account_id = {alias}.account_id",
        "s.score",
    )


def edge_scope(tr: Tracer, alias: str = "e") -> str:
    """The SQL condition that keeps the edges a picture or summary should use."""
    return f"{alias}.significant"


def cluster_detail(
    tr: Tracer,
    cluster_id: Any,
    *,
    members_limit: int = 200,
    members_offset: int = 0,
    evidence_limit: int = 20,
    items_limit: int = 10,
) -> dict[str, Any]:
    """One cluster: assets, signals and how far beyond chance, timeline, shared items, evidence."""
    missing = detect_not_run(tr, "cluster", TITLE)
    if missing is not None:
        raise NotFoundError(
            f"No cluster {cluster_id!r}: {missing['message']}",
            hint=f"Run `ioscope detect {tr.ws.path}`.",
        )
    row, q_cluster = tr.one(
        "The cluster", "SELECT * FROM clusters WHERE cluster_id = ?", [cluster_id]
    )
    if not row:
        raise NotFoundError(
            f"No cluster {cluster_id!r} in {tr.ws.path}.",
            hint="List the clusters with `ioscope clusters WS` or open /clusters.",
        )
    out: dict[str, Any] = section(
        "cluster", f"Cluster {cluster_id}", cluster=row, q_cluster=q_cluster, cluster_id=cluster_id
    )
    out.update(_members(tr, cluster_id, members_limit, members_offset))
    if not out["n_members"]:
        out.update(_listed_members(tr, cluster_id, members_limit, members_offset))
        if out["n_members"]:
            return out
    out.update(_creation(tr, cluster_id))
    if tr.has("compliance_events"):
        out.update(_deletions(tr, cluster_id))
    out.update(media.cluster_media(tr, cluster_id))
    out.update(pivots.cluster_pivots(tr, cluster_id, edge_scope(tr)))
    out.update(evidence.member_activity(tr, cluster_id))
    if tr.has("edges"):
        out.update(_signals(tr, cluster_id))
    if tr.has("edge_evidence"):
        out.update(evidence.shared_items(tr, cluster_id, evidence_limit, items_limit))
    return out


def _members(tr: Tracer, cid: Any, limit: int, offset: int) -> dict[str, Any]:
    scores, score = score_join(tr, "m")
    extra = [
        c
        for c in sorted(tr.columns("cluster_members"))
        if c not in {"cluster_id", "platform", "account_id", "run_id", "handle", "details"}
    ]
    extra_sql = "".join(f', m."{c}"' for c in extra)
    members = cluster_members(cid)
    rows, q = tr.rows(
        "Members of the cluster (asset inventory)",
        f"""
        SELECT m.platform, m.account_id, a.handle, {name_sql("a.handle", "a.display_name")} AS name,
               a.display_name, a.created_at AS account_created_at,
               a.followers, a.following, a.location, a.language, {score} AS account_score{extra_sql}
        FROM ({members.sql}) m
        LEFT JOIN accounts a ON a.platform = m.platform AND a.account_id = m.account_id
        {scores}
        ORDER BY a.created_at NULLS LAST, m.account_id
        LIMIT ? OFFSET ?""",
        [*members.params, limit, offset],
    )
    total, q_total = tr.one(
        "Number of members",
        f"SELECT count(*) AS members FROM ({members.sql})",
        members.params,
    )
    return dict(
        members=rows,
        q_members=q,
        member_columns=extra,
        n_members=total["members"],
        q_n_members=q_total,
        members_limit=limit,
        members_offset=offset,
    )


#: Why a cluster listed in ``clusters.details`` has no activity, evidence or network sections.
LISTED_NOTE = (
    "Detection lists the members of this cluster in its details and does not flag "
    "them (they are not in cluster_members): a mirror cluster is one account and its "
    "automated reposting feeds, whose synchrony follows that account's posting. The "
    "signals, activity, creation dates and evidence of a cluster are read from "
    "cluster_members, so they are left out here; open a member's page to see its "
    "activity and edges."
)


def _listed_members(tr: Tracer, cid: Any, limit: int, offset: int) -> dict[str, Any]:
    """Members a cluster lists in ``clusters.details.members`` (mirror clusters), when
    ``cluster_members`` has none for it."""
    scores, score = score_join(tr, "m")
    listed = listed_members(cid)
    rows, q = tr.rows(
        "Members listed in the cluster's details (not flagged)",
        f"""
        SELECT m.platform, m.account_id, coalesce(a.handle, m.handle) AS handle,
               {name_sql("coalesce(a.handle, m.handle)", "a.display_name")} AS name, a.display_name,
               a.created_at AS account_created_at, a.followers, a.following, a.location,
               a.language, {score} AS account_score, m.posts
        FROM ({listed.sql}) m
        LEFT JOIN accounts a ON a.platform = m.platform AND a.account_id = m.account_id
        {scores}
        ORDER BY a.created_at NULLS LAST, m.account_id
        LIMIT ? OFFSET ?""",
        [*listed.params, limit, offset],
    )
    total, q_total = tr.one(
        "Number of members listed in the cluster's details",
        f"SELECT count(*) AS members FROM ({listed.sql})",
        list(listed.params),
    )
    return dict(
        members=rows,
        q_members=q,
        member_columns=["posts"],
        n_members=total["members"],
        q_n_members=q_total,
        members_source="details",
        listed_note=LISTED_NOTE,
    )


def _creation(tr: Tracer, cid: Any) -> dict[str, Any]:
    """The members' creation dates per day, week or month, after their span: accounts made in
    a burst of a few days show as such, not as one month's bar."""
    members = """FROM cluster_members m
        JOIN accounts a ON a.platform = m.platform AND a.account_id = m.account_id
        WHERE m.cluster_id = ? AND a.created_at IS NOT NULL"""
    span, q_span = tr.one(
        "Span of the members' creation dates",
        f"""
        SELECT count(*) AS dated, min(a.created_at) AS first_created,
               max(a.created_at) AS last_created
        {members}""",
        [cid],
    )
    bucket = pick_bucket(span.get("first_created"), span.get("last_created"))
    rows, q = tr.rows(
        f"Creation dates of the members, per {bucket}",
        f"""
        SELECT CAST(date_trunc('{bucket}', a.created_at) AS DATE) AS bucket,
               count(*) AS accounts
        {members}
        GROUP BY bucket ORDER BY bucket""",
        [cid],
    )
    return dict(
        creation=rows,
        q_creation=q,
        creation_bucket=bucket,
        creation_span=span,
        q_creation_span=q_span,
    )


def _deletions(tr: Tracer, cid: Any) -> dict[str, Any]:
    """Compliance events about the members and their posts, per day of the event: operations
    delete en masse after exposure."""
    rows, q = tr.rows(
        "Compliance events about the members and their posts, per day",
        """
        WITH m AS (SELECT platform, account_id FROM cluster_members WHERE cluster_id = ?),
        ev AS (
          SELECT e.* FROM compliance_events e JOIN m ON e.platform = m.platform
            AND e.object_kind = 'account' AND e.object_id = m.account_id
          UNION ALL
          SELECT e.* FROM compliance_events e JOIN posts p ON e.object_kind = 'post'
            AND e.platform = p.platform AND e.object_id = p.post_id
          JOIN m ON m.platform = p.platform AND m.account_id = p.account_id)
        SELECT CAST(event_at AS DATE) AS day, object_kind, action, count(*) AS events
        FROM ev GROUP BY ALL ORDER BY day NULLS LAST, object_kind, action""",
        [cid],
    )
    return dict(deletions=rows, q_deletions=q, n_deletion_events=sum(r["events"] for r in rows))


def _signals(tr: Tracer, cid: Any) -> dict[str, Any]:
    stats = [
        "count(*) AS edges",
        "sum(e.weight) AS total_weight",
        "max(e.weight) AS max_weight",
        "bool_or(e.directed) AS directed",
        "sum(e.shared_items) AS shared_items",
        "count(*) FILTER (WHERE e.significant) AS significant_edges",
        "min(e.p_value) AS min_p",
        "median(e.p_value) AS median_p",
        "min(e.q_value) AS min_q",
        "max(e.q_value) FILTER (WHERE e.significant) AS max_q_kept",
        "min(e.first_at) AS first_at",
        "max(e.last_at) AS last_at",
    ]
    rows, q = tr.rows(
        "Edges between members, per signal",
        f"""
        WITH mem AS (SELECT platform, account_id FROM cluster_members WHERE cluster_id = ?)
        SELECT e.signal, {", ".join(stats)}
        FROM edges e
        {member_join(tr, "edges")}
        GROUP BY e.signal ORDER BY edges DESC, e.signal""",
        [cid],
    )
    return dict(signals=rows, q_signals=q)
