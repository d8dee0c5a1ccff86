"""Contrastive explanations, recomputed against the plain run made by the toy source itself: the
temperature against T = 1, the mask against no mask, heads against their mean, seeds against each other."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest
import torch

from attnlab.analysis.contrast import heads_contrast, mask_contrast, seeds_contrast, temperature_contrast
from attnlab.reporting import compare_seeds, explain
from attnlab.toy import ToySpec, run_seeds, run_toy

CATS = ToySpec(tokens=tuple("私 は 猫 が 好き".split()))


@pytest.mark.parametrize("spec", [replace(CATS, temperature=0.3), replace(ToySpec(), temperature=2.0),
                                  replace(CATS, temperature=0.5, causal=True, heads=2)])
def test_temperature_against_the_plain_run(spec):
    tr, plain = run_toy(spec), run_toy(replace(spec, temperature=1.0))
    text = explain(tr, lang="en")
    assert f"multiplied by 1/T = {1 / spec.temperature:.2f}" in text
    labels = tr.token_labels
    for h in range(tr.n_heads):
        c = temperature_contrast(tr, h)
        for q, k, before, after in c.top:
            assert k == int(tr.stages.weights[h, q].argmax())
            assert abs(before - float(plain.stages.weights[h, q, k])) < 1e-6  # the source's own T = 1 run
            assert abs(after - float(tr.stages.weights[h, q, k])) < 1e-6
            assert f"{labels[q]} -> {labels[k]} {before:.2f} -> {after:.2f}" in text
        vis = torch.isfinite(tr.stages.scores[h])
        same = all(torch.equal(plain.stages.weights[h, q][vis[q]].argsort(), tr.stages.weights[h, q][vis[q]].argsort())
                   for q in range(tr.n_tokens))
        assert c.order_kept == same and same
    assert "every row ranks its keys in the same order" in text
    assert "温度で割る前" in explain(tr, lang="ja")


def test_no_temperature_line_at_one():
    assert "Temperature T" not in explain(run_toy(), lang="en")


@pytest.mark.parametrize("spec", [replace(ToySpec(), causal=True), replace(CATS, causal=True),
                                  replace(CATS, causal=True, temperature=0.7, heads=2, d_model=8)])
def test_mask_against_the_unmasked_run(spec):
    tr, full = run_toy(spec), run_toy(replace(spec, causal=False))
    text = explain(tr, lang="en")
    n = tr.n_tokens
    assert f"so {n * (n - 1) // 2} cells are hidden" in text
    for h in range(tr.n_heads):
        c = mask_contrast(tr, h)
        assert c.hidden == n * (n - 1) // 2 and c.ratios_kept
        q, keys, before, after = c.example
        assert before == pytest.approx(full.stages.weights[h, q, keys].tolist(), abs=1e-6)
        assert after == pytest.approx(tr.stages.weights[h, q, keys].tolist(), abs=1e-6)
        # the claim itself: masked row = unmasked row over k <= q, renormalised (every row)
        for qq in range(n):
            row = full.stages.weights[h, qq, : qq + 1].double()
            torch.testing.assert_close(tr.stages.weights[h, qq, : qq + 1].double(), row / row.sum(), atol=1e-6, rtol=0)
        # the ratio of the first two keys, the same with and without the mask, as e^(score gap / T)
        gap = float(full.stages.scores[h, q, keys[0]] - full.stages.scores[h, q, keys[1]]) / spec.temperature
        assert c.example_gap == pytest.approx(gap, abs=1e-5)
        shown = float(f"{gap:.2f}")
        assert f"e^{gap:.2f} = {math.exp(shown):.2f} times" in text
        assert before[0] / before[1] == pytest.approx(math.exp(gap), rel=1e-4)
        assert after[0] / after[1] == pytest.approx(math.exp(gap), rel=1e-4)
    assert "the ratios among the visible keys" in text


def test_masked_cells_print_as_a_dash():
    text = explain(run_toy(causal=True), lang="en")
    assert "— in the tables" in text
    from attnlab.reporting import printout
    out = printout(run_toy(causal=True), lang="en")
    assert "0.0000" not in out and "-inf" not in out
    assert out.count("—") == 3 * 2 + 2  # 3 hidden cells in the scores and the weights, and the two legends
    assert "— = hidden by the mask (score −inf, weight 0)" in out


@pytest.mark.parametrize("spec", [replace(CATS, d_model=8, heads=2, seed=3), ToySpec(d_model=16, heads=4),
                                  ToySpec(d_model=8, heads=2), replace(CATS, d_model=12, heads=3, causal=True)])
def test_heads_against_their_mean(spec):
    """Issue 17 item 1: only what holds is said: the mean map's average row maximum never exceeds the
    heads' average (both printed), and the heads the mean is sharper than are named."""
    tr = run_toy(spec)
    c = heads_contrast(tr)
    text = explain(tr, lang="en")
    for h in range(tr.n_heads):
        assert [k for k, _ in c.tops[h]] == tr.pattern(0, h).argmax(-1).tolist()
    mean = tr.pattern(0, None)
    assert [k for k, _ in c.tops[-1]] == mean.argmax(-1).tolist()
    tops = torch.stack([tr.pattern(0, h).argmax(-1) for h in range(tr.n_heads)])  # [head, q_pos]
    agree = int((tops == tops[0]).all(0).sum())
    assert c.agree == agree and f"same top key in {agree} of {tr.n_tokens} rows" in text
    per_head = [float(tr.pattern(0, h).max(-1).values.mean()) for h in range(tr.n_heads)]
    m, avg = float(mean.max(-1).values.mean()), sum(per_head) / tr.n_heads
    # the claim, row by row: max of the mean <= mean of the maxes
    rows_max = torch.stack([tr.pattern(0, h).max(-1).values for h in range(tr.n_heads)]).mean(0)
    assert bool((mean.max(-1).values <= rows_max + 1e-6).all()) and m <= avg + 1e-6
    heads = ", ".join(f"{p:.2f}" for p in per_head)
    assert f"averages {heads} per head and {m:.2f} in the mean of the heads, which never exceeds the heads' " \
           f"average, {avg:.2f}" in text
    flatter = [h for h, p in enumerate(per_head) if float(f"{p:.2f}") < float(f"{m:.2f}")]
    if flatter:
        assert f"the mean is sharper than head(s) {', '.join(map(str, flatter))}:" in text
    else:
        assert "sharper than head" not in text
    assert "averaging flattens" not in text and "平らになります" not in explain(tr, lang="ja")


def test_seeds_against_each_other():
    traces = run_seeds(ToySpec(), [42, 0, 1, 2])
    c = seeds_contrast(traces)
    text = compare_seeds(traces, lang="en")
    tops = [tr.pattern(0, 0).argmax(-1) for tr in traces]
    changed = sum(len({int(t[q]) for t in tops}) > 1 for q in range(3))
    assert c.changed == changed and f"differs between seeds in {changed} of 3 rows" in text
    for tr, line in zip(traces, [s for s in text.splitlines() if s.startswith("- seed")]):
        w = tr.pattern(0, 0)
        assert line.startswith(f"- seed {tr.spec.seed}: ")
        for q, label in enumerate(tr.token_labels):
            k = int(w[q].argmax())
            assert f"{label} -> {tr.token_labels[k]} {float(w[q, k]):.2f}" in line
        assert f"average {float(w.max(-1).values.mean()):.2f})" in line
        torch.testing.assert_close(tr.stages.x, traces[0].stages.x, atol=0, rtol=0)  # "what did not change: x"
    ja = compare_seeds(traces, lang="ja")
    assert "変わらないもの: x とトークン" in ja and re.search(r"最大の重みの平均は 0\.\d\d〜0\.\d\d", ja)


@pytest.mark.parametrize("T", [1e-4, 3e-4])
def test_a_tiny_temperature_ties_weights_without_changing_the_order(T):
    """At a small T float32 rounds weights to 0 or 1: pairs that tie are counted, never called a change
    of order, and the scores' order is kept in every row."""
    tr = run_toy(temperature=T)
    c = temperature_contrast(tr, 0)
    scores = tr.stages.scores[0].double()
    w = tr.stages.weights[0].double()
    ties = 0
    for q in range(tr.n_tokens):
        above = scores[q][:, None] > scores[q][None, :]
        assert not bool((above & (w[q][:, None] < w[q][None, :])).any())  # never the other way round
        ties += int((above & (w[q][:, None] == w[q][None, :])).sum())
    assert c.order_kept and c.tied == ties > 0
    text = explain(tr, lang="en")
    assert f"But {ties} pairs of weights that differ at T = 1 are equal at this temperature" in text
    assert "equal scores" not in text
