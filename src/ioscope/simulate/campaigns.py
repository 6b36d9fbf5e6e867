"""Campaign timelines: every action of every campaign, who takes part and when.

A campaign acts through *actions*: a cue (a post to amplify, an article, a message template, a
hashtag game, a target post, a time bin) followed by its members' posts. The skeleton of all
actions — authors, times, kinds, targets — is drawn up front (it is small: integers only), which
fixes the exact number of campaign posts before anything is written. The text is produced later,
chunk by chunk, by :mod:`ioscope.simulate.strategies`.

Evasion knobs act here: ``participation`` (each member joins each action with this probability),
``jitter`` (members act after an exponential delay with this mean), ``tempo`` (members act one
after another, this far apart on average: a scheduler or shift work rather than one script),
``campaign_events`` (how many actions) and the campaign size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ioscope.simulate.anchors import Anchors
from ioscope.simulate.batch import POST, REPLY, REPOST
from ioscope.simulate.campaign_plan import CampaignPlan
from ioscope.simulate.clock import Period, sample_times
from ioscope.simulate.population import OUTLET, PROMINENT, SOURCE, Population

__all__ = ["Skeleton", "plan_skeleton"]

_MIN = 60_000


@dataclass
class Skeleton:
    """All posts of one campaign as integers; ``lead`` posts are cues others may repost."""

    action_t: np.ndarray
    action_target: np.ndarray  # anchor row the action reacts to, -1 = none
    action_key: np.ndarray  # strategy-specific (article, template, tag sequence)
    action: np.ndarray  # per post
    author: np.ndarray
    t: np.ndarray
    kind: np.ndarray
    lead: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def n_actions(self) -> int:
        return len(self.action_t)

    def __len__(self) -> int:
        return len(self.author)


def _anchor_rows_in(
    anchors: Anchors, lo: int, hi: int, authors: np.ndarray | None = None
) -> np.ndarray:
    ok = (anchors.t >= lo) & (anchors.t < hi)
    if authors is not None:
        ok &= np.isin(anchors.author, authors)
    return np.flatnonzero(ok)


def _participants(
    rng: np.random.Generator, pool: np.ndarray, n_actions: int, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """(action, member) of every participation; at least one member per action."""
    take = rng.random((n_actions, len(pool))) < p
    none = ~take.any(axis=1)
    take[none, rng.integers(0, len(pool), int(none.sum()))] = True
    a, m = np.nonzero(take)
    return a, pool[m]


def _n_actions(budget: int, per_action: float, lo: int = 3, events: int = 0) -> int:
    if events:
        return events
    return max(lo, int(round(budget / max(per_action, 1e-9))))


def _in_turn(rng: np.random.Generator, a: np.ndarray, tempo_ms: float) -> np.ndarray:
    """Delays (ms) of participations ``a`` (action per row) when members act in turn: within
    each action, in a random order, each gap uniform in [0.5, 1.5] × tempo."""
    if tempo_ms <= 0 or len(a) == 0:
        return np.zeros(len(a), np.int64)
    order = np.lexsort((rng.random(len(a)), a))
    gaps = rng.uniform(0.5, 1.5, len(a)) * tempo_ms
    first = np.r_[True, a[order][1:] != a[order][:-1]]
    gaps[first] = 0.0
    csum = np.cumsum(gaps)
    starts = np.maximum.accumulate(np.where(first, np.arange(len(a)), 0))
    out = np.empty(len(a), np.int64)
    out[order] = (csum - csum[starts]).astype(np.int64)
    return out


def _cue_times(rng: np.random.Generator, plan: CampaignPlan, period: Period, n: int) -> np.ndarray:
    t = sample_times(
        rng,
        period,
        np.full(n, plan.clock_offset_min),
        0.0,
        plan.schedule,
        window_ms=(np.full(n, plan.start_ms), np.full(n, plan.end_ms)),
    )
    return np.sort(t)


def plan_skeleton(
    rng: np.random.Generator, plan: CampaignPlan, pop: Population, anchors: Anchors, period: Period
) -> Skeleton:
    """The campaign's actions and posts; times stay inside the period."""
    sk = _plan(rng, plan, pop, anchors, period)
    sk.t = np.minimum(sk.t, period.end_ms - 1)
    return sk


def _plan(
    rng: np.random.Generator, plan: CampaignPlan, pop: Population, anchors: Anchors, period: Period
) -> Skeleton:
    s, m, p, ev = plan.strategy, plan.members, plan.participation, plan.events
    jitter_ms = plan.jitter_s * 1000.0
    tempo_ms = plan.tempo_s * 1000.0

    def lag(n: int, base_lo: float = 2.0, base_hi: float = 60.0) -> np.ndarray:
        return (
            (rng.uniform(base_lo, base_hi, n) * 1000) + rng.exponential(max(jitter_ms, 1), n)
        ).astype(np.int64)

    def turn(a: np.ndarray) -> np.ndarray:
        return _in_turn(rng, a, tempo_ms)

    if s in ("co_repost", "paid_promotion"):
        k = max(1, min(5, plan.size // 15))
        plan.sources = m[:k]
        pop.role[plan.sources] = SOURCE
        amp = m[k:] if len(m) > k else m
        n_act = _n_actions(plan.budget, 1 + p * len(amp), 2, ev)
        action_t = _cue_times(rng, plan, period, n_act)
        target = np.full(n_act, -1, np.int64)
        if s == "co_repost":
            # some cues are posts of one or two favoured outlets (state media, friendly sites)
            outlets = pop.of_role(OUTLET)
            fav = rng.choice(outlets, size=min(2, len(outlets)), replace=False)
            plan.details["amplified_outlets"] = fav
            rows = _anchor_rows_in(anchors, plan.start_ms, plan.end_ms, fav)
            use = (rng.random(n_act) < 0.3) & (len(rows) > 0)
            if use.any():
                k_use = int(use.sum())
                target[use] = rng.choice(rows, size=k_use, replace=k_use > len(rows))
                action_t[use] = anchors.t[target[use]] + rng.integers(
                    _MIN, 20 * _MIN, int(use.sum())
                )
        lead_author = rng.choice(plan.sources, size=n_act)
        a, who = _participants(rng, amp, n_act, p)
        if s == "co_repost":
            t = action_t[a] + lag(len(a)) + turn(a)
        else:  # paid promotion: the members' reposts trail the promoted post by hours
            t = action_t[a] + (7_200_000 * np.exp(rng.standard_normal(len(a)))).astype(np.int64)
        leads = np.flatnonzero(target < 0)
        action = np.r_[leads, a]
        return Skeleton(
            action_t,
            target,
            np.zeros(n_act, np.int64),
            action,
            np.r_[lead_author[leads], who],
            np.r_[action_t[leads], t],
            np.r_[np.full(len(leads), POST), np.full(len(a), REPOST)].astype(np.int8),
            np.r_[np.ones(len(leads), bool), np.zeros(len(a), bool)],
        )

    if s in ("link_amplification", "copypasta", "synchronized_posting"):
        n_act = _n_actions(plan.budget, p * len(m), events=ev)
        action_t = _cue_times(rng, plan, period, n_act)
        a, who = _participants(rng, m, n_act, p)
        if s == "synchronized_posting":  # the same short bin, nothing shared
            t = action_t[a] + (rng.random(len(a)) * max(2 * jitter_ms, 10_000)).astype(np.int64)
        else:
            t = action_t[a] + lag(len(a), 0.0, 20.0) + turn(a)
        key = rng.integers(0, 2**31, n_act)
        if s == "link_amplification":
            # a quarter of the cues push a mainstream article, the rest the campaign's own sites
            key = np.where(rng.random(n_act) < 0.25, -1 - (key % 1000), key)
        return Skeleton(
            action_t,
            np.full(n_act, -1, np.int64),
            key,
            a,
            who,
            t,
            np.full(len(a), POST, np.int8),
            np.zeros(len(a), bool),
        )

    if s == "hashtag_flooding":
        n_act = _n_actions(plan.budget, p * len(m) * 2.0, events=ev)
        action_t = _cue_times(rng, plan, period, n_act)
        a, who = _participants(rng, m, n_act, p)
        reps = rng.integers(1, 4, len(a))  # flooding: 1-3 posts per member and game
        a, who = np.repeat(a, reps), np.repeat(who, reps)
        j = np.concatenate([np.arange(r) for r in reps]) if len(reps) else np.zeros(0, int)
        t = (
            action_t[a]
            + lag(len(a), 0.0, 20.0)
            + turn(a)
            + (j * rng.uniform(30, 180, len(a)) * 1000).astype(np.int64)
        )
        return Skeleton(
            action_t,
            np.full(n_act, -1, np.int64),
            np.arange(n_act),
            a,
            who,
            t,
            np.full(len(a), POST, np.int8),
            np.zeros(len(a), bool),
        )

    if s == "reply_swarm":
        prominent = np.r_[pop.of_role(PROMINENT), pop.of_role(OUTLET)]
        w = pop.followers[prominent].astype(float)
        targets = rng.choice(prominent, size=min(3, len(prominent)), replace=False, p=w / w.sum())
        rows = _anchor_rows_in(anchors, plan.start_ms, plan.end_ms, targets)
        n_act = _n_actions(plan.budget, p * len(m), events=ev)
        if len(rows) < n_act:  # not enough posts of the chosen targets: widen to anyone prominent
            more = _anchor_rows_in(anchors, plan.start_ms, plan.end_ms, prominent)
            rows = np.union1d(rows, more) if len(more) else rows
        if not len(rows):
            rows = np.arange(anchors.n)
        target = np.sort(rng.choice(rows, size=min(n_act, len(rows)), replace=False))
        plan.targets = np.unique(anchors.author[target])
        n_act = len(target)
        action_t = anchors.t[target] + rng.integers(_MIN, 15 * _MIN, n_act)
        a, who = _participants(rng, m, n_act, p)
        t = action_t[a] + lag(len(a), 0.0, 30.0) + turn(a)
        return Skeleton(
            action_t,
            target,
            np.zeros(n_act, np.int64),
            a,
            who,
            t,
            np.full(len(a), REPLY, np.int8),
            np.zeros(len(a), bool),
        )

    if s == "creation_burst":
        # no synchronization at all: the signal is in the accounts (creation, handles, renames)
        n = max(len(m), plan.budget)
        w = (1 - rng.random(len(m))) ** (-1 / 1.5)
        who = rng.choice(m, size=n, p=w / w.sum())
        t = sample_times(
            rng,
            period,
            np.full(n, plan.clock_offset_min),
            pop.shift_h[who],
            plan.schedule,
            window_ms=(np.full(n, plan.start_ms), np.full(n, plan.end_ms)),
        )
        t = np.maximum(t, pop.created_ms[who] + 3_600_000)
        order = np.argsort(t, kind="stable")
        who, t = who[order], t[order]
        target = np.full(n, -1, np.int64)
        rows = _anchor_rows_in(anchors, plan.start_ms, plan.end_ms)
        rep = (rng.random(n) < 0.3) & (len(rows) > 0)
        if rep.any():
            target[rep] = rng.choice(rows, size=int(rep.sum()))
            # an account reposts a post once: later draws of the same pair become own posts
            key = np.where(rep, target * pop.n + who, -1 - np.arange(n))
            _, first = np.unique(key, return_index=True)
            again = np.ones(n, bool)
            again[first] = False
            rep &= ~again
            target[~rep] = -1
            t[rep] = np.maximum(t[rep], anchors.t[target[rep]] + _MIN)
        kind = np.where(rep, REPOST, POST).astype(np.int8)
        return Skeleton(
            t, target, np.zeros(n, np.int64), np.arange(n), who, t, kind, np.zeros(n, bool)
        )

    raise ValueError(f"unknown strategy {s!r}")
