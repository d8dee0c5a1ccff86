"""The app's one script and its labels: the page files' modules plus the app's own, from html/js/compiled.json.

The app runs the very modules a page file carries (html/js: core, frame, matrix, headgrid; every
registered view's tab and data modules), so a view written once shows in files, notebooks and the
app, plus its own (`server/static/*.js`: the playground, the text explorer, the trace page, the API
reference, and the mount that draws each trace's page data with a core of its own). The entry is
static/app.js. The labels are the keys those modules declare: the page's (`html.render`) and
`APP_LABELS`, the app modules' own.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from ..html.code import bundle
from ..html.render import FRAME_LABELS, view_labels, view_units
from ..i18n import check_lang, page_labels
from ..views import VIEWS

APP_ENTRY = "server/static/app"  # the app script's entry module: builds the screen the address asks for
# the words the app's modules (server/static/*.js) read as L.<key>
APP_LABELS = ("app_title", "causal_mask", "docs_hint", "download_bad", "download_fit", "download_layers",
              "download_page", "gen_seed", "gen_temperature",
              "gen_top_k", "generate", "head", "heads_input", "layer", "layers_captured", "loading", "model",
              "model_auto", "model_chosen", "new_text", "no_download", "pipe_app_hint", "pipe_app_x", "preset_step1",
              "preset_step2", "preset_step3", "preset_step4", "preset_tutorial", "presets", "rerun", "run",
              "screen_docs", "screen_text", "screen_toy", "share_link", "state_generating", "state_loading",
              "state_queued", "state_running", "temperature", "text_hint", "tokens", "tokens_input", "top_title",
              "truncate", "truncated_note", "words_toggle", "x_cells", "x_too_big")


@cache
def static_text(name: str) -> str:
    """A file of attnlab/server/static/."""
    return resources.files("attnlab.server").joinpath("static", name).read_text(encoding="utf-8")


@cache
def app_script() -> str:
    """The loader, every view's modules (and the shared ones they import), the app's, `app` last."""
    return bundle([*view_units(list(VIEWS)), APP_ENTRY])


@cache
def app_labels(lang: str) -> dict[str, str]:
    """{key: text} of every label the app's script reads, in `lang`."""
    return page_labels(set(FRAME_LABELS) | view_labels(list(VIEWS)) | set(APP_LABELS), check_lang(lang))
