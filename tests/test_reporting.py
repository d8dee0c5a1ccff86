"""The printout shows the tutorial's numbers; the explanation says what those numbers show."""

import math
import re

import pytest
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


def _parse_top(line: str):
    """(label, [(key label, weight, uniform or None)], row uniform or None, near-uniform distance or None)."""
    label, rest = line.strip().split(" -> ", 1)
    near = re.search(r"≈ uniform \(off by ([0-9.]+)\)", rest)
    row_u = re.search(r"\[uniform: ([0-9.]+)\]", rest)
    body = rest.split("  [uniform:")[0].split("  ≈")[0]
    picks = []
    for item in body.split(", "):
        m = re.fullmatch(r"(.+) ([0-9.]+)(?: \[([0-9.]+)\])?", item)
        picks.append((m.group(1), float(m.group(2)), float(m.group(3)) if m.group(3) else None))
    return label.strip(), picks, float(row_u.group(1)) if row_u else None, float(near.group(1)) if near else None


@pytest.mark.model
@pytest.mark.parametrize("model,text,layer,head", [
    ("smollm2", "私は図書館で本を読みます。", 5, 0),
    ("smollm2", "東京は美しい街です。", 20, None),
    ("minilm", "The quick brown fox jumps over the lazy dog", 5, 3),
    ("minilm", "Tokenization is unbelievably interesting", 2, None),
])
@pytest.mark.parametrize("words", [False, True])
def test_most_attended_numbers_stand_beside_their_uniform_expectation(model, text, layer, head, words):
    """Issue 17 item 5: every "most attended" weight with what a uniform row gives, recomputed: per row
    1 / (keys seen) for tokens; for words the same word rule applied to uniform token rows; "≈ uniform"
    exactly where the row's total variation from that prints under 0.10."""
    from attnlab.analysis.words import aggregate_to_words
    from attnlab.models.api import run_text
    from attnlab.reporting import head_rows, top_table

    tr = run_text(text, model)
    labels, w = head_rows(tr, layer, head, words)
    n = tr.n_tokens
    seen = torch.ones(n, n).tril() if tr.causal else torch.ones(n, n)
    uniform = seen / seen.sum(-1, keepdim=True)  # [q_pos, k_pos]
    base = aggregate_to_words(uniform, tr.tokens)[0] if words else uniform
    lines = top_table(tr, layer, head, words=words, lang="en").splitlines()
    rows = [s for s in lines if s.startswith("  ") and " -> " in s]
    assert len(rows) == len(labels)
    for q, line in enumerate(rows):
        label, picks, row_u, near = _parse_top(line)
        assert label == labels[q]
        for key, weight, u in picks:
            k = labels.index(key)
            assert f"{weight:.2f}" == f"{float(w[q, k]):.2f}"
            if words:
                assert f"{u:.2f}" == f"{float(base[q, k]):.2f}"
        if not words:
            assert f"{row_u:.2f}" == f"{1 / float(seen[q].sum()):.2f}"
        tv = 0.5 * float((w[q].double() - base[q].double()).abs().sum())
        alone = float(base[q].max()) >= 1.0
        assert (near is not None) == (float(f"{tv:.2f}") < 0.10 and not alone), (line, tv)
        if near is not None:
            assert f"{near:.2f}" == f"{tv:.2f}"
