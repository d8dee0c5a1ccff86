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


def test_evenness_is_computed_from_the_row():
    w = torch.tensor([[0.5, 0.25, 0.25]])
    (r,) = summarize_rows(w)
    h = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert abs(r.evenness - h / math.log(3)) < 1e-12
    # 0.9464 prints as 0.95: the label follows the printed number (issue 17 item 7), never contradicts it
    assert f"{r.evenness:.2f}" == "0.95" and r.kind == "uniform"
    (sharper,) = summarize_rows(torch.tensor([[0.6, 0.2, 0.2]]))
    assert f"{sharper.evenness:.2f}" == "0.86" and sharper.kind == "half"
    (shared,) = summarize_rows(torch.tensor([[0.4985, 0.4985, 0.003]]))
    assert f"{shared.top_weight:.2f}" == "0.50" and shared.kind == "half"  # printed 0.50: at least half


def test_causal_first_row_sees_only_itself():
    tr = run_toy(ToySpec(causal=True))
    rows = [s for s in explain(tr, lang="en").splitlines() if s.startswith("- ")]
    assert "see only itself" in rows[0]
    assert str(tr) == report(tr)
