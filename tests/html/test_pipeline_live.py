"""The pipeline tab in Chromium: editing x, the temperature and the mask recomputes every stage in
the page, within the precision the page states of the Python toy's result; the bridge shows a real
head's pipeline from its captured q, k, v; the 読み取れること tab shows the trace's explanation."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from attnlab.attention import attend
from attnlab.html import render_page
from attnlab.reporting import explain
from attnlab.toy import ToySpec, run_toy
from attnlab.trace import QKV, AttentionTrace, Token
from attnlab.views.pipeline import RECOMPUTE_TOL

pytestmark = pytest.mark.browser
SPEC = ToySpec(tokens=("東京", "は", "美しい", "街"), d_model=4, heads=2, causal=True, temperature=0.7)
PANE = 'section[data-pane="pipeline"]'


def stages_of(tr, mask=None):
    """Python's stages of a toy trace as the page names them: per head Q, K, V, s (unmasked), m
    (masked), z = m / T, w, o; with `mask` ([q, k] bool, True = visible) the toy's Q, K, V attended
    under that mask instead (attention.attend, the toy's own math)."""
    st, T = tr.stages, tr.temperature
    out = {"x": st.x}
    if mask is not None:
        o, m, w = attend(st.Q, st.K, st.V, mask=mask, temperature=T)
    else:
        o, m, w = st.head_outputs, st.scores, st.weights
    s = (st.Q @ st.K.transpose(-2, -1)) / math.sqrt(st.Q.shape[-1])
    out.update(Q=st.Q, K=st.K, V=st.V, s=s, m=m, z=m / T, w=w, o=o)
    return out


def assert_page_equals(snap, ref, tol=RECOMPUTE_TOL):
    """Every number of every stage within tol x (1 + |python|); masked cells null on both sides."""
    for name, want in ref.items():
        got = np.array(snap[name], dtype=object)
        want = want.detach().double().numpy()
        if name == "x":
            got = got[None]
            want = want[None]
        for h in range(want.shape[0]):
            g = np.array([[np.nan if v is None else v for v in row] for row in got[h]], dtype=float)
            hidden = ~np.isfinite(want[h])
            assert (np.isnan(g) == hidden).all(), name
            err = np.abs(g[~hidden] - want[h][~hidden]) / (1 + np.abs(want[h][~hidden]))
            assert err.max(initial=0) <= tol, (name, h, err.max())


def snapshot(o):
    return o.page.evaluate("window.__attnlab.views.pipeline.snapshot()")


def cell(o, stage, i, j):
    """Centre of cell (i, j) of a stage canvas, in the page (the tab's own geometry: its label margins)."""
    box = o.page.locator(f'{PANE} canvas[data-stage="{stage}"]').bounding_box()
    xy = o.page.evaluate(f"window.__attnlab.views.pipeline.cellXY('{stage}', {i}, {j})")
    return box["x"] + xy["x"], box["y"] + xy["y"]


def test_unedited_page_shows_the_trace_and_its_math_path_agrees(open_page):
    tr = run_toy(SPEC)
    o = open_page(render_page(tr, lang="ja"), "pipeline-live-plain")
    assert_page_equals(snapshot(o), stages_of(tr))
    status = o.page.locator('[data-testid="pipe-status"]').inner_text()
    assert "float32" in status and "1e-5" in status
    assert o.page.locator(f"{PANE} .hint").count() == 1  # the hint once
    assert o.page.locator('[data-testid="pipe-info"]').inner_text() == ""
    o.check_clean()


def test_editing_x_the_temperature_and_the_mask_recomputes_every_stage(open_page):
    tr = run_toy(SPEC)
    o = open_page(render_page(tr, lang="en"), "pipeline-live-edit")
    # 1. a cell of x: click it, type, Enter
    o.page.mouse.click(*cell(o, "x", 2, 1))
    box = o.page.locator('[data-testid="pipe-x-input"]')
    box.fill("1.7")
    box.press("Enter")
    x = tr.stages.x.clone()
    x[2, 1] = 1.7
    spec = replace(SPEC, x=tuple(map(tuple, x.tolist())))
    assert_page_equals(snapshot(o), stages_of(run_toy(spec)))
    assert "Edited" in o.page.locator('[data-testid="pipe-status"]').inner_text()
    # 2. the temperature
    t_in = o.page.locator('[data-testid="pipe-t"]')
    t_in.fill("0.35")
    t_in.press("Enter")
    spec = replace(spec, temperature=0.35)
    assert_page_equals(snapshot(o), stages_of(run_toy(spec)))
    # 3. the mask off, then on again and one cell switched by a click (row 3 stops seeing key 1)
    o.page.click('[data-testid="pipe-causal"]')
    spec = replace(spec, causal=False)
    assert_page_equals(snapshot(o), stages_of(run_toy(spec)))
    o.page.click('[data-testid="pipe-causal"]')
    o.page.mouse.click(*cell(o, "mask", 3, 1))
    mask = torch.ones(4, 4, dtype=torch.bool).tril()
    mask[3, 1] = False
    ref = stages_of(run_toy(replace(spec, causal=True)), mask=mask)
    snap = snapshot(o)
    assert_page_equals(snap, ref)
    assert snap["w"][0][3][1] is not None and snap["w"][0][3][1] == 0  # hidden: weight 0, drawn as —
    # the hover reads the recomputed numbers
    o.page.mouse.move(*cell(o, "weights", 3, 2))
    line = o.page.locator('[data-testid="pipe-info"]').inner_text().splitlines()[0]
    assert line.startswith("weight[街, 美しい] = ")
    assert abs(float(line.split("= ")[1]) - float(ref["w"][0, 3, 2])) < 1e-4
    o.page.mouse.move(*cell(o, "weights", 3, 1))
    assert "weight[街, は] = —" in o.page.locator('[data-testid="pipe-info"]').inner_text()
    o.shot("pipeline-live-edited")
    # the explanation tab says it explains the original trace
    o.page.click('nav.tabs button[data-view="explain"]')
    assert o.page.locator('[data-testid="explain-stale"]').is_visible()
    o.page.click('nav.tabs button[data-view="pipeline"]')
    o.page.click('[data-testid="pipe-reset"]')
    assert_page_equals(snapshot(o), stages_of(tr))
    o.page.click('nav.tabs button[data-view="explain"]')
    assert not o.page.locator('[data-testid="explain-stale"]').is_visible()
    o.check_clean()


def test_bad_edits_are_refused_with_a_message(open_page):
    tr = run_toy(SPEC)
    o = open_page(render_page(tr, lang="ja"), "pipeline-live-bad")
    before = snapshot(o)
    t_in = o.page.locator('[data-testid="pipe-t"]')
    t_in.fill("-1")
    t_in.press("Enter")
    status = o.page.locator('[data-testid="pipe-status"]')
    assert status.inner_text() == "温度は 0 より大きい数にしてください。"
    assert snapshot(o) == before
    o.page.mouse.click(*cell(o, "mask", 0, 0))  # row 0 sees only itself under the causal mask
    assert status.inner_text() == "各行には見えるキーが少なくとも 1 つ必要です。"
    assert snapshot(o) == before
    o.check_clean()


def test_a_bigger_toy_recomputes_within_the_stated_precision(open_page):
    spec = ToySpec(tokens=tuple(f"t{i}" for i in range(24)), d_model=16, heads=4, seed=3, temperature=1.3)
    tr = run_toy(spec)
    o = open_page(render_page(tr, lang="en"), "pipeline-live-big")
    o.page.click('[data-testid="pipe-causal"]')
    assert_page_equals(snapshot(o), stages_of(run_toy(replace(spec, causal=True))))
    o.check_clean()


class QKVTrace(AttentionTrace):
    """A model-like trace from given q, k, v per layer (grouped-query: 4 heads over 2 kv heads)."""

    def __init__(self, n, *, causal=True, bias=0.0, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.tokens = tuple(Token(text=f"w{i}", word=i) for i in range(n))
        self.model, self.causal, self.temperature = "qkv", causal, 1.0
        self.n_layers, self.n_heads, self.n_kv_heads = 2, 4, 2
        self._q = torch.randn(2, 4, n, 8, generator=g)
        self._k = torch.randn(2, 2, n, 8, generator=g)
        self._v = torch.randn(2, 2, n, 8, generator=g)
        self._bias = bias  # a position bias the bridge does not know about

    keeps_qkv = True

    def qkv(self, layer):
        return QKV(self._q[layer], self._k[layer], self._v[layer], 8 ** -0.5)

    def _weights(self, layer, heads):
        k = self._k[layer][torch.tensor(heads) // 2]
        s = self._q[layer][heads] @ k.transpose(-2, -1) * self.qkv(layer).scale
        s = s + self._bias * torch.arange(s.shape[-1])
        if self.causal:
            s = s.masked_fill(~torch.ones(s.shape[-2:], dtype=torch.bool).tril(), float("-inf"))
        return s.softmax(-1)


def bridge_reference(tr, layer, head, rows):
    qkv = tr.qkv(layer)
    k, v = qkv.k[head // 2].double(), qkv.v[head // 2].double()
    q = qkv.q[head].double()
    s = q @ k.T * qkv.scale
    m = s.masked_fill(~torch.ones_like(s, dtype=torch.bool).tril(), float("-inf")) if tr.causal else s
    w = tr.pattern(layer, head).double()
    return {"Q": q[rows][None], "K": k[None], "V": v[None], "s": s[rows][None], "m": m[rows][None],
            "w": w[rows][None], "o": (w @ v)[rows][None]}


def test_the_bridge_shows_one_real_head_from_its_q_k_v(open_page):
    tr = QKVTrace(20)
    o = open_page(render_page(tr, lang="en", focus=(1, 3)), "bridge")
    assert o.page.locator('nav.tabs button.on').inner_text() == "Heatmap"  # a model page opens on the heatmap
    o.page.click('nav.tabs button[data-view="pipeline"]')
    intro = o.page.locator('[data-testid="bridge-intro"]').inner_text()
    assert intro.startswith("qkv, layer 1, head 3 (kv head 1, d_head 8)") and "x is not kept" in intro
    snap = snapshot(o)
    assert_page_equals(snap, bridge_reference(tr, 1, 3, [19]), tol=1e-5)  # 20 tokens: one row, the last
    o.page.select_option('[data-testid="bridge-row"]', "7")
    assert_page_equals(snapshot(o), bridge_reference(tr, 1, 3, [7]), tol=1e-5)
    # one row of 20 keys: key 11
    o.page.mouse.move(*cell(o, "scores", 0, 11))
    lines = o.page.locator('[data-testid="pipe-info"]').inner_text().splitlines()
    want = float(tr.qkv(1).q[3, 7] @ tr.qkv(1).k[1, 11]) * tr.qkv(1).scale  # kv head 3 // 2 = 1
    assert lines[0] == f"score[7 w7, 11 w11] = {want:.4f}" and lines[1] == "= Q[7 w7, :] · K[11 w11, :] × 0.3536"
    o.page.mouse.move(*cell(o, "mask", 0, 11))
    assert o.page.locator('[data-testid="pipe-info"]').inner_text().startswith("mask[7 w7, 11 w11] = −∞")
    o.shot("bridge-qkv")
    # the heatmap and the explanation open on the focus head
    o.page.click('nav.tabs button[data-view="explain"]')
    shown = o.page.locator('[data-testid="explain-text"]').inner_text()
    assert shown.startswith("What this head shows (layer 1, head 3)")
    o.check_clean()


def test_a_head_the_bridge_cannot_reproduce_gets_a_note(open_page):
    tr = QKVTrace(6, bias=0.5)
    o = open_page(render_page(tr, lang="en", focus=(0, 1)), "bridge-unavailable")
    o.page.click('nav.tabs button[data-view="pipeline"]')
    text = o.page.locator(PANE).inner_text()
    assert "Layer 0, head 1: computing from q, k, v does not give the trace's weights" in text
    assert o.page.evaluate("window.__attnlab.views.pipeline.snapshot") is None
    o.check_clean()


def test_the_explain_tab_shows_the_toys_explanation(open_page):
    tr = run_toy(SPEC)
    o = open_page(render_page(tr, lang="ja"), "explain-toy")
    o.page.click('nav.tabs button[data-view="explain"]')
    shown = o.page.locator('[data-testid="explain-text"]').inner_text()
    assert [s for s in shown.splitlines() if s.strip()] == [s for s in explain(tr, "ja").splitlines() if s.strip()]
    o.shot("explain-toy")
    o.check_clean()


@pytest.mark.model
@pytest.mark.parametrize("model,text,focus", [("minilm", "東京はとても美しい街です", (5, 3)),
                                              ("smollm2", "The capital of Japan is Tokyo", (1, 4))])
def test_the_bridge_on_the_bundled_models(open_page, model, text, focus):
    from attnlab.models.api import run_text

    tr = run_text(text, model=model)
    layer, head = focus
    o = open_page(render_page(tr, lang="ja", focus=focus), f"bridge-{model}")
    o.page.click('nav.tabs button[data-view="pipeline"]')
    snap = snapshot(o)
    group = tr.n_heads // tr.n_kv_heads
    w = tr.pattern(layer, head).double()
    v = tr.qkv(layer).v[head // group].double()
    scores = tr.scores(layer, head).double()
    ref = {"w": w[None], "o": (w @ v)[None], "m": scores[None]}
    assert_page_equals(snap, ref, tol=1e-5)
    o.shot(f"bridge-{model}")
    o.check_clean()


def test_the_live_pipeline_works_inside_a_notebook_frame(open_page):
    tr = run_toy(SPEC)
    o = open_page("<!DOCTYPE html><html><body>" + tr._repr_html_() + "</body></html>", "notebook-live",
                  wait_ready=False)
    o.page.frame_locator("iframe").locator("nav.tabs button").first.wait_for()
    inner = o.page.frames[1]
    inner.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
    t_in = inner.locator('[data-testid="pipe-t"]')
    t_in.fill("2")
    t_in.press("Enter")
    snap = inner.evaluate("window.__attnlab.views.pipeline.snapshot()")
    assert_page_equals(snap, stages_of(run_toy(replace(SPEC, temperature=2.0))))
    assert inner.evaluate("window.__attnlab.errors") == []
    assert o.console_errors == [] and o.dialogs == [] and o.blocked == []
