"""Sentences that say why a cluster or an account is flagged, from aggregated evidence.

"41 accounts reposted the same 17 posts (230 of their posts), a median of 12 s apart (median
pair p = 3e-12, observed/expected 25×)." Every figure comes from one query over the significant
edges and their evidence rows (:mod:`ioscope.detect.significance.figures`); nothing here decides anything.
The sentences are plain text: renderers must escape them (items are user content).
"""

from __future__ import annotations

from ioscope.fmt import format_p, format_ratio, format_seconds

__all__ = [
    "p_equals",
    "p_test",
    "cluster_sentence",
    "member_sentence",
    "counted",
    "same",
    "apart",
    "strongest",
    "partners",
]


def _explanation(signal: str):
    """The signal's declared :class:`ioscope.detect.signals.base.Explanation`, or a neutral one
    for a name the registry does not hold."""
    from ioscope.detect.signals import SIGNALS
    from ioscope.detect.signals.base import Explanation

    found = SIGNALS.get(signal)
    if found is not None and found.explanation is not None:
        return found.explanation
    return Explanation(f"acted together ({signal}) on", "item", "items")


def counted(f: dict, key: str, one: str, many: str | None = None) -> str:
    """The figure ``key`` of ``f`` counted: '17 posts', or 'at least 17 posts' when the
    figures' evidence was cut (``truncated_edges``). ``many`` defaults to ``one``."""
    n = int(f[key] or 0)
    cut = "at least " if f.get("truncated_edges") else ""
    return f"{cut}{n:,} {one if n == 1 or many is None else many}"


def same(f: dict, one: str, many: str) -> str:
    """The figure ``items`` of ``f``: 'the same 17 posts', or 'at least 17 of the same posts'
    when the figures' evidence was cut."""
    n = int(f["items"] or 0)
    if f.get("truncated_edges"):
        return f"at least {n:,} of the same {many}"
    return f"the same {n:,} {one if n == 1 else many}"


def apart(f: dict) -> str:
    """', a median of 12 s apart' from the figures' ``median_dt_seconds`` ('' when unknown)."""
    dt = f.get("median_dt_seconds")
    return "" if dt is None else f", a median of {format_seconds(dt)} apart"


def strongest(f: dict, of: int, what: str) -> str:
    """', strongest at 10 min' after a multi-scale run (from the figures' ``scale_seconds``),
    with 'for 12 of 15 pairs' when only ``scale_edges`` of the ``of`` edges are strongest at that
    scale; '' after a single-window run."""
    scale = f.get("scale_seconds")
    if scale is None:
        return ""
    n = int(f.get("scale_edges") or 0)
    part = "" if n == of else f" for {n:,} of {of:,} {what}"
    return f", strongest at {format_seconds(scale)}{part}"


def p_equals(log10_p: float | None) -> str:
    """'p = 3e-12', or 'p < 1e-16' for a bound."""
    s = format_p(log10_p)
    return f"p {s}" if s.startswith("<") else f"p = {s}"


def _p_clause(account_test: str | None, which: str, log10_p: float, ratio: float | None) -> str:
    """The p-value with its observed/expected ratio, naming the test it comes from."""
    if account_test:
        return (
            f"{account_test} of the weaker account of "
            f"{'each' if which == 'median' else 'the'} "
            f"pair: {which} {p_equals(log10_p)}; shared items "
            f"{format_ratio(ratio)} the null's expectation"
        )
    return f"{which} pair {p_equals(log10_p)}, observed/expected {format_ratio(ratio)}"


def partners(f: dict) -> str:
    """'another member' or '12 other members', from a member's figures."""
    n = int(f["partners"])
    return "another member" if n == 1 else f"{n:,} other members"


def p_test(signal: str) -> str:
    """What a signal's p-value tests: 'accounts' (intersection–union of two account-level
    tests) or 'pair'."""
    return "accounts" if _explanation(signal).account_test else "pair"


def cluster_sentence(signal: str, f: dict) -> str:
    """The sentence of one signal of a cluster from its figures
    (:func:`ioscope.detect.significance.figures.cluster_figures_sql`)."""
    x = _explanation(signal)
    p = _p_clause(x.account_test, "median", f["median_log10_p"], f.get("median_observed_expected"))
    if x.cluster is not None:
        return x.cluster(f, p)
    return (
        f"{int(f['accounts']):,} accounts {x.verb} {same(f, x.one, x.many)} "
        f"({counted(f, 'posts', 'of their posts')}){apart(f)}"
        f"{strongest(f, int(f['edges']), 'pairs')} ({p})."
    )


def member_sentence(signal: str, f: dict) -> str:
    """The sentence of one signal of a flagged account from its figures
    (:func:`ioscope.detect.significance.figures.member_figures_sql`)."""
    x = _explanation(signal)
    p = _p_clause(x.account_test, "best", f["best_log10_p"], f.get("best_observed_expected"))
    if x.member is not None:
        return x.member(f, p)
    return (
        f"{x.verb[0].upper() + x.verb[1:]} {same(f, x.one, x.many)} as "
        f"{partners(f)} ({counted(f, 'posts', 'of its posts')}){apart(f)}"
        f"{strongest(f, int(f['partners']), 'partners')} ({p})."
    )
