"""Every sentence of a toy explanation, recomputed from the trace: the row lines (top key, max
weight, evenness, label, score range and the weight ratio it bounds), the summary and the caveat."""

from __future__ import annotations

import math
import re

import pytest
import torch

from attnlab.analysis.explain import HALF_AT, UNIFORM_AT, summarize_rows
from attnlab.reporting import explain
from attnlab.toy import ToySpec, run_toy

SPECS = [
    ToySpec(),  # the tutorial: every row nearly uniform
    ToySpec(seed=1),  # same x, d_head 4: a sharp draw (Tokyo -> is 0.79)
    ToySpec(temperature=0.3),
    ToySpec(causal=True),
    ToySpec(tokens=tuple("私 は 猫 が 好き".split()), causal=True, temperature=0.5),
    ToySpec(tokens=tuple("a b c d e f".split()), d_model=8, heads=2, seed=7),
] + [ToySpec(seed=s) for s in range(2, 12)]

ROW = re.compile(r"^- (\S+) -> (\S+): max weight ([0-9.]+) \(uniform: ([0-9.]+)\), evenness ([0-9.]+) -> (.+?)\. "
                 r"Its (.+?) differ by at most ([0-9.]+), so no weight is more than "
                 r"e\^([0-9.]+) = ([0-9.e]+)x another\.$")


def head_blocks(text: str, heads: int) -> list[list[str]]:
    """The row lines of each head, in order."""
    lines = text.splitlines()
    if heads == 1:
        return [[s for s in lines if s.startswith("- ")]]
    blocks, cur = [], None
    for s in lines:
        if re.fullmatch(r"\[head \d+\]", s):
            cur = []
            blocks.append(cur)
        elif s.startswith("- ") and cur is not None and "head 0 ->" not in s:
            cur.append(s)
        elif not s.strip():
            cur = None
    return blocks


def entropy_ratio(w: torch.Tensor) -> float:
    p = w[w > 0].double()
    return float(-(p * p.log()).sum()) / math.log(len(w))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"seed{s.seed}-T{s.temperature}-c{s.causal}-h{s.heads}")
def test_every_row_line_is_recomputed_from_the_trace(spec):
    tr = run_toy(spec)
    text = explain(tr, lang="en")
    labels = tr.token_labels
    for h, block in enumerate(head_blocks(text, tr.n_heads)):
        w, s = tr.stages.weights[h].double(), tr.stages.scores[h].double()
        assert len(block) == tr.n_tokens
        for q, line in enumerate(block):
            vis = torch.isfinite(s[q])
            if int(vis.sum()) == 1:
                assert line == f"- {labels[q]}: the causal mask lets it see only itself, so its one weight is 1"
                assert float(w[q, q]) == 1.0
                continue
            m = ROW.match(line)
            assert m, line
            qq, k, top, uni, even, kind, which, r, r_again, ratio = m.groups()
            assert qq == labels[q] and k == labels[int(w[q].argmax())]
            assert top == f"{float(w[q].max()):.2f}" and uni == f"{1 / int(vis.sum()):.2f}"
            e = entropy_ratio(w[q][vis])
            assert even == f"{e:.2f}"
            # the label agrees with the numbers as printed (a row printed 0.50 is never "shared")
            want = ("nearly uniform" if float(even) >= UNIFORM_AT else
                    f'at least half on "{k}"' if float(top) >= HALF_AT else "shared among several keys")
            assert kind == want
            # the range is of the scores the softmax took (s / T), and it bounds the weights' ratio
            z = s[q][vis] / spec.temperature
            assert r == f"{float(z.max() - z.min()):.2f}"
            assert which == ("scores" if spec.temperature == 1 else f"scores divided by T = {spec.temperature:g}")
            actual = float(w[q][vis].max() / w[q][vis].min())
            assert abs(actual - math.exp(float(z.max() - z.min()))) < 1e-6 * actual
            # e^r as printed is e^(r as printed), at its printed digits
            assert r_again == r and ratio == (f"{math.exp(float(r)):.2f}" if float(r) < math.log(100) else
                                               f"{math.exp(float(r)):.0f}" if float(r) < math.log(1e6) else ratio)
            if "e" in ratio:
                mantissa, exponent = ratio.split("e")
                assert abs(float(mantissa) * 10 ** int(exponent) / math.exp(float(r)) - 1) < 0.05 / float(mantissa)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"seed{s.seed}-T{s.temperature}-c{s.causal}-h{s.heads}")
def test_the_summary_counts_the_rows_and_gives_their_range(spec):
    tr = run_toy(spec)
    text = explain(tr, lang="en")
    for h in range(tr.n_heads):
        rows = [r for r in summarize_rows(tr.stages.weights[h], tr.stages.scores[h], spec.temperature)
                if r.kind != "only"]
        counts = {k: sum(r.kind == k for r in rows) for k in ("uniform", "half", "shared")}
        head = f"Of {len(rows)} rows:" if not spec.causal else f"Of the {len(rows)} rows that see more than one key:"
        line = (f"{head} {counts['uniform']} nearly uniform, {counts['half']} at least half on "
                f"one key, {counts['shared']} shared.")
        assert line in text
        lo, hi = min(r.score_range for r in rows), max(r.score_range for r in rows)
        if counts["uniform"] == len(rows):
            assert f"differ by only {lo:.2f} to {hi:.2f}" in text
            assert f"e^{hi:.2f} = {math.exp(float(f'{hi:.2f}')):.2f}x another in its row" in text
        else:
            assert f"here r runs from {lo:.2f} to {hi:.2f}" in text


def test_the_tutorials_flat_rows_are_explained_by_their_scores_not_by_d_head():
    tr = run_toy()
    en, ja = explain(tr, lang="en"), explain(tr, lang="ja")
    spread = max(float(r.max() - r.min()) for r in tr.stages.scores[0])
    assert f"the scores differ by only 0.19 to {spread:.2f}" in en
    assert "1.35x another" in en and f"{math.exp(spread):.2f}" == "1.35"
    assert "d_head" not in en and "tiny" not in en and "小さい" not in ja.split("注意")[1]
    assert ja.count("ほぼ一様") == 3 + 2  # three rows, the measures line and the count "ほぼ一様 3"


@pytest.mark.parametrize("seed", [42, 1, None])
def test_every_toy_explanation_carries_the_random_weights_caveat(seed):
    tr = run_toy(ToySpec(seed=seed))
    en, ja = explain(tr, lang="en"), explain(tr, lang="ja")
    which = "fresh draws, no seed" if seed is None else f"drawn with seed {seed}"
    assert en.rstrip().endswith(f"random draws, not trained ({which}). Which key a row favours is decided by the "
                                "draw, not by what the tokens mean; that holds for sharp rows and flat rows alike.")
    assert "学習していない乱数" in ja.splitlines()[-1]


def test_seed_1_is_sharp_and_still_gets_the_caveat():
    """The draw decides: the same x and d_head as the tutorial give a focused row with seed 1."""
    tr = run_toy(ToySpec(seed=1))
    text = explain(tr, lang="en")
    assert '- Tokyo -> is: max weight 0.79' in text and 'at least half on "is"' in text
    assert "not trained" in text


def test_measures_are_defined_once_in_both_languages():
    tr = run_toy()
    en, ja = explain(tr, lang="en"), explain(tr, lang="ja")
    assert en.count("Evenness = the row's entropy / log n") == 1
    assert ja.count("均等度 = 行のエントロピー ÷ log n") == 1
    assert "分散" not in ja and "エントロピー比" not in ja
