"""The why panel's and the flow tab's page data are analysis.why's and analysis.flow's own: every carried
cell equals why_to_dict of a fresh `why` (to the DIGITS it keeps: relative 1e-5), on the toy, synthetic
traces and the bundled models; the cells are the documented set within the byte budget; the flow tab's
data is flow_to_dict of the graph given, with the printout's own lines."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import attnlab
from attnlab.analysis.flow import flow, flow_text, flow_to_dict
from attnlab.analysis.why import why, why_to_dict
from attnlab.errors import AttnlabError
from attnlab.html.encode import decode_arrays, encode_trace
from attnlab.html.render import render_page
from attnlab.toy import run_toy
from attnlab.views.base import PageOptions
from attnlab.views.flow.data import page_meta as flow_meta
from attnlab.views.flow.data import tab_data
from attnlab.views.heatmap.why import PAGE_BYTES, TOP_PER_ROW, Panel, carried_cells, command

from ..analysis.conftest import CASES, synthetic_trace
from ..analysis.test_flow import with_streams
from ..html.fakes import FakeTrace, words

REL = 1e-5  # the page keeps 6 significant digits


def same(a, b) -> bool:
    """a (the page's) equals b (why_to_dict's) to REL, structure and all."""
    if isinstance(b, float):
        return isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in b)
    return a == b


def page_cells(trace, **kw) -> dict:
    arrays = decode_arrays(encode_trace(trace, **kw))
    return json.loads(arrays["why"].tobytes().decode("utf-8")) if "why" in arrays else {}


def check_cells(trace, cells: dict) -> None:
    assert cells
    for key, data in cells.items():
        layer, head, q, k = map(int, key.split("/"))
        w = why(trace, layer, head, q, k)
        assert same(data, {**why_to_dict(w), "added": w.score - w.dot}), key


@pytest.mark.parametrize("options,whole", [
    ({}, True), ({"heads": 2, "causal": True, "temperature": 2.0}, True),
    ({"tokens": "a b c d e".split(), "d_model": 8, "heads": 4, "seed": 3}, False)])
def test_a_toy_page_carries_every_cell_it_can_explain(options, whole):
    toy = run_toy(**options)
    cells = page_cells(toy)
    check_cells(toy, cells)
    n = toy.n_tokens
    visible = [(h, q, k) for h in range(toy.n_heads) for q in range(n) for k in range(n) if not toy.causal or k <= q]
    got = [tuple(map(int, key.split("/")[1:])) for key in cells]
    assert got == visible[: len(got)]  # head 0 (the focus) first, row by row, then the others: a prefix
    if whole:  # the tutorial's sizes: every cell fits the budget
        assert len(got) == len(visible)
    else:  # 5 tokens x 4 heads at d_model 8: the focus head whole, the rest cut by the budget
        assert n * n <= len(got) < len(visible)
    meta = encode_trace(toy).meta["view_meta"]["heatmap"]
    assert meta["n"] == len(cells) and meta["toy"] and meta["focus"] == [0, 0]


@pytest.mark.parametrize("case", ["causal-gqa", "encoder", "additive-bias"])
def test_a_model_page_carries_each_rows_largest_weights(case):
    trace = synthetic_trace(**CASES[case])
    cells = page_cells(trace, focus=(1, 3))
    check_cells(trace, cells)
    w = trace.pattern(1, 3)
    top = w.topk(TOP_PER_ROW, dim=-1)  # a row seeing fewer keys: its hidden ones (weight 0) are not cells
    want = {(q, int(k)) for q in range(trace.n_tokens) for k, v in zip(top.indices[q], top.values[q]) if v > 0}
    assert {tuple(map(int, key.split("/")[2:])) for key in cells} == want
    assert all(key.startswith("1/3/") for key in cells)


def test_the_budget_cuts_whole_ranks_first_and_why_false_carries_nothing():
    trace = synthetic_trace(**CASES["causal-gqa"])
    every = carried_cells(trace, 0, 0, PAGE_BYTES)
    tops = {f"0/0/{q}/{int(trace.pattern(0, 0)[q].argmax())}" for q in range(trace.n_tokens)}
    budget = sum(len(json.dumps(every[key], ensure_ascii=False, separators=(",", ":"))) + 16 for key in tops)
    assert set(carried_cells(trace, 0, 0, budget)) == tops  # every row's largest before any row's second
    assert len(carried_cells(trace, 0, 0, budget - 1)) == len(tops) - 1
    page = render_page(trace, lang="en", why=False)
    assert 'define("views/heatmap/whypanel"' not in page and page_cells(trace, given={"why": Panel(budget=0)}) == {}
    assert "whypanel" in json.dumps(render_page(trace, lang="en", pack=False))


def test_no_panel_for_a_trace_without_queries_and_keys():
    fake = FakeTrace(words(5))
    assert not fake.keeps_qkv and "heatmap" not in encode_trace(fake).meta["view_meta"] and page_cells(fake) == {}


def test_the_command_names_the_cell_to_fill_in():
    assert command(run_toy(heads=2, causal=True, temperature=0.5)) == (
        "attnlab why --toy --tokens 'Tokyo is beautiful' --d-model 4 --heads 2 --causal --temperature 0.5 "
        "--layer {layer} --head {head} --query {query} --key {key}")
    trace = synthetic_trace(**CASES["causal-gqa"])
    assert command(trace) == ("attnlab why TEXT --model synthetic --layer {layer} --head {head} --query {query} "
                              "--key {key}")


@pytest.mark.model
@pytest.mark.parametrize("model", ["minilm", "smollm2"])
def test_bundled_model_pages_carry_why_to_dict(model):
    trace = attnlab.run_text("Tokyo is a beautiful city, and Kyoto is older.", model=model)
    cells = page_cells(trace, focus=(2, 1))
    check_cells(trace, cells)
    rope = [c for c in cells.values() if c["content_score"] is not None]
    assert (len(rope) == len(cells)) if model == "smollm2" else not rope  # RoPE's split: SmolLM2's cells only
    assert len(json.dumps(cells, ensure_ascii=False, separators=(",", ":"))) <= PAGE_BYTES


# the flow tab ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_page_given_a_graph_carries_it(lang):
    trace = with_streams(synthetic_trace(**CASES["causal-gqa"]))
    graph = flow(trace, 20, 0.05)
    data = encode_trace(trace, given={"flow": graph}, lang=lang).meta["view_meta"]["flow"]["data"]
    assert data == tab_data(graph, lang) and {k: data[k] for k in flow_to_dict(graph)} == flow_to_dict(graph)
    lines = flow_text(graph, lang).split("\n")
    assert data["title"] == lines[0] and data["reached"] == lines[-1]
    page = render_page(trace, lang=lang, flow=graph, view="flow")
    assert '"view":"flow"' in page  # it opens on the flow tab


def test_the_flow_tab_shows_only_where_it_can():
    trace = with_streams(synthetic_trace(**CASES["causal-gqa"]))
    assert "flow" not in encode_trace(trace).meta["views"]  # a page file without a graph: no tab
    assert "flow" not in encode_trace(run_toy()).meta["views"]
    live = flow_meta(trace, PageOptions(lang="ja"))
    assert live == {"live": {"lang": "ja", "token": trace.n_tokens - 1, "threshold": 0.04}}
    other = with_streams(synthetic_trace(n=10, causal=False, n_kv=6))  # other tokens
    with pytest.raises(AttnlabError, match="not of this trace"):
        render_page(trace, lang="en", flow=flow(other, 3, 0.05))
    with pytest.raises(AttnlabError, match="needs a model trace"):
        render_page(run_toy(), flow=flow(trace, 3, 0.05))
    assert np.isfinite([e["importance"] for e in tab_data(flow(trace, 3, 0.05), "en")["edges"]]).all()


def test_a_toy_too_wide_for_one_cell_carries_none_and_says_the_command():
    toy = run_toy(tokens=("a", "b"), d_model=96, heads=2)  # 96^2 pairs a cell: over 64 KiB of JSON
    data = encode_trace(toy)
    assert page_cells(toy) == {} and data.meta["view_meta"]["heatmap"]["n"] == 0
    assert "why" in data.meta["arrays"]  # "{}": the panel is there, and says so for every cell
    assert command(toy).startswith("attnlab why --toy --tokens 'a b' --d-model 96 --heads 2 --layer")
