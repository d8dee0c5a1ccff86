"""The views registry: each view is one Python module, one JS module and one registry line."""

import re
from importlib import resources

from attnlab.html.code import asset
from attnlab.html.encode import encode_trace
from attnlab.html.render import code_for, script_files
from attnlab.toy import run_toy
from attnlab.views import VIEWS, FigureOptions, figures_for, page_views

from .html.fakes import FakeTrace, words


def test_every_registered_view_has_its_js_module_and_every_module_is_registered():
    folder = resources.files("attnlab.html").joinpath("assets", "views")
    files = {p.name[:-3] for p in folder.iterdir() if p.name.endswith(".js")}
    assert files == {v.name for v in VIEWS}
    for view in VIEWS:
        defined = re.findall(r'^define\("(\w+)"', asset(f"views/{view.name}.js"), re.M)
        assert defined == [view.name]  # one module per file, named as the view


def test_a_page_holds_the_views_that_apply_in_registry_order():
    toy, fake = run_toy(), FakeTrace(words(5))
    assert [v.name for v in page_views(toy)] == ["pipeline", "heatmap", "headview", "modelview", "explain"]
    assert [v.name for v in page_views(fake)] == ["heatmap", "headview", "modelview", "explain", "atlas", "rollout"]
    assert script_files(page_views(fake)) == [
        "core.js", "matrix.js", "valueweighted.js", "views/heatmap.js", "views/headview.js", "views/modelview.js",
        "views/explain.js", "headgrid.js", "views/atlas.js", "views/rollout.js", "main.js"]
    assert script_files(page_views(toy))[:4] == ["core.js", "matrix.js", "pipemath.js", "views/pipeline.js"]
    # the value-weighted switch's code travels only with the value norms (a toy has none)
    assert "valueweighted.js" not in script_files(page_views(fake), arrays=["weights", "step"])
    assert "valueweighted.js" in script_files(page_views(fake), arrays=["weights", "step", "vw_norms"])
    toy_code = code_for(page_views(toy), "ja", encode_trace(toy).meta["arrays"])
    assert 'define("valueweighted"' not in toy_code.script and "vw_hint" not in toy_code.script


def test_figures_come_from_the_registry():
    assert set(figures_for(run_toy())) == {"weights", "pipeline", "pipeline_qkv"}
    assert set(figures_for(run_toy(heads=2))) == {"weights", "heads", "pipeline", "pipeline_qkv"}
    opts = FigureOptions(layer=1, head=None, stem="fake")
    assert set(figures_for(FakeTrace(words(5)), opts)) == {"fake-L1-mean", "fake-grid", "fake-layer-means"}
