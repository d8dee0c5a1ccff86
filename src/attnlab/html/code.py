"""The pages' code as files: reading the assets in attnlab/html/assets/, and their JS as pages carry it.

Pages and notebook outputs carry every JS asset minified. `minified(name)` is terser's code with local
names mangled, made at development time (`make minify`: scripts/minify_assets.py writes
assets/mangled.json with the sha256 of each source), when it was made from the asset as it is; else
`minify_js` of the source: rJSmin (comments and whitespace), with every template literal set aside
whole, since rJSmin drops spaces inside nested ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from importlib import resources


@cache
def asset(name: str) -> str:
    """The text of a file in attnlab/html/assets/ (name may include a folder: views/heatmap.js)."""
    path = resources.files("attnlab.html").joinpath("assets")
    for part in name.split("/"):
        path = path.joinpath(part)
    return path.read_text(encoding="utf-8")


MANGLED = "mangled.json"  # {asset: {sha256 of its source, its code with local names mangled}}: scripts/minify_assets.py


def asset_js_names() -> list[str]:
    """Every JS file in attnlab/html/assets/, as `asset()` names them (views/heatmap.js), sorted."""
    root = resources.files("attnlab.html").joinpath("assets")
    names = [p.name for p in root.iterdir() if p.name.endswith(".js")]
    names += [f"views/{p.name}" for p in root.joinpath("views").iterdir() if p.name.endswith(".js")]
    return sorted(names)


@cache
def _mangled() -> dict[str, dict[str, str]]:
    try:
        return json.loads(asset(MANGLED))
    except FileNotFoundError:
        return {}


@cache
def minified(name: str) -> str:
    """Asset `name` as pages carry it: terser's mangled code (scripts/minify_assets.py) when it was
    made from this very source, else `minify_js` of the source (an asset edited since: larger, same)."""
    source = asset(name)
    entry = _mangled().get(name)
    if entry and entry["sha256"] == hashlib.sha256(source.encode("utf-8")).hexdigest():
        return entry["code"]
    return minify_js(source)


@cache
def minify_js(text: str) -> str:
    """`text` without comments and needless whitespace (rJSmin), a third fewer bytes; every page and
    notebook output carries it. rJSmin does not know nested template literals (`${a ? `${b} c` : d}`
    loses the space in " c"), so every template literal is set aside whole, verbatim, and put back."""
    import rjsmin

    spans = js_template_spans(text)
    parts, kept, end = [], [], 0
    for i, (a, b) in enumerate(spans):
        parts += [text[end:a], _TEMPLATE_MARK.format(i)]
        kept.append(text[a:b])
        end = b
    small = rjsmin.jsmin("".join(parts) + text[end:])
    return re.sub(r"__attnlabTpl(\d+)__", lambda m: kept[int(m.group(1))], small)


_TEMPLATE_MARK = "__attnlabTpl{}__"  # an identifier to rJSmin
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")  # a `/` after these (or first) starts a regular expression


def js_template_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of every outermost template literal in JS source `text` (nested ones, inside
    `${...}`, are part of theirs); comments, strings and regular expressions are stepped over."""
    spans, i, prev = [], 0, ""
    while i < len(text):
        if text[i] == "`":
            end = _skip_template(text, i)
            spans.append((i, end))
            i, prev = end, "`"
        else:
            i, prev = _code_step(text, i, prev)
    return spans


def _code_step(t: str, i: int, prev: str) -> tuple[int, str]:
    """Past one piece of code at t[i] (not a backtick): a comment, string, regex or one character."""
    c = t[i]
    if t.startswith("//", i):
        j = t.find("\n", i)
        return (len(t) if j < 0 else j), prev
    if t.startswith("/*", i):
        return t.index("*/", i + 2) + 2, prev
    if c in "\"'":
        j = i + 1
        while t[j] != c:
            j += 2 if t[j] == "\\" else 1
        return j + 1, c
    if c == "/" and (prev == "" or prev in _REGEX_AFTER):
        j, in_class = i + 1, False
        while in_class or t[j] != "/":
            in_class = (in_class or t[j] == "[") and t[j] != "]"
            j += 2 if t[j] == "\\" else 1
        j += 1
        while j < len(t) and t[j].isalpha():
            j += 1
        return j, "/"
    return i + 1, (prev if c.isspace() else c)


def _skip_template(t: str, i: int) -> int:
    """The end of the template literal starting at t[i] == "`", its `${...}` (and templates in them) included."""
    i += 1
    while t[i] != "`":
        if t[i] == "\\":
            i += 2
        elif t.startswith("${", i):
            i, depth, prev = i + 2, 0, "{"
            while depth or t[i] != "}":
                if t[i] == "`":
                    i, prev = _skip_template(t, i), "`"
                    continue
                depth += {"{": 1, "}": -1}.get(t[i], 0)
                i, prev = _code_step(t, i, prev)
            i += 1
        else:
            i += 1
    return i + 1
