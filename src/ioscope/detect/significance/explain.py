"""Sentences that say why a cluster or an account is flagged, from aggregated evidence.

"41 accounts reposted the same 17 posts (230 of their posts), a median of 12 s apart (median
pair p = 3e-12, observed/expected 25×)." Every figure comes from one query over the significant
edges and their evidence rows (:mod:`ioscope.detect.significance.figures`); nothing here decides anything.
The sentences are plain text: renderers must escape them (items are user content).
"""

from __future__ import annotations

import math

__all__ = ["PHRASES", "ACCOUNT_LEVEL", "P_PRINT_MIN", "format_p", "format_p_value", "format_ratio",
           "format_seconds", "p_equals", "cluster_sentence", "member_sentence"]

#: signal → (verb, singular noun, plural noun) for "N accounts <verb> the same K <nouns>".
PHRASES: dict[str, tuple[str, str, str]] = {
    "co_repost": ("reposted", "post", "posts"),
    "co_link": ("shared", "link", "links"),
    "co_domain": ("shared links to", "domain", "domains"),
    "co_reply": ("replied to", "post", "posts"),
    "co_mention": ("mentioned", "account", "accounts"),
    "co_hashtag": ("used", "hashtag", "hashtags"),
    "co_media": ("posted", "media item", "media items"),
    "hashtag_sequence": ("posted", "hashtag sequence", "hashtag sequences"),
    "co_text": ("posted", "text", "texts"),
    "near_duplicate_text": ("posted near-identical copies of", "text", "texts"),
    "synchronized": ("were active in", "time bin", "time bins"),
    "creation_burst": ("were created in one burst and used", "item", "items"),
    "promoted_amplification": ("amplified", "promoted post", "promoted posts"),
}


def _phrase(signal: str) -> tuple[str, str, str]:
    return PHRASES.get(signal, (f"acted together ({signal}) on", "item", "items"))


#: Smallest p-value printed as a number. Below it a p-value is printed as a bound: a Poisson
#: tail that far out says more about the model than about the data, and double precision
#: (ε ≈ 2.2e-16) holds no digit of 1 − p there.
P_PRINT_MIN = 1e-16

#: Signals whose edge p-value is the weaker of two account-level tests (intersection–union),
#: not a test of the pair → the name of the account-level test.
ACCOUNT_LEVEL: dict[str, str] = {"creation_burst": "burst test",
                                 "promoted_amplification": "paid-amplification test"}


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


def _n(n: int | None, one: str, many: str, truncated: bool = False) -> str:
    n = int(n or 0)
    return f"{'at least ' if truncated else ''}{n:,} {one if n == 1 else many}"


def _same(n: int | None, one: str, many: str, truncated: bool = False) -> str:
    """'the same 17 posts', or 'at least 17 of the same posts' when evidence was cut."""
    n = int(n or 0)
    if truncated:
        return f"at least {n:,} of the same {many}"
    return f"the same {n:,} {one if n == 1 else many}"


def _apart(dt: float | None, what: str = "") -> str:
    return "" if dt is None else f", {what}a median of {format_seconds(dt)} apart"


def p_equals(log10_p: float | None) -> str:
    """'p = 3e-12', or 'p < 1e-16' for a bound."""
    s = format_p(log10_p)
    return f"p {s}" if s.startswith("<") else f"p = {s}"


def _p_clause(signal: str, which: str, log10_p: float, ratio: float | None) -> str:
    """The p-value with its observed/expected ratio, naming the test it comes from."""
    if signal in ACCOUNT_LEVEL:
        return (f"{ACCOUNT_LEVEL[signal]} of the weaker account of "
                f"{'each' if which == 'median' else 'the'} "
                f"pair: {which} {p_equals(log10_p)}; shared items "
                f"{format_ratio(ratio)} the null's expectation")
    return f"{which} pair {p_equals(log10_p)}, observed/expected {format_ratio(ratio)}"


def _span(first, last) -> str:
    if first is None or last is None:
        return "with unknown creation dates"
    days = (last - first).total_seconds()
    if days < 86400 and first.date() == last.date():
        return f"created on {first:%Y-%m-%d}"
    return (f"created between {first:%Y-%m-%d} and {last:%Y-%m-%d} (creation dates spanning "
            f"{format_seconds(days)})")


def cluster_sentence(signal: str, f: dict) -> str:
    """The sentence of one signal of a cluster from its figures
    (:func:`ioscope.detect.significance.figures.cluster_figures_sql`)."""
    cut = bool(f.get("truncated_edges"))
    accounts = f"{int(f['accounts']):,} accounts"
    p = _p_clause(signal, "median", f["median_log10_p"], f.get("median_observed_expected"))
    if signal == "near_duplicate_text":
        return (f"{accounts} posted near-identical texts: {_n(f['posts'], 'post', 'posts', cut)}, "
                f"{_n(f['texts'], 'distinct text', 'distinct texts', cut)}"
                f"{_apart(f.get('median_dt_seconds'))} ({p}).")
    if signal == "creation_burst":
        return (f"{accounts} {_span(f.get('first_created'), f.get('last_created'))} used "
                f"{_same(f['items'], 'item', 'items', cut)} (hashtags, links, reposted posts; "
                f"{_n(f['posts'], 'post', 'posts', cut)}); their first uses of a shared item "
                f"were a median of {format_seconds(f.get('median_dt_seconds'))} apart ({p}).")
    verb, one, many = _phrase(signal)
    return (f"{accounts} {verb} {_same(f['items'], one, many, cut)} "
            f"({_n(f['posts'], 'of their posts', 'of their posts', cut)})"
            f"{_apart(f.get('median_dt_seconds'))} "
            f"({p}).")


def member_sentence(signal: str, f: dict) -> str:
    """The sentence of one signal of a flagged account from its figures
    (:func:`ioscope.detect.significance.figures.member_figures_sql`)."""
    cut = bool(f.get("truncated_edges"))
    partners = int(f["partners"])
    who = "another member" if partners == 1 else f"{partners:,} other members"
    p = _p_clause(signal, "best", f["best_log10_p"], f.get("best_observed_expected"))
    own = _n(f["posts"], "of its posts", "of its posts", cut)
    if signal == "near_duplicate_text":
        return (f"Posted near-identical texts with {who}: {own}, "
                f"{_n(f['texts'], 'distinct text', 'distinct texts', cut)}"
                f"{_apart(f.get('median_dt_seconds'))} ({p}).")
    if signal == "creation_burst":
        made = f.get("created_at")
        made = f"Created on {made:%Y-%m-%d}" if made is not None else "Created"
        return (f"{made}, in one burst with {who}, and used "
                f"{_same(f['items'], 'item', 'items', cut)} (hashtags, links, reposted posts; "
                f"{own}); first uses a median of {format_seconds(f.get('median_dt_seconds'))} "
                f"apart ({p}).")
    verb, one, many = _phrase(signal)
    return (f"{verb[0].upper() + verb[1:]} {_same(f['items'], one, many, cut)} as {who} "
            f"({own}){_apart(f.get('median_dt_seconds'))} ({p}).")
