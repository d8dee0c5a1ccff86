"""The README's commands, run as written and in the order given (issue 18 item 7), and its limits table
read from the code.

Every line of every ```bash block of README.md is a command a newcomer may type. This test runs them
from an empty folder, one after another, as a shell would expand them (bash does the quoting and
`$(...)`), and asserts each exits 0. `attnlab` commands run in this process (`attnlab.cli.main`, so a
model loads once); other commands (`printf ... > file`, `python -c ...`) run in bash with this
interpreter's folder first on PATH. Not run, each for a stated reason and covered elsewhere:
SKIPPED below, and lines that say `# needs:` what of yours they need (a model folder).
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from attnlab.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# a command's start -> why this test does not run it (and where it is run)
SKIPPED = {
    "make ": "the setup entry points: CI runs `make test`; `make demo` runs `attnlab demo`, run here",
    "pip ": "the install outside the repository: tests/packaging/test_wheel.py runs these lines",
    "attnlab serve": "a server that runs until stopped: tests/server and tests/cli/test_serve.py start it",
}


def bash_lines() -> list[str]:
    """The README's ```bash lines in order, continuation lines joined, comment-only lines left out."""
    found, inside, text = [], False, README.read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("```"):
            inside = line[3:].strip() == "bash" if not inside else False
            continue
        if inside:
            found.append(line)
    joined: list[str] = []
    for line in found:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        else:
            joined.append(line)
    return [c.strip() for c in joined if c.strip() and not c.strip().startswith("#")]


def skip_reason(command: str) -> str | None:
    if "# needs:" in command:
        need = command.split("# needs:", 1)[1].strip()
        assert need, f"a '# needs:' line says what it needs: {command!r}"
        return f"needs {need}"
    return next((why for start, why in SKIPPED.items() if command.startswith(start)), None)


def argv_of(command: str, cwd: Path) -> list[str]:
    """The arguments bash would pass (quotes, $(...), comments), without running the command."""
    done = subprocess.run(["bash", "-c", f"printf '%s\\0' {command[len('attnlab'):]}"], cwd=cwd, check=True,
                          capture_output=True, text=True, env=_env())
    return [a for a in done.stdout.split("\0")[:-1]]


def _env() -> dict[str, str]:
    env = dict(os.environ, ATTNLAB_PROGRESS="0")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_commands_are_found():
    commands = bash_lines()
    assert any(c.startswith("attnlab toy") for c in commands) and any(c.startswith("attnlab corpus") for c in commands)
    skipped = [c for c in commands if skip_reason(c)]
    assert len(skipped) <= 8, skipped  # the few that cannot run here, each with its reason


@pytest.mark.model
def test_every_readme_command_runs_in_order(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATTNLAB_PROGRESS", "0")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    ran = 0
    for command in bash_lines():
        if skip_reason(command):
            continue
        if command.startswith("attnlab "):
            argv = argv_of(command, tmp_path)
            code = main(argv)
            captured = capsys.readouterr()
            assert code == 0, f"{command}\nexit {code}\n{captured.err[-2000:]}"
        else:
            done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, env=_env())
            assert done.returncode == 0, f"{command}\n{done.stderr[-2000:]}"
        ran += 1
    assert ran >= 40, ran
    # what the commands were said to write is there
    for made in ("attnlab-out", "figs", "page.html", "effects.html", "summary.html", "runs/minilm", "runs/smol"):
        assert (tmp_path / made).exists(), made


# the limits table ------------------------------------------------------------------------------------

UNITS = {"GiB": 2**30, "MiB": 2**20, "KiB": 2**10}


def limit_rows() -> list[tuple[str, str, str]]:
    """(what, limit, code) of each row of the README's limits table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Limits that decide what you see", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[3].startswith("`") and cells[0] != "what":
            rows.append((cells[0], cells[1], cells[3].strip("`")))
    return rows


def stated(limit: str) -> int:
    """The number a limit cell states: '8,192', '256 tokens', '2 GiB'."""
    m = re.match(r"([\d,]+)\s*(GiB|MiB|KiB)?", limit)
    assert m, limit
    return int(m.group(1).replace(",", "")) * UNITS.get(m.group(2) or "", 1)


def in_code(where: str) -> int:
    """The value `where` names: `js:FILE:NAME` (a const in a JS module), else an expression whose first
    dotted names are a module of attnlab (`server.config.DEFAULT_MAX_CACHE`, `models.registry.model_info(...)`)."""
    if where.startswith("js:"):
        _, path, name = where.split(":")
        js = (ROOT / "src" / "attnlab" / path).read_text(encoding="utf-8")
        m = re.search(rf"\b{name}\s*=\s*(\d+)", js)
        assert m, where
        return int(m.group(1))
    parts = where.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            module = importlib.import_module("attnlab." + ".".join(parts[:i]))
        except ImportError:
            continue
        return int(eval(".".join(parts[i:]), vars(module)))
    raise AssertionError(f"{where}: no attnlab module")


@pytest.mark.model
def test_the_limits_table_states_the_code(monkeypatch):
    rows = limit_rows()
    assert len(rows) >= 12, rows
    for what, limit, where in rows:
        assert stated(limit) == in_code(where), (what, limit, where)
