"""`attnlab effects TEXT --html page.html`: the page of the same trace with the effects tab, opening on it,
its numbers the run's own (the JSON printed by the same run); a bad or too-small page is refused before
the model runs, in one line."""

from __future__ import annotations

import json
import re

import pytest

import attnlab.analysis.effects as effects_module
import attnlab.cli as cli

CAT = "The cat sat on the mat."


@pytest.fixture
def run(capsys):
    """run(*argv) -> (exit code, stdout, stderr) of the CLI called in-process."""
    return lambda *argv: (cli.main(list(argv)), *capsys.readouterr())


@pytest.fixture
def no_effects(monkeypatch):
    def ran(*a, **kw):
        raise AssertionError("the effects were computed before the page was refused")

    monkeypatch.setattr(effects_module, "head_effects", ran)


def test_an_html_path_that_cannot_be_written_is_refused_before_any_work(run, tmp_path, no_effects):
    code, out, err = run("effects", CAT, "--html", str(tmp_path / "missing" / "page.html"), "--lang", "en")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("attnlab: error: cannot write the --html page")
    assert not (tmp_path / "missing").exists()


@pytest.mark.model
def test_a_page_that_cannot_hold_one_layer_is_refused_before_the_effects(run, tmp_path, no_effects):
    code, out, err = run("effects", "word " * 2000, "--html", str(tmp_path / "p.html"), "--lang", "en")
    assert code == 2 and out == "" and err.count("\n") == 1 and "the --html page" in err
    assert not (tmp_path / "p.html").exists()


@pytest.mark.model
def test_the_page_opens_on_the_effects_of_the_same_run(run, tmp_path):
    page = tmp_path / "page.html"
    code, out, _ = run("effects", CAT, "--method", "attribution", "dla", "--format", "json", "--html", str(page),
                         "--lang", "en")
    assert code == 0
    printed = json.loads(out)  # stdout stays the JSON alone
    meta = json.loads(re.search(r'id="attnlab-meta">(.*?)</script>', page.read_text(encoding="utf-8")).group(1))
    assert meta["view"] == "effects" and meta["model"] == "smollm2"
    shown = meta["view_meta"]["effects"]["data"]
    assert shown["methods"] == printed["method"] == ["attribution", "dla"]
    assert shown["tokens"] == printed["tokens"] and shown["target"] == printed["target"]
    for m in shown["methods"]:  # the same run: the same numbers (6 decimals, as both round them)
        assert shown["effects"][m] == [[round(v, 6) for v in row] for row in printed["effects"][m]]
