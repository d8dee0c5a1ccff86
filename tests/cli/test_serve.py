"""`attnlab serve`: options checked before binding, the URL printed, Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest

from attnlab.checks import byte_size
from attnlab.cli import main

pytest.importorskip("uvicorn")


@pytest.mark.parametrize("text,size", [("2GiB", 2 * 2**30), ("512MiB", 512 * 2**20), ("1.5G", int(1.5 * 2**30)),
                                       ("3000000", 3000000), ("64m", 64 * 2**20), ("1TiB", 2**40)])
def test_sizes(text, size):
    assert byte_size(text, "--max-cache", 2**20, 2**40) == size


@pytest.mark.parametrize("argv,message", [
    (["--max-cache", "lots"], "--max-cache lots: give a size from 1.0 MiB to 1.00 TiB, such as 512MiB or 2GiB"),
    (["--max-cache", "10k"], "--max-cache 10k: give a size from 1.0 MiB to 1.00 TiB"),
    (["--max-cache", "1" + "0" * 400 + "G"], "--max-cache 10000000000000000000...000G (402 characters): give a size"),
    (["--port", "70000"], "--port 70000 is outside 0..65535"),
    (["--threads", "10" + "0" * 22], "--threads 100000000000000000000000 is outside 1..4096"),
    (["--model", "/no/such/folder"], "no folder at /no/such/folder"),
    (["--token", "short"], "--token must be at least 8 printable ASCII characters"),
])
def test_bad_options_are_one_line_before_anything_binds(capsys, argv, message):
    assert main(["serve", "--lang", "en", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("attnlab: error: ") and message in err and err.count("\n") == 1


def test_serves_on_loopback_prints_the_url_and_stops_on_ctrl_c():
    proc = subprocess.Popen([sys.executable, "-m", "attnlab", "serve", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "ATTNLAB_TOKEN": ""})
    try:
        line = proc.stdout.readline()
        url = re.fullmatch(r"attnlab serve: (http://127\.0\.0\.1:\d+/)\n", line).group(1)
        assert "only this machine" in proc.stdout.readline()
        with urllib.request.urlopen(url + "api/health", timeout=30) as r:
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
