"""Rhythm and time zone: when an account posts, the clock that implies, and how regular it is.

People post on a diurnal cycle with a trough around 4 a.m. local time (Golder & Macy, Science 333,
2011). The IRA's staff worked from an office in St Petersburg while its accounts claimed to be
American (Mueller report, Vol. I, 2019): a workplace schedule in one time zone behind a profile
that claims another is what the time-zone mismatch looks for. Automated accounts post around the clock or at fixed intervals (Chu et al., "Detecting
automation of Twitter accounts", IEEE TDSC 2012). From the hour-of-week histogram of each account
with at least ``rhythm_min_posts`` posts we derive: the UTC offset that best aligns the account's
hours with a typical human day, its distance from the offset the profile claims (location, else
language), the entropy of the hour-of-day profile, the longest quiet run of hours (sleep gap), the
weekend share in local time, and from the gaps between posts the entropy of log-binned
inter-post times and the burstiness B = (σ − μ)/(σ + μ) of Goh & Barabási (EPL 81, 2008).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from ioscope.accounts._sql import fetch_arrow, has_rows, register_arrow, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family
from ioscope.accounts.timezones import claimed_offsets
from ioscope.params import Param

__all__ = ["rhythm_signals", "REFERENCE_DAY", "implied_offsets"]

#: A typical human posting day (share per local hour 0..23): trough at 4-5 a.m., evening peak.
REFERENCE_DAY = np.array(
    [
        3.6,
        2.4,
        1.6,
        1.1,
        0.9,
        1.0,
        1.6,
        2.8,
        3.9,
        4.5,
        4.8,
        5.0,
        5.2,
        5.1,
        5.0,
        5.0,
        5.1,
        5.3,
        5.6,
        6.0,
        6.3,
        6.4,
        6.0,
        4.8,
    ]
)
OFFSETS = np.arange(-11, 13)  # candidate UTC offsets, hours
GAP_BINS = 14  # half-decade bins of log10(gap seconds + 1), 0..13

SIGNALS = (
    Signal(
        "implied_utc_offset",
        0,
        "hours",
        "UTC offset that best aligns the account's hour-of-"
        "day profile with a typical human day (assumes the account sleeps at night).",
    ),
    Signal(
        "tz_mismatch",
        +1,
        "hours",
        "Distance in hours between the implied UTC offset and the "
        "offset (range) the account's location, else its language, claims.",
    ),
    Signal(
        "hour_entropy",
        0,
        "0-1",
        "Normalized entropy of the hour-of-day profile: 1 = posts "
        "spread evenly around the clock, low = a few fixed hours.",
    ),
    Signal(
        "sleep_gap",
        0,
        "hours",
        "Longest run of consecutive quiet hours in the day (hours "
        "with under rhythm_quiet_share of the uniform rate): humans ~4-8, around-the-clock "
        "automation 0, one short daily shift long.",
    ),
    Signal(
        "weekend_share",
        -1,
        "share",
        "Share of posts on Saturday and Sunday in the claimed "
        "(else implied) local time: office schedules leave weekends empty (uniform = 0.29).",
    ),
    Signal(
        "gap_entropy",
        -1,
        "0-1",
        "Normalized entropy of the log-binned times between "
        "consecutive posts: low = posting at a fixed interval.",
    ),
    Signal(
        "burstiness",
        0,
        "-1..1",
        "Goh-Barabási burstiness of inter-post times: −1 periodic, 0 Poisson, towards 1 bursty.",
    ),
)
PARAMS = (
    Param("rhythm_min_posts", "int", 20, "Posts an account needs for rhythm signals.", min=2),
    Param(
        "rhythm_quiet_share",
        "float",
        0.25,
        "An hour is quiet when it has less than this fraction of the uniform hourly share.",
        min=0,
        max=1,
    ),
)


def implied_offsets(hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best UTC offset (hours) and its correlation for each row of an (n × 24) UTC-hour histogram.

    >>> day = np.roll(REFERENCE_DAY, -3)   # a human day lived at UTC+3
    >>> implied_offsets(day[None, :])[0].tolist()
    [3]
    """
    h = hours / np.maximum(hours.sum(axis=1, keepdims=True), 1)
    h = h - h.mean(axis=1, keepdims=True)
    ref = REFERENCE_DAY - REFERENCE_DAY.mean()
    # local[l] = utc[l - off]; score(off) = Σ_u h[u] · ref[(u + off) mod 24]
    m = np.stack([ref[(np.arange(24) + off) % 24] for off in OFFSETS], axis=1)
    scores = h @ m
    norm = np.linalg.norm(h, axis=1) * np.linalg.norm(ref)
    best = scores.argmax(axis=1)
    fit = np.where(norm > 0, scores[np.arange(len(h)), best] / np.where(norm > 0, norm, 1), 0.0)
    return OFFSETS[best], fit


def _longest_quiet_run(quiet: np.ndarray) -> np.ndarray:
    """Longest circular run of True per row of an (n × 24) boolean matrix (capped at 24)."""
    q = np.concatenate([quiet, quiet], axis=1)
    idx = np.arange(q.shape[1])
    last_loud = np.maximum.accumulate(np.where(~q, idx, -1), axis=1)
    return np.minimum((idx - last_loud).max(axis=1), 24)


def _entropy(counts: np.ndarray) -> np.ndarray:
    p = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=1)
    return e / np.log(counts.shape[1])


@register_family(
    "rhythm",
    signals=SIGNALS,
    params=PARAMS,
    sources=(
        "Golder & Macy, Science 333:1878, 2011",
        "Mueller, Report on the Investigation into Russian Interference, Vol. I, 2019",
        "Chu et al., IEEE TDSC 9(6), 2012",
        "Goh & Barabási, EPL 81, 2008",
    ),
)
def rhythm_signals(
    con: duckdb.DuckDBPyConnection, *, rhythm_min_posts: int, rhythm_quiet_share: float
) -> pa.Table:
    """Hour-of-week profile, implied versus claimed time zone, and regularity of posting."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _rh_acc AS
        SELECT platform, account_id, count(*) AS n,
               CAST(row_number() OVER (ORDER BY platform, account_id) - 1 AS BIGINT) AS idx
        FROM posts GROUP BY platform, account_id HAVING count(*) >= {int(rhythm_min_posts)}""")
    if not has_rows(con, "SELECT 1 FROM _rh_acc"):
        raise NotApplicable(f"no account has {rhythm_min_posts} posts")
    how = fetch_arrow(
        con,
        """
        SELECT a.idx, (isodow(p.created_at) - 1) * 24 + hour(p.created_at) AS how, count(*) AS n
        FROM posts p JOIN _rh_acc a USING (platform, account_id) GROUP BY ALL""",
    )
    n_acc = con.execute("SELECT count(*) FROM _rh_acc").fetchall()[0][0]
    week = np.zeros((n_acc, 168))
    np.add.at(week, (how["idx"].to_numpy(), how["how"].to_numpy()), how["n"].to_numpy())
    day = week.reshape(n_acc, 7, 24).sum(axis=1)

    implied, fit = implied_offsets(day)
    claimed_offsets(con)
    claim = fetch_arrow(
        con,
        """
        SELECT a.idx, c.lo, c.hi FROM _rh_acc a JOIN _claimed_offset c USING (platform, account_id)""",
    )
    lo = np.full(n_acc, np.nan)
    hi = np.full(n_acc, np.nan)
    lo[claim["idx"].to_numpy()] = claim["lo"].to_numpy()
    hi[claim["idx"].to_numpy()] = claim["hi"].to_numpy()
    mismatch = np.where(np.isnan(lo), np.nan, _distance_to_band(implied, lo, hi))

    narrow_claim = ~np.isnan(lo) & (hi - lo <= 3)
    local_off = np.where(narrow_claim, np.round((lo + hi) / 2), implied).astype(int)
    cols = (np.arange(168)[None, :] - local_off[:, None]) % 168
    local_week = np.take_along_axis(week, cols, axis=1)
    weekend = local_week[:, 120:].sum(axis=1) / np.maximum(week.sum(axis=1), 1)

    share = day / np.maximum(day.sum(axis=1, keepdims=True), 1)
    quiet = share < rhythm_quiet_share / 24
    per_acc = pa.table(
        {
            "idx": np.arange(n_acc),
            "implied": implied.astype(float),
            "fit": np.round(fit, 4),
            "claim_lo": lo,
            "claim_hi": hi,
            "tz_mismatch": mismatch,
            "hour_entropy": _entropy(day),
            "sleep_gap": _longest_quiet_run(quiet).astype(float),
            "weekend_share": weekend,
            "local_offset": local_off.astype(float),
            "day_profile": pa.array(day.astype(np.int64).tolist(), pa.list_(pa.int64())),
        }
    )
    register_arrow(con, "_rh_arrow", per_acc)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _rh_out AS SELECT * FROM _rh_arrow")
    finally:
        con.unregister("_rh_arrow")
    _gap_stats(con)
    return signal_rows(con, _OUTPUT_SQL)


def _distance_to_band(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Circular distance (hours, ≤ 12) from offsets x to the band [lo, hi]; 0 inside it."""

    def circ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = np.abs(a - b) % 24
        return np.minimum(d, 24 - d)

    inside = (
        ((x >= lo) & (x <= hi))
        | ((x - 24 >= lo) & (x - 24 <= hi))
        | ((x + 24 >= lo) & (x + 24 <= hi))
    )
    return np.where(inside, 0.0, np.minimum(circ(x, lo), circ(x, hi)))


def _gap_stats(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _rh_gaps AS
        WITH g AS (
            SELECT a.idx, epoch(p.created_at) - epoch(lag(p.created_at) OVER (
                       PARTITION BY p.platform, p.account_id ORDER BY p.created_at, p.post_id)) AS gap
            FROM posts p JOIN _rh_acc a USING (platform, account_id)),
        b AS (SELECT idx, least(CAST(floor(2 * log10(gap + 1)) AS INTEGER), {GAP_BINS - 1}) AS bin,
                     count(*) AS n
              FROM g WHERE gap IS NOT NULL GROUP BY ALL),
        e AS (SELECT idx, -sum(n / t * ln(n / t)) / ln({GAP_BINS}) AS gap_entropy
              FROM (SELECT *, sum(n) OVER (PARTITION BY idx) AS t FROM b) GROUP BY idx),
        m AS (SELECT idx, avg(gap) AS mu, stddev_pop(gap) AS sigma, median(gap) AS median_gap
              FROM g WHERE gap IS NOT NULL GROUP BY idx)
        SELECT m.idx, e.gap_entropy, m.median_gap,
               CASE WHEN m.sigma + m.mu > 0 THEN (m.sigma - m.mu) / (m.sigma + m.mu) END AS burstiness
        FROM m JOIN e USING (idx)""")


_OUTPUT_SQL = """
    WITH r AS (
        SELECT a.platform, a.account_id, a.n, o.*, g.gap_entropy, g.burstiness, g.median_gap,
               c.basis, c.claim
        FROM _rh_acc a JOIN _rh_out o USING (idx) LEFT JOIN _rh_gaps g USING (idx)
        LEFT JOIN _claimed_offset c USING (platform, account_id)),
    d AS (
        SELECT *, json_object('posts', n, 'utc_hour_profile', day_profile,
                              'implied_utc_offset', implied, 'fit', fit) AS profile
        FROM r)
    SELECT platform, account_id, 'implied_utc_offset' AS signal, implied AS value, profile AS detail
    FROM d
    UNION ALL
    SELECT platform, account_id, 'tz_mismatch', tz_mismatch,
           json_object('implied_utc_offset', implied, 'fit', fit, 'claimed_from', basis,
                       'claim', claim, 'claimed_utc_offset', [claim_lo, claim_hi], 'posts', n)
    FROM d WHERE tz_mismatch IS NOT NULL AND NOT isnan(tz_mismatch)
    UNION ALL
    SELECT platform, account_id, 'hour_entropy', hour_entropy, profile FROM d
    UNION ALL
    SELECT platform, account_id, 'sleep_gap', sleep_gap, profile FROM d
    UNION ALL
    SELECT platform, account_id, 'weekend_share', weekend_share,
           json_object('local_utc_offset', local_offset, 'posts', n) FROM d
    UNION ALL
    SELECT platform, account_id, 'gap_entropy', gap_entropy,
           json_object('median_gap_seconds', median_gap, 'posts', n) FROM d
    UNION ALL
    SELECT platform, account_id, 'burstiness', burstiness,
           json_object('median_gap_seconds', median_gap, 'posts', n) FROM d
"""
