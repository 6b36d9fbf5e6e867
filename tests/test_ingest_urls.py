"""The SQL fast path of URL normalization agrees with the Python reference, URL by URL."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from ioscope.ingest.url_map import build_url_lists
from ioscope.ingest.urls import normalize_url, registered_domain

CASES = [
    "https://t.co/7cuOhvDVKF",
    "HTTPS://Example.COM/A/b/",
    "http://www.bbc.co.uk/news/1#frag",
    "http://example.com./x",
    "https://example.com",
    "https://example.com/",
    "http://a.b.c.d/x//",
    "https://example.com:443/a?utm_source=x&id=3#top",
    "example.com/path",
    "//cdn.example.org/x",
    "http://user:pw@Example.com:8080/p",
    "https://example.com/a b",
    "ftp://files.example.com/x",
    "http://1.2.3.4/x",
    "https://sub.domain.example.co.uk/ünïcode/path",
    "not a url",
    "https://example.com/x?",
    "https://example.com/\u00a0x",
    "http://-bad-.com/",
    "https://a.com#",
    "https://example.com/a;p=1",
    "HTTP://EXAMPLE.COM/UPPER/Path",
]


def _sql_normalize(urls: list[str]) -> list[tuple[list, list]]:
    con = duckdb.connect()
    # urls_normalized is NULL: the reader left normalization to ingest (anonymised ids set it)
    con.execute("CREATE TEMP TABLE stg (urls VARCHAR[], urls_normalized VARCHAR[])")
    con.executemany("INSERT INTO stg VALUES (?, NULL)", [[[u]] for u in urls])
    assert build_url_lists(con, "stg", "out")
    got = dict(
        con.execute(
            "SELECT s.rowid, struct_pack(n := n, d := d) FROM stg s JOIN out o ON o.raw = s.urls"
        ).fetchall()
    )
    return [(got[i]["n"], got[i]["d"]) if i in got else ([], []) for i in range(len(urls))]


def _python(u: str) -> tuple[list, list]:
    u = u.strip(" ")
    if not u:
        return [], []
    n = normalize_url(u)
    return [n], [registered_domain(n) if n else None]


def test_fast_and_slow_paths_match_python():
    assert _sql_normalize(CASES) == [_python(u) for u in CASES]


_host = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,20}", fullmatch=True)
_path = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_url = st.builds(
    lambda s, h, p: f"{s}://{h}/{p}", st.sampled_from(["http", "HTTPS", "hTtp"]), _host, _path
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_url, min_size=1, max_size=20))
def test_random_urls_match_python(urls):
    assert _sql_normalize(urls) == [_python(u) for u in urls]
