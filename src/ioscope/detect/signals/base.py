"""What a signal is: a declaration (name, paper, parameters) and the SQL that makes its actions.

An *action* is one ``(platform, account_id, item, t, post_id)`` fact: account A acted on item I at
time t (epoch seconds) with post P. A co-action signal links two accounts that acted on the same
item within the window; the generic engine in :mod:`ioscope.detect.engine.coaction` does the rest.

Everything the generic code needs to know about a signal is declared on its :class:`Signal`:
how explanations word it (:class:`Explanation`), what its null model is built from
(:class:`Null`), the engines that run it, the temporary tables it leaves for the significance
tests (``shares``) and its own account-level test if any. The pipeline, the significance tests,
the explanations and the engines read these declarations and never name a signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ioscope.params import Param

__all__ = [
    "Signal",
    "Explanation",
    "Null",
    "GENERIC_PARAMS",
    "HOT_POLICIES",
    "COMPAT_MODES",
    "ENGINES",
]

HOT_POLICIES = ("skip", "cap", "keep")
COMPAT_MODES = ("cnt",)
#: The engines a signal may run on (:mod:`ioscope.detect.engine`).
ENGINES = ("duckdb", "spark")

#: Parameters every co-action signal has. A signal may change their defaults (``Signal.defaults``).
GENERIC_PARAMS = (
    Param(
        "window",
        "duration",
        "60s",
        "Largest time difference between two actions on the same "
        "item that still counts as acting together (Δt = window counts).",
        min=1,
    ),
    Param("min_weight", "int", 2, "Keep edges whose weight is at least this.", min=1),
    Param(
        "hot_items",
        "choice",
        "skip",
        "What to do with hot cells (an item with more than "
        "max_item_actions actions in one window-sized time bucket): skip them, cap them to the "
        "earliest max_item_actions actions, or keep them.",
        choices=HOT_POLICIES,
    ),
    Param(
        "max_item_actions",
        "int",
        1000,
        "Actions of one item in one time bucket above which the cell is hot (0: no limit).",
        min=0,
    ),
    Param(
        "max_evidence", "int", 100, "Evidence rows kept per edge, earliest first (0: all).", min=0
    ),
)


@dataclass(frozen=True)
class Explanation:
    """How explanations word a signal: "41 accounts <verb> the same 17 <many> (…)".

    ``account_test`` names the account-level test when the signal's edge p-value is the weaker
    of its two accounts' p-values (intersection–union), not a test of the pair. ``cluster`` and
    ``member`` replace the standard sentences: ``cluster(figures, p)`` and
    ``member(figures, p)`` get the figures of
    :func:`ioscope.detect.significance.figures.cluster_figures_sql` (or
    ``member_figures_sql``) and the p-value clause, and return the sentence.
    """

    verb: str
    one: str = "item"
    many: str = "items"
    account_test: str | None = None
    cluster: Callable[[dict, str], str] | None = None
    member: Callable[[dict, str], str] | None = None


@dataclass(frozen=True)
class Null:
    """What the calibrated pipeline's null model of one signal is built from.

    ``actions``: SQL of (aid, item, t), the very actions the edges were built from; ``window``:
    the co-action window of the null in seconds (None: the whole period); ``items``: (aid,
    item) for the TF-IDF similarity (default ``actions``); ``temps``: temporary tables the hook
    made, dropped once the signal's edges are tested.
    """

    actions: str
    window: float | None
    items: str | None = None
    temps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signal:
    """A registered signal.

    ``actions(p, compat)`` returns a SELECT over the canonical tables with the columns
    ``platform, account_id, item, t, post_id``; ``p`` holds the validated parameters.
    ``windowed`` False means the item already encodes time (a day, a time bin), so accounts are
    paired on the item alone. ``pairs`` replaces the generic pairing (near_duplicate_text);
    ``finish`` may score or filter the edges afterwards (synchronized). ``test`` replaces the
    calibrated pipeline's per-edge test (creation_burst tests accounts against their burst):
    ``test(con, p, stratum=, n_accounts=)`` returns a
    :class:`ioscope.detect.significance.edge_tests.EdgeTests` for the signal's edges.

    What the generic code reads: ``explanation`` (the words of its sentences); ``null(con, p)``
    (a :class:`Null`, default: the engine's actions, at the signal's window); ``timing`` True
    for signals without shared content, whose null uses the short timing stratum; ``engines``
    that run it, and ``engine_note`` saying why one is missing; ``shares``, the temporary tables
    besides the engine's own that its ``null`` or ``test`` read; ``calibrated_defaults``, values
    of its own parameters the calibrated pipeline sets unless the caller does (a filter on
    anything but the tested count would select edges in a way the p-values do not account
    for); ``order``, its place in the registry (and so in outputs; ties by name).
    """

    name: str
    summary: str
    paper: str
    actions: Callable[[dict[str, Any], str | None], str] | None
    params: tuple[Param, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)
    windowed: bool = True
    default: bool = True
    compat: tuple[str, ...] = ()
    pairs: Callable[..., dict[str, int]] | None = None
    finish: Callable[..., dict[str, int]] | None = None
    test: Callable[..., Any] | None = None
    explanation: Explanation | None = None
    null: Callable[[Any, dict[str, Any]], Null] | None = None
    timing: bool = False
    engines: tuple[str, ...] = ENGINES
    engine_note: str = ""
    shares: tuple[str, ...] = ()
    calibrated_defaults: dict[str, Any] = field(default_factory=dict)
    order: int = 1000

    @property
    def spec(self) -> tuple[Param, ...]:
        """Every parameter of the signal: the generic ones (with its defaults), then its own."""
        generic = tuple(
            Param(
                p.name,
                p.kind,
                self.defaults.get(p.name, p.default),
                p.help,
                p.min,
                p.max,
                p.choices,
            )
            for p in GENERIC_PARAMS
            if self.windowed or p.name != "window"
        )
        return generic + self.params
