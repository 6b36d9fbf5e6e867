"""TF-IDF weighting of the account × item matrix and cosine similarity of account pairs.

Pacheco, Hui, Torres-Lugo, Truong, Flammini & Menczer (2021), "Uncovering Coordinated Networks on
Social Media: Methods and Case Studies", ICWSM: each account is a vector over the items it acted on
(hashtag sequences, URLs, reposted posts...), weighted by TF-IDF so that items everybody shares (a
viral post, a trending hashtag) count for little, and pairs are compared by cosine similarity.

Here the term frequency is sublinear (1 + ln count) and idf = ln(n_accounts / accounts_with_item),
so an item shared by every account of the signal weighs nothing. Similarity is computed only for
the candidate pairs (the edges), as row-wise sparse dot products, never for all pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa

if TYPE_CHECKING:  # imported where used: the CLI starts faster without it
    import scipy.sparse as sp

__all__ = ["tfidf_matrix", "rowwise_dot"]

_CHUNK = 200_000
#: Stored entries of the rows of one chunk of :func:`rowwise_dot` (about 12 bytes each).
_CHUNK_NNZ = 4_000_000


def tfidf_matrix(
    con: duckdb.DuckDBPyConnection,
    actions: str,
    n_accounts: int,
    account: str = "aid",
    rows: np.ndarray | None = None,
) -> sp.csr_matrix:
    """L2-normalized TF-IDF rows (accounts × items) from ``actions`` (integer ``account``, item).

    ``rows``: the only accounts whose rows are needed (e.g. those of the edges to compare);
    the others are left empty, so that only those rows are fetched from the database. The idf
    still counts every account."""
    import scipy.sparse as sp

    keep = ""
    if rows is not None:
        con.register("_tfidf_rows", pa.table({"acc": np.unique(np.asarray(rows, np.int64))}))
        keep = "WHERE tf.acc IN (SELECT acc FROM _tfidf_rows)"
    try:
        t = con.execute(f"""
            WITH tf AS (SELECT {account} AS acc, item, count(*) AS tf FROM {actions}
                        WHERE item IS NOT NULL GROUP BY ALL),
                 n AS (SELECT count(DISTINCT acc) AS n FROM tf),
                 df AS (SELECT item, count(*) AS df,
                               CAST(row_number() OVER (ORDER BY item) - 1 AS BIGINT) AS j
                        FROM tf GROUP BY item)
            SELECT tf.acc, df.j, (1 + ln(tf.tf)) * ln(n.n / df.df) AS w
            FROM tf JOIN df USING (item), n {keep}""").fetchnumpy()
    finally:
        if rows is not None:
            con.unregister("_tfidf_rows")
    if t["j"].size == 0:
        return sp.csr_matrix((n_accounts, 1))
    m = sp.csr_matrix((t["w"], (t["acc"], t["j"])), shape=(n_accounts, int(t["j"].max()) + 1))
    del t
    m.sort_indices()  # each row's terms in item order: its norm does not depend on fetch order
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return (sp.diags(inv) @ m).tocsr()


def rowwise_dot(a: sp.csr_matrix, b: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``a[i[k]] · b[j[k]]`` for every k, in chunks (never forms a pairs × pairs product).

    A chunk holds at most ``_CHUNK`` pairs and about ``_CHUNK_NNZ`` stored entries of the rows
    it takes (accounts active on thousands of items have rows that long), so the memory used
    stays bounded; each dot product is the same whatever the chunks."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    out = np.zeros(i.size)
    if i.size == 0 or a.shape[1] == 0:
        return out
    cost = np.cumsum(np.diff(a.indptr)[i] + np.diff(b.indptr)[j] + 1)
    s = 0
    while s < i.size:
        e = int(np.searchsorted(cost, (cost[s - 1] if s else 0) + _CHUNK_NNZ, side="right"))
        e = min(max(e, s + 1), s + _CHUNK, i.size)
        out[s:e] = np.asarray(a[i[s:e]].multiply(b[j[s:e]]).sum(axis=1)).ravel()
        s = e
    return out
