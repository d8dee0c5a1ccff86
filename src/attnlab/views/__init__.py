"""The views registry: every figure and page tab attnlab draws, registered once.

A view is one folder, `views/<name>/` (its `View` in `__init__.py`, its tab's JS module `tab.js`,
its figures in `figures.py`, its page data), plus its line in VIEWS (tests/views/test_registry.py
holds every view to that shape). The page shows the tabs of the views that apply to a trace, in this
order (the first that applies opens first); the CLI and the notebook write the figures of every view
that applies (`figures_for`). Live views (`View.live`: the deep zoom, the head atlas) read tiles and
statistics from `attnlab serve`, so only the app's pages show them, or a page file given their data
(`given`: the head effects, computed beside the trace, `render_page(trace, effects=...)`).
"""

from __future__ import annotations

from collections.abc import Collection

from ..errors import AttnlabError
from ..trace import AttentionTrace
from . import atlas, deepzoom, effects, explain, headview, heatmap, modelview, pipeline, rollout, rowatlas, steps
from . import flow as flow_view  # (a module of its own line: `flow` is also analysis.flow's name)
from .base import DataModule, FigureJob, FigureOptions, PageOptions, View, file_stem

VIEWS: tuple[View, ...] = (
    steps.VIEW,  # only on pages given a generation (View.given_only), and then first
    pipeline.VIEW,
    heatmap.VIEW,
    headview.VIEW,
    modelview.VIEW,
    explain.VIEW,
    atlas.VIEW,
    rollout.VIEW,
    deepzoom.VIEW,
    rowatlas.VIEW,
    effects.VIEW,
    flow_view.VIEW,
)

__all__ = ["VIEWS", "DataModule", "FigureJob", "FigureOptions", "PageOptions", "View", "figure_notes", "figures_for",
           "file_stem", "page_views", "view_named"]


def page_views(trace: AttentionTrace, *, live: bool = False, given: Collection[str] = ()) -> list[View]:
    """The views whose tabs a page of `trace` shows, in registry order; live views (which read from the
    web app's server) only when `live` (a page of the app, not a file) or when the page is given their
    data (`given`: view names, PageOptions.given's keys); a given-only view (the steps) only when given."""
    return [v for v in VIEWS if v.applies(trace) and (v.name in given if v.given_only
                                                       else live or not v.live or v.name in given)]


def view_named(name: str, trace: AttentionTrace, *, live: bool = False, given: Collection[str] = ()) -> View:
    """The registered view `name`, checked to apply to `trace`; AttnlabError naming the choices."""
    names = [v.name for v in VIEWS]
    if name not in names:
        raise AttnlabError(f"view {name!r} is not a page view: choose one of {', '.join(names)}")
    view = VIEWS[names.index(name)]
    if view.given_only and name not in given:
        raise AttnlabError(f"view {name!r} needs {view.needs}")
    if view.live and not live and name not in given:
        raise AttnlabError(f"view {name!r} reads from the web app's server: open it in `attnlab serve`; a page "
                           f"file shows {', '.join(v.name for v in page_views(trace))}")
    if not view.applies(trace):
        raise AttnlabError(f"view {name!r} needs {view.needs}; {trace.model!r} is not one: choose one of "
                           f"{', '.join(v.name for v in page_views(trace, live=live, given=given))}")
    return view


def figures_for(trace: AttentionTrace, opts: FigureOptions | None = None) -> dict[str, FigureJob]:
    """{file stem: FigureJob} of every view that applies to `trace`, in registry order."""
    opts = opts or FigureOptions()
    jobs: dict[str, FigureJob] = {}
    for view in page_views(trace):
        jobs.update(view.figures(trace, opts))
    return jobs


def figure_notes(trace: AttentionTrace, opts: FigureOptions | None = None) -> list[str]:
    """Why figures that `figures_for` would otherwise hold were left out (one line each)."""
    opts = opts or FigureOptions()
    return [note for view in page_views(trace) for note in view.figure_notes(trace, opts)]
