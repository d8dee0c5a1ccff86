"""Page size and time to first draw in Chromium: attnlab's pages vs a bertviz-style page.

The bertviz-style page is what bertviz embeds: every layer's and head's weights as nested JSON lists
of full floats, parsed by the page script, which then draws bertviz's default picture (the head
view of layer 0, all heads: one SVG <line> per query, key and head, opacity = weight). For the
4,096-token case both pages draw a heatmap of the one head (the bertviz-style one from its JSON,
on a canvas), since thousands of lines per token are nobody's view.

Cases: MiniLM (bundled all-MiniLM-L6-v2, 6 layers x 12 heads) at 13 and 211 tokens through
`attnlab.models.api`; one head at 4,096 tokens from a synthetic causal softmax map (a local band,
a first-token sink and noise; a model forward at 4,096 tokens is not needed to measure a page).

Run: PYTHONPATH=src python bench/bench_pages.py [--skip-baseline-4096] [--out test-artifacts/bench]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from attnlab.html import render_page
from attnlab.html.encode import decoded_weights, encode_trace
from attnlab.trace import AttentionTrace, Token

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PARAGRAPH = (
    "Attention lets every token of a sentence look at every other token and decide how much of "
    "each one to mix into its own representation. The weights come from a softmax over scaled dot "
    "products of queries and keys, so each row sums to one. Some heads look at the previous token, "
    "some at the separator, some at words that belong together, and many spread their attention "
    "thinly over the whole input. Drawing these patterns is the easiest way to see what a model "
    "does with a sentence, and drawing them quickly matters when the sentence is long. "
) * 4


class SyntheticTrace(AttentionTrace):
    """One causal head over n tokens: band + sink + noise logits, softmax over k_pos."""

    def __init__(self, n: int, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        q = torch.arange(n)[:, None]
        k = torch.arange(n)[None, :]
        band = 3.0 * torch.exp(-((q - k).float() ** 2) / 8.0)  # [q_pos, k_pos]: the last few tokens
        logits = band + torch.randn(n, n, generator=g)
        logits[:, 0] += 4.0  # attention sink on the first token
        logits = logits.masked_fill(k > q, float("-inf"))
        self._w = logits.softmax(-1)
        self.tokens = tuple(Token(f"t{i}") for i in range(n))
        self.model, self.n_layers, self.n_heads, self.n_kv_heads = "synthetic", 1, 1, 1
        self.causal, self.temperature = True, 1.0

    def _weights(self, layer, heads):  # the trace contract: [head, q_pos, k_pos]
        return self._w[None]


def minilm_trace(n: int) -> AttentionTrace:
    from attnlab.models import api

    lm = api.load("minilm")
    ids = api.encode(lm, PARAGRAPH, truncate=True).ids
    ids = [*ids[: n - 1], ids[-1]]  # [CLS] ... [SEP], exactly n tokens
    trace = api.trace_ids(lm, [ids])[0]
    assert trace.n_tokens == n, trace.n_tokens
    return trace


def all_maps(trace: AttentionTrace) -> np.ndarray:
    """[layer, head, q_pos, k_pos] fp32."""
    layers = range(trace.n_layers)
    return np.stack([np.stack([trace.pattern(li, h).numpy() for h in range(trace.n_heads)]) for li in layers])


BASELINE_JS = """
const P = JSON.parse(document.getElementById('params').textContent);
const att = P.attention[0].attn, tokens = P.attention[0].left_text, n = tokens.length;
function done() {
  requestAnimationFrame(() => {
    window.__firstDrawMs = performance.now(); document.body.dataset.ready = "1";
  });
}
if (P.mode === 'heatmap') {
  const c = document.createElement('canvas'); c.width = n; c.height = n; document.body.append(c);
  const img = c.getContext('2d').createImageData(n, n), m = att[0][0];
  for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) {
    const v = Math.round(255 * m[q][k]), o = 4 * (q * n + k);
    img.data[o] = v; img.data[o + 1] = v; img.data[o + 2] = 255 - v; img.data[o + 3] = 255;
  }
  c.getContext('2d').putImageData(img, 0, 0); done();
} else {
  const NS = 'http://www.w3.org/2000/svg', svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', 500); svg.setAttribute('height', 20 * n + 20); document.body.append(svg);
  const heads = att[0].length;
  for (let i = 0; i < n; i++) for (const [x, a] of [[100, 'end'], [400, 'start']]) {
    const t = document.createElementNS(NS, 'text'); t.setAttribute('x', x); t.setAttribute('y', 20 * i + 15);
    t.setAttribute('text-anchor', a); t.textContent = tokens[i]; svg.append(t);
  }
  for (let h = 0; h < heads; h++) for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) {
    const l = document.createElementNS(NS, 'line');
    l.setAttribute('x1', 105); l.setAttribute('y1', 20 * q + 10);
    l.setAttribute('x2', 395); l.setAttribute('y2', 20 * k + 10);
    l.setAttribute('stroke', `hsl(${h * 30},70%,45%)`);
    l.setAttribute('stroke-opacity', att[0][h][q][k]); svg.append(l);
  }
  done();
}
"""


def baseline_page(trace: AttentionTrace, mode: str) -> str:
    """bertviz-style: {"attention": [{"attn": [layer][head][q][k] full floats, "left_text": ...}]}."""
    maps = all_maps(trace)
    texts = trace.token_texts
    params = {"mode": mode, "attention": [{"name": "all", "attn": maps.tolist(),
                                           "left_text": texts, "right_text": texts}]}
    data = json.dumps(params).replace("<", "\\u003c")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
            f"<script type='application/json' id='params'>{data}</script>"
            f"<script>{BASELINE_JS}</script></body></html>")


def first_draw(browser, path: Path, expr: str, timeout_s: float) -> float | None:
    """ms from navigation start to the first frame after the draw, or None past timeout_s."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        page.goto(path.as_uri(), wait_until="commit", timeout=timeout_s * 1000)
        # both pages set body[data-ready] after their first frame; polling with wait_for_function would
        # need eval, which attnlab's Content-Security-Policy forbids
        page.wait_for_selector("body[data-ready]", state="attached", timeout=timeout_s * 1000)
        return float(page.evaluate(expr))
    except PlaywrightTimeout:
        print(f"  {path.name}: no draw within {timeout_s:.0f} s", file=sys.stderr)
        return None
    finally:
        page.close()


def hover_and_switch(browser, path: Path, n: int, heads: int) -> dict:
    """Hover latency (event -> next frame, in the page) over 30 cells; head switch times."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=120000)
    box = page.locator("canvas.hm-over").bounding_box()
    rng = np.random.default_rng(0)
    for _ in range(30):
        q, k = (int(x) for x in rng.integers(0, n, 2))
        xy = page.evaluate(f"window.__attnlab.views.heatmap.cellXY({q}, {k})")
        page.mouse.move(box["x"] + xy["x"], box["y"] + xy["y"])
        page.wait_for_timeout(20)  # let the frame after the hover happen before the next move
    hover = page.evaluate("window.__attnlab.hover")
    page.evaluate("window.__attnlab.switchMs.length = 0")
    for m in range(1, min(heads, 12)):
        page.select_option("section[data-pane='heatmap'] select >> nth=1", str(m))
    switch = page.evaluate("window.__attnlab.switchMs")
    page.close()
    return {"hover_med": statistics.median(hover), "hover_max": max(hover),
            "switch_max": max(switch) if switch else None}


def fmt_ms(v: float | None, timeout_s: float) -> str:
    if v is None:
        return f"> {timeout_s:.0f} s (timed out)"
    return f"{v:.0f} ms" if v < 10000 else f"{v / 1000:.1f} s"


def run_case(browser, name, trace, out: Path, base_mode: str, base: bool, timeout_s: float) -> dict:
    row = {"case": name}
    t0 = time.perf_counter()
    ours = render_page(trace, lang="en")
    row["render_s"] = time.perf_counter() - t0
    shown = decoded_weights(encode_trace(trace))[:, : trace.n_heads]  # [layer, head, q_pos, k_pos]
    row["err"] = float(np.abs(shown - all_maps(trace)).max())
    (out / f"{name}-ours.html").write_text(ours, encoding="utf-8")
    headview = render_page(trace, lang="en", view="headview")
    (out / f"{name}-ours-headview.html").write_text(headview, encoding="utf-8")
    row["ours_bytes"] = len(ours.encode())
    row["ours_ms"] = first_draw(browser, out / f"{name}-ours.html", "window.__attnlab.firstDrawMs", timeout_s)
    if trace.n_tokens <= 1024:
        row["ours_head_ms"] = first_draw(browser, out / f"{name}-ours-headview.html",
                                         "window.__attnlab.firstDrawMs", timeout_s)
    row.update(hover_and_switch(browser, out / f"{name}-ours.html", trace.n_tokens, trace.n_heads))
    if base:
        page = baseline_page(trace, base_mode)
        row["base_bytes"] = len(page.encode())
        (out / f"{name}-bertviz-style.html").write_text(page, encoding="utf-8")
        del page
        base_path = out / f"{name}-bertviz-style.html"
        row["base_ms"] = first_draw(browser, base_path, "window.__firstDrawMs", timeout_s)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test-artifacts/bench")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--skip-baseline-4096", action="store_true")
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for n in (13, 211):
            trace = minilm_trace(n)
            rows.append(run_case(browser, f"minilm-{n}", trace, out, "headview", True, args.timeout))
        rows.append(run_case(browser, "synthetic-4096", SyntheticTrace(4096), out, "heatmap",
                             not args.skip_baseline_4096, args.timeout))
        browser.close()
    print_table(rows, args.timeout)


def print_table(rows, timeout_s):
    """The markdown table of docs/benchmarks.md (attnlab and the bertviz-style page side by side)."""
    print("| case | page: attnlab | page: bertviz-style | size ratio | first draw: attnlab "
          "(heatmap / head view) | first draw: bertviz-style | hover median / max | head switch max "
          "| max weight error |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        base = r.get("base_bytes")
        cells = [
            r["case"],
            f"{r['ours_bytes'] / 1e6:.2f} MB",
            f"{base / 1e6:.1f} MB" if base else "–",
            f"1/{base / r['ours_bytes']:.0f}" if base else "–",
            fmt_ms(r["ours_ms"], timeout_s)
            + (f" / {fmt_ms(r['ours_head_ms'], timeout_s)}" if "ours_head_ms" in r else ""),
            fmt_ms(r.get("base_ms"), timeout_s) if base else "–",
            f"{r['hover_med']:.0f} / {r['hover_max']:.0f} ms",
            f"{r['switch_max']:.0f} ms" if r["switch_max"] is not None else "– (one head)",
            f"{r['err']:.5f}",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
