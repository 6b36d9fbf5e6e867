"""Hand-made posts for the detect tests, written straight into a workspace's canonical tables."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

T0 = 1_700_006_400  # 19676 days: bucket, bin and day boundaries fall on T0 + k·W

COLUMNS = ("platform", "post_id", "account_id", "handle", "created_at", "kind", "text",
           "target_post_id", "target_handle", "hashtags", "mentions", "urls", "urls_normalized",
           "domains")


def post(post_id: str, account: str, t: float, kind: str = "post", *, text: str | None = None,
         target: str | None = None, target_handle: str | None = None,
         hashtags: list[str] | None = None, mentions: list[str] | None = None,
         urls: list[str] | None = None, domains: list[str] | None = None,
         platform: str = "twitter") -> dict[str, Any]:
    """One posts row; ``t`` is seconds after :data:`T0`."""
    return {"platform": platform, "post_id": post_id, "account_id": account, "handle": account,
            "created_at": datetime.fromtimestamp(T0 + t, timezone.utc).replace(tzinfo=None),
            "kind": kind, "text": text, "target_post_id": target, "target_handle": target_handle,
            "hashtags": hashtags or [], "mentions": mentions or [], "urls": urls or [],
            "urls_normalized": urls or [], "domains": domains or []}


def load(ws, rows: list[dict[str, Any]]) -> None:
    """Insert posts and their accounts (outside any run: test fixtures only)."""
    if not rows:
        return
    import pyarrow as pa

    cols = ", ".join(COLUMNS)
    table = pa.Table.from_pylist([{c: r[c] for c in COLUMNS} for r in rows], schema=pa.schema(
        [(c, pa.list_(pa.string()) if c in ("hashtags", "mentions", "urls", "urls_normalized",
                                            "domains") else
          pa.timestamp("us") if c == "created_at" else pa.string()) for c in COLUMNS]))
    ws.con.register("_fixture_posts", table)
    ws.con.execute(f"INSERT INTO posts ({cols}) SELECT {cols} FROM _fixture_posts")
    ws.con.unregister("_fixture_posts")
    ws.con.execute("INSERT INTO accounts (platform, account_id, handle) SELECT platform, "
                   "account_id, min(handle) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM accounts a "
                   "WHERE a.platform = p.platform AND a.account_id = p.account_id) "
                   "GROUP BY platform, account_id")


def attach_media(ws) -> int:
    """Every non-repost post with a link also carries an image, one per link (its preview card),
    so that co_media has items wherever co_link has."""
    return ws.con.execute(
        "INSERT INTO post_media (platform, post_id, media_id, media_item) "
        "SELECT platform, post_id, 'm' || post_id, 'img:' || urls_normalized[1] FROM posts "
        "WHERE len(urls_normalized) > 0 AND kind <> 'repost'").fetchall()[0][0]


def edges(ws, signal: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    where = "WHERE signal = ?" if signal else ""
    rows = ws.rows(f"SELECT * FROM edges {where} ORDER BY account_1, account_2",
                   [signal] if signal else None)
    return {(r["account_1"], r["account_2"]): r for r in rows}


def evidence(ws, signal: str) -> list[dict[str, Any]]:
    return ws.rows("SELECT * FROM edge_evidence WHERE signal = ? ORDER BY account_1, account_2, "
                   "post_1, post_2", [signal])


def planted(seed: int = 7, *, groups: int = 2, size: int = 4, events: int = 8, noise: int = 30,
            noise_posts: int = 400) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """A small world where each planted group does every co-action together.

    Per event (one every ~6 h), each member of a group, within 20 s of the others: reposts the
    same post, shares the same URL (and domain), posts the same text with one varying word
    (near-duplicate, and identical after normalization when only a mention differs), replies
    to the same post, mentions the same account and uses the same hashtags in the same order.
    Noise accounts post, repost and reply at random times over the same days.
    """
    import random

    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    truth = []
    n = 0

    def pid() -> str:
        nonlocal n
        n += 1
        return f"p{n}"

    for g in range(groups):
        members = [f"g{g}m{m}" for m in range(size)]
        truth.append(members)
        words = [f"w{g}x{i}" for i in range(12)]
        for e in range(events):
            start = 3600 * (6 * e + g) + rng.randint(0, 600)
            tags = [f"tag{g}a", f"tag{g}b{e % 2}", f"tag{g}c", f"tag{g}d", f"tag{g}e"]
            for j, m in enumerate(members):
                def at() -> float:
                    return start + rng.randint(0, 20)
                rows.append(post(pid(), m, at(), "repost", target=f"orig{g}_{e}", text="orig text"))
                rows.append(post(pid(), m, at(), urls=[f"https://site{g}.example/{e}"],
                                 domains=[f"site{g}.example"], text=f"look {e}"))
                text = " ".join(words[:10]) + f" event{e} @friend{j} " + ("" if j % 2 else "extra")
                rows.append(post(pid(), m, at(), text=text, mentions=[f"friend{j}"]))
                rows.append(post(pid(), m, at(), "reply", target=f"parent{g}_{e}", text=f"yes {j}"))
                rows.append(post(pid(), m, at(), text=f"hello @target{g} {j}", mentions=[f"target{g}"]))
                for k, tag in enumerate(tags):
                    rows.append(post(pid(), m, start + 60 + 30 * k + rng.randint(0, 5),
                                     text=f"#{tag} {m} {k}", hashtags=[tag]))
    span = 3600 * 6 * events
    for i in range(noise_posts):
        a = f"n{rng.randrange(noise)}"
        t = rng.uniform(0, span)
        r = rng.random()
        if r < 0.3:
            rows.append(post(pid(), a, t, "repost", target=f"o{rng.randrange(200)}", text="t"))
        elif r < 0.45:
            rows.append(post(pid(), a, t, "reply", target=f"o{rng.randrange(200)}", text="r"))
        else:
            ws_ = " ".join(f"v{rng.randrange(500)}" for _ in range(8))
            tags = [f"pop{rng.randrange(5)}"] if rng.random() < 0.5 else []
            rows.append(post(pid(), a, t, text=ws_, hashtags=tags,
                             urls=[f"https://pop.example/{rng.randrange(30)}"] if rng.random() < 0.2 else []))
    return rows, truth


def date_accounts(ws, burst: list[str], *, seed: int = 5, burst_day: float = 0.0,
                  spread_days: float = 1000.0) -> None:
    """Creation dates: the ``burst`` accounts within one day starting ``burst_day`` days before
    :data:`T0`, every other account uniformly over the ``spread_days`` before it."""
    import random

    rng = random.Random(seed)
    ids = [r[0] for r in ws.con.execute("SELECT account_id FROM accounts ORDER BY account_id")
           .fetchall()]
    inside = set(burst)
    for a in ids:
        days = (burst_day + rng.random() * 0.9) if a in inside else rng.random() * spread_days
        ws.con.execute("UPDATE accounts SET created_at = ? WHERE account_id = ?",
                       [datetime.fromtimestamp(T0 - days * 86400, timezone.utc)
                        .replace(tzinfo=None), a])


def promote(ws, post_ids: list[str], *, advertiser: str = "adv1", platform: str = "twitter"
            ) -> None:
    """An ``ads`` table naming ``post_ids`` as promoted by ``advertiser`` (one ad each)."""
    from ioscope.model.ads import ADS

    ws.ensure(ADS)
    for i, p in enumerate(post_ids):
        ws.con.execute("INSERT INTO ads (platform, ad_id, advertiser_id, post_id) "
                       "VALUES (?, ?, ?, ?)", [platform, f"ad{i}", advertiser, p])
