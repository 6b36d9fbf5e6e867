"""The base below the stages: one SQL toolkit, one JSON encoder, one set of number formatters,
reference data in its own package, and stages that import only the stages before them."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import ioscope
from ioscope import fmt, jsonenc, sql

SRC = Path(ioscope.__file__).parent
MODULES = sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)
FLOW = ("ingest", "detect", "accounts", "ads", "report", "web")
#: Packages and modules below every stage: they import no stage.
BASE = ("sql", "jsonenc", "fmt", "reference", "model", "workspace", "errors", "params", "csvrows")


def _rel(p: Path) -> str:
    return p.relative_to(SRC).as_posix()


def _offenders(patterns: dict[str, str], allowed: set[str]) -> list[str]:
    found = []
    for p in MODULES:
        if _rel(p) in allowed:
            continue
        text = p.read_text(encoding="utf-8")
        for what, pattern in patterns.items():
            for m in re.finditer(pattern, text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{_rel(p)}:{line}: {what}")
    return found


def test_sql_is_quoted_only_by_the_toolkit():
    patterns = {
        "doubles single quotes by hand": r"""replace\(\s*["']'["']\s*,\s*["']''["']\s*\)""",
        "doubles double quotes by hand": r"""replace\(\s*'"'\s*,\s*'""'\s*\)""",
        "defines its own SQL quoting helper": r"def (quote_ident|ident|lit|literal|sql_str|sql_literal|_lit|_quote|quote)\(",
        "quotes a literal by hand": r"""["']'["']\s*\+\s*\w""",
    }
    assert _offenders(patterns, {"sql.py"}) == []


def test_json_is_encoded_only_by_the_encoder():
    patterns = {
        "passes its own default to a JSON encoder": r"json\.dumps\([^)]*default\s*=",
        "defines its own JSON conversion": r"def (_?to_jsonable|_jsonable|_json_default|_default)\(",
        "subclasses JSONEncoder": r"JSONEncoder",
        "writes a UTC time by hand": r"isoformat\(\)\s*\+\s*[\"']Z",
    }
    # the Meta reader's dump of a raw record (orjson) must survive hostile nesting and shows the
    # record as the source had it: it is input kept for the quarantine, not JSON ioscope writes
    assert _offenders(patterns, {"jsonenc.py", "ingest/formats/meta_ad_library.py"}) == []


def test_what_users_read_is_encoded_by_jsonenc():
    """The CLI, the web UI, the report, CSV rows and the runs table write JSON through
    :mod:`ioscope.jsonenc` only."""
    users = [
        p
        for p in MODULES
        if _rel(p).split("/")[0] in ("cli", "web", "report")
        or _rel(p) in ("csvrows.py", "info.py", "workspace.py")
    ]
    assert [_rel(p) for p in users if re.search(r"\bjson\.dumps\(", p.read_text())] == []


def test_numbers_are_formatted_only_by_fmt():
    patterns = {
        "defines its own number formatter": r"def (_?fmt_(number|usd|pct|p)|format_(p|p_value|ratio|seconds|number|usd|pct)|"
        r"_pct|_usd|_money)\("
    }
    # simulate/ads.py's _money draws amounts (rng, n, currency), it formats nothing
    assert _offenders(patterns, {"fmt.py", "simulate/ads.py"}) == []


def _imports(p: Path) -> set[str]:
    tree = ast.parse(p.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n.split(".")[1] for n in names if n.startswith("ioscope.") and n.count(".") >= 1}


def test_a_stage_imports_only_the_stages_before_it():
    bad = []
    for p in MODULES:
        top = _rel(p).split("/")[0].removesuffix(".py")
        if top in FLOW:
            later = set(FLOW[FLOW.index(top) + 1 :])
        elif top in BASE:
            later = set(FLOW)
        else:
            continue
        bad += [f"{_rel(p)} imports ioscope.{m}" for m in sorted(_imports(p) & later)]
    assert bad == []


def test_reference_data_lives_below_the_stages():
    for name in ("statemedia", "policies", "fx", "geo", "languages"):
        assert (SRC / "reference" / f"{name}.py").is_file()
    for stage in ("ingest", "accounts"):
        users = [p for p in (SRC / stage).rglob("*.py") if "ioscope.ads" in p.read_text()]
        assert users == [], f"{stage} imports the ads stage"


def test_the_base_checks_can_fail(tmp_path):
    """The patterns above do find each kind of copy they forbid."""
    text = (
        'def lit(v):\n    return "\'" + v.replace("\'", "\'\'") + "\'"\n'
        "x = json.dumps(o, default=str)\nt = d.isoformat() + 'Z'\ndef fmt_usd(v):\n"
    )
    assert re.search(r"""replace\(\s*["']'["']\s*,\s*["']''["']\s*\)""", text)
    assert re.search(r"def (quote_ident|ident|lit)\(", text)
    assert re.search(r"json\.dumps\([^)]*default\s*=", text)
    assert re.search(r"isoformat\(\)\s*\+\s*[\"']Z", text)
    assert re.search(r"def (_?fmt_(number|usd|pct|p))\(", text)


# --- the toolkit itself ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["it's", "a''b", "x'); DROP TABLE posts; --", "ü\n'\"", ""])
def test_literal_round_trips_through_duckdb(value):
    import duckdb

    assert duckdb.connect().execute(f"SELECT {sql.literal(value)}").fetchone()[0] == value


def test_literals_of_every_kind_read_back():
    import duckdb

    values = [
        None,
        True,
        False,
        0,
        -7,
        2.5,
        Decimal("1.25"),
        date(2024, 2, 29),
        datetime(2024, 2, 29, 23, 59, 58),
        ["a", "b'c"],
        [1, 2],
    ]
    row = duckdb.connect().execute("SELECT " + ", ".join(sql.literal(v) for v in values)).fetchone()
    assert list(row) == values
    assert duckdb.connect().execute(f"SELECT {sql.literal(float('nan'))}").fetchone()[0] is None


@pytest.mark.parametrize("name", ["plain", "with space", 'quo"te', "select"])
def test_quote_ident_names_any_column(name):
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE t ({sql.quote_ident(name)} INTEGER)")
    assert [r[0] for r in con.execute("DESCRIBE t").fetchall()] == [name]
    assert con.execute(f"SELECT 1 IN {sql.in_list([1, 2])}, 3 IN {sql.in_list([])}").fetchone() == (
        True,
        None,
    )


def test_one_time_prints_the_same_everywhere():
    """CLI --json, the CSV rows and the web twins all go through jsonenc."""
    from ioscope.cli.common import to_json
    from ioscope.csvrows import csv_text

    naive = datetime(2016, 11, 8, 12, 0)
    aware = naive.replace(tzinfo=UTC) + timedelta(hours=3)
    aware = aware.astimezone(timezone(timedelta(hours=3)))
    want = "2016-11-08T15:00:00Z"
    assert jsonenc.jsonable(aware) == want
    assert jsonenc.jsonable(naive + timedelta(hours=3)) == want
    assert f'"at": "{want}"' in to_json({"at": aware})
    assert csv_text([{"at": aware}]) == f"at\n{want}\n"
    assert (
        jsonenc.dumps({"x": float("inf"), "d": Decimal("0.5"), "s": {1}})
        == '{"x": null, "d": 0.5, "s": [1]}'
    )


def test_formatters_agree_with_their_documented_forms():
    assert fmt.format_usd(2.5) == "$2.50" and fmt.format_usd(1234.5) == "$1,234"
    assert fmt.format_number(3498) == "3,498" and fmt.format_number(None, missing="?") == "?"
    assert fmt.format_pct(0.5) == "50.0 %" and fmt.format_pct(None) == fmt.MISSING
    assert fmt.format_p_value(1e-30) == "< 1e-16" and fmt.format_p_value(None) == "n/a"
