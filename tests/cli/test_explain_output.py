"""What the commands print about the numbers: seed comparisons, masked cells, and a closed pipe."""

from __future__ import annotations

import subprocess
import sys

from attnlab.cli import main


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_seeds_print_what_changed(capsys, tmp_path):
    plain = run(["toy", "--lang", "en", "--out", str(tmp_path)], capsys)[1]
    code, out, _ = run(["toy", "--seeds", "0,1,2", "--lang", "en", "--out", str(tmp_path)], capsys)
    assert code == 0 and out != plain
    assert "The seeds compared" in out and "- seed 1: Tokyo -> is 0.79" in out
    assert "What changed: the top key differs between seeds in" in out


def test_causal_printout_shows_dashes_not_zeros(capsys, tmp_path):
    code, out, _ = run(["toy", "--causal", "--lang", "en", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "0.0000" not in out and "-inf" not in out
    assert "— = hidden by the mask" in out and "The causal mask:" in out


def test_temperature_says_which_scores(capsys, tmp_path):
    code, out, _ = run(["toy", "--temperature", "0.5", "--lang", "en", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert "Attention scores (before dividing by the temperature 0.5):" in out
    assert "Its scores divided by T = 0.5 differ by at most" in out
    assert "multiplied by 1/T = 2.00" in out


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`attnlab toy | head -3`: three lines and no traceback. Whether the pipe is closed before attnlab
    writes depends on timing (exit 0 or 141); a JSON larger than the pipe's buffer always meets it closed."""
    cmd = f"{sys.executable} -m attnlab toy --out {tmp_path} | head -3; exit ${{PIPESTATUS[0]}}"
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    assert p.stdout.splitlines() == ["入力ベクトル形状: torch.Size([3, 4])", "", "Attentionスコア:"]
    assert p.stderr == "" and p.returncode in (0, 141)
    tokens = " ".join(f"t{i}" for i in range(200))  # 200 x 200 weights: ~1 MB of JSON
    cmd = f'{sys.executable} -m attnlab toy --format json --tokens "{tokens}" | head -c 100; exit ${{PIPESTATUS[0]}}'
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    assert p.stdout.startswith('{"model": "toy"') and p.stderr == "" and p.returncode == 141
