"""What the CLI imports before it answers: `--help` and the command list no torch (seconds of import),
`attnlab toy` no matplotlib unless it draws figures (--out). Checked by the modules a fresh process
holds afterwards, not by a wall-clock threshold (bench/bench_cli.py measures the times)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import attnlab.cli as cli

HEAVY = ("torch", "matplotlib", "transformers", "numpy", "pandas", "fastapi")

PROBE = """
import contextlib, io, json, sys
from attnlab.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(json.loads(sys.argv[1]))
    except SystemExit:
        pass
print(json.dumps(sorted(name for name in json.loads(sys.argv[2]) if name in sys.modules)))
"""


def imported_after(argv: list[str], cwd) -> list[str]:
    """Which of HEAVY a fresh process has imported after running `attnlab argv`."""
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)], capture_output=True,
                       text=True, cwd=cwd, check=True)
    return json.loads(p.stdout)


@pytest.mark.parametrize("argv", [["--help"], [], ["--version"], *([c, "--help"] for c in cli.COMMAND_MODULES)])
def test_help_and_the_command_list_import_nothing_heavy(argv, tmp_path):
    assert imported_after(argv, tmp_path) == []


def test_the_toy_printout_draws_nothing_and_figures_when_asked(tmp_path):
    assert "matplotlib" not in imported_after(["toy"], tmp_path)
    assert list(tmp_path.iterdir()) == []  # no ./attnlab-out/ without --out
    assert "matplotlib" in imported_after(["toy", "--out", "figs"], tmp_path)
    assert len(list((tmp_path / "figs").iterdir())) == 6  # weights, pipeline, pipeline_qkv: PNG and SVG
