"""Every number attnlab shows of an encoder-decoder's cross-attention is Hugging Face eager's
`cross_attentions` (tiny random BART and T5 built offline by families.py, on two source/target pairs):
the printout's weights, uniform baselines and summary line (both languages), the JSON, the figure's
cells, the page's data and, in Chromium, the page's tooltips. And `attnlab text --part cross` end to end.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

import attnlab.cli as cli
from attnlab.export import cross_to_dict
from attnlab.html import PRECISION
from attnlab.html.encode import decoded_weights
from attnlab.html.parts import cross_data
from attnlab.models.api import run_text
from attnlab.plot.cross import plot_cross
from attnlab.reporting import cross_report

from ..html.conftest import open_page  # noqa: F401  (the fixture)
from .families import TARGET, TEXT, eager_model

pytestmark = pytest.mark.model
INPUTS = [(TEXT, TARGET), ("Attention maps show where each token looks.", "Die Karten zeigen es, oder?")]
SHOWN_2F = 0.005 + 1e-6  # a number printed with 2 decimals, against attnlab's or eager's unrounded one


def eager_cross(folder, pair) -> tuple[torch.Tensor, ...]:
    """Eager's cross_attentions on the pair's own ids: per decoder layer [head, target, source]."""
    src = torch.tensor([[t.id for t in pair.encoder.tokens]])
    tgt = torch.tensor([[t.id for t in pair.decoder.tokens]])
    with torch.no_grad():
        out = eager_model(folder, "encoder-decoder")(input_ids=src, attention_mask=torch.ones_like(src),
                                                     decoder_input_ids=tgt, output_attentions=True, use_cache=False)
    return tuple(a[0].float() for a in out.cross_attentions)


@pytest.fixture(scope="module", params=[(f, i) for f in ("BART", "T5") for i in range(len(INPUTS))],
                ids=lambda p: f"{p[0]}-{p[1]}")
def case(request, family_folder):
    family, i = request.param
    folder = family_folder(family)
    pair = run_text(INPUTS[i][0], str(folder), target_text=INPUTS[i][1])
    return folder, pair, eager_cross(folder, pair)


def check_row(line: str, w: torch.Tensor, cols: list[str], top: int) -> None:
    """A printout row lists the row's `top` strongest source tokens of eager's row w, in order, each with
    its weight as printed."""
    picks = w.topk(top)
    at = 0
    for v, k in zip(picks.values.tolist(), picks.indices.tolist(), strict=True):
        m = re.compile(re.escape(cols[k]) + r" (\d+\.\d\d)").search(line, at)
        assert m is not None, (line, cols[k])
        assert abs(float(m.group(1)) - v) <= SHOWN_2F
        at = m.end()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_printout_says_eagers_cross_attention(case, lang):
    _, pair, eager = case
    rows, cols = pair.cross_labels()
    k = len(cols)
    for layer, head in [(0, 0), (1, 3)]:
        lines = cross_report(pair, layer, head, top=3, lang=lang).splitlines()
        w = eager[layer][head]  # [target, source]
        table = lines[2:2 + len(rows)]
        for q, line in enumerate(table):
            assert line.startswith(f"  {rows[q]}") and " -> " in line
            check_row(line.split(" -> ", 1)[1], w[q], cols, 3)
            uniform = re.search(r"(?:uniform: |一様なら )(\d+\.\d\d)", line)
            assert abs(float(uniform.group(1)) - 1 / k) <= SHOWN_2F
            far = 0.5 * float((w[q] - 1 / k).abs().sum())  # total variation from the uniform row
            assert ("≈" in line) == (float(f"{far:.2f}") < 0.10), (line, far)
        assert f"1/{k}" in lines[1]
        peak, u, mean = (float(x) for x in re.findall(r"\d+\.\d\d", lines[-1]))
        best = int(w.mean(0).argmax())
        assert abs(peak - float(w.max(-1).values.mean())) <= SHOWN_2F and abs(u - 1 / k) <= SHOWN_2F
        assert cols[best] in lines[-1] and abs(mean - float(w.mean(0)[best])) <= SHOWN_2F
        assert f"{len(rows)}" in lines[-1]


def test_the_json_and_the_figure_are_eagers_cross_attention(case):
    _, pair, eager = case
    rows, cols = pair.cross_labels()
    for layer, head in [(0, 1), (1, None)]:
        want = eager[layer][head] if head is not None else eager[layer].mean(0)
        data = cross_to_dict(pair, layer, head)
        assert data["q_tokens"] == pair.decoder.token_texts and data["k_tokens"] == pair.encoder.token_texts
        assert "tokens" not in data and data["part"] == "cross" and data["head"] == head
        assert torch.allclose(torch.tensor(data["weights"]), want, atol=1e-5)
        fig = plot_cross(pair, layer, head, lang="en")
        ax = fig.axes[0]
        assert np.abs(np.asarray(ax.images[0].get_array()) - want.numpy()).max() <= 1e-5
        assert [t.get_text() for t in ax.get_yticklabels()] == rows
        assert [t.get_text() for t in ax.get_xticklabels()] == cols


def test_the_page_holds_eagers_cross_attention(case):
    _, pair, eager = case
    _, data = cross_data(pair.cross, lang="en", view=None, layers=None, focus=None)
    shown = decoded_weights(data)  # [layer, map, target, source]
    for layer in range(pair.cross.n_layers):
        assert np.abs(shown[layer, :-1] - eager[layer].numpy()).max() <= PRECISION
        assert np.abs(shown[layer, -1] - eager[layer].mean(0).numpy()).max() <= PRECISION


def test_a_notebook_output_of_the_pair_carries_the_why_panel_only_when_asked(case):
    """The pair's parts keep q and k (the panel applies), and the notebook's why=False reaches them: by
    default no panel (the byte budget); why=True carries it in the encoder's and decoder's parts."""
    from attnlab.notebook import outputs

    from ..test_notebook import page_of

    _, pair, _ = case
    assert pair.encoder.keeps_qkv and pair.decoder.keeps_qkv
    panel = 'define("views/heatmap/whypanel"'
    default = page_of(outputs(pair, lang="en")[1][0]["application/javascript"])
    asked = page_of(outputs(pair, lang="en", why=True)[1][0]["application/javascript"])
    assert panel not in default and panel in asked
    for part in ("encoder", "decoder"):  # each part's call names it: what the user showed is the pair
        assert f'"command":"attnlab.why(trace.{part}, {{layer}}, {{head}}, {{query}}, {{key}})"' in asked
    assert len(asked) > len(default)


def test_attnlab_text_part_cross(family_folder, capsys, tmp_path):
    folder = str(family_folder("T5"))
    argv = ["text", TEXT, "--model", folder, "--target-text", TARGET, "--part", "cross", "--layer", "1",
            "--head", "3", "--lang", "en"]
    assert cli.main([*argv, "--out", str(tmp_path / "figs"), "--html", str(tmp_path / "p.html")]) == 0
    out, err = capsys.readouterr()
    pair = run_text(TEXT, folder, target_text=TARGET)
    assert "is an encoder-decoder: showing its cross-attention" in err and "not drawn" not in err
    assert cross_report(pair, 1, 3, lang="en") in out
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["T5-cross-L1-H3.png", "T5-cross-L1-H3.svg"]
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    switch = json.loads(re.search(r'id="attnlab-parts">(.*?)</script>', page).group(1))
    assert switch["open"] == "cross" and [p["name"] for p in switch["parts"]] == ["encoder", "decoder", "cross"]
    assert cli.main([*argv, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert torch.allclose(torch.tensor(data["weights"]), eager_cross(folder, pair)[1][3], atol=1e-5)


def test_part_cross_is_refused_where_it_cannot_apply(family_folder, capsys):
    for argv, said in [
        (["--model", str(family_folder("BERT")), "--part", "cross"], "is not an encoder-decoder (encoder)"),
        (["--model", str(family_folder("T5")), "--part", "cross", "--words"], "leave out --words with --part cross"),
        (["--model", str(family_folder("T5")), "--part", "cross", "--layer", "2"],
         "the cross-attention has layers 0..1"),
    ]:
        assert cli.main(["text", TEXT, *argv, "--lang", "en"]) == 2
        err = capsys.readouterr().err
        assert said in err and err.count("attnlab: error:") == 1, err


@pytest.mark.browser
def test_the_page_shows_eagers_cross_attention(family_folder, open_page, tmp_path):  # noqa: F811
    from ..html.test_pages import SHOWN, heatmap_cell

    folder = family_folder("BART")
    pair = run_text(TEXT, str(folder), target_text=TARGET)
    eager = eager_cross(folder, pair)
    o = open_page(pair.to_html(lang="en", part="cross", focus=(1, 2)), "bart-cross")
    tip = o.page.locator('[data-testid="heatmap-tooltip"]')
    rows, cols = pair.cross_labels()
    for q, k in [(0, 0), (len(rows) - 1, len(cols) - 1), (3, 7)]:
        o.page.mouse.move(*heatmap_cell(o, q, k))
        text = tip.inner_text()
        assert f"Query (attending): {rows[q]}" in text and f"Key (attended): {cols[k]}" in text
        shown = float(re.search(r"weight: ([0-9.]+)", text).group(1))
        assert abs(shown - float(eager[1][2, q, k])) <= PRECISION + SHOWN
    o.shot("bart-cross-heatmap")
    o.check_clean()
