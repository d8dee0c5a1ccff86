"""Bytes a displayed trace adds to an .ipynb file: attnlab's notebook outputs now vs before (the code
of a git ref, main by default: the page with its JS and CSS as text, escaped into an <iframe srcdoc>,
one text/html output), for the same traces in one run (the baseline in a subprocess importing the
ref's `src/`, extracted with git archive).

Sizes are as Jupyter stores them (nbformat.writes, the output's growth of the file). "overhead" is
everything but the trace's data: the output minus the page's data blob and meta JSON as stored.
attnlab's outputs are two: the page (a script carrying the deflated page) and its preview PNG (a
picture of the data; shown where scripts cannot run).

    PYTHONPATH=src python bench/bench_notebook.py          # toy cases; --model adds MiniLM (loads it)
    PYTHONPATH=src python bench/bench_notebook.py --baseline-ref 3317cf9
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import nbformat


def stored(data: dict | None) -> int:
    cell = nbformat.v4.new_code_cell()
    cell.outputs = [nbformat.v4.new_output("display_data", data=data)] if data else []
    return len(nbformat.writes(nbformat.v4.new_notebook(cells=[cell])).encode())


def grows(data: dict) -> int:
    return stored(data) - stored(None)


def data_bytes(trace, lang: str) -> int:
    """What the page output would weigh carrying only the trace's data (meta JSON and weights blob),
    deflated and in base85 as the output carries the page (tests/test_notebook.py: the same)."""
    import base64
    import zlib

    from attnlab.html.encode import encode_trace
    from attnlab.html.render import json_for_script, opening_view

    data = encode_trace(trace, lang=lang)
    text = json_for_script(dict(data.meta, view=opening_view(trace).name)) + data.blob_b64
    return len(base64.b85encode(zlib.compress(text.encode(), 9)))


def cases(model: bool) -> list[tuple[str, object, str]]:
    """(name, trace, lang); the same code runs in the baseline's process (only run_toy and run_text)."""
    from attnlab.toy import run_toy

    out = [
        ("toy 3 tokens (ja)", run_toy(), "ja"),
        ("toy 3 tokens (en)", run_toy(), "en"),
        ("toy 5 tokens, 2 heads, causal", run_toy(tokens="I love transformers so much".split(), heads=2,
                                                  causal=True), "ja"),
        ("toy 32 tokens, d_model 64, 4 heads", run_toy(tokens=[f"t{i}" for i in range(32)], d_model=64, heads=4),
         "ja"),
    ]
    if model:
        from attnlab.models.api import run_text

        out += [("minilm 5 tokens", run_text("Tokyo is beautiful", "minilm"), "ja"),
                ("minilm 15 tokens", run_text("The quick brown fox jumps over the lazy dog because it is happy",
                                              "minilm"), "en")]
    return out


def baseline(ref: str, model: bool) -> dict[str, int]:
    """{case: bytes} of `trace._repr_html_()` (its text/html output) at git `ref`, in a subprocess."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", ref, "src"], cwd=root, check=True, capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_notebook as b\n"
                f"print(json.dumps({{n: b.grows({{'text/html': t._repr_html_(), 'text/plain': repr(t)}})"
                f" for n, t, lang in b.cases({model})}}))")
        env = dict(os.environ, PYTHONPATH=str(Path(tmp) / "src"))
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(name: str, trace, lang: str, before: int) -> list[str]:
    from attnlab.notebook import outputs

    (preview, _), (page, _) = outputs(trace, lang=lang)
    now_page, now_preview = grows(page), grows(preview)
    overhead = now_page - data_bytes(trace, lang)
    return [name, f"{before / 1024:.1f}", f"{now_page / 1024:.1f}", f"{overhead / 1024:.1f}",
            f"{now_preview / 1024:.1f}", f"{before / now_page:.1f}x"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="store_true", help="add MiniLM cases (loads the bundled model)")
    parser.add_argument("--baseline-ref", default="main", help="git ref whose notebook output is the baseline")
    args = parser.parse_args()
    before = baseline(args.baseline_ref, args.model)
    head = ["trace", f"{args.baseline_ref} KB", "page KB", "page overhead KB", "preview KB", "page size ratio"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, trace, lang in cases(args.model):
        print("| " + " | ".join(row(name, trace, lang, before[name])) + " |")


if __name__ == "__main__":
    main()
