"""Sentences that say why a cluster or an account is flagged, from aggregated evidence.

"41 accounts reposted the same 17 posts (230 of their posts), a median of 12 s apart (median
pair p = 3e-12, observed/expected 25×)." Every figure comes from one query over the significant
edges and their evidence rows (:mod:`ioscope.detect.significance.figures`); nothing here decides anything.
The sentences are plain text: renderers must escape them (items are user content).
"""

from __future__ import annotations

import math

__all__ = ["P_PRINT_MIN", "format_p", "format_p_value", "format_ratio", "format_seconds",
           "p_equals", "p_test", "cluster_sentence", "member_sentence", "counted", "same", "apart",
           "partners"]


def _explanation(signal: str):
    """The signal's declared :class:`ioscope.detect.signals.base.Explanation`, or a neutral one
    for a name the registry does not hold."""
    from ioscope.detect.signals import SIGNALS
    from ioscope.detect.signals.base import Explanation

    found = SIGNALS.get(signal)
    if found is not None and found.explanation is not None:
        return found.explanation
    return Explanation(f"acted together ({signal}) on", "item", "items")


#: Smallest p-value printed as a number. Below it a p-value is printed as a bound: a Poisson
#: tail that far out says more about the model than about the data, and double precision
#: (ε ≈ 2.2e-16) holds no digit of 1 − p there.
P_PRINT_MIN = 1e-16

def format_p(log10_p: float | None) -> str:
    """'3e-12' from log10 p = −11.5; '< 1e-16' below :data:`P_PRINT_MIN`; '1' at the top.
    The one formatter of p- and q-values for the CLI, the report and the UI."""
    if log10_p is None or math.isnan(log10_p):
        return "n/a"
    if log10_p < math.log10(P_PRINT_MIN) - 0.5:
        return f"< {P_PRINT_MIN:.0e}".replace("e-0", "e-")
    p = 10.0 ** log10_p
    return "1" if p >= 0.9995 else (f"{p:.2g}" if p >= 1e-3 else f"{p:.0e}").replace("e-0", "e-")


def format_p_value(p: float | None) -> str:
    """:func:`format_p` of a p-value (not its log10); 0 (an underflow) reads '< 1e-16'."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    p = float(p)
    return format_p(math.log10(p) if p > 0 else -math.inf)


def format_ratio(x: float | None) -> str:
    """An observed/expected ratio: '41×', '2.5×', '0.8×'."""
    if x is None or math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞×"
    if x >= 1e6:
        return f"{x:.1e}×".replace("e+0", "e").replace("e+", "e")
    return f"{x:,.0f}×" if x >= 10 else f"{x:.1f}×"


def format_seconds(s: float | None) -> str:
    if s is None or math.isnan(s):
        return "n/a"
    s = abs(float(s))
    if s < 90:
        return f"{s:.0f} s" if s >= 1 else f"{s:.1f} s"
    if s < 5400:
        return f"{s / 60:.1f} min".replace(".0 min", " min")
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h".replace(".0 h", " h")
    return f"{s / 86400:.1f} days".replace(".0 days", " days")


def counted(n: int | None, one: str, many: str, truncated: bool = False) -> str:
    """'17 posts', or 'at least 17 posts' when evidence was cut."""
    n = int(n or 0)
    return f"{'at least ' if truncated else ''}{n:,} {one if n == 1 else many}"


def same(n: int | None, one: str, many: str, truncated: bool = False) -> str:
    """'the same 17 posts', or 'at least 17 of the same posts' when evidence was cut."""
    n = int(n or 0)
    if truncated:
        return f"at least {n:,} of the same {many}"
    return f"the same {n:,} {one if n == 1 else many}"


def apart(dt: float | None, what: str = "") -> str:
    return "" if dt is None else f", {what}a median of {format_seconds(dt)} apart"


def p_equals(log10_p: float | None) -> str:
    """'p = 3e-12', or 'p < 1e-16' for a bound."""
    s = format_p(log10_p)
    return f"p {s}" if s.startswith("<") else f"p = {s}"


def _p_clause(account_test: str | None, which: str, log10_p: float, ratio: float | None) -> str:
    """The p-value with its observed/expected ratio, naming the test it comes from."""
    if account_test:
        return (f"{account_test} of the weaker account of "
                f"{'each' if which == 'median' else 'the'} "
                f"pair: {which} {p_equals(log10_p)}; shared items "
                f"{format_ratio(ratio)} the null's expectation")
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
    cut = bool(f.get("truncated_edges"))
    x = _explanation(signal)
    p = _p_clause(x.account_test, "median", f["median_log10_p"], f.get("median_observed_expected"))
    if x.cluster is not None:
        return x.cluster(f, p)
    return (f"{int(f['accounts']):,} accounts {x.verb} {same(f['items'], x.one, x.many, cut)} "
            f"({counted(f['posts'], 'of their posts', 'of their posts', cut)})"
            f"{apart(f.get('median_dt_seconds'))} "
            f"({p}).")


def member_sentence(signal: str, f: dict) -> str:
    """The sentence of one signal of a flagged account from its figures
    (:func:`ioscope.detect.significance.figures.member_figures_sql`)."""
    cut = bool(f.get("truncated_edges"))
    x = _explanation(signal)
    p = _p_clause(x.account_test, "best", f["best_log10_p"], f.get("best_observed_expected"))
    if x.member is not None:
        return x.member(f, p)
    own = counted(f["posts"], "of its posts", "of its posts", cut)
    return (f"{x.verb[0].upper() + x.verb[1:]} {same(f['items'], x.one, x.many, cut)} as "
            f"{partners(f)} ({own}){apart(f.get('median_dt_seconds'))} ({p}).")
