"""What the census tabs add to a page: the head census (atlas), the rollout and the value-weighted switch.

Side by side in one process: `render_page` with every registered view (the census tabs included) and
the same page without them (the registry patched to the views before: no atlas, no rollout, a heatmap
without value norms), alternating, best of `--repeat`; the time of each added part on its own (the
census of the text, the full rollout, the value norms and exact row totals); the page sizes; and in
Chromium, the first draw of both pages (median of `--repeat`, alternating), the time to build each
new tab and to switch the heatmap to value-weighted (one head, then the head mean of the same layer).

Cases: MiniLM at 211 tokens (as bench_pages.py) and SmolLM2 at 300 tokens (all 30 layers: the longest
SmolLM2 page holds 334), both on bench_pages.PARAGRAPH.

Run: PYTHONPATH=src python bench/bench_census_page.py [--repeat 3] [--out test-artifacts/bench]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

from bench_pages import CHROMIUM_ARGS, PARAGRAPH, first_draw, minilm_trace  # this folder: the script's own

import attnlab.views as views
from attnlab.html import render_page

NEW = ("atlas", "rollout")


def smollm2_trace(n: int):
    from attnlab.models import api

    lm = api.load("smollm2")
    ids = api.encode(lm, PARAGRAPH, truncate=True).ids[:n]
    trace = api.trace_ids(lm, [ids])[0]
    assert trace.n_tokens == n, trace.n_tokens
    return trace


def without_census_tabs() -> tuple:
    """The registry as it was before the census tabs: no atlas, no rollout, no value norms."""
    before = []
    for v in views.VIEWS:
        if v.name in NEW:
            continue
        before.append(dataclasses.replace(v, page_arrays=lambda trace, page: {}) if v.name == "heatmap" else v)
    return tuple(before)


def timed(fn, repeat: int) -> tuple[object, float]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def render_both(trace, repeat: int) -> dict:
    """Pages with and without the census tabs, rendered alternately; best time of each."""
    full, before = views.VIEWS, without_census_tabs()
    times = {"with": [], "without": []}
    pages = {}
    for _ in range(repeat):
        for name, registry in (("without", before), ("with", full)):
            views.VIEWS = registry
            try:
                t0 = time.perf_counter()
                pages[name] = render_page(trace, lang="en")
                times[name].append(time.perf_counter() - t0)
            finally:
                views.VIEWS = full
    return {"pages": pages, "render_with": min(times["with"]), "render_without": min(times["without"])}


def parts(trace, repeat: int) -> dict:
    from attnlab.analysis.census import head_census
    from attnlab.views.heatmap.data import value_weighted_page_data
    from attnlab.views.rollout import rollout_page_data

    return {
        "census": timed(lambda: head_census(trace, probe=False), repeat)[1],
        "rollout": timed(lambda: rollout_page_data(trace), repeat)[1],
        "vw": timed(lambda: value_weighted_page_data(trace), repeat)[1],
    }


def in_browser(browser, path: Path, n_heads: int) -> dict:
    """ms to build and draw each new tab, and the heatmap's value-weighted switch (a head, the mean)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=120000)
    out = {}
    for tab in NEW:
        out[f"{tab}_ms"] = page.evaluate(f"(() => {{ const t0 = performance.now(); window.__attnlab.show('{tab}'); "
                                 "return performance.now() - t0; })()")
    page.evaluate("window.__attnlab.show('heatmap')")
    page.evaluate("window.__attnlab.switchMs.length = 0")
    page.select_option("section[data-pane='heatmap'] select >> nth=2", "vw")
    page.select_option("section[data-pane='heatmap'] select >> nth=1", str(n_heads))  # the head mean
    switch = page.evaluate("window.__attnlab.switchMs")
    out["vw_head"], out["vw_mean"] = switch[0], switch[1]
    out["errors"] = page.evaluate("window.__attnlab.errors")
    page.close()
    return out


def run_case(browser, name: str, trace, out: Path, repeat: int) -> dict:
    row = {"case": name, "n": trace.n_tokens, **render_both(trace, repeat), **parts(trace, repeat)}
    for kind in ("with", "without"):
        (out / f"{name}-{kind}.html").write_text(row["pages"][kind], encoding="utf-8")
        row[f"bytes_{kind}"] = len(row["pages"][kind].encode())
    draws = {"with": [], "without": []}
    for _ in range(repeat):  # alternately: the machine's load changes from one second to the next
        for kind in ("without", "with"):
            draws[kind].append(first_draw(browser, out / f"{name}-{kind}.html", "window.__attnlab.firstDrawMs", 120))
    for kind, ms in draws.items():
        row[f"draw_{kind}"] = statistics.median(ms)
    row.update(in_browser(browser, out / f"{name}-with.html", trace.n_heads))
    del row["pages"]
    return row


def print_table(rows: list[dict]) -> None:
    print("| case | page without → with census tabs | render without → with | census / rollout / value norms "
          "(Python) | first draw without / with | build: atlas / rollout tab | value-weighted switch: head / "
          "mean |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        size = r["bytes_with"] / r["bytes_without"]
        slow = r["render_with"] / r["render_without"]
        print(f"| {r['case']} ({r['n']} tokens) "
              f"| {r['bytes_without'] / 1e6:.2f} → {r['bytes_with'] / 1e6:.2f} MB (x{size:.2f}) "
              f"| {r['render_without']:.2f} → {r['render_with']:.2f} s (x{slow:.2f}) "
              f"| {r['census']:.2f} / {r['rollout']:.2f} / {r['vw']:.2f} s "
              f"| {r['draw_without']:.0f} / {r['draw_with']:.0f} ms "
              f"| {r['atlas_ms']:.0f} / {r['rollout_ms']:.0f} ms "
              f"| {r['vw_head']:.0f} / {r['vw_mean']:.0f} ms |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test-artifacts/bench")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, make in (("minilm-211", lambda: minilm_trace(211)), ("smollm2-300", lambda: smollm2_trace(300))):
            row = run_case(browser, name, make(), out, args.repeat)
            rows.append(row)
            print(row, file=sys.stderr)
        browser.close()
    print_table(rows)


if __name__ == "__main__":
    main()
