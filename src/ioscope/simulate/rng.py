"""Seeding: every component draws from its own generator, derived from the run seed and a key.

A component (the account population, organic chunk 7, campaign 3 in chunk 7, ...) gets
``component_rng(seed, "organic", 7)``; its draws never depend on how many numbers another component
used, so the output is a function of the seed and the knobs only, whatever the order of work.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["component_rng", "stable_int"]


def stable_int(key: int | str) -> int:
    """A 32-bit integer for ``key`` that is the same in every process (unlike ``hash``)."""
    if isinstance(key, (int, np.integer)):
        return int(key) & 0xFFFFFFFF
    return int.from_bytes(hashlib.sha256(str(key).encode()).digest()[:4], "little")


def component_rng(seed: int, *key: int | str) -> np.random.Generator:
    """The generator of one component, e.g. ``component_rng(42, "campaign", 3)``."""
    seq = np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(stable_int(k) for k in key))
    return np.random.Generator(np.random.PCG64(seq))
