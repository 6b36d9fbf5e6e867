"""The significance part of docs/signals.md (appended by :mod:`ioscope.detect.docs`)."""

from __future__ import annotations

import re

from ioscope.detect.measured_docs import NUM, RESULTS, number
from ioscope.params import describe

__all__ = ["significance_markdown", "measured_markdown", "parse_quality", "QUALITY"]

#: The quoted run of benchmarks/bench_detect_quality.py, recorded verbatim.
QUALITY = "detect_quality_1m.txt"
#: The same benchmark on another seed (both cases).
QUALITY_SEED2 = "detect_quality_1m_seed2.txt"
def parse_quality(text: str) -> dict:
    """Commit, loads, per case: wall/CPU seconds, flagged share, precision, recall, strategies."""
    out: dict = {"commit": re.search(r"ioscope commit (\w+)", text)[1],
                 "load_before": number(re.search(rf"load average {NUM}\n", text)[1]),
                 "load_after": number(re.search(rf"load average after: {NUM}", text)[1])}
    for case, part in re.findall(r"== (\w+): (.*?)(?=\n== |\nload average after)", text, re.S):
        c = {"accounts": int(number(re.search(rf"posts, {NUM} accounts", part)[1]))}
        m = re.search(rf"calibrated detect: {NUM} s wall, {NUM} s CPU", part)
        c["wall"], c["cpu"] = number(m[1]), number(m[2])
        m = re.search(rf"flagged: {NUM} accounts = {NUM} of all", part)
        c["flagged"], c["share"] = int(number(m[1])), number(m[2])
        m = re.search(rf"accounts: precision {NUM}, recall {NUM}", part)
        if m:
            c["precision"], c["recall"] = number(m[1]), number(m[2])
        m = re.search(r"recall by strategy: (.*)", part)
        if m:
            c["strategies"] = {k: (int(a), int(b)) for k, a, b in
                               re.findall(r"(\w+) (\d+)/(\d+)", m[1])}
        out[case] = c
    return out


def _second_seed() -> str:
    path = RESULTS / QUALITY_SEED2
    if not path.exists():
        return ""
    q = parse_quality(path.read_text())
    camp, cal = q["campaigns"], q["calibration"]
    small = {k: v for k, v in camp["strategies"].items() if v[0] == 0}
    missed = "; ".join(f"its {k} campaign ({b} accounts) is not found ({a}/{b})"
                       for k, (a, b) in small.items())
    return (f"\n\nA second seed (`--seed 2`, recorded in `benchmarks/results/{QUALITY_SEED2}`): "
            f"precision {camp['precision']} at recall {camp['recall']}, calibration preset "
            f"{cal['flagged']:,} of {cal['accounts']:,} accounts flagged, {camp['wall']} s wall"
            + (f"; {missed}: a burst that small does not stand out from the background "
               "at any scale." if missed else "."))


def measured_markdown(text: str | None = None) -> str:
    """The quoted run and the sentences derived from it (what the targets were, met or not)."""
    if text is None:
        path = RESULTS / QUALITY
        if not path.exists():
            return "(No recorded run in this installation: see benchmarks/results/.)"
        text = path.read_text()
    q = parse_quality(text)
    camp, cal = q["campaigns"], q["calibration"]
    met = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    strat = ", ".join(f"{k} {a}/{b}" for k, (a, b) in camp["strategies"].items()
                      if k in ("creation_burst", "paid_promotion"))
    target = camp["precision"] >= 0.95 and camp["recall"] >= 0.90
    return f"""\
`benchmarks/bench_detect_quality.py --posts 1000000` (both cases, seed 1, 2 threads, under the
benchmark lock on a shared 2-core machine: load average {q["load_before"]} before,
{q["load_after"]} after; commit {q["commit"]}), recorded in `benchmarks/results/{QUALITY}`.

* Account precision ≥ 0.95 at recall ≥ 0.90: {met(target)} ({camp["precision"]} at {camp["recall"]}; {strat}).
* Calibration preset, flagged share ≤ the FDR (0.01): {met(cal["share"] <= 0.01)} ({cal["flagged"]:,} of {cal["accounts"]:,} accounts).
* The whole calibrated pipeline on 1 M posts under a minute on 2 cores: {met(camp["wall"] < 60)} in wall time ({camp["wall"]} s), {camp["cpu"]} s CPU (on a shared machine CPU time is the steadier measure: earlier runs of the same code at load 18 took 76 s wall and 27 s CPU).
{_second_seed()}

```
{text.strip()}
```
"""


TEXT = """\
## Significance: which edges, accounts and clusters are beyond chance

Raw co-action counts flag everyone who follows the news: coordination-network-toolkit's
co_retweet edges had precision 0.137 on planted groups, and on CooRTweet's real Russian retweet
sample the accounts with a raw co-retweet edge go from 4 at a 10 s window to 1,301 at 1,439 s
([window-sensitivity.md](window-sensitivity.md)). `ioscope detect WS` therefore runs, by default,
a calibrated pipeline on top of the signals above (`--raw` keeps the raw edges only):

1. every edge of every signal gets an expected weight under a **null model**, a **p-value** and a
   **TF-IDF similarity** (columns `expected`, `p_value`, `log10_p`, `similarity` of `edges`);
2. the p-values of all signals are pooled under **Benjamini–Hochberg** (`q_value`,
   `significant` at `--fdr`, default 0.01);
3. every account gets a p-value from its edges (**Simes**), again under Benjamini–Hochberg:
   an account is *beyond chance* at q ≤ `--fdr`;
4. significant edges between accounts beyond chance are **fused** across signals and clustered
   with **Leiden**; the clusters are scored, ranked, explained and stored in `clusters` and
   `cluster_members` (the flagged accounts): `ioscope clusters WS`, `ioscope evaluate`.

### The null model: a time-stratified configuration model, solved analytically

Cut time into strata (a day by default, `--stratum`). Within each stratum keep every action's
item and time exactly and shuffle *which account* performed it, keeping the number of actions
each account has in that stratum. This keeps each account's volume and active days, every
item's popularity and timing, and every burst (a breaking-news moment stays a burst in its
stratum); it breaks only who acts together. It is the degree-preserving shuffle of the
account × item bipartite graph (the null behind bipartite-projection backbones: Neal, "The
backbone of bipartite projections", Social Networks 39, 2014; Saracco et al., "Inferring
monopartite projections of bipartite networks: an entropy-based approach", New J. Phys. 19,
2017; the shuffles of coordinationz), restricted to one stratum at a time.

Its expectation needs no shuffling. With Π(h, h') the pairs of actions on one item within the
window whose actions fall in strata h and h', N_h the actions of stratum h and d_a(h) those of
account a, a given pair of action slots goes to accounts {a, b} with probability
2·d_a(h)·d_b(h) / (N_h(N_h − 1)) (same stratum) or (d_a(h)d_b(h') + d_b(h)d_a(h')) / (N_h N_h'),
so the expected co-actions of a and b are the bilinear form λ_ab = d_a · M · d_b, computed for
all edges at once with sparse matrices. Π comes from binary searches over the actions sorted by
(item, time) — for each action, how many later actions of its item fall within W seconds, and
how many of them within its stratum — never from a pair join, so the null costs O(n log n) in
the actions whatever the popularity of items (tests check it against brute-force pair counts
and against the mean of explicit shuffles). Signals whose item encodes time (`hashtag_sequence`) count every pair of
actions on the item: Π = CᵀC from the item × stratum counts. `synchronized` has no content: its
null is "being active at all" within `bin` seconds, with hour-long strata
(`--timing-stratum`), so that accounts with the same daily rhythm are not taken for coordinated.

**Why a day and not an hour.** Conditioning on an account's activity per hour lets a campaign
define its own null: on 1 M simulated posts, where a hashtag flood is a large share of its hours'
hashtag actions, the hour null expected 44 co-actions for member pairs that had 41. A day keeps
the volume and days of activity and leaves the campaign a small part of the background; what it
gives up is the rhythm within a day for content signals. The calibration preset (no campaigns,
breaking news, fan communities, news bots) checks that this does not flag organic accounts.

**Robust background.** When a campaign is most of a sparse signal (a reply swarm where organic
replies rarely coincide within a minute), even a day's Π is the campaign's own. The accounts
already beyond chance within a signal — Benjamini–Hochberg at 0.1 on either Simes' combination
of their edges' p-values or the sum of their edge weights against the sum of their expectations
given the selection — are masked out of Π and N (their co-action pairs and actions leave the
totals; their own activity d_a stays) and the edges are tested again, at most three times. On
organic data few accounts are masked and the totals barely move (the calibration preset is
unchanged); on 40 k simulated posts it took recall on reply swarms from 0 to 53 of 53 and on
hashtag floods from 0 to 24 of 24 at precision 1.0.

**The floor.** Where the shuffle leaves almost no co-action — a quiet day, or a day whose only
co-actions were a campaign's, masked out — λ goes to 0, and a pair sharing a handful of items
would get p = 10⁻³⁰⁰ or an exact 0: an artefact of the model, not evidence. No edge's `expected`
is therefore below a floor, a pseudo-count: as if one more pair of actions had co-occurred in
every stratum, and one more over the whole period,

    λ_ab ≥ Σ_h 2·d_a(h)·d_b(h) / (N_h(N_h − 1)) + 2·D_a·D_b / (N(N − 1)),

with D_a all of a's actions in the signal and N all actions (the add-one rule the creation-burst
tests use for their background too). It is positive for every pair that acted at all, negligible
wherever the null has co-actions to go by (it changes no planted-campaign result on the
simulator, and the demo flags the same 589 accounts), and raising λ can only make a p-value
larger, so the test stays valid. On the FiveThirtyEight IRA tweets 76 edges had expected 0
before the floor (co_repost edges of weight 3 at p ≈ 3e-301); they now have expected ≈ 2e-4 and
p ≈ 1e-4. A pair of Telegram channels sharing six near-identical texts, at expected 0 and p = 0
before, has expected 0.37 and p = 5e-5.

### p-values

The observed weight k of an edge (see *Edges* above) is compared with λ through the Poisson tail
P(K ≥ k | K ≥ min_weight): the detector keeps only edges with k ≥ min_weight, and conditioning on
that selection keeps the p-values uniform or conservative over exactly the stored edges, so
Benjamini–Hochberg can run over them without counting the pairs that never co-acted. The
expectation counts action pairs, at least the expected number of distinct co-actions, which errs
on the conservative side. Tests check the analytic λ against the mean of explicit
within-stratum shuffles, the tail against scipy, and the conditional p-values for uniformity.

Tails are computed in logs: `log10_p` keeps the model's value, and `p_value` never goes below
2.2e-308, the smallest normal double (any value at least the true p-value is a valid p-value),
so no edge has p = 0. Beside every p-value, `observed_expected` is the edge's weight over its
expectation. The CLI, the report and the UI print every p- and q-value with one formatter:
below 1e-16, where double precision has no digit of 1 − p left and a Poisson tail says more
about the model than about the data, they print the bound "< 1e-16".

Pair-level and account-level tests are kept apart. An edge's p-value tests the pair (its weight
against the null), except for `creation_burst` and `promoted_amplification`, whose edge p-value
is the weaker of the two accounts' own tests (see *Account-level tests* below): explanations say
"median pair p" for the former and "burst test (or paid-amplification test) of the weaker
account of each pair" for the latter, and `clusters.details.signals.*.p_test` is `pair` or
`accounts`. `cluster_members.account_p_value` is the account's own (Simes) test.

### False discovery rate, over edges and over accounts

Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B 57(1), over the
edges of all signals pooled: among significant edges the expected share of chance edges is at
most `--fdr`. False edges scatter over many accounts while a campaign's edges concentrate on few,
so FDR over edges does not bound FDR over accounts; accounts are therefore tested on their own,
with Simes (1986), "An improved Bonferroni procedure for multiple tests of significance",
Biometrika 73(3) — min over i of n·p₍ᵢ₎/i over the account's n edges, valid for independent or
positively dependent edges — and Benjamini–Hochberg over the accounts
(`cluster_members.account_p_value`, `account_q_value`). When there is no campaign at all, the
probability of flagging any account is then at most `--fdr`, whatever the number of accounts.

### Similarity

Pacheco, Hui, Torres-Lugo, Truong, Flammini & Menczer (2021), "Uncovering Coordinated Networks on
Social Media: Methods and Case Studies", ICWSM: each account is a TF-IDF vector over the
signal's items (sublinear tf = 1 + ln count, idf = ln(accounts / accounts with the item), so an
item everybody shares weighs nothing) and `edges.similarity` is the cosine of the two vectors,
computed only for the edges (row-wise sparse dot products). It is reported as a strength; the
decision rests on the p-values.

### Fusion, clusters and campaign candidates

Two accounts beyond chance are linked in the fused network when at least one signal gives them a
significant edge; the link weighs Σ over signals of min(−log10 p, 50). Communities come from
igraph's built-in Leiden (Traag, Waltman & van Eck, "From Louvain to Leiden: guaranteeing
well-connected communities", Scientific Reports 9, 2019) on weighted modularity (`--resolution`,
`--seed`; about ten times faster than the leidenalg package on the same graph). Leiden never joins
accounts without a path of significant edges. Per cluster (`clusters`): size, edges, density
(edges / pairs), the signals involved (strongest first), evidence (median over linked pairs of
−log10 of the pair's smallest p-value), median and smallest p-value, coordination degree (share of
the members' posts that are behind a significant edge inside the cluster), first/last post and
span.

**Ranking.** score = min(evidence, 16) · log2(1 + linked pairs), where evidence is the median
over the cluster's linked pairs of −log10 of the pair's smallest p-value (capped at 50, as in the
fused weights) and linked pairs is `clusters.edges`: a typical link's strength times (the log of)
how many such links the cluster has. 16 is the bound below which p-values are printed as
"< 1e-16": the score does not tell apart p-values the reader cannot see apart, and beyond it
size and links decide. At the same evidence a 2-account pair (one link) scores evidence × 1, a
dense 10-account cluster (45 links) evidence × 5.5 and a 164-account retweet ring with 668 links
evidence × 9.4, so large, dense, significant clusters rank first, and a sparse cluster ranks
below a dense one of the same size. The logarithm keeps a large cluster of weak links from
burying a strong small one. Ties are broken by size, linked pairs, smallest p-value and then the
smallest member id, so the ranking never depends on the clustering's internal numbering. On the
demo the 102-account hashtag flood (median pair p = 5e-5, 2,529 links) now ranks above a
2-account creation-burst pair whose p-values are below 1e-50.

**Mirrors.** A cluster whose every member either posts at least 90 % reposts of one and the same
account or is that account (an outlet and its feed bots: `TheWire_bot`, `TheWireRT`, …) is of
kind `mirror`: its synchrony follows that account's posting. Mirror clusters are ranked after the
campaign candidates and their members are listed in `clusters.details`, not flagged.

**Explanations.** Every cluster and member gets one sentence per signal, e.g. "36 accounts
reposted the same 131 posts (1,904 of their posts), a median of 23 s apart (median pair
p = 3e-73, observed/expected 41×)". Every figure in a sentence is a column of one query over the
significant edges inside the cluster, their `edge_evidence` rows and the `posts` and `accounts`
they point to: accounts at either end of the signal's edges, items (distinct `edge_evidence.item`:
posts reposted, links, hashtags, time bins…), posts (distinct posts of the evidence rows), texts
(distinct `posts.text` of those posts, for near-duplicate texts), the median |Δt| of the evidence
rows, the creation dates of the accounts (for `creation_burst`, whose sentence gives the span of
creation dates and, separately, the median gap between two accounts' first uses of a shared
item), the median and smallest p-value and the median observed/expected. When an edge kept fewer
evidence rows than co-actions (`--max-evidence`), the sentence says "at least". The query is
stored with the cluster (`clusters.details.figures_sql`) so a report can show it beside the
sentence, and a test recomputes every figure independently. JSON details also give top items
with their posts and a member's strongest partners. The sentences are plain text built from user
content: escape them when rendering.

### Windows

`--window auto` uses CooRnet's coordination interval (Giglietto, Righetti, Rossi & Marino, "It
takes a village to manipulate the media: coordinated link sharing behavior during 2018 and 2019
Italian elections", Information, Communication & Society 23(6), 2020): among items shared more
than once, keep the q = 10 % whose second share came quickest; for each, the time until more than
p = 50 % of its shares had happened; the interval is the median of those times. On CooRTweet's
Russian sample it gives 1,439 s, as the R package does. `ioscope detect WS --window-sweep
10s,60s,10m,1h` runs the pipeline at each window and prints the raw edges and accounts, the
significant edges, the flagged accounts and the Jaccard index of the flagged sets between
windows; [window-sensitivity.md](window-sensitivity.md) has the table for the Russian sample.

### Evaluation

`ioscope evaluate WS --truth truth.csv [--json]` compares the flagged accounts with ground truth
(`account_id,campaign_id[,strategy]`, empty campaign_id = organic): account precision, recall and
F1 (against campaign accounts that have posts), precision of the significant pairs (both accounts
in the same campaign), adjusted Rand index and normalized mutual information of clusters against
campaigns over the accounts that are flagged or in a campaign, and recall per strategy. Other
stages add sections to `ioscope.evaluate.SECTIONS`.

### Account-level tests: creation_burst and promoted_amplification

Two signals carry too little evidence per pair for the edge test above, and test accounts
instead (the signal's own `test`, which replaces the per-edge test in the calibrated pipeline):

* `creation_burst` finds bursts of account creation with a scan statistic, then asks, item by
  item, whether an account's burst mates use its hashtags, links and reposted posts far more
  than the items' popularity among the accounts outside every burst predicts (Poisson tails,
  Simes over the account's items);
* `promoted_amplification` asks whether an account's reposts and quotes go to promoted posts
  (named in the workspace's `ads`) more often than the population rate (binomial tail, the rate
  estimated without the accounts already beyond it).

An edge of either signal links two accounts that share items (promoted posts), and its p-value
is the larger of the two accounts' p-values: the intersection–union test (Berger 1982) of "both
accounts are beyond chance", valid whenever either is organic. These p-values then join every
other signal's in the pooled Benjamini–Hochberg, Simes over accounts and the clusters. Both
signals give no edges, not an error, on workspaces without creation dates or without ads.

### What the signals cannot see

A campaign that leaves no shared content, no synchrony, no creation burst and no paid promotion
is out of reach of every signal here: aged or bought accounts that act alone are for the account
signals (`ioscope accounts`: handles, renames, clients, clocks). Reposting the same posts over
hours is also what fan communities do, and the configuration null (which does not model shared
interests) would flag them with long windows: keep windows short for content signals. The
promoted-post test sees only what the `ads` table names; amplifiers of posts nobody reported as
promoted look like any other reposters.
`benchmarks/bench_detect_quality.py` prints precision, recall per strategy, the calibration share
and the time of the null against the raw engine (below).

### Measured: 1 M simulated posts

{measured}

### Parameters of the calibrated pipeline

{params}
"""


def significance_markdown() -> str:
    from ioscope.detect.significance.calibrated import SIGNIF_PARAMS

    return TEXT.replace("{params}", describe(SIGNIF_PARAMS)).replace("{measured}", measured_markdown())
