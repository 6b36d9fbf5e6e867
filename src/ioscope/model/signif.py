"""Tables written by the calibrated detect pipeline: clusters (campaign candidates) and their
members. The significance columns of ``edges`` are in :mod:`ioscope.model.edge_significance`."""

from __future__ import annotations

from ioscope.model.table import Column as C
from ioscope.model.table import Table, register

CLUSTERS = Table(
    "clusters",
    "Campaign candidates: Leiden communities of the fused network of significant edges "
    "(all signals), ranked by score. Re-running detect replaces all rows.",
    (
        C(
            "cluster_id",
            "INTEGER",
            "Cluster number in this run, 1 = highest score.",
            nullable=False,
        ),
        C(
            "rank",
            "INTEGER",
            "Rank: campaign candidates by score first (1 = strongest), then mirror clusters.",
            nullable=False,
        ),
        C(
            "kind",
            "VARCHAR",
            "campaign: a campaign candidate; mirror: automated mirrors of one "
            "account (≥ 90 % of every member's posts repost it, like an outlet's feed bots), shown "
            "with its members in details but not flagged.",
        ),
        C("size", "INTEGER", "Member accounts."),
        C(
            "edges",
            "INTEGER",
            "Account pairs of the cluster linked by at least one significant edge.",
        ),
        C("density", "DOUBLE", "edges / (size·(size−1)/2): 1 when every pair is linked."),
        C(
            "score",
            "DOUBLE",
            "Ranking score: min(evidence, 16) · log2(1 + edges), so that a large "
            "cluster of links far beyond chance outranks a pair with the same p-value (see "
            "docs/signals.md).",
        ),
        C(
            "signals",
            "VARCHAR[]",
            "Signals with significant edges inside the cluster, strongest first.",
        ),
        C(
            "evidence",
            "DOUBLE",
            "Median over the cluster's linked pairs of −log10 of the pair's "
            "smallest p-value, capped at 50: how far beyond chance a typical pair is.",
        ),
        C("p_value", "DOUBLE", "Median over linked pairs of the pair's smallest p-value."),
        C("min_p_value", "DOUBLE", "Smallest p-value of any edge in the cluster."),
        C(
            "observed_expected",
            "DOUBLE",
            "Median over the cluster's significant edges of weight / "
            "expected (edges.observed_expected).",
        ),
        C(
            "coordination",
            "DOUBLE",
            "Coordination degree: share of the members' posts that are behind "
            "a significant edge inside the cluster (0–1).",
        ),
        C("first_at", "TIMESTAMP", "Earliest post behind a significant edge of the cluster, UTC."),
        C("last_at", "TIMESTAMP", "Latest post behind a significant edge of the cluster, UTC."),
        C("span_seconds", "DOUBLE", "last_at − first_at in seconds."),
        C(
            "explanation",
            "VARCHAR",
            "One sentence per signal, e.g. '41 accounts reposted the same 17 "
            "posts (230 of their posts), a median of 12 s apart (median pair p = 3e-12, "
            "observed/expected 25×)'. Plain text: escape when rendering.",
        ),
        C(
            "details",
            "JSON",
            "Per signal: the sentence and its figures (accounts, edges, items, "
            "posts, texts, median |Δt|, median and smallest p-value, observed/expected), top items "
            "and example posts; figures_sql: the query that recomputes the figures.",
        ),
        C("run_id", "VARCHAR", "The detect run (`runs.run_id`)."),
    ),
    primary_key=("cluster_id",),
    stage="signif",
)

CLUSTER_MEMBERS = Table(
    "cluster_members",
    "Accounts of each cluster, with how and how strongly they are linked: the "
    "flagged accounts of the last detect run (members of mirror clusters are listed in "
    "clusters.details instead).",
    (
        C("cluster_id", "INTEGER", "clusters.cluster_id.", nullable=False),
        C("platform", "VARCHAR", "Platform of the account.", nullable=False),
        C("account_id", "VARCHAR", "accounts.account_id.", nullable=False),
        C("handle", "VARCHAR", "Handle, when known."),
        C("degree", "INTEGER", "Members of the cluster linked to it by a significant edge."),
        C("strength", "DOUBLE", "Sum over those links of min(−log10 p, 50) summed over signals."),
        C("signals", "VARCHAR[]", "Signals of its significant edges inside the cluster."),
        C(
            "best_p_value",
            "DOUBLE",
            "Smallest p-value of its edges inside the cluster (a pair-level "
            "test; creation_burst: the weaker account's burst test).",
        ),
        C("observed_expected", "DOUBLE", "weight / expected of that edge."),
        C(
            "account_p_value",
            "DOUBLE",
            "Account-level p-value: Simes combination of the p-values "
            "of all its edges (every signal).",
        ),
        C(
            "account_q_value",
            "DOUBLE",
            "Benjamini–Hochberg q-value of account_p_value over all "
            "tested accounts; members are flagged at q ≤ the FDR level.",
        ),
        C("posts", "BIGINT", "Posts of the account in the workspace."),
        C("coordinated_posts", "BIGINT", "Its posts behind a significant edge inside the cluster."),
        C("coordination", "DOUBLE", "coordinated_posts / posts."),
        C("explanation", "VARCHAR", "Why it is flagged, in one sentence per signal. Plain text."),
        C(
            "details",
            "JSON",
            "Per signal: partners, items, median |Δt|, best p; and the strongest partners.",
        ),
        C("run_id", "VARCHAR", "The detect run."),
    ),
    primary_key=("cluster_id", "platform", "account_id"),
    stage="signif",
    indexes=(("platform", "account_id"),),
)

register(CLUSTERS, CLUSTER_MEMBERS)
