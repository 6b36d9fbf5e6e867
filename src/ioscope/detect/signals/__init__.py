"""The registry of signals: ``SIGNALS[name]`` is a :class:`ioscope.detect.signals.base.Signal`.

>>> from ioscope.detect.signals import SIGNALS
>>> list(SIGNALS)[:3]
['co_repost', 'co_link', 'co_reply']
"""

from __future__ import annotations

from ioscope.detect.signals import (co_hashtag, co_link, co_media, co_mention, co_reply, co_repost,
                                    co_text, creation_burst, hashtag_sequence, near_duplicate_text,
                                    promoted_amplification, synchronized)
from ioscope.detect.signals.base import Signal
from ioscope.errors import ParameterError

__all__ = ["SIGNALS", "default_signals", "get_signal"]

SIGNALS: dict[str, Signal] = {s.name: s for s in (
    co_repost.SIGNAL,
    co_link.SIGNAL,
    co_reply.SIGNAL,
    co_mention.SIGNAL,
    co_hashtag.SIGNAL,
    co_media.SIGNAL,
    hashtag_sequence.SIGNAL,
    co_text.SIGNAL,
    near_duplicate_text.SIGNAL,
    synchronized.SIGNAL,
    creation_burst.SIGNAL,
    promoted_amplification.SIGNAL,
    co_link.DOMAIN_SIGNAL,
)}


def default_signals(compat: str | None = None) -> list[str]:
    """The signals ``detect`` runs when none are named (in compat mode: those it supports)."""
    if compat:
        return [n for n, s in SIGNALS.items() if compat in s.compat]
    return [n for n, s in SIGNALS.items() if s.default]


def get_signal(name: str) -> Signal:
    try:
        return SIGNALS[name]
    except KeyError:
        raise ParameterError(f"There is no signal {name!r}. Signals: {', '.join(SIGNALS)}.",
                             hint="See docs/signals.md or `ioscope detect --help`.") from None
