"""Tables written by ``ioscope detect``: co-action edges and the posts behind each edge."""

from __future__ import annotations

from ioscope.model.edge_significance import SIGNIFICANCE_COLUMNS
from ioscope.model.table import Column as C
from ioscope.model.table import Table, register

EDGES = Table(
    "edges",
    "Pairs of accounts linked by a co-action signal in the last detect run. Undirected "
    "edges have account_1 < account_2 (ordered by platform, then account_id); in CNT-compatible "
    "mode (`directed` true) there is one row per direction. Re-running detect replaces all rows.",
    (
        C(
            "signal",
            "VARCHAR",
            "Signal name (see docs/signals.md), e.g. co_repost.",
            nullable=False,
        ),
        C("platform_1", "VARCHAR", "Platform of account_1.", nullable=False),
        C("account_1", "VARCHAR", "First account (accounts.account_id).", nullable=False),
        C("platform_2", "VARCHAR", "Platform of account_2.", nullable=False),
        C("account_2", "VARCHAR", "Second account (accounts.account_id).", nullable=False),
        C(
            "directed",
            "BOOLEAN",
            "True when the weight is directed (account_1 → account_2), as in CNT-compatible mode.",
        ),
        C(
            "weight",
            "BIGINT",
            "Co-actions: the smaller of the two accounts' numbers of distinct posts "
            "matched by the other within the window (undirected), or, in CNT-compatible mode, the "
            "number of distinct posts of account_1 with a match by account_2.",
        ),
        C(
            "shared_items",
            "BIGINT",
            "Distinct items (posts reposted, URLs, hashtags, texts, bins) "
            "both accounts acted on within the window.",
        ),
        C(
            "co_actions",
            "BIGINT",
            "Pairs of posts (one per account) on the same item within the window.",
        ),
        C(
            "score",
            "DOUBLE",
            "Signal-specific strength where one is defined (cosine similarity of "
            "synchronized, mean Jaccard of near_duplicate_text); NULL otherwise.",
        ),
        C("first_at", "TIMESTAMP", "Earliest post of any co-action pair, UTC."),
        C("last_at", "TIMESTAMP", "Latest post of any co-action pair, UTC."),
        C(
            "run_id",
            "VARCHAR",
            "The detect run (`runs.run_id`; its parameters give window, "
            "hot-item policy and thresholds).",
        ),
        C(
            "scale_seconds",
            "DOUBLE",
            "In a multi-scale run (--scales): the time scale, in "
            "seconds, at which the edge is strongest (smallest p-value); its weight, counts, "
            "expectation and evidence are those within that window. NULL after a single-window "
            "run.",
        ),
    )
    + SIGNIFICANCE_COLUMNS,
    stage="detect",
)
# no indexes: their upkeep made replacing 200 k edges cost seconds per commit

EDGE_EVIDENCE = Table(
    "edge_evidence",
    "The pairs of posts behind each edge: which item both accounts acted on, "
    "with which posts, how far apart. Stored once per unordered pair (account_1 < account_2), "
    "also for directed edges; at most `max_evidence` rows per edge (earliest first).",
    (
        C("signal", "VARCHAR", "Signal name.", nullable=False),
        C("platform_1", "VARCHAR", "Platform of account_1."),
        C("account_1", "VARCHAR", "First account (account_1 < account_2)."),
        C("platform_2", "VARCHAR", "Platform of account_2."),
        C("account_2", "VARCHAR", "Second account."),
        C(
            "item",
            "VARCHAR",
            "The shared item: reposted post id, normalized URL, hashtag, "
            "normalized text, hashtag sequence, time bin.",
        ),
        C("post_1", "VARCHAR", "post_id of account_1's post."),
        C("post_2", "VARCHAR", "post_id of account_2's post."),
        C("dt_seconds", "DOUBLE", "Time of post_2 minus time of post_1, seconds (signed)."),
        C(
            "score",
            "DOUBLE",
            "Pair-level strength where defined (Jaccard similarity of the two "
            "texts for near_duplicate_text); NULL otherwise.",
        ),
        C("run_id", "VARCHAR", "The detect run."),
        C(
            "scale_seconds",
            "DOUBLE",
            "The edge's scale_seconds (multi-scale run): the two posts are at most that far "
            "apart. NULL after a single-window run.",
        ),
    ),
    stage="detect",
)

register(EDGES, EDGE_EVIDENCE)
