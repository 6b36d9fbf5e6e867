"""Account signals and a classifier trained on the labels users bring.

Each family module computes a few signals per account from the canonical tables (creation bursts,
rhythm and time zone, language, clients, identity, content diet, audience counts, network
position). :func:`compute_signals` writes them to ``account_signals`` with their raw value, a
robust z-score and the evidence; :func:`train` fits a gradient-boosted classifier on labelled
accounts with grouped cross-validation; :func:`score` ranks every account, with or without a
trained model. See docs/accounts.md.

>>> from ioscope.accounts import FAMILIES
>>> list(FAMILIES)[:3]
['creation', 'rhythm', 'language']
"""

from __future__ import annotations

# Family modules register themselves, in this order (the order of features and of the docs).
# isort: off
from ioscope.accounts import creation, rhythm, language, clients, identity, content  # noqa: F401
from ioscope.accounts import audience, network  # noqa: F401
from ioscope.accounts import profile_image, handles  # noqa: F401

# isort: on
from ioscope.accounts.compute import SignalReport, compute_signals
from ioscope.accounts.evaluate import evaluate_scores, flagged_accounts
from ioscope.accounts.labels import read_labels, resolve_labels
from ioscope.accounts.registry import FAMILIES, SIGNALS, Family, Signal
from ioscope.accounts.scoring import ScoreReport, account_scores, score
from ioscope.accounts.training import TrainReport, train

__all__ = [
    "FAMILIES",
    "SIGNALS",
    "Family",
    "Signal",
    "SignalReport",
    "compute_signals",
    "train",
    "TrainReport",
    "score",
    "ScoreReport",
    "account_scores",
    "evaluate_scores",
    "flagged_accounts",
    "read_labels",
    "resolve_labels",
]
