"""``ioscope simulate`` through a throwaway Typer app, and the declared knobs."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from ioscope.cli.simulate import register
from ioscope.errors import ParameterError, UsageError
from ioscope.simulate import SIMULATE_PARAMS, simulate
from ioscope.simulate.params import resolve_params


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test app"""

    register(app)
    return app


def test_help_lists_every_knob_and_examples(app):
    r = CliRunner().invoke(app, ["simulate", "--help"], terminal_width=200)
    assert r.exit_code == 0
    for p in SIMULATE_PARAMS:
        assert "--" + p.name.replace("_", "-") in r.output, p.name
    assert "--preset" in r.output and "Examples" in r.output


def test_run_writes_the_files_and_prints_json(app, tmp_path):
    r = CliRunner().invoke(
        app,
        [
            "simulate",
            str(tmp_path),
            "--posts",
            "20000",
            "--seed",
            "4",
            "--campaigns",
            "2",
            "--format",
            "cnt-csv",
            "--jitter",
            "2m",
            "--strategies",
            "copypasta,reply_swarm",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["counts"]["posts"] == 20000 and summary["format"] == "cnt-csv"
    assert summary["parameters"]["jitter"] == 120.0
    assert summary["parameters"]["strategies"] == ["copypasta", "reply_swarm"]
    for name in ("posts.csv", "truth.csv", "ads.csv", "campaigns.json"):
        assert (tmp_path / name).is_file()
    doc = json.loads((tmp_path / "campaigns.json").read_text())
    assert [c["strategy"] for c in doc["campaigns"]] == ["copypasta", "reply_swarm"]


def test_invalid_knob_is_a_usage_error_with_the_standard_message(app, tmp_path):
    r = CliRunner().invoke(
        app, ["simulate", str(tmp_path), "--posts", "20000", "--participation", "2"]
    )
    assert r.exit_code == 2
    assert "The 'participation' parameter of simulate must be a number in [0.01, 1]" in r.output
    r = CliRunner().invoke(app, ["simulate", str(tmp_path), "--format", "xml", "--json"])
    assert r.exit_code == 2 and json.loads(r.output)["error"]["code"] == "parameter"
    assert not (tmp_path / "posts.parquet").exists()


def test_calibration_preset_refuses_campaigns(app, tmp_path):
    r = CliRunner().invoke(
        app, ["simulate", str(tmp_path), "--preset", "calibration", "--campaigns", "3"]
    )
    assert r.exit_code == 2 and "calibration" in r.output


@pytest.mark.parametrize(
    "knobs, message",
    [
        (
            {"days": 0},
            "The 'days' parameter of simulate must be an integer in [1, 3650]. Got '0' instead.",
        ),
        ({"start": "March"}, "The 'start' parameter of simulate must be a date YYYY-MM-DD."),
        (
            {"strategies": "co_repost,astroturf"},
            "The 'strategies' parameter of simulate must be a comma-separated list of",
        ),
        (
            {"repost_delay": "-5"},
            "The 'repost_delay' parameter of simulate must be a duration ≥ 1 s.",
        ),
        ({"campaign_size_min": 50, "campaign_size_max": 10}, "campaign_size_max"),
        ({"color": "red"}, "simulate has no parameter 'color'"),
    ],
)
def test_knobs_are_validated(knobs, message):
    with pytest.raises(
        ParameterError,
        match=message.replace("[", r"\[")
        .replace("]", r"\]")
        .replace("(", r"\(")
        .replace(")", r"\)")
        .replace(".", r"\."),
    ):
        resolve_params({"posts": 1000, **knobs})


def test_too_many_campaign_posts_are_refused(tmp_path):
    with pytest.raises(UsageError, match="organic background"):
        simulate(
            tmp_path, posts=2000, seed=1, campaigns=20, campaign_size_min=500, campaign_size_max=500
        )


def test_durations_accept_units():
    p = resolve_params({"posts": 1000, "jitter": "10m", "repost_delay": "1h"})
    assert p["jitter"] == 600 and p["repost_delay"] == 3600


def test_docs_describe_every_knob_and_strategy():
    from pathlib import Path

    from ioscope.simulate import SIMULATE_PARAMS, STRATEGIES

    # the knob table is generated (tests/test_docs.py keeps it fresh)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "simulator.md").read_text(
        encoding="utf-8"
    )
    for p in SIMULATE_PARAMS:
        assert f"| `{p.name}` |" in doc, p.name
    for s in STRATEGIES:
        assert f"| `{s}` |" in doc, s
