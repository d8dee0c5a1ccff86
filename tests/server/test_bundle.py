"""The app's script is the page files' modules plus its own; live views appear only in the app."""

from __future__ import annotations

import re

import pytest

from attnlab.errors import AttnlabError
from attnlab.html.code import compiled
from attnlab.html.live import live_page_data
from attnlab.i18n import STRINGS
from attnlab.server.bundle import APP_ENTRY, app_labels, app_script
from attnlab.views import page_views, view_named

from ..html.fakes import FakeTrace, words


def test_the_script_holds_every_module_once_the_app_last_and_no_page_entry():
    defined = re.findall(r'^define\("([\w/]+)"', app_script(), re.M)
    assert len(defined) == len(set(defined)) and defined[-1] == APP_ENTRY
    # a page file's entries (page.js; parts.js: an encoder-decoder's) and host.js, which only they import,
    # read their document
    expected = {u for u in compiled()["units"] if u not in ("html/js/page", "html/js/parts", "html/js/host")}
    assert set(defined) == expected
    assert {"html/js/core", "html/js/frame", "views/pipeline/tab", "views/deepzoom/tab", "views/rowatlas/tab",
            "views/heatmap/valueweighted", "server/static/mount"} <= set(defined)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_label_the_app_reads_exists_in_both_languages(lang):
    """The app's words: the page modules' and its own (each module's, tests/html/test_code.py)."""
    labels = app_labels(lang)
    assert {"query", "heatmap", "deepzoom", "vw_hint", "zoom_precision", "app_title", "rerun"} <= set(labels)
    assert all(labels[k] == STRINGS[k][lang] for k in labels)


def test_live_views_only_in_the_app():
    fake = FakeTrace(words(6))
    static = [v.name for v in page_views(fake)]
    assert "deepzoom" not in static and "rowatlas" not in static
    assert "effects" not in static  # a page file shows the effects tab only when given them (tests/views/effects)
    assert [v.name for v in page_views(fake, live=True)] == [*static, "deepzoom", "rowatlas", "effects"]
    with pytest.raises(AttnlabError, match="reads from the web app's server"):
        view_named("deepzoom", fake)
    data = live_page_data(fake, labels={}, live={"trace": "text-0", "api": "/api/traces/text-0"}, lang="en")
    assert data["meta"]["views"][-3:] == ["deepzoom", "rowatlas", "effects"] and data["meta"]["fits"]
    stats = data["meta"]["view_meta"]["rowatlas"]["stats"]  # the live atlas's statistics, named in Python
    assert [s["name"] for s in stats] == ["entropy_ratio", "first_weight", "mean_distance", "max_weight"]
    assert stats[0]["label"] == STRINGS["stat_entropy_ratio"]["en"] and stats[2]["range"] is None


def test_a_trace_too_long_for_a_page_is_remote_with_every_view(monkeypatch):
    """Every view, every layer, no weight array: the app's views fetch their maps (html/remote.py)."""
    import attnlab.html.layers as layers

    monkeypatch.setattr(layers, "MAX_CELLS", 10)
    fake = FakeTrace(words(6))
    data = live_page_data(fake, labels={}, live={"trace": "t", "api": "/api/traces/t"})
    meta = data["meta"]
    assert meta["views"] == [v.name for v in page_views(fake, live=True)] and meta["remote"] and not meta["fits"]
    assert "weights" not in meta["arrays"] and "step" not in meta["arrays"] and not meta["has_scores"]
    assert [t["text"] for t in meta["tokens"]] == words(6) and meta["layers"] == [0, 1]
    assert meta["view_meta"]["atlas"] == {"deferred": "all"} and meta["view_meta"]["explain"]["deferred"] == "layer"
    assert meta["download"] == {"layers": [], "most": 0}  # not one layer fits a page file of 10 cells
