"""Mangle the page modules' local names with terser, at development time: html/assets/mangled.json.

    make minify      # npm ci in scripts/js (terser, pinned), then this script

Pages and notebook outputs carry every JS asset minified; rJSmin (a Python dependency) only drops
comments and whitespace, terser also renames each function's local variables, which takes another
tenth off the deflated code that every displayed trace stores (docs/benchmarks.md, "Notebook
outputs"). Nothing here runs when attnlab runs: `attnlab.html.code.minified(name)` takes an asset's mangled code
from mangled.json when the sha256 recorded there is the asset's, and rJSmin's otherwise, so an asset
edited since still works (in larger pages), and tests/html/test_render.py fails until this is rerun.
Only names are changed (`--mangle`, no `--compress`): property names, strings and template literals
stay as written, and the browser tests run the mangled code.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from attnlab.fileio import write_text
from attnlab.html.code import MANGLED, asset, asset_js_names

ROOT = Path(__file__).resolve().parents[1]
TERSER = ROOT / "scripts" / "js" / "node_modules" / ".bin" / "terser"


def mangle(source: str) -> str:
    run = subprocess.run([str(TERSER), "--compress", "--mangle", "--ecma", "2020", "--format", "comments=false"],
                         input=source, capture_output=True, text=True, check=False)
    if run.returncode:
        sys.exit(f"terser failed: {run.stderr.strip()}")
    return run.stdout.strip()


def main() -> int:
    if not TERSER.exists():
        sys.exit(f"{TERSER} is missing: run `npm ci` in scripts/js (or `make minify`)")
    out = {}
    for name in asset_js_names():
        source = asset(name)
        out[name] = {"sha256": hashlib.sha256(source.encode("utf-8")).hexdigest(), "code": mangle(source)}
        print(f"{name}: {len(source):,} -> {len(out[name]['code']):,} characters")
    write_text(ROOT / "src" / "attnlab" / "html" / "assets" / MANGLED,
               json.dumps(out, ensure_ascii=False, indent=0, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
