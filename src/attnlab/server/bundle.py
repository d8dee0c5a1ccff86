"""The app's one script and its labels, assembled from the page assets and the app's own modules.

The app runs the very modules a page file inlines (`html/assets`: core, matrix, every registered
view, main), in the same loader, plus its own (`server/static/*.js`: the playground, the text
explorer, the mount that re-runs the page modules on new data). The labels are the i18n keys that
all of them read (`L.<key>`), as `render_page` collects them for a page.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from ..html.code import asset
from ..html.render import LOADER, label_keys, script_files
from ..i18n import check_lang, page_labels
from ..views import VIEWS

APP_JS = ("api.js", "mount.js", "playground.js", "explorer.js", "tracepage.js", "docs.js", "app.js")  # load order


@cache
def page_files() -> tuple[str, ...]:
    """The page files' JS, in load order: core, matrix, every registered view (with its helper scripts), main.
    A helper two views share (headgrid.js: the census tab and the live atlas) is loaded once."""
    return tuple(dict.fromkeys(script_files(list(VIEWS))))


@cache
def page_modules() -> tuple[str, ...]:
    """The modules those files define: what a mount forgets and builds afresh on new data."""
    return tuple(n for f in page_files() for n in re.findall(r'^define\("(\w+)"', asset(f), re.M))


def modules_js() -> str:
    """A module the app uses to forget the page modules before mounting another trace."""
    names = ", ".join(f'"{n}"' for n in page_modules())
    return ('define("modules", [], () => ({ page: [' + names + '], '
            "forget(names) { for (const n of names) delete MODULES[n]; }, has(name) { return name in MODULES; } }));")


@cache
def static_text(name: str) -> str:
    """A file of attnlab/server/static/."""
    return resources.files("attnlab.server").joinpath("static", name).read_text(encoding="utf-8")


@cache
def app_script() -> str:
    """Loader, page modules, app modules, then `require("app")`, in one strict-mode function scope."""
    page = [asset(n) for n in page_files()]
    app = [static_text(n) for n in APP_JS]
    body = "\n".join([LOADER, modules_js(), *page, *app])
    # the page modules read their words as LABELS (render.page_script inlines them); here the boot data holds them
    labels = 'const LABELS = JSON.parse(document.getElementById("attnlab-app").textContent).labels;'
    return f'(function () {{\n"use strict";\n{labels}\n{body}\nrequire("app");\n}})();\n'


@cache
def app_labels(lang: str) -> dict[str, str]:
    """{key: text} of every label the app's script reads, in `lang`."""
    return page_labels(label_keys(app_script(), list(VIEWS)), check_lang(lang))
