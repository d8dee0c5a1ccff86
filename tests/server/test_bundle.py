"""The app's script is the page files' modules plus its own; live views appear only in the app."""

from __future__ import annotations

import re

import pytest

from attnlab.errors import AttnlabError
from attnlab.html.live import live_page_data
from attnlab.i18n import STRINGS
from attnlab.server.bundle import APP_JS, app_labels, app_script, page_modules
from attnlab.views import page_views, view_named

from ..html.fakes import FakeTrace, words


def test_the_script_holds_every_page_module_and_app_module_once():
    defined = re.findall(r'^define\("(\w+)"', app_script(), re.M)
    assert sorted(defined) == sorted({"modules", *page_modules(), *(n[:-3] for n in APP_JS)})
    assert {"core", "matrix", "main", "pipeline", "deepzoom", "rowatlas"} <= set(page_modules())


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_label_the_app_reads_exists_in_both_languages(lang):
    labels = app_labels(lang)
    used = set(re.findall(r"\bL\.([A-Za-z_]\w*)", app_script()))
    assert used <= set(labels) and all(labels[k] == STRINGS[k][lang] for k in used)


def test_live_views_only_in_the_app():
    fake = FakeTrace(words(6))
    static = [v.name for v in page_views(fake)]
    assert "deepzoom" not in static and "rowatlas" not in static
    assert [v.name for v in page_views(fake, live=True)] == [*static, "deepzoom", "rowatlas"]
    with pytest.raises(AttnlabError, match="reads from the web app's server"):
        view_named("deepzoom", fake)
    data = live_page_data(fake, labels={}, live={"trace": "text-0", "api": "/api/traces/text-0"})
    assert data["meta"]["views"][-2:] == ["deepzoom", "rowatlas"] and data["meta"]["fits"]


def test_a_trace_too_long_for_a_page_gets_the_live_views_without_weights(monkeypatch):
    import attnlab.html.encode as encode

    monkeypatch.setattr(encode, "MAX_CELLS", 10)
    data = live_page_data(FakeTrace(words(6)), labels={}, live={"trace": "t", "api": "/api/traces/t"})
    meta = data["meta"]
    assert meta["views"] == ["deepzoom", "rowatlas"] and meta["arrays"] == {} and not meta["fits"]
    assert [t["text"] for t in meta["tokens"]] == words(6) and meta["layers"] == [0, 1]
