"""Handles across platforms: accounts on two platforms whose handles are the same or similar.

Operations that run on several platforms keep their personas' names: the same handle, or one
varied by a separator, a digit suffix or a word (Meta's and Graphika's cross-platform case
studies pivot on such names). A handle is compared through its *stem*: lower-cased, without '@'
and without a domain ('name.bsky.social' → 'name'), letters and digits only, trailing digits
removed ('Patriot_Kavo12' → 'patriotkavo'); stems shorter than ``handle_min_stem`` are not
compared. The similarity of two stems is the Jaccard index of their character trigrams, the stem
padded with '^' and '$' (so that beginnings and ends count).

Candidates come from prefix filtering (Chaudhuri, Ganti and Kaushik, "A Primitive Operator for
Similarity Joins in Data Cleaning", ICDE 2006; Bayardo, Ma and Srikant, "Scaling Up All Pairs
Similarity Search", WWW 2007): trigrams are ordered from rarest to most common and each stem is
indexed under its first |g| − ⌈t·|g|⌉ + 1, so that every pair of similarity ≥ t shares an indexed
trigram; no pair of accounts is enumerated that could not reach the threshold. A trigram indexed
by more than ``handle_block_cap`` stems is not used, and a stem that indexes such a trigram is
not tested (its pairs are left out rather than tested against an incomplete count).

The test statistic is how improbable the two stems' common beginning is ('$' marking a stem's
end, so identical stems share all of it): its log-probability under a character trigram model
of every account's stem (add-one smoothing), as Perito et al. ("How Unique and Traceable are
Usernames?", PETS 2011) measure a username's information. The null model: two unrelated accounts
are like two accounts of one platform (people rarely keep two accounts with one name on a
platform, but names coincide there by chance exactly as across platforms). ``p`` is the share
of all pairs of accounts on one platform, passed through the same candidate and similarity
steps, whose common beginning is at least as improbable; beyond the median of the tested ones,
an exponential tail fitted to them (peaks over threshold) extends p below the smallest count.
Every pair of accounts on two platforms is one test (untested pairs count with p = 1), and
Benjamini-Hochberg keeps the false discovery rate at ``handle_fdr``. Common names ('john',
'news') are short and probable and coincide on one platform all the time, so they never count;
a long unusual persona name on two platforms does.

That family answers "which accounts anywhere have a twin", and with millions of pairs of
accounts it needs a very small p. Within detected clusters the question is narrower: which
members of one cluster on two platforms are the same persona. Its family is every pair of
accounts on two platforms that are members of one cluster (``cluster_members``, all clusters
together, accounts with a comparable stem; untested pairs count with p = 1), with the same p,
and Benjamini-Hochberg runs over that family alone (``cluster_matches`` in the evidence, q
within clusters, and ``cluster_family`` its size). This is valid because detection chooses the
clusters from co-action (shared links, media, texts, reposts, timing) and never looks at
handles: if handle similarity is independent of behaviour (the null), choosing the pairs by
behaviour does not change the distribution of their handle p-values, so the smaller family
keeps its false discovery rate. It would not be valid if clusters were chosen with the handles
(for instance after merging accounts by name).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import detect_tables, has_rows, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family
from ioscope.params import Param

__all__ = ["STEM_SQL", "cluster_handle_tests", "handle_matches", "handle_signals"]

SIGNALS = (
    Signal(
        "similar_handle",
        +1,
        "accounts",
        "Number of accounts on other platforms whose handle "
        "is the same or significantly similar (trigram Jaccard of the stems ≥ "
        "handle_min_similarity, Benjamini-Hochberg q ≤ handle_fdr over every pair of "
        "accounts on two platforms); the evidence lists each with both handles, the "
        "similarity, p and q, and the members of the account's cluster on other platforms "
        "whose handle is significant with q within clusters (Benjamini-Hochberg over the "
        "pairs of members of one cluster on two platforms only, same p).",
    ),
)
PARAMS = (
    Param(
        "handle_min_similarity",
        "float",
        0.5,
        "Smallest trigram Jaccard similarity of two handle stems that is tested.",
        min=0.05,
        max=1,
    ),
    Param(
        "handle_fdr",
        "float",
        0.05,
        "False discovery rate (Benjamini-Hochberg) over the tested pairs of handles.",
        min=0,
        max=1,
    ),
    Param(
        "handle_min_stem",
        "int",
        3,
        "Shortest handle stem (letters and digits without the trailing digits) that is compared.",
        min=1,
    ),
    Param(
        "handle_block_cap",
        "int",
        2000,
        "A trigram shared by more stems than this is not "
        "used to find candidates; stems that would need it are not tested.",
        min=2,
    ),
)

#: SQL of a handle's normalized form (``{h}`` the handle expression) and of its stem.
#: One-platform pairs needed to fit the tail of the null (else the counts alone give p).
MIN_TAIL = 10
NORM_SQL = (
    "regexp_replace(lower(split_part(ltrim(trim({h}), '@'), '.', 1)), "
    "'[^\\p{{L}}\\p{{N}}]', '', 'g')"
)
STEM_SQL = "regexp_replace({n}, '[0-9]+$', '')"


@register_family(
    "handles",
    signals=SIGNALS,
    params=PARAMS,
    sources=(
        "Perito et al., How Unique and Traceable are Usernames?, PETS 2011",
        (
            "Chaudhuri, Ganti and Kaushik, A Primitive Operator for Similarity "
            "Joins in Data Cleaning, ICDE 2006"
        ),
        ("Bayardo, Ma and Srikant, Scaling Up All Pairs Similarity Search, WWW 2007"),
    ),
)
def handle_signals(
    con: duckdb.DuckDBPyConnection,
    *,
    handle_min_similarity: float,
    handle_fdr: float,
    handle_min_stem: int,
    handle_block_cap: int,
) -> pa.Table:
    """Accounts whose handle is the same or significantly similar on another platform."""
    if not has_rows(
        con,
        "SELECT 1 FROM accounts WHERE NULLIF(trim(handle), '') IS NOT NULL "
        "HAVING count(DISTINCT platform) >= 2",
    ):
        raise NotApplicable("accounts with handles on one platform only")
    handle_matches(
        con,
        min_similarity=handle_min_similarity,
        min_stem=handle_min_stem,
        block_cap=handle_block_cap,
    )
    family = cluster_handle_tests(con)
    run = "(SELECT any_value(run_id) FROM cluster_members)" if family else "NULL"
    return signal_rows(
        con,
        f"""
        WITH hits AS (
            SELECT a1.platform AS platform_1, a1.account_id AS account_1,
                   a1.handle AS handle_1, a2.platform AS platform_2,
                   a2.account_id AS account_2, a2.handle AS handle_2, t.similarity,
                   a1.norm = a2.norm AS identical, t.p, t.q
            FROM _hm_test t
            JOIN _hm_acc a1 ON a1.platform = t.platform_1 AND a1.stem = t.stem_1
            JOIN _hm_acc a2 ON a2.platform = t.platform_2 AND a2.stem = t.stem_2
            WHERE t.q <= {float(handle_fdr)!r}),
        both_ways AS (
            SELECT platform_1 AS platform, account_1 AS account_id, platform_2 AS op,
                   account_2 AS oa, handle_2 AS oh, similarity, identical, p, q FROM hits
            UNION ALL
            SELECT platform_2, account_2, platform_1, account_1, handle_1, similarity,
                   identical, p, q FROM hits),
        per AS (
            SELECT platform, account_id, count(*) AS n,
                   list({{'platform': op, 'account_id': oa, 'handle': oh,
                          'similarity': round(similarity, 4), 'identical': identical,
                          'p': p, 'q': q}} ORDER BY p, similarity DESC, op, oa) AS matches
            FROM both_ways GROUP BY ALL),
        in_cluster AS (  -- the cluster family: twins among members of one cluster
            SELECT c.platform_1 AS platform, c.account_1 AS account_id,
                   {{'platform': c.platform_2, 'account_id': c.account_2, 'handle': a.handle,
                     'cluster_id': c.cluster_id, 'similarity': round(c.similarity, 4),
                     'identical': o.norm = a.norm, 'p': c.p, 'q': c.q}} AS x
            FROM _hm_cluster c
            JOIN _hm_acc o ON o.platform = c.platform_1 AND o.account_id = c.account_1
            JOIN _hm_acc a ON a.platform = c.platform_2 AND a.account_id = c.account_2
            WHERE c.q <= {float(handle_fdr)!r}
            UNION ALL
            SELECT c.platform_2, c.account_2,
                   {{'platform': c.platform_1, 'account_id': c.account_1, 'handle': a.handle,
                     'cluster_id': c.cluster_id, 'similarity': round(c.similarity, 4),
                     'identical': o.norm = a.norm, 'p': c.p, 'q': c.q}}
            FROM _hm_cluster c
            JOIN _hm_acc o ON o.platform = c.platform_2 AND o.account_id = c.account_2
            JOIN _hm_acc a ON a.platform = c.platform_1 AND a.account_id = c.account_1
            WHERE c.q <= {float(handle_fdr)!r}),
        per_cluster AS (
            SELECT platform, account_id,
                   list(x ORDER BY x.p, x.platform, x.account_id) AS matches
            FROM in_cluster GROUP BY ALL),
        tested AS (  -- accounts of other platforms each stem was tested against
            SELECT platform, stem, sum(n) AS n FROM (
                SELECT platform_1 AS platform, stem_1 AS stem, n_2 AS n FROM _hm_test
                UNION ALL SELECT platform_2, stem_2, n_1 FROM _hm_test) GROUP BY ALL)
        SELECT a.platform, a.account_id, 'similar_handle' AS signal,
               COALESCE(per.n, 0) AS value,
               json_object('handle', a.handle, 'stem', a.stem,
                           'tested', COALESCE(t.n, 0),
                           'matches', COALESCE(list_slice(per.matches, 1, 20), []),
                           'cluster_family', {int(family)}, 'clusters_run', {run},
                           'cluster_matches', COALESCE(list_slice(pc.matches, 1, 20), []))
                   AS detail
        FROM _hm_acc a LEFT JOIN per USING (platform, account_id)
        LEFT JOIN per_cluster pc USING (platform, account_id)
        LEFT JOIN tested t USING (platform, stem)""",
    )


def handle_matches(
    con: duckdb.DuckDBPyConnection, *, min_similarity: float, min_stem: int, block_cap: int
) -> None:
    """Fill temp tables ``_hm_acc`` (accounts with a comparable stem), ``_hm_pair`` (every pair
    of stems of similarity ≥ ``min_similarity``, on one platform or two, with the log-probability
    ``lp`` of their common beginning and ``w`` the pairs of accounts it stands for) and
    ``_hm_test`` (the cross-platform ones, platform_1 < platform_2, with p, the
    Benjamini-Hochberg q over every cross-platform pair of accounts, and n_1, n_2 the accounts
    that wear each stem)."""
    t = float(min_similarity)
    norm = NORM_SQL.format(h="handle")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hm_acc AS
        SELECT platform, account_id, handle, norm, {STEM_SQL.format(n="norm")} AS stem
        FROM (SELECT platform, account_id, handle, {norm} AS norm FROM accounts
              WHERE NULLIF(trim(handle), '') IS NOT NULL)
        WHERE length({STEM_SQL.format(n="norm")}) >= {int(min_stem)}""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _hm_stem AS
        SELECT platform, stem, count(*) AS n FROM _hm_acc GROUP BY ALL""")
    # trigrams of each distinct stem, padded; g = number of distinct trigrams of the stem
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _hm_gram AS
        WITH s AS (SELECT DISTINCT stem FROM _hm_stem),
        g AS (SELECT DISTINCT stem, substr('^' || stem || '$', i, 3) AS gram
              FROM (SELECT stem, unnest(range(1, length(stem) + 1)) AS i FROM s))
        SELECT stem, gram, count(*) OVER (PARTITION BY stem) AS g,
               count(*) OVER (PARTITION BY gram) AS freq FROM g""")
    # prefix filtering: each stem indexed under its rarest g - ceil(t*g) + 1 trigrams
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hm_post AS
        WITH ranked AS (
            SELECT stem, gram, g, row_number() OVER (PARTITION BY stem ORDER BY freq, gram) AS r
            FROM _hm_gram),
        prefix AS (SELECT stem, gram, g FROM ranked
                   WHERE r <= g - ceil({t!r} * g - 1e-9) + 1),
        posting AS (SELECT s.platform, s.stem, p.gram, p.g,
                           count(*) OVER (PARTITION BY p.gram) AS block
                    FROM prefix p JOIN _hm_stem s USING (stem)),
        untestable AS (SELECT DISTINCT stem FROM posting WHERE block > {int(block_cap)})
        SELECT platform, stem, gram, g FROM posting ANTI JOIN untestable USING (stem)""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hm_cand AS
        WITH cand AS (
            SELECT DISTINCT a.platform AS platform_1, a.stem AS stem_1,
                   b.platform AS platform_2, b.stem AS stem_2
            FROM _hm_post a JOIN _hm_post b ON a.gram = b.gram
             AND (a.platform < b.platform OR (a.platform = b.platform AND a.stem < b.stem))
            WHERE b.g >= {t!r} * a.g - 1e-9 AND a.g >= {t!r} * b.g - 1e-9),
        strings AS (SELECT DISTINCT stem_1, stem_2 FROM cand),
        sim AS (
            SELECT s.stem_1, s.stem_2,
                   count(*) / (min(g1.g) + min(g2.g) - count(*)) AS similarity
            FROM strings s
            JOIN _hm_gram g1 ON g1.stem = s.stem_1
            JOIN _hm_gram g2 ON g2.stem = s.stem_2 AND g2.gram = g1.gram
            GROUP BY ALL)
        SELECT c.*, x.similarity, s1.n AS n_1, s2.n AS n_2, s1.n * s2.n AS w
        FROM cand c JOIN sim x USING (stem_1, stem_2)
        JOIN _hm_stem s1 ON s1.platform = c.platform_1 AND s1.stem = c.stem_1
        JOIN _hm_stem s2 ON s2.platform = c.platform_2 AND s2.stem = c.stem_2
        WHERE x.similarity >= {t!r} - 1e-12
        UNION ALL  -- accounts of one platform that share a stem
        SELECT platform, stem, platform, stem, 1.0, n, n, n * (n - 1) // 2 FROM _hm_stem
        WHERE n >= 2 AND stem IN (SELECT stem FROM _hm_post)""")
    # the null: a character trigram model of the workspace's stems (one per account, add-one
    # smoothing); cum[k] is the log-probability that a random stem begins with the first k
    # characters of this one ('$' marking its end)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _hm_lm AS
        WITH pos AS (
            SELECT stem, i, substr('^^' || stem || '$', i, 2) AS ctx,
                   substr('^^' || stem || '$', i + 2, 1) AS ch
            FROM (SELECT stem, unnest(range(1, length(stem) + 2)) AS i
                  FROM (SELECT DISTINCT stem FROM _hm_stem))),
        w AS (SELECT stem, sum(n) AS n FROM _hm_stem GROUP BY stem),
        c3 AS (SELECT ctx, ch, sum(w.n) AS c FROM pos JOIN w USING (stem) GROUP BY ALL),
        c2 AS (SELECT ctx, sum(c) AS c FROM c3 GROUP BY ctx),
        v AS (SELECT count(DISTINCT ch) AS v FROM c3),
        lp AS (
            SELECT pos.stem, pos.i,
                   sum(ln((c3.c + 1) / (c2.c + v.v))) OVER (PARTITION BY pos.stem
                                                           ORDER BY pos.i) AS cum
            FROM pos JOIN c3 USING (ctx, ch) JOIN c2 USING (ctx) CROSS JOIN v)
        SELECT stem, list(cum ORDER BY i) AS cum FROM lp GROUP BY stem""")
    # p: the chance that a random stem shares at least the observed common beginning; BH over
    # every cross-platform pair of accounts (the untested ones counted with p = 1)
    # the common beginning of the two stems ('$' marking an end) and its log-probability
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _hm_pair AS
        WITH pre AS (
            SELECT *, list_position(list_transform(
                          range(1, least(length(stem_1), length(stem_2)) + 2),
                          lambda i: substr(stem_1 || '$', i, 1) = substr(stem_2 || '$', i, 1)),
                          false) AS miss
            FROM _hm_cand),
        pairs AS (
            SELECT * EXCLUDE (miss), CASE WHEN miss IS NULL OR miss = 0
                                          THEN least(length(stem_1), length(stem_2)) + 1
                                          ELSE miss - 1 END AS common
            FROM pre)
        SELECT p.*, platform_1 <> platform_2 AS cross_platform,
               CASE WHEN common = 0 THEN 0.0 ELSE l.cum[common] END AS lp
        FROM pairs p JOIN _hm_lm l ON l.stem = p.stem_1""")
    # p: the share of pairs of accounts on one platform whose common beginning is at least as
    # improbable (beyond the median of those tested, an exponential tail fitted to them);
    # BH over every cross-platform pair of accounts (the untested ones counted with p = 1)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hm_test AS
        WITH scored AS (SELECT * FROM _hm_pair),
        sizes AS (SELECT platform, sum(n) AS n FROM _hm_stem GROUP BY platform),
        m AS (SELECT (sum(n) ^ 2 - sum(n ^ 2)) / 2 AS cross_pairs,
                     sum(n * (n - 1) / 2) AS within_pairs FROM sizes),
        ranked AS (  -- pairs of one platform at least as extreme as each pair
            SELECT *, sum(CASE WHEN cross_platform THEN 0 ELSE w END) OVER (
                          ORDER BY lp RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS more
            FROM scored),
        tail AS (  -- peaks over threshold: -lp of one-platform pairs above their median
            SELECT any_value(u) AS u, sum(w) AS n_tail, sum(w * (-lp - u)) / sum(w) AS beta
            FROM scored, (SELECT quantile_cont(-lp, 0.5) AS u FROM scored
                          WHERE NOT cross_platform AND common > 0)
            WHERE NOT cross_platform AND common > 0 AND -lp >= u
            HAVING count(*) >= {int(MIN_TAIL)}),
        tested AS (
            SELECT r.*, m.cross_pairs,
                   CASE WHEN t.beta > 0 AND -r.lp > t.u
                        THEN t.n_tail / (m.within_pairs + 1) * exp(-(-r.lp - t.u) / t.beta)
                        ELSE (r.more + 1) / (m.within_pairs + 1) END AS p
            FROM ranked r CROSS JOIN m LEFT JOIN tail t ON true WHERE r.cross_platform),
        bh AS (
            SELECT *, p * cross_pairs / sum(w) OVER (
                          ORDER BY p RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS q_raw
            FROM tested),
        q AS (
            SELECT *, least(1.0, min(q_raw) OVER (
                          ORDER BY p DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS q
            FROM bh)
        SELECT platform_1, stem_1, platform_2, stem_2, similarity, common, lp, p, q, n_1, n_2
        FROM q""")


def cluster_handle_tests(con: duckdb.DuckDBPyConnection) -> int:
    """Fill temp table ``_hm_cluster``: the tested pairs of accounts on two platforms that are
    members of one cluster (``cluster_members``), with the pair's p from ``_hm_test`` and q,
    Benjamini-Hochberg over the family of every pair of accounts on two platforms that are members
    of one cluster and both have a comparable stem (``family``; the untested ones have p = 1 and
    are only counted, so that no cluster's pairs are enumerated). Needs :func:`handle_matches`
    first; returns the family size (0 without clusters)."""
    if not detect_tables(con):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _hm_cluster AS SELECT NULL::BIGINT AS "
            "cluster_id, NULL::VARCHAR AS platform_1, NULL::VARCHAR AS account_1, "
            "NULL::VARCHAR AS platform_2, NULL::VARCHAR AS account_2, "
            "NULL::DOUBLE AS similarity, NULL::DOUBLE AS p, NULL::DOUBLE AS q, "
            "0::BIGINT AS family WHERE false"
        )
        return 0
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _hm_members AS
        SELECT DISTINCT c.cluster_id, a.platform, a.account_id, a.stem
        FROM cluster_members c JOIN _hm_acc a
          ON a.platform = c.platform AND a.account_id = c.account_id""")
    # pairs on two platforms per cluster, ((Σn)² − Σn²) / 2; a pair of accounts that shares
    # several clusters counts once per cluster (a larger family only makes q larger)
    family = int(
        con.execute("""
        SELECT COALESCE(sum(f), 0) FROM (
            SELECT (sum(n) ^ 2 - sum(n ^ 2)) / 2 AS f
            FROM (SELECT cluster_id, platform, count(*) AS n FROM _hm_members GROUP BY ALL)
            GROUP BY cluster_id)""").fetchall()[0][0]
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hm_cluster AS
        WITH tested AS (  -- a pair of accounts sharing several clusters is listed once
            SELECT min(m1.cluster_id) AS cluster_id, m1.platform AS platform_1,
                   m1.account_id AS account_1, m2.platform AS platform_2,
                   m2.account_id AS account_2, any_value(t.similarity) AS similarity,
                   any_value(t.p) AS p
            FROM _hm_members m1
            JOIN _hm_test t ON t.platform_1 = m1.platform AND t.stem_1 = m1.stem
            JOIN _hm_members m2 ON m2.cluster_id = m1.cluster_id
             AND m2.platform = t.platform_2 AND m2.stem = t.stem_2
            GROUP BY ALL),
        bh AS (
            SELECT *, p * {family} / count(*) OVER (
                          ORDER BY p RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS q_raw
            FROM tested)
        SELECT * EXCLUDE (q_raw), least(1.0, min(q_raw) OVER (
                   ORDER BY p DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS q,
               {family}::BIGINT AS family
        FROM bh""")
    return family
