"""Summaries of a corpus folder against numpy on the rows themselves; the figure and the page (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from attnlab.corpus import manifest as mf
from attnlab.corpus.parts import schema_columns
from attnlab.corpus.summary import summarize_corpus as summarize
from attnlab.corpus.summary import summary_to_dict
from attnlab.errors import AttnlabError

from .test_parts import H, L, write_fake

INPUT = "/data/<script>alert(1)</script>.txt"  # user text that reaches the page


@pytest.fixture
def folder(tmp_path):
    results = [write_fake(tmp_path, i, [4 * i + j for j in range(4)]) for i in range(3)]
    mf.write_manifest(tmp_path, {
        "schema": schema_columns(),
        "model": {"name": "tiny<b>", "kind": "decoder", "n_layers": L, "n_heads": H, "max_tokens": 64},
        "input": {"path": INPUT, "documents": 14, "parts": 4}, "options": {}, "versions": {}})
    return tmp_path, results


def test_statistics_per_head_across_documents(folder):
    path, results = folder
    summary = summarize(path)
    for name in ("prev_token", "rows_entropy"):
        values = np.stack([s[name].numpy() for r in results for s in r.scores]).astype(np.float32).astype(np.float64)
        st = summary.stats[name]
        assert np.allclose(st["mean"], values.mean(0)) and np.allclose(st["std"], values.std(0))
        assert np.allclose(st["q25"], np.quantile(values, 0.25, axis=0))
        assert np.allclose(st["q95"], np.quantile(values, 0.95, axis=0))
    first = np.stack([s["first_token"].numpy() for r in results for s in r.scores])
    assert np.allclose(summary.shares["first_token_sink"], (first >= 0.5).mean(0))
    sinks = [r for r in summary.roles if r.role == "first_token_sink"]
    assert len(sinks) == 5 and [r.mean for r in sinks] == sorted((r.mean for r in sinks), reverse=True)
    assert sinks[0].mean == pytest.approx(float(summary.stats["first_token"]["mean"].max()))
    assert summary.totals["scored"] == 12 and summary.totals["empty"] == 3  # one skipped entry per part
    assert summary.parts_done == 3 and summary.parts == 4  # the manifest promised 4: not finished


def test_json_schema(folder):
    data = summary_to_dict(summarize(folder[0]))
    assert data["complete"] is False and data["scored"] == 12 and data["n_layers"] == L
    grid = data["scores"]["entropy"]["q50"]
    assert len(grid) == L and len(grid[0]) == H and isinstance(grid[0][0], float)
    assert set(data["scores"]["self"]) == {"mean", "std", "q05", "q25", "q50", "q75", "q95"}
    assert {"role", "score", "layer", "head", "mean", "std", "q25", "q75", "share"} == set(data["roles"][0])


def test_not_a_corpus_folder(tmp_path):
    with pytest.raises(AttnlabError, match=r"has no _manifest\.json: it is not the output of `attnlab corpus`"):
        summarize(tmp_path)
    with pytest.raises(AttnlabError, match="is not a folder"):
        summarize(tmp_path / "nothing")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_figure_and_page(folder, lang):
    from attnlab.html.corpus import render_summary_page
    from attnlab.plot.corpus import plot_corpus_means

    summary = summarize(folder[0])
    fig = plot_corpus_means(summary, lang)
    grids = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert len(grids) == 9  # 5 census scores + 4 row statistics
    page = render_summary_page(summary, lang)
    import html

    assert "<script" not in page.lower() and "default-src 'none'" in html.unescape(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "tiny&lt;b&gt;" in page
    assert "tiny<b>" not in page and 'src="data:image/png;base64,' in page
