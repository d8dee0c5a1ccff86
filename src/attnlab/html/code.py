"""The code that pages, notebook outputs and the web app carry: composed from html/js/compiled.json.

attnlab's JS is ES modules in the package (html/js/: the shared ones; views/<name>/: each view's
tab and helpers; server/static/: the app's) and four plain scripts (html/js/script/: the loader, the
packed page's boot, the notebook's two). `make js` (scripts/js/build.mjs: rollup, then terser)
compiles them at development time into compiled.json, committed: each module becomes one unit
`define("<id>", ["exports", <ids it imports>], factory)`, its id its path in attnlab without ".js".
A script is the loader, then the units it needs, each after those it imports (they run at once, in
that order: the loader's UNITS), the entry last. Nothing here minifies or parses JS.

`sources_digest` is what compiled.json was made from (tests/html/test_code.py compares the two, so
a source edited since fails until `make js` is run). `asset` reads the page's CSS (html/assets/).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# in attnlab/html/js/: {"sources": sha256, "units": {id: {"deps": [id], "code": ...}}, "scripts": {id: code}}
COMPILED = "compiled.json"
LOADER = "html/js/script/loader"  # the first lines of every script: defines UNITS and define()
TOOLS = ("scripts/js/build.mjs", "scripts/js/package-lock.json")  # in the digest with the sources


@cache
def asset(name: str) -> str:
    """The text of a file in attnlab/html/assets/ (the page's CSS)."""
    return resources.files("attnlab.html").joinpath("assets", name).read_text(encoding="utf-8")


@cache
def compiled() -> dict[str, Any]:
    """compiled.json as written by scripts/js/build.mjs."""
    return json.loads(resources.files("attnlab.html").joinpath("js", COMPILED).read_text(encoding="utf-8"))


def script(name: str) -> str:
    """A plain script (html/js/script/<name>.js) as compiled: minified."""
    return compiled()["scripts"][f"html/js/script/{name}"]


def units_for(entries: Iterable[str]) -> list[str]:
    """The unit ids a script holding `entries` needs, each after the units it imports, in the order the
    entries are given otherwise (so an entry that runs at once, the script's last, comes last)."""
    units, order, seen = compiled()["units"], [], set()

    def visit(uid: str) -> None:
        if uid in seen:
            return
        if uid not in units:
            raise KeyError(f"no JS module {uid!r} in {COMPILED}: is its file there, and `make js` run?")
        seen.add(uid)
        for dep in units[uid]["deps"]:
            visit(dep)
        order.append(uid)

    for entry in entries:
        visit(entry)
    return order


def bundle(entries: Iterable[str]) -> str:
    """The loader and every unit `entries` need (`units_for`), one per line: one script's code."""
    units = compiled()["units"]
    return "\n".join([script("loader"), *(units[u]["code"] for u in units_for(entries))]) + "\n"


def sources_digest(root: Path) -> str:
    """sha256 of the JS sources in the checkout at `root` and the build's tools, as build.mjs computes it:
    over (path NUL content NUL) of each file in sorted path order, paths relative to `root`."""
    package = root / "src" / "attnlab"
    files = sorted([*(p.relative_to(root).as_posix() for p in package.rglob("*.js")), *TOOLS])
    h = hashlib.sha256()
    for f in files:
        h.update(f.encode() + b"\0" + (root / f).read_bytes() + b"\0")
    return h.hexdigest()
