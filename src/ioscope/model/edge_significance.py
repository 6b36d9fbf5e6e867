"""The significance columns appended to ``edges`` (declared in :mod:`ioscope.model.detect`).

Written by the calibrated pipeline (:mod:`ioscope.detect.significance.calibrated`), the default of
``ioscope detect``; NULL after a raw (``--raw``) or CNT-compatible run.
"""

from __future__ import annotations

from ioscope.model.table import Column as C

__all__ = ["SIGNIFICANCE_COLUMNS"]

SIGNIFICANCE_COLUMNS = (
    C(
        "expected",
        "DOUBLE",
        "Expected weight under the null model: who acts is shuffled within "
        "each stratum (a day by default), keeping every account's activity per stratum and every "
        "item's times; never below the floor, the base rate of co-action of the strata both "
        "accounts acted in (docs/signals.md, Significance).",
    ),
    C(
        "p_value",
        "DOUBLE",
        "P(weight ≥ observed, given weight ≥ min_weight) under the null (Poisson "
        "tail; creation_burst, promoted_amplification: the weaker of the two accounts' own tests); "
        "never below 2.2e-308, "
        "the smallest normal double (log10_p keeps the model's value).",
    ),
    C(
        "observed_expected",
        "DOUBLE",
        "weight / expected: how many times its expectation under the "
        "null the edge's weight is (shown beside every p-value).",
    ),
    C("log10_p", "DOUBLE", "log10 of the p-value, exact where p_value underflows."),
    C("q_value", "DOUBLE", "Benjamini–Hochberg adjusted p-value over the edges of every signal."),
    C("significant", "BOOLEAN", "q_value ≤ the run's false discovery rate (default 0.01)."),
    C(
        "similarity",
        "DOUBLE",
        "Cosine similarity of the two accounts' TF-IDF vectors over the "
        "signal's items (Pacheco et al., ICWSM 2021): popular items weigh little.",
    ),
)
