"""The printout shows the tutorial's numbers; the explanation says what those numbers show."""

import math
import re

import torch

from attnlab.analysis.explain import summarize_rows
from attnlab.reporting import explain, printout, report
from attnlab.toy import ToySpec, run_toy
from tests.test_toy import tutorial_listing_2


def numbers(text: str) -> list[str]:
    return re.findall(r"-?\d+\.\d+", text)


def test_printout_has_exactly_the_tutorials_printed_numbers():
    ref = tutorial_listing_2()
    text = printout(run_toy())
    # what the tutorial's print(tensor) shows, in order: scores, weights, output
    expected = [n for name in ("scores", "weights", "output") for n in numbers(repr(ref[name]))]
    assert numbers(text) == expected
    assert "入力ベクトル形状: torch.Size([3, 4])" in text
    for label in ("Attentionスコア:", "Attention重み:", "出力ベクトル:"):
        assert label in text


def test_fmt_controls_decimals_and_lang_the_labels():
    text = printout(run_toy(), lang="en", fmt=".2f")
    assert "Attention weights:" in text and "Input shape:" in text
    assert "0.36" in text and "0.3563" not in text


def test_tutorial_numbers_are_explained_as_nearly_uniform_with_the_reason():
    tr = run_toy()
    text = explain(tr, lang="en")
    assert text.count("nearly uniform") == 4  # three rows + the summary
    spread = max(float(r.max() - r.min()) for r in tr.stages.scores[0])
    assert f"differ by at most {spread:.2f}" in text
    assert f"{math.exp(spread):.2f}x" in text
    assert "random draws, not trained" in text
    ja = explain(tr, lang="ja")
    assert ja.count("ほぼ一様") == 4 and "学習していない乱数" in ja


def test_a_sharp_row_is_called_focused_and_names_its_key():
    spec = ToySpec(tokens=("cat", "sat", "mat"), d_model=4, seed=1, temperature=0.05)
    tr = run_toy(spec)
    rows = summarize_rows(tr.stages.weights[0], tr.stages.scores[0], spec.temperature)
    text = explain(tr, lang="en")
    for r in rows:
        w = tr.stages.weights[0][r.q_pos]
        assert r.top_k_pos == int(w.argmax()) and abs(r.top_weight - float(w.max())) < 1e-9
        line = f"{spec.tokens[r.q_pos]} -> {spec.tokens[r.top_k_pos]} gets the most weight, {r.top_weight:.2f}"
        assert line in text
    assert any(r.kind == "focused" for r in rows)
    assert "Temperature 0.05" in text


def test_entropy_ratio_is_computed_from_the_row():
    w = torch.tensor([[0.5, 0.25, 0.25]])
    (r,) = summarize_rows(w)
    h = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert abs(r.entropy_ratio - h / math.log(3)) < 1e-12 and r.kind == "focused"


def test_causal_first_row_sees_only_itself():
    tr = run_toy(ToySpec(causal=True))
    assert "can only see itself" in explain(tr, lang="en").splitlines()[1]
    assert str(tr) == report(tr)
