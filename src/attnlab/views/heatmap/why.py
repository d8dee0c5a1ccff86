"""The heatmap's "why this score" panel (whypanel.js): which cells a page carries, and the server's answer.

Selecting a cell opens the panel for (layer, head, query, key); every number in it is
`analysis.why.why_to_dict`'s (Python is the one computation; the panel only lays them out), plus
`added` (score - dot: what the model applied after the dot product).

A page file cannot hold every cell's terms (d_head of them, and RoPE's bands, per cell: a
SmolLM2 cell is ~1.6 KB of JSON), so it carries a bounded set for its focus (layer, head):

- the toy: every cell of the focus head, row by row, then the layer's other heads (a toy's cell is
  small until d_model grows: its x W_Q, x W_K parts and d_model x d_model pairs);
- a model: the cells the focus head gives the most weight per row, TOP_PER_ROW of them, every row's
  largest first, then every row's second, ... (so a budget cut keeps each row's top cell);

until their JSON reaches PAGE_BYTES. They travel in the page's blob (deflated with the weights) as the
UTF-8 bytes of that JSON, the array `why`, which also brings in the panel's code and words (a
`DataModule`: a page without cells, e.g. of a trace keeping no q and k, carries neither). A cell not
carried says so in the panel, with the CLI command that explains it (`attnlab why ...`), or in a
notebook output (`attnlab.show(trace, why=True)`: render_page's advice="python") the Python call; the web
app asks its server instead (server/routes_why.py, `why_answer`), for any cell of any kept trace that
keeps its queries and keys.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...analysis.why import Why, why, why_text, why_to_dict
from ...errors import AttnlabError
from ...trace import AttentionTrace
from ..base import PageOptions

PAGE_BYTES = 64 * 1024  # JSON characters of carried cells a page file may hold (measured: docs/why.md)
TOP_PER_ROW = 3  # a model page's cells per row of the focus head (its largest weights)
DIGITS = 6  # significant digits a carried number keeps (the panel shows 4 decimals)
ADVICE = ("cli", "python")  # where a page is read: what explains a cell it does not carry (render_page's advice)


@dataclass(frozen=True)
class Panel:
    """How a page makes its why panel: `PageOptions.given["why"]` (render_page's why= and advice=)."""

    budget: int = PAGE_BYTES  # JSON characters of cells carried (0: none, and so no panel: the notebook's default)
    advice: str = "cli"  # what names a cell not carried: "cli" (`attnlab why`) or "python" (`attnlab.why(trace, ...)`)
    part: str | None = None  # an encoder-decoder's part this page is ("encoder", "decoder"): its Python call's


def _panel(page: PageOptions) -> Panel:
    return page.given.get("why") or Panel()


def cell_data(w: Why) -> dict[str, Any]:
    """What the panel shows of one cell: why_to_dict and `added` (score - dot)."""
    return {**why_to_dict(w), "added": w.score - w.dot}


def why_answer(trace: AttentionTrace, layer: int, head: int, query: int, key: int, lang: str) -> dict[str, Any]:
    """The server's answer for one cell: the panel's data and the printout (`attnlab why`'s text) in `lang`."""
    w = why(trace, layer, head, query, key)
    return {"why": cell_data(w), "text": why_text(w, lang)}


def _rounded(value: Any) -> Any:
    """Floats to DIGITS significant digits, recursively (ints, strings, None unchanged)."""
    if isinstance(value, float):
        return float(f"{value:.{DIGITS}g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def candidate_cells(trace: AttentionTrace, layer: int, head: int) -> list[tuple[int, int, int]]:
    """(head, query, key) in the order a page carries them (see the module docstring)."""
    n = trace.n_tokens
    if trace.stages is not None:
        heads = [head, *(h for h in range(trace.n_heads) if h != head)]
        return [(h, q, k) for h in heads for q in range(n) for k in range(n)]
    w = trace.pattern(layer, head).float()  # [q_pos, k_pos]
    top = w.topk(min(TOP_PER_ROW, n), dim=-1)
    return [(head, q, int(top.indices[q, r])) for r in range(top.indices.shape[1]) for q in range(n)
            if float(top.values[q, r]) > 0]


def carried_cells(trace: AttentionTrace, layer: int, head: int, budget: int = PAGE_BYTES) -> dict[str, Any]:
    """{"layer/head/query/key": the cell's panel data, rounded} within `budget` JSON characters."""
    cells: dict[str, Any] = {}
    if trace.stages is not None and 8 * int(trace.stages.x.shape[1]) ** 2 > budget:
        return cells  # a toy cell holds d_model^2 pairs (8 characters or more each): not one fits
    used = 0
    for h, q, k in candidate_cells(trace, layer, head):
        try:
            data = _rounded(cell_data(why(trace, layer, h, q, k)))
        except AttnlabError:  # a hidden cell: the panel says the mask hides it
            continue
        size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":"))) + 16
        if used + size > budget:
            break
        cells[f"{layer}/{h}/{q}/{k}"] = data
        used += size
    return cells


def command(trace: AttentionTrace, panel: Panel = Panel()) -> str:
    """`attnlab why` for a cell of this trace, with {layer} {head} {query} {key} for the panel to fill in
    (a model's TEXT: the page's own text, which a trace does not keep; a toy's options from the trace);
    advice "python": the call in the notebook that shows the trace (its name there unknown: `trace`; an
    encoder-decoder's part: `trace.encoder`, `trace.decoder`)."""
    if panel.advice == "python":
        shown = "trace" if panel.part is None else f"trace.{panel.part}"
        return f"attnlab.why({shown}, {{layer}}, {{head}}, {{query}}, {{key}})"
    cell = "--layer {layer} --head {head} --query {query} --key {key}"
    if trace.stages is None:
        return f"attnlab why TEXT --model {shlex.quote(trace.model)} {cell}"
    d_model = int(trace.stages.x.shape[1])
    extra = (" --causal" if trace.causal else "") + (
        f" --temperature {trace.temperature:g}" if trace.temperature != 1 else "")
    return (f"attnlab why --toy --tokens {shlex.quote(' '.join(trace.token_texts))} --d-model {d_model} "
            f"--heads {trace.n_heads}{extra} {cell}")


def _budget(trace: AttentionTrace, page: PageOptions) -> int:
    """The JSON characters of cells this page may carry: 0 for a trace without q and k, a remote page (the
    app's, too long for one page: its panel asks the server) and render_page(why=False) (the notebook's)."""
    if not trace.keeps_qkv or page.remote:
        return 0
    return _panel(page).budget


def _cells(trace: AttentionTrace, page: PageOptions) -> dict[str, Any]:
    """The page's carried cells (kept in the trace's memo: page_arrays and page_meta both read them)."""
    budget = _budget(trace, page)
    if budget <= 0:
        return {}
    layer, head = page.focus

    def compute() -> dict[str, Any]:
        try:
            return carried_cells(trace, layer, head, budget)
        except AttnlabError:  # a trace this panel cannot read (another layout): no cells
            return {}

    return trace.memo.get(("why_cells", layer, head, budget), compute)


def page_arrays(trace: AttentionTrace, page: PageOptions) -> dict[str, np.ndarray]:
    """{"why": uint8 [bytes] the carried cells' JSON}, "{}" when none fits (the panel then gives each cell's
    command); nothing for a page with no budget (no panel: its code comes with this array)."""
    if _budget(trace, page) <= 0:
        return {}
    cells = _cells(trace, page)
    text = json.dumps(cells, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return {"why": np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any] | None:
    """What the panel needs besides the cells: {"lang", "command", "toy", "python", "focus", "n"}; None for a trace
    without queries and keys (no panel)."""
    if not trace.keeps_qkv:
        return None
    panel = _panel(page)
    return {"lang": page.lang, "command": command(trace, panel), "toy": trace.stages is not None,
            "python": panel.advice == "python", "focus": list(page.focus), "n": len(_cells(trace, page))}
