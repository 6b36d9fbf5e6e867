"""The SQL text normalizations against Python statements of the same rules (hypothesis)."""

from __future__ import annotations

import re

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from ioscope.detect.signals.text import cnt_text, normalized_text

CON = duckdb.connect()
ALPHABET = "aAbZé1_#@＠.:/ \t\n\xa0\u2003\u3000\x0bhtpsw"
texts = st.lists(
    st.sampled_from(
        [
            "http://x.y/z",
            "https://a.b",
            "www.q.r",
            "@bob",
            "@",
            "  ",
            "\t",
            "word",
            "Ünï",
            "\xa0",
            "#tag",
        ]
    )
    | st.text(alphabet=ALPHABET, max_size=12),
    max_size=8,
).map("".join)


def sql_norm(fn, values: list[str]) -> list[str]:
    CON.execute(
        "CREATE OR REPLACE TEMP TABLE t AS SELECT unnest(?) AS text, "
        "generate_subscripts(?, 1) AS i",
        [values, values],
    )
    return [
        r[0]
        for r in CON.execute(
            f"SELECT norm FROM ({fn('SELECT text, i FROM t')}) n ORDER BY i"
        ).fetchall()
    ]


def cnt_reference(text: str) -> str:
    """coordination-network-toolkit 1.5.2's message_preprocessor (stdlib re; same whitespace
    classes for this alphabet)."""
    return " ".join(re.sub(r"@.*?(?=(?:\s|$))", "", text.lower()).split())


def ioscope_reference(text: str) -> str:
    t = text.lower()
    t = re.sub(r"\s*(https?://|www\.)\S+", "", t)
    t = re.sub(r"\s*[@＠][A-Za-z0-9_.]+", "", t)
    return " ".join(t.split())


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=20))
def test_cnt_text_matches_cnt(values):
    assert sql_norm(cnt_text, values) == [cnt_reference(v) for v in values]


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=20))
def test_normalized_text_matches_its_definition(values):
    assert sql_norm(normalized_text, values) == [ioscope_reference(v) for v in values]
