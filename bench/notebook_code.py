"""What each part of a displayed trace's code costs in a notebook: for the tutorial's toy and a MiniLM
page, the page output's overhead (tests/test_notebook.py's `stored(page) - data_only(trace)`) and, per
part, its bytes after the build (compiled.json, minified) and what leaving it out of the output saves
(the overhead with that part's code emptied, deflated together with the rest as notebook.py stores it:
parts share the deflate window, so a part's saving is less than its deflated size alone).

Parts: each JS unit the page carries, the loader, the notebook's two scripts (fit, notebook), the
page's CSS and its words (the labels JSON). Sizes do not depend on the machine.

    PYTHONPATH=src python bench/notebook_code.py            # the toy (ja)
    PYTHONPATH=src python bench/notebook_code.py --model    # and MiniLM "Tokyo is a beautiful city." (ja)
"""

from __future__ import annotations

import argparse
import sys
import zlib
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_notebook import data_only, stored  # (the tests' own measure, after the path above)


def overhead(trace, lang: str) -> int:
    from attnlab.notebook import outputs

    (_, _), (page, _) = outputs(trace, lang=lang)
    return stored(page) - data_only(trace, lang)


@contextmanager
def without(part: str):
    """The code with `part` emptied: a unit (its id), "script:<name>", "css" or "labels"."""
    from attnlab.html import code, render

    render.page_code.cache_clear()
    units, scripts = code.compiled()["units"], code.compiled()["scripts"]
    if part.startswith("script:"):
        key = f"html/js/script/{part[7:]}"
        with mock.patch.dict(scripts, {key: ""}):
            yield
    elif part == "css":
        with mock.patch.object(render, "asset", lambda name: ""):
            yield
    elif part == "labels":
        with mock.patch.object(render, "page_labels", lambda keys, lang: {}):
            yield
    else:
        with mock.patch.dict(units, {part: {**units[part], "code": ""}}):
            yield
    render.page_code.cache_clear()


def parts(trace, lang: str) -> list[tuple[str, str]]:
    """(part, its text after the build) of the page output of `trace`."""
    from attnlab.html import code
    from attnlab.html.encode import encode_trace
    from attnlab.html.render import PAGE_ENTRY, code_for, view_units
    from attnlab.views import page_views

    views = page_views(trace)
    arrays = encode_trace(trace, lang=lang).meta["arrays"]
    pc = code_for(views, lang, arrays)
    deciding = {d.array for v in views for d in v.data_modules} & set(arrays)
    units = code.units_for([*view_units(views, deciding), PAGE_ENTRY])
    out = [(u, code.compiled()["units"][u]["code"]) for u in units]
    out += [(f"script:{s}", code.script(s)) for s in ("loader", "fit", "notebook")]
    return [*out, ("css", pc.css), ("labels", pc.labels)]


def table(name: str, trace, lang: str) -> None:
    total = overhead(trace, lang)
    print(f"\n{name}: overhead {total:,} bytes")
    print("| part | built bytes | deflated alone | saved when left out |")
    print("|---|---|---|---|")
    for part, text in parts(trace, lang):
        with without(part):
            saved = total - overhead(trace, lang)
        print(f"| {part} | {len(text.encode()):,} | {len(zlib.compress(text.encode(), 9)):,} | {saved:,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="store_true", help="add the MiniLM page (loads the bundled model)")
    args = parser.parse_args()
    from attnlab.toy import run_toy

    table("the tutorial's toy (ja)", run_toy(), "ja")
    if args.model:
        from attnlab.models.api import run_text

        table('MiniLM "Tokyo is a beautiful city." (ja)', run_text("Tokyo is a beautiful city.", "minilm"), "ja")


if __name__ == "__main__":
    main()
