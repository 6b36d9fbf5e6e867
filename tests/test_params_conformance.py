"""Every declared parameter, from its declaration to the library, the CLI and ``runs.parameters``.

For each declaration an invalid value is generated from the declaration itself
(:func:`ioscope.params.invalid_value`, like scikit-learn's ``generate_invalid_param_val``), and
both the library entry and the CLI must reject it with the one message format:
``The '<name>' parameter of <owner> must be <requirement>. Got '<value>' instead.``
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ioscope.accounts import compute_signals, score, train
from ioscope.accounts.registry import all_params
from ioscope.accounts.scoring import SCORE_PARAMS
from ioscope.accounts.training import TRAIN_PARAMS
from ioscope.ads import AUDIT_PARAMS
from ioscope.cli.main import app
from ioscope.detect import SIGNALS, detect, get_signal, run_detect
from ioscope.detect.engine import ENGINE_PARAMS
from ioscope.detect.parameters import COACTION_PARAMS, DETECT_PARAMS, MODE, RUN_PARAMS
from ioscope.detect.significance.calibrated import SIGNIF_PARAMS
from ioscope.errors import ParameterError
from ioscope.ingest import INGEST_PARAMS
from ioscope.ingest.media_hash import MEDIA_HASH_PARAMS
from ioscope.params import Param, invalid_value
from ioscope.report.build import REPORT_PARAMS
from ioscope.simulate import SIMULATE_PARAMS, simulate
from ioscope.workspace import Workspace
from tests.fixtures.detect import load, planted

runner = CliRunner()


def standard(p: Param, owner: str, value: str) -> str:
    return f"The '{p.name}' parameter of {owner} must be {p.requirement()}. Got {value!r} instead."


def checkable(spec):
    """(param, invalid value) for every declaration that has an invalid value."""
    return [
        pytest.param(p, invalid_value(p), id=p.name) for p in spec if invalid_value(p) is not None
    ]


def cli_error(args: list[str]) -> str:
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 2, r.output
    error = json.loads(r.stdout)["error"]
    assert error["code"] == "parameter", error
    return error["message"]


@pytest.fixture(scope="module")
def posts_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("conf") / "case.duckdb"
    with Workspace.open(path) as ws:
        load(ws, planted(seed=3, events=3)[0])
    return path


@pytest.fixture
def posts_ws(posts_path):
    with Workspace.open(posts_path) as ws:
        yield ws


# --- the declarations themselves ------------------------------------------------------------


def test_every_declared_kind_has_an_invalid_value_or_takes_any_text():
    every = (
        DETECT_PARAMS
        + (MODE,)
        + ENGINE_PARAMS
        + all_params()
        + TRAIN_PARAMS
        + SCORE_PARAMS
        + SIMULATE_PARAMS
        + INGEST_PARAMS
        + tuple(p for s in SIGNALS.values() for p in s.spec)
    )
    for p in every:
        bad = invalid_value(p)
        if bad is None:
            assert p.kind in ("str", "list") and not p.choices, p
            continue
        with pytest.raises(ParameterError) as e:
            p.coerce(bad, "owner")
        assert str(e.value) == standard(p, "owner", bad)
        assert p.coerce(p.default, "owner") is not None or p.default is None  # the default passes


def test_size_and_threads_kinds():
    size = Param("memory_limit", "size", None, "")
    assert size.coerce(" 4 gb", "detect") == "4GB" and size.coerce("512MiB", "detect") == "512MiB"
    assert size.coerce(None, "detect") is None
    for bad in ("4", "4 parsecs", "-1GB", 4):
        with pytest.raises(ParameterError, match="must be a size such as '4GB'"):
            size.coerce(bad, "detect")
    threads = Param("threads", "threads", None, "")
    assert [threads.coerce(v, "detect") for v in (None, "auto", "AUTO", 3, "2")] == [
        None,
        None,
        None,
        3,
        2,
    ]
    for bad in ("0", -1, 1.5, "many", True):
        with pytest.raises(ParameterError, match=r"an integer ≥ 1 or 'auto'"):
            threads.coerce(bad, "detect")


# --- detect: the run's parameters -----------------------------------------------------------


@pytest.mark.parametrize("p, bad", checkable(DETECT_PARAMS))
def test_detect_parameter_rejected_by_library_and_cli(posts_ws, posts_path, p, bad):
    expected = standard(p, "detect", bad)
    runs = posts_ws.count("runs")
    with pytest.raises(ParameterError) as e:
        run_detect(posts_ws, params={p.name: bad})
    assert str(e.value) == expected
    with pytest.raises(ParameterError) as e:  # the convenience takes the names as keywords
        detect(posts_ws, **{p.name: bad})
    assert str(e.value) == expected
    assert posts_ws.count("runs") == runs  # refused before the run opened
    if p.kind != "bool":  # a flag takes no value
        posts_ws.close()
        assert cli_error(["detect", str(posts_path), p.option, bad]) == expected


@pytest.mark.parametrize("p, bad", checkable((MODE,) + ENGINE_PARAMS))
def test_mode_and_engine_rejected_by_library_and_cli(posts_ws, posts_path, p, bad):
    expected = standard(p, "detect", bad)
    with pytest.raises(ParameterError) as e:
        run_detect(posts_ws, **{p.name: bad})
    assert str(e.value) == expected
    posts_ws.close()
    assert cli_error(["detect", str(posts_path), p.option, bad]) == expected


def test_unknown_parameter_names_are_rejected(posts_ws):
    with pytest.raises(ParameterError, match="detect has no parameter 'windw'"):
        detect(posts_ws, windw="5m")
    with pytest.raises(ParameterError, match="detect has no parameter 'co_repost.window'"):
        run_detect(posts_ws, params={"co_repost.window": "5m"})


SIGNAL_PARAMS = [
    pytest.param(name, p, invalid_value(p), id=f"{name}.{p.name}")
    for name, s in SIGNALS.items()
    for p in s.spec
    if invalid_value(p) is not None
]


@pytest.mark.parametrize("signal, p, bad", SIGNAL_PARAMS)
def test_signal_parameter_rejected_by_library_and_cli(posts_ws, posts_path, signal, p, bad):
    expected = standard(p, signal, bad)
    with pytest.raises(ParameterError) as e:
        run_detect(posts_ws, signals=[signal], params={signal: {p.name: bad}})
    assert str(e.value) == expected
    posts_ws.close()
    assert (
        cli_error(
            ["detect", str(posts_path), "--signals", signal, "--param", f"{signal}.{p.name}={bad}"]
        )
        == expected
    )


def test_every_detect_parameter_is_an_option_and_recorded(posts_path):
    import typer.main

    command = typer.main.get_command(app).commands["detect"]
    options = {o: q for q in command.params for o in q.opts}
    for p in DETECT_PARAMS + (MODE,) + ENGINE_PARAMS:
        assert p.option in options, p.name
        assert options[p.option].help.startswith(p.help), p.name
    r = runner.invoke(
        app,
        [
            "detect",
            str(posts_path),
            "--json",
            "--signals",
            "co_repost,co_text",
            "--window",
            "2m",
            "--fdr",
            "0.05",
            "--temp-limit",
            "3 GB",
            "--threads",
            "auto",
            "--honor-deletions",
        ],
    )
    assert r.exit_code == 0, r.output
    with Workspace.open(posts_path, read_only=True) as ws:
        recorded = json.loads(
            ws.sql("SELECT parameters FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
        )
    assert recorded["mode"] == "calibrated" and recorded["engine"]["name"] == "duckdb"
    for p in RUN_PARAMS:  # the resolved value, normalized by its kind
        assert p.name in recorded, p.name
    assert (recorded["temp_limit"], recorded["threads"], recorded["honor_deletions"]) == (
        "3GB",
        None,
        True,
    )
    assert recorded["significance"] == {
        **{p.name: p.coerce(p.default, "detect") for p in SIGNIF_PARAMS},
        "fdr": 0.05,
    }
    for signal in ("co_repost", "co_text"):
        assert {p.name for p in COACTION_PARAMS} <= set(recorded["per_signal"][signal])
        assert recorded["per_signal"][signal]["window"] == 120
        own = {p.name for p in get_signal(signal).spec}
        assert set(recorded["per_signal"][signal]) == own


# --- accounts and simulate --------------------------------------------------------------------


@pytest.mark.parametrize("p, bad", checkable(all_params()))
def test_account_signal_parameter_rejected_by_library_and_cli(posts_ws, posts_path, p, bad):
    expected = standard(p, "accounts signals", bad)
    with pytest.raises(ParameterError) as e:
        compute_signals(posts_ws, params={p.name: bad})
    assert str(e.value) == expected
    posts_ws.close()
    assert (
        cli_error(["accounts", str(posts_path), "signals", "--param", f"{p.name}={bad}"])
        == expected
    )


@pytest.mark.parametrize("p, bad", checkable(TRAIN_PARAMS))
def test_train_parameter_rejected_by_library_and_cli(posts_ws, posts_path, tmp_path, p, bad):
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label\na,1\nb,0\n")
    expected = standard(p, "accounts train", bad)
    with pytest.raises(ParameterError) as e:
        train(posts_ws, labels, params={p.name: bad})
    assert str(e.value) == expected
    posts_ws.close()
    assert (
        cli_error(
            [
                "accounts",
                str(posts_path),
                "train",
                "--labels",
                str(labels),
                "--param",
                f"{p.name}={bad}",
            ]
        )
        == expected
    )


@pytest.mark.parametrize("p, bad", checkable(SCORE_PARAMS))
def test_score_parameter_rejected_by_library_and_cli(posts_ws, posts_path, p, bad):
    expected = standard(p, "accounts score", bad)
    with pytest.raises(ParameterError) as e:
        score(posts_ws, params={p.name: bad})
    assert str(e.value) == expected
    posts_ws.close()
    assert cli_error(["accounts", str(posts_path), "score", p.option, bad]) == expected


@pytest.mark.parametrize("p, bad", checkable(SIMULATE_PARAMS))
def test_simulate_parameter_rejected_by_library_and_cli(tmp_path, p, bad):
    expected = standard(p, "simulate", bad)
    values = {"posts": 1000, "seed": 0, p.name: bad}
    with pytest.raises(ParameterError) as e:
        simulate(tmp_path, **values)
    assert str(e.value) == expected
    assert cli_error(["simulate", str(tmp_path), p.option, bad]) == expected
    assert not any(tmp_path.iterdir())  # nothing written


# --- the one KEY=VALUE parser -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, form",
    [
        (["detect", "{ws}", "--param", "oops"], "--param takes SIGNAL.NAME=VALUE; got 'oops'."),
        (
            ["detect", "{ws}", "--engine", "spark", "--spark-conf", "=8g"],
            "--spark-conf takes KEY=VALUE; got '=8g'.",
        ),
        (
            ["accounts", "{ws}", "signals", "--param", "oops"],
            "--param takes name=value; got 'oops'.",
        ),
        (
            ["ingest", "{ws}", "x.csv", "--map", "account_id"],
            "--map takes canonical=source pairs separated by commas; got 'account_id'.",
        ),
    ],
)
def test_key_value_options_share_one_parser_and_message(posts_path, args, form):
    r = runner.invoke(app, [a.format(ws=posts_path) for a in args] + ["--json"])
    assert r.exit_code == 2, r.output
    error = json.loads(r.stdout)["error"]
    assert error["code"] == "usage" and error["message"] == form


def test_parse_pairs_forms():
    from ioscope.errors import UsageError
    from ioscope.params import parse_pairs

    assert parse_pairs([" a = 1", "b=x=y"], option="--o") == {"a": "1", "b": "x=y"}
    assert parse_pairs("a=1, b=2,", option="--map") == {"a": "1", "b": "2"}
    assert parse_pairs(None, option="--o") == {} == parse_pairs("", option="--o")
    with pytest.raises(UsageError, match=r"^--o takes KEY=VALUE; got ' =1'\.$"):
        parse_pairs([" =1"], option="--o")


def test_mode_is_one_argument_and_the_old_keywords_are_gone(posts_ws, posts_path):
    for old in ({"raw": True}, {"compat": "cnt"}):
        with pytest.raises(ParameterError, match=f"detect has no parameter '{next(iter(old))}'"):
            detect(posts_ws, **old)
    from ioscope.errors import UsageError

    with pytest.raises(UsageError, match="'fdr' applies to the calibrated pipeline"):
        run_detect(posts_ws, mode="raw", params={"fdr": 0.05})
    posts_ws.close()
    r = runner.invoke(app, ["detect", str(posts_path), "--raw", "--mode", "cnt", "--json"])
    assert r.exit_code == 2 and "disagree: cnt, raw" in json.loads(r.stdout)["error"]["message"]
    r = runner.invoke(
        app, ["detect", str(posts_path), "--compat", "cnt", "--fdr", "0.05", "--json"]
    )
    assert r.exit_code == 2 and "'fdr' applies" in json.loads(r.stdout)["error"]["message"]
    r = runner.invoke(app, ["detect", str(posts_path), "--mode", "cnt", "--json"])
    assert r.exit_code == 0, r.output
    with Workspace.open(posts_path, read_only=True) as ws:
        recorded = json.loads(
            ws.sql("SELECT parameters FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
        )
    assert (recorded["mode"], recorded["compat"]) == ("cnt", "cnt")
    assert "significance" not in recorded


@pytest.mark.parametrize("p, bad", checkable(INGEST_PARAMS))
def test_ingest_parameter_rejected_by_library_and_cli(tmp_path, p, bad):
    from ioscope.ingest import ingest

    source = tmp_path / "posts.csv"
    source.write_text("post_id,account_id,created_at,text\n1,a,2024-01-01T00:00:00Z,hi\n")
    expected = standard(p, "ingest", bad)
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        with pytest.raises(ParameterError) as e:
            ingest(ws, [source], **{p.name: bad})
        assert str(e.value) == expected
        assert ws.count("posts") == 0
    assert cli_error(["ingest", str(tmp_path / "w.duckdb"), str(source), p.option, bad]) == expected


# --- media hash, the ads audit and the report: generated options, the same message ------------


@pytest.mark.parametrize("p, bad", checkable(MEDIA_HASH_PARAMS))
def test_media_hash_parameter_rejected_by_library_and_cli(posts_path, tmp_path, p, bad):
    from ioscope.ingest.media_hash import hash_media

    expected = standard(p, "media hash", bad)
    with Workspace.open(posts_path) as ws:
        runs = ws.count("runs")
        with pytest.raises(ParameterError) as e:
            hash_media(ws, tmp_path, **{p.name: bad})
        assert str(e.value) == expected
        assert ws.count("runs") == runs
    assert cli_error(["media", str(posts_path), "hash", str(tmp_path), p.option, bad]) == expected


@pytest.mark.parametrize("p, bad", checkable(AUDIT_PARAMS))
def test_ads_parameter_rejected_by_library_and_cli(posts_path, p, bad):
    from ioscope.ads import run_audit

    expected = standard(p, "ads", bad)
    with Workspace.open(posts_path) as ws:
        runs = ws.count("runs")
        with pytest.raises(ParameterError) as e:
            run_audit(ws, **{p.name: bad})
        assert str(e.value) == expected
        assert ws.count("runs") == runs  # a refused audit records nothing
    assert cli_error(["ads", str(posts_path), p.option, bad]) == expected


@pytest.mark.parametrize("p, bad", checkable(REPORT_PARAMS))
def test_report_parameter_rejected_by_library_and_cli(posts_path, tmp_path, p, bad):
    from ioscope.report import build_report

    expected = standard(p, "report", bad)
    out = tmp_path / "r.html"
    with Workspace.open(posts_path, read_only=True) as ws:
        with pytest.raises(ParameterError) as e:
            build_report(ws, out, **{p.name: bad})
        assert str(e.value) == expected
    assert not out.exists()
    if p.kind != "bool":
        args = ["report", str(posts_path), "-o", str(out), p.option, bad]
        assert cli_error(args) == expected


@pytest.mark.parametrize(
    "command, spec",
    [("media", "MEDIA_HASH_PARAMS"), ("ads", "AUDIT_PARAMS"), ("report", "REPORT_PARAMS")],
)
def test_every_declared_parameter_of_these_commands_is_an_option(command, spec):
    args = [command, "--help"]
    r = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    for p in globals()[spec]:
        assert p.option in r.output, (command, p.option)
