"""Small workspaces for the account tests: hand-made rows and a seeded synthetic population."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

T0 = dt.datetime(2016, 11, 7)  # a Monday


def insert(ws, accounts: list[dict], posts: list[dict]) -> None:
    """Insert rows (missing columns NULL) into accounts and posts."""
    for table, rows in (("accounts", accounts), ("posts", posts)):
        if not rows:
            continue
        keys = sorted({k for r in rows for k in r})
        t = pa.Table.from_pylist([{k: r.get(k) for k in keys} for r in rows])
        ws.con.register("_ins", t)
        ws.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _ins")
        ws.con.unregister("_ins")


def post(account_id: str, i: int, t: dt.datetime, **kw) -> dict:
    return {"platform": "twitter", "post_id": f"{account_id}-{i}", "account_id": account_id,
            "created_at": t, "kind": kw.pop("kind", "post"), **kw}


def account(account_id: str, **kw) -> dict:
    return {"platform": "twitter", "account_id": account_id, "source_file": "users.jsonl", **kw}


_HUMAN_DAY = np.array([3.6, 2.4, 1.6, 1.1, 0.9, 1.0, 1.6, 2.8, 3.9, 4.5, 4.8, 5.0,
                       5.2, 5.1, 5.0, 5.0, 5.1, 5.3, 5.6, 6.0, 6.3, 6.4, 6.0, 4.8])
_OFFICE_DAY = np.array([0, 0, 0, 0, 0, 0, 0, 0, 2, 8, 10, 10, 6, 9, 10, 10, 8, 6, 1, 0, 0, 0, 0, 0],
                       dtype=float) + 0.05
_US = [("Nashville, TN", -6), ("Boston, MA", -5), ("Denver, CO", -7), ("Seattle, WA", -8),
       ("Atlanta, GA", -5), ("Chicago, IL", -6)]


def synthetic(ws, *, organic: int = 300, campaigns: int = 6, size: int = 15, posts: int = 30,
              noise: float = 0.35, seed: int = 0) -> list[tuple[str, int, str]]:
    """Organic accounts and campaign accounts with overlapping traits; returns (id, label, group).

    Each campaign account takes each campaign trait (creation burst, office hours in UTC+3, web
    client, reposting, a campaign hashtag, digits in the handle, shared bio, following many)
    with probability 1 − noise, else the
    organic behaviour, so no single signal separates the classes.
    """
    rng = np.random.default_rng(seed)
    accs, rows, truth = [], [], []

    def make(aid: str, camp: int | None, burst_t: dt.datetime | None) -> None:
        trait = (lambda: camp is not None and rng.random() > noise)
        loc, off = _US[rng.integers(len(_US))]
        office = trait()
        created = (burst_t + dt.timedelta(hours=float(rng.uniform(0, 30))) if trait() and burst_t
                   else dt.datetime(2009, 1, 1) + dt.timedelta(days=float(rng.uniform(0, 2700))))
        digits = trait()
        letters = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), size=8))
        handle = (f"{letters[:5]}{rng.integers(10**5, 10**7)}" if digits or rng.random() < 0.15
                  else letters)
        bio = f"Campaign {camp} bio: proud american" if trait() else (
            None if rng.random() < 0.2 else f"my own bio {aid}")
        accs.append(account(aid, handle=handle, display_name=handle.title(), description=bio,
                            location=loc, language="en", created_at=created,
                            followers=int(rng.lognormal(5, 1.5)),
                            following=int(rng.lognormal(5.5 if trait() else 5, 1.2))))
        web, rep, tag = trait(), trait(), trait()
        hours = rng.choice(24, size=posts, p=(_OFFICE_DAY / _OFFICE_DAY.sum()) if office
                           else _HUMAN_DAY / _HUMAN_DAY.sum())
        utc_off = 3 if office else off
        days = rng.integers(0, 5 if office else 7, size=posts)
        for i in range(posts):
            t = T0 + dt.timedelta(days=int(days[i]), hours=int(hours[i]) - utc_off,
                                  minutes=float(rng.uniform(0, 60)))
            kind = "repost" if rng.random() < (0.7 if rep else 0.3) else "post"
            rows.append(post(aid, i, t, kind=kind, language="en", handle=handle,
                             client="Twitter Web Client" if web else "Twitter for iPhone",
                             hashtags=[f"tag{camp}"] if tag and rng.random() < 0.5
                             else [f"t{rng.integers(500)}"]))

    for i in range(organic):
        make(f"o_{i}", None, None)
        truth.append((f"o_{i}", 0, ""))
    for c in range(campaigns):
        burst = dt.datetime(2014, 1, 1) + dt.timedelta(days=int(rng.integers(0, 900)))
        for j in range(size):
            aid = f"c{c}_{j}"
            make(aid, c, burst)
            truth.append((aid, 1, f"campaign{c}"))
    insert(ws, accs, rows)
    return truth


def write_labels(path, truth, *, group: bool = True) -> str:
    with open(path, "w") as f:
        f.write("account_id,label" + (",campaign" if group else "") + "\n")
        for aid, lab, g in truth:
            f.write(f"{aid},{lab}" + (f",{g}" if group else "") + "\n")
    return str(path)


def load_simulation(ws, outdir) -> None:
    """The simulator's canonical parquet files into ``ws``: through the generic parquet reader
    when ingest has one, else inserted as they are (they have exactly the canonical columns)."""
    from pathlib import Path

    from ioscope.ingest import ingest, readers

    outdir = Path(outdir)
    files = [outdir / "accounts.parquet", outdir / "posts.parquet"]
    if "parquet" in readers():
        ingest(ws, files, format="parquet")
        return
    for table, f in (("accounts", files[0]), ("posts", files[1])):
        ws.sql(f"INSERT INTO {table} BY NAME SELECT * REPLACE (? AS source_file) "
               f"FROM read_parquet(?)", [str(f), str(f)])
