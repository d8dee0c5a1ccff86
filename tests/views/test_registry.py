"""The views registry: a view is one folder (its record, its tab's JS module, its figures, its page
data) plus its line in VIEWS, and nothing of a view lives anywhere else."""

import importlib
import re
from pathlib import Path

import attnlab
from attnlab.html.code import compiled, units_for
from attnlab.html.encode import encode_trace
from attnlab.html.render import PAGE_ENTRY, code_for, view_units
from attnlab.toy import run_toy
from attnlab.views import VIEWS, FigureOptions, figures_for, page_views

from ..html.fakes import FakeTrace, words

PACKAGE = Path(attnlab.__file__).parent
VIEWS_DIR = PACKAGE / "views"
SHARED_JS = ("html/js", "server/static")  # the one place of the shared modules, and the app's own


def test_every_registered_view_is_one_folder_and_every_folder_is_registered():
    folders = {p.name for p in VIEWS_DIR.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {v.name for v in VIEWS}
    assert {p.name for p in VIEWS_DIR.iterdir() if p.is_file()} == {"__init__.py", "base.py"}  # no view module outside
    for view in VIEWS:
        folder = VIEWS_DIR / view.name
        assert importlib.import_module(f"attnlab.views.{view.name}").VIEW is view  # its record, in its folder
        tab = (folder / "tab.js").read_text(encoding="utf-8")
        assert re.search(r"^export function tab\(core\) \{$", tab, re.M), view.name  # its tab's module
        for d in view.data_modules:
            assert (folder / f"{d.module}.js").is_file(), (view.name, d.module)
        if view.figures(run_toy(), FigureOptions()) or view.figures(FakeTrace(words(5)), FigureOptions()):
            assert (folder / "figures.py").is_file(), view.name  # a view that draws figures keeps them with it


def test_no_view_js_lives_outside_its_folder():
    """Every JS file is a shared module (html/js), the app's (server/static) or in a view's folder."""
    for path in PACKAGE.rglob("*.js"):
        rel = path.relative_to(PACKAGE).as_posix()
        folder = rel.rsplit("/", 1)[0]
        assert folder.startswith(SHARED_JS) or (folder.startswith("views/") and folder.count("/") == 1), rel
        if folder.startswith("html/js"):  # a shared module is not named after a view
            assert path.stem not in {v.name for v in VIEWS}, rel


def test_a_page_holds_the_views_that_apply_in_registry_order():
    toy, fake = run_toy(), FakeTrace(words(5))
    assert [v.name for v in page_views(toy)] == ["pipeline", "heatmap", "headview", "modelview", "explain"]
    assert [v.name for v in page_views(fake)] == ["heatmap", "headview", "modelview", "explain", "atlas", "rollout"]
    assert units_for([*view_units(page_views(fake)), PAGE_ENTRY]) == [
        "html/js/matrix", "html/js/units", "views/heatmap/tab", "views/heatmap/valueweighted", "views/heatmap/whychart",
        "views/heatmap/whypanel", "views/headview/tab", "views/headview/whykeys",
        "views/modelview/tab", "views/explain/tab", "html/js/headgrid", "views/atlas/tab", "views/rollout/tab",
        "html/js/core", "html/js/frame", "html/js/host", "html/js/page"]
    assert units_for(view_units(page_views(toy)))[:3] == ["views/pipeline/picture", "html/js/units",
                                                        "views/pipeline/tab"]
    # the value-weighted switch's code travels only with the value norms (a toy has none)
    assert "views/heatmap/valueweighted" not in view_units(page_views(fake), arrays=["weights", "step"])
    assert "views/heatmap/valueweighted" in view_units(page_views(fake), arrays=["weights", "step", "vw_norms"])
    # the why panel's code travels only with the cells it explains (a page given why=False carries none)
    assert "views/heatmap/whypanel" not in view_units(page_views(fake), arrays=["weights", "step"])
    assert "views/heatmap/whypanel" in view_units(page_views(toy), arrays=encode_trace(toy).meta["arrays"])
    # and so does the head view's way into it
    assert "views/headview/whykeys" not in view_units(page_views(fake), arrays=["weights", "step"])
    assert "views/headview/whykeys" in view_units(page_views(toy), arrays=encode_trace(toy).meta["arrays"])
    toy_code = code_for(page_views(toy), "ja", encode_trace(toy).meta["arrays"])
    assert 'define("views/heatmap/valueweighted"' not in toy_code.script and "vw_hint" not in toy_code.labels
    assert all(f'define("{u}"' in toy_code.script for u in ("views/pipeline/tab", "views/pipeline/toy", "html/js/page"))
    # the pipeline's numbers: a toy's page holds the toy's source, not the real head's (and its words)
    assert 'define("views/pipeline/bridge"' not in toy_code.script and "bridge_intro" not in toy_code.labels
    pipeline = [v for v in VIEWS if v.name == "pipeline"]
    real = code_for(pipeline, "ja", ["weights", "step", "bridge_q"]).script  # a real head's q, k, v
    assert 'define("views/pipeline/bridge"' in real and 'define("views/pipeline/toy"' not in real


def test_every_unit_comes_after_the_units_it_imports():
    order = units_for(compiled()["units"])
    for i, uid in enumerate(order):
        assert set(compiled()["units"][uid]["deps"]) - {"exports"} <= set(order[:i]), uid


def test_figures_come_from_the_registry():
    assert set(figures_for(run_toy())) == {"weights", "pipeline", "pipeline_qkv"}
    assert set(figures_for(run_toy(heads=2))) == {"weights", "heads", "pipeline", "pipeline_qkv"}
    opts = FigureOptions(layer=1, head=None, stem="fake")
    assert set(figures_for(FakeTrace(words(5)), opts)) == {"fake-L1-mean", "fake-grid", "fake-layer-means"}
