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

if TYPE_CHECKING:  # imported where used: the CLI starts faster without it
    import scipy.sparse as sp

__all__ = ["tfidf_matrix", "rowwise_dot"]

_CHUNK = 200_000


def tfidf_matrix(con: duckdb.DuckDBPyConnection, actions: str, n_accounts: int,
                 account: str = "aid") -> sp.csr_matrix:
    """L2-normalized TF-IDF rows (accounts × items) from ``actions`` (integer ``account``, item)."""
    import scipy.sparse as sp
    t = con.execute(f"""
        WITH tf AS (SELECT {account} AS acc, item, count(*) AS tf FROM {actions}
                    WHERE item IS NOT NULL GROUP BY ALL),
             n AS (SELECT count(DISTINCT acc) AS n FROM tf),
             df AS (SELECT item, count(*) AS df,
                           CAST(row_number() OVER (ORDER BY item) - 1 AS BIGINT) AS j
                    FROM tf GROUP BY item)
        SELECT tf.acc, df.j, (1 + ln(tf.tf)) * ln(n.n / df.df) AS w
        FROM tf JOIN df USING (item), n""").fetchnumpy()
    if t["j"].size == 0:
        return sp.csr_matrix((n_accounts, 1))
    m = sp.csr_matrix((t["w"], (t["acc"], t["j"])), shape=(n_accounts, int(t["j"].max()) + 1))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return (sp.diags(inv) @ m).tocsr()


def rowwise_dot(a: sp.csr_matrix, b: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``a[i[k]] · b[j[k]]`` for every k, in chunks (never forms a pairs × pairs product)."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    out = np.zeros(i.size)
    if i.size == 0 or a.shape[1] == 0:
        return out
    for s in range(0, i.size, _CHUNK):
        out[s:s + _CHUNK] = np.asarray(
            a[i[s:s + _CHUNK]].multiply(b[j[s:s + _CHUNK]]).sum(axis=1)).ravel()
    return out
