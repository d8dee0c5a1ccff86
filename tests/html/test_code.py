"""The JS that pages, notebooks and the app carry: compiled from today's sources (`make js`), every
source in it, and the words each module reads declared in Python (the page hands over only those)."""

from __future__ import annotations

import re
from pathlib import Path

import attnlab
from attnlab.html.code import compiled, script, sources_digest
from attnlab.html.render import FRAME_LABELS
from attnlab.i18n import STRINGS
from attnlab.server.bundle import APP_LABELS
from attnlab.views import VIEWS

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(attnlab.__file__).parent
LABEL_USE = re.compile(r"\bL\.([A-Za-z_]\w*)")


def sources() -> dict[str, str]:
    """{path in attnlab: text} of every JS source."""
    return {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.js")}


def test_compiled_code_was_made_from_todays_sources():
    assert compiled()["sources"] == sources_digest(ROOT), (
        "a JS source (or scripts/js/build.mjs) changed since src/attnlab/html/js/compiled.json was made: run `make js`")


def test_every_source_is_compiled_and_nothing_else():
    ids = {rel[:-3] for rel in sources()}
    assert set(compiled()["units"]) | set(compiled()["scripts"]) == ids
    assert set(compiled()["scripts"]) == {i for i in ids if i.startswith("html/js/script/")}
    for uid, unit in compiled()["units"].items():
        assert unit["code"].startswith(f'define("{uid}",'), uid
        assert set(unit["deps"]) <= set(compiled()["units"]), uid
    for code in [*(u["code"] for u in compiled()["units"].values()), *compiled()["scripts"].values()]:
        assert "//" not in code.replace("://", "") and "/*" not in code  # minified: no comment is left
    assert re.match(r"""["']use strict["'];""", script("loader"))  # every script runs strict, as ES modules do


def test_a_wheel_carries_the_compiled_code_and_every_source():
    """pyproject.toml's package data names every JS source and compiled.json (what pages read)."""
    import fnmatch
    import sys

    if sys.version_info < (3, 11):
        import pytest

        pytest.skip("tomllib is Python 3.11's")
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["attnlab"]
    for rel in [*sources(), "html/js/compiled.json", "html/assets/page.css", "server/static/app.html"]:
        assert any(fnmatch.fnmatchcase(rel, pat) for pat in patterns), rel


def owner_labels(rel: str) -> set[str]:
    """The words declared for the module at `rel`: its view's (and its data modules'), the frame's
    (html/js) or the app's (server/static)."""
    if rel.startswith("views/"):
        view = next(v for v in VIEWS if v.name == rel.split("/")[1])
        module = rel.rsplit("/", 1)[1][:-3]
        data = [d for d in view.data_modules if d.module == module]
        return set(data[0].labels) if data else set(view.labels)
    return set(FRAME_LABELS) if rel.startswith("html/js/") else set(APP_LABELS)


def test_each_module_reads_only_the_words_declared_for_it():
    used: dict[str, set[str]] = {}
    for rel, text in sources().items():
        keys = set(LABEL_USE.findall(text))
        assert keys <= owner_labels(rel), (rel, keys - owner_labels(rel))
        owner = rel.rsplit("/", 1)[0] if rel.startswith("views/") else rel.split("/")[0] + "/" + rel.split("/")[1]
        used.setdefault(owner, set()).update(keys)
        dynamic = set(re.findall(r"\bL\[([^\]]+)\]", text))
        assert dynamic <= ({"v"} if rel == "html/js/frame.js" else set()), rel  # the one: a tab's view name
    # and nothing is declared that no module reads (a declaration is the list of what the JS reads)
    assert set(FRAME_LABELS) == used["html/js"]
    assert set(APP_LABELS) == used["server/static"]
    for view in VIEWS:
        assert set(view.labels) | {k for d in view.data_modules for k in d.labels} == used[f"views/{view.name}"]
    declared = {*FRAME_LABELS, *APP_LABELS, *(k for v in VIEWS for k in (v.name, *v.labels))}
    assert declared <= set(STRINGS), declared - set(STRINGS)
