"""A trace in a notebook: two outputs (the preview PNG, the page loader), each readable where the other
cannot run; the page's overhead stays small; nbconvert's plain and sanitised exports show the page
and the preview respectively, never markup as text. (JupyterLab and Notebook 7 themselves:
tests/notebooks/test_hosts.py.)"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import zlib

import nbformat
import pytest
from nbconvert import HTMLExporter
from PIL import Image

import attnlab
from attnlab.errors import AttnlabError
from attnlab.html import render_page
from attnlab.html.code import script as code_script
from attnlab.html.encode import encode_trace
from attnlab.html.render import json_for_script, opening_view
from attnlab.i18n import t
from attnlab.notebook import SANDBOX, outputs, show
from attnlab.toy import run_toy

from .html.fakes import FakeTrace, words
from .html.test_encode import HugeTrace

PREVIEW_IMG = re.compile(r'<img [^>]*src="data:image/png;base64,')  # an image output (not the CSS's)
# bytes a displayed trace adds to a notebook beyond its data: issue 12's 24 KB, raised by issue 18's keyboard
# and screen-reader access, every view at any length and the colour language (the tutorial's toy: 24.5 KB
# before, 29.7 KB after; docs/benchmarks.md "Notebook overhead after issue 18")
OVERHEAD_LIMIT = 30 * 1024


def stored(data: dict) -> int:
    """Bytes one display output with `data` adds to an .ipynb file as Jupyter writes it."""
    def size(d):
        out = [nbformat.v4.new_output("display_data", data=d)] if d is not None else []
        return len(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=out)])).encode())

    return size(data) - size(None)


def data_of(script: str) -> dict:
    """The data a page output's script hands to its code (the JSON of its last line, a call)."""
    last = script.rstrip().rsplit("\n", 1)[1]
    assert re.fullmatch(r"attnlabNotebook\((.*)\);", last)
    return json.loads(last[len("attnlabNotebook("):-2].replace("\\u003c!--", "<!--"))


def page_of(script: str) -> str:
    """The page a page output carries (base85 of deflate)."""
    return zlib.decompress(base64.b85decode(data_of(script)["page"])).decode("utf-8")


@pytest.fixture(scope="module")
def toy():
    return run_toy(tokens=("東京", "は", "美しい"), heads=2, causal=True)


def test_two_outputs_each_readable_alone(toy):
    (preview, pmeta), (page, _) = outputs(toy, lang="ja")
    assert set(preview) == {"image/png", "text/plain"} and pmeta == {}
    assert set(page) == {"application/javascript", "text/plain"}
    assert preview["text/plain"] == t("nb_preview_text", "ja") and "write_html" in preview["text/plain"]
    assert page["text/plain"] == repr(toy) and "object at 0x" not in page["text/plain"]
    png = Image.open(io.BytesIO(base64.b64decode(preview["image/png"])))
    mark = png.text["attnlab"]
    assert re.fullmatch(r"[0-9a-f]{16}", mark) and json.dumps(mark) in page["application/javascript"]
    assert png.width <= 900


def test_loader_carries_the_page_sandboxed(toy):
    script = outputs(toy, lang="en", view="heatmap")[1][0]["application/javascript"]
    assert page_of(script) == render_page(toy, lang="en", view="heatmap", pack=False, why=False, advice="python")
    assert data_of(script)["sandbox"] == SANDBOX and "allow-same-origin" not in script
    assert script.startswith(code_script("fit")) and code_script("notebook") in script  # the code is compiled JS
    assert "</script" not in script.lower() and "<!--" not in script  # safe inside an exported <script>


def test_every_trace_reads_as_one_line():
    """The notebook's plain text of a trace: the toy's spec, or a model trace's model and shape (the
    AttentionTrace repr that ModelTrace inherits; FakeTrace stands in for it without loading a model)."""
    assert repr(run_toy()) == ("ToyTrace(tokens=['Tokyo', 'is', 'beautiful'], d_model=4, heads=1, seed=42, "
                               "temperature=1.0, causal=False)")
    assert repr(FakeTrace(words(5))) == "FakeTrace(model='fake', tokens=5, layers=2, heads=3, kv_heads=3, causal=False)"


def test_too_large_shows_the_reason_as_text():
    [(data, _)] = outputs(HugeTrace(2000))  # not one layer fits a page (2**25 // (13 * 2000**2) = 0)
    assert set(data) == {"text/plain"} and data["text/plain"].startswith("attnlab: ")


def test_show_checks_its_arguments(toy):
    with pytest.raises(AttnlabError, match="lang 'fr'"):
        show(toy, lang="fr")
    with pytest.raises(AttnlabError, match="takes a trace"):
        show("Tokyo is beautiful")
    with pytest.raises(AttnlabError, match="'graph' is not a page view"):
        show(toy, view="graph")
    page = attnlab.show(toy, lang="en", layers=[0])
    assert repr(page) == repr(toy) and '<html lang="en">' in html.unescape(page._repr_html_())


def test_ipython_display_sends_both_outputs(toy, monkeypatch):
    import IPython.display

    sent = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw, metadata: sent.append((data, raw)))
    toy._ipython_display_()  # a bare trace at the end of a cell: Japanese
    assert [sorted(d) for d, _ in sent] == [["image/png", "text/plain"], ["application/javascript", "text/plain"]]
    assert all(raw for _, raw in sent) and sent[0][0]["text/plain"] == t("nb_preview_text", "ja")


def data_only(trace, lang: str) -> int:
    """Bytes the page output would take if it carried only the trace's data (its meta JSON and its
    weights blob), deflated and in base85 as the output carries the page."""
    data = encode_trace(trace, lang=lang)
    view = opening_view(trace).name
    text = json_for_script(dict(data.meta, view=view)) + data.blob_b64
    return len(base64.b85encode(zlib.compress(text.encode(), 9)))


@pytest.mark.parametrize("trace_kind", ["toy-ja", "toy-en", "model-en"])
def test_overhead_per_displayed_trace(trace_kind):
    """Everything a displayed trace adds to the .ipynb beyond its data: the page's code, the loader,
    the page's markup. The preview is reported apart (it is a picture of the data)."""
    trace = FakeTrace(words(14), n_layers=2, n_heads=3) if trace_kind == "model-en" else run_toy()
    lang = trace_kind[-2:]
    (preview, _), (page, _) = outputs(trace, lang=lang)
    overhead = stored(page) - data_only(trace, lang)
    assert overhead <= OVERHEAD_LIMIT, (trace_kind, overhead)
    assert stored(preview) <= 48 * 1024, (trace_kind, stored(preview))


MODEL_OVERHEAD_LIMIT = 38 * 1024  # a model's page, every tab's code (docs/benchmarks.md: 31.6 KB; 37.3 after issue 18)


@pytest.mark.model
def test_overhead_of_a_real_model_page():
    """MiniLM's page holds all six tabs (the pipeline of a real head, the census atlas, the rollout,
    the value-weighted switch): over issue 12's 24 KB, which the toy meets; this bound keeps it from
    growing unnoticed."""
    trace = attnlab.run_text("Tokyo is a beautiful city.", model="minilm")
    (_, _), (page, _) = outputs(trace, lang="ja")
    overhead = stored(page) - data_only(trace, "ja")
    assert overhead <= MODEL_OVERHEAD_LIMIT, overhead


def _exported(trace, sanitize: bool) -> str:
    cell = nbformat.v4.new_code_cell("trace")
    cell.outputs = [nbformat.v4.new_output("display_data", data=d, metadata=m) for d, m in outputs(trace, lang="en")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    return HTMLExporter(sanitize_html=sanitize).from_notebook_node(nb)[0]


def test_nbconvert_sanitised_shows_the_preview_not_markup(toy):
    body = _exported(toy, sanitize=True)
    assert len(PREVIEW_IMG.findall(body)) == 1  # the preview
    for escaped in ("&lt;iframe", "&lt;script", "srcdoc", "attnlabNotebook", "DecompressionStream"):
        assert escaped not in body  # neither the page nor its loader shows as text


def test_nbconvert_plain_export_runs_the_loader(toy):
    body = _exported(toy, sanitize=False)
    assert "var element = document.getElementById" in body and "attnlabNotebook({" in body
    assert len(PREVIEW_IMG.findall(body)) == 1  # the loader hides it in a browser


def test_show_takes_a_flow_graph_and_opens_on_its_tab():
    from attnlab.analysis.flow import flow

    from .analysis.conftest import CASES, synthetic_trace
    from .analysis.test_flow import with_streams

    trace = with_streams(synthetic_trace(**CASES["causal-gqa"]))
    graph = flow(trace, 20, 0.05)
    page = attnlab.show(trace, lang="en", flow=graph)
    assert page.view == "flow" and page.flow is graph
    html_page = page_of(outputs(trace, lang="en", view="flow", flow=graph)[1][0]["application/javascript"])
    assert '"view":"flow"' in html_page and 'define("views/heatmap/whypanel"' not in html_page  # no why cells
    with pytest.raises(AttnlabError, match=r"show\(flow=...\) takes attnlab.flow"):
        attnlab.show(trace, flow="graph")
    with pytest.raises(AttnlabError, match="not of this trace"):
        attnlab.show(run_toy(), lang="en", flow=graph)


def test_the_why_panel_comes_when_asked(toy):
    """show(trace, why=True): the output's page is render_page's with the panel and the Python advice; by
    default it has neither (the byte budget above); why= takes a bool, advice= one of its surfaces."""
    def page(**kw):
        return page_of(outputs(toy, lang="en", view="heatmap", **kw)[1][0]["application/javascript"])

    assert page(why=True) == render_page(toy, lang="en", view="heatmap", pack=False, why=True, advice="python")
    assert 'define("views/heatmap/whypanel"' in page(why=True)
    assert 'define("views/heatmap/whypanel"' not in page()
    meta = json.loads(re.search(r'id="attnlab-meta">(.*?)</script>', page(why=True)).group(1))
    assert meta["view_meta"]["heatmap"]["command"] == "attnlab.why(trace, {layer}, {head}, {query}, {key})"
    assert meta["view_meta"]["heatmap"]["python"] is True and meta["view_meta"]["heatmap"]["n"] > 0
    assert show(toy, why=True).why and not show(toy).why
    frame = html.unescape(re.search(r'srcdoc="([^"]*)"', show(toy, lang="en", why=True)._repr_html_()).group(1))
    assert frame == render_page(toy, lang="en", why=True, advice="python")  # marimo's HTML: the same page
    with pytest.raises(AttnlabError, match="why= takes True or False"):
        show(toy, why="yes")
    with pytest.raises(AttnlabError, match="advice='shell'"):
        render_page(toy, advice="shell")

