"""The ``ioscope`` entry point: lazy verb groups, same commands as the full app."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import typer

from ioscope.cli import main as cli_main

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_groups_list_exactly_the_commands_each_module_registers():
    for group, verbs in cli_main.GROUPS.items():
        app = typer.Typer()
        importlib.import_module(f"ioscope.cli.{group}").register(app)
        names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
        assert tuple(names) == verbs, group
    full = typer.main.get_command(cli_main.app)
    assert sorted(full.commands) == sorted(v for verbs in cli_main.GROUPS.values() for v in verbs)


def test_a_verb_imports_only_its_group():
    code = (
        "import sys; sys.argv = ['ioscope', 'info', '--help']\n"
        "from ioscope.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in sys.modules if m.startswith('ioscope.cli.')))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    loaded = r.stdout.strip().splitlines()[-1]
    assert loaded == (
        "['ioscope.cli.common', 'ioscope.cli.ingest', 'ioscope.cli.main', 'ioscope.cli.params']"
    )  # the group, and the shared option generator
    assert "Usage:" in r.stdout and "info" in r.stdout


def test_group_of_command_line():
    assert cli_main._group_of(["detect", "ws.duckdb"]) == "detect"
    assert cli_main._group_of(["serve", "ws.duckdb"]) == "report"
    assert cli_main._group_of(["--version"]) is None
    assert cli_main._group_of(["nope"]) is None
    assert cli_main._group_of([]) is None


def test_a_compat_detect_loads_neither_scipy_nor_igraph(tmp_path):
    """The raw engine needs neither: they load only when the calibrated pipeline runs (they add
    about 0.4 s to every command's start)."""
    from ioscope.simulate import simulate

    csv = simulate(tmp_path / "sim", posts=3000, seed=3, format="cnt-csv")["paths"]["posts"]
    ws = str(tmp_path / "ws.duckdb")
    code = (
        "import sys\nfrom ioscope.cli.main import main\n"
        f"for argv in (['ingest', {ws!r}, {csv!r}, '--quiet'],\n"
        f"             ['detect', {ws!r}, '--compat', 'cnt', '--json']):\n"
        "    sys.argv = ['ioscope', *argv]\n"
        "    try:\n        main()\n    except SystemExit as e:\n        assert not e.code, e.code\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'igraph', 'leidenalg'}))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert '"signal": "co_repost"' in r.stdout  # the detect ran
    assert r.stdout.strip().splitlines()[-1] == "[]"
