"""Every sentence of the effects printout, recomputed from the results it speaks about, on several inputs.

Inputs: two real runs (SmolLM2 on an indirect-object sentence with every cheap-enough method, MiniLM
with zero and mean ablation) and variations of them with other effect values (seeded), so that each
kind of sentence both appears and, where its condition fails, is left out. The recomputation here
is written independently of analysis.effects_text (its own ranks, its own sorting).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
import torch

from attnlab.analysis.census import text_scores
from attnlab.analysis.effects import head_effects
from attnlab.analysis.effects_math import spearman
from attnlab.analysis.effects_text import CAVEATS, effects_report, readings, sentence

pytestmark = pytest.mark.model

IOI = ("When Mary and John went to the store, John gave a drink to",
       "When Mary and John went to the store, Mary gave a drink to")
THRESHOLDS = {"first_token_sink": ("first_token", 0.5), "previous_token": ("prev_token", 0.4)}  # docs/census.md


@functools.cache
def real(name: str):
    if name == "smollm2-patching":
        r = head_effects(IOI[0], "smollm2", target=" Mary", corrupt=IOI[1], methods=["patching", "attribution", "dla"])
    elif name == "smollm2":
        r = head_effects("When Mary and John went to the store, John gave a drink to", "smollm2", target=" Mary",
                         methods=["zero", "mean", "attribution", "dla"])
    else:
        r = head_effects("The cat sat on the mat because it was tired.", "minilm", methods=["zero", "mean"])
    return r, text_scores(r.trace)


def variation(base, seed: int):
    """The same run with other effect values: heavy-tailed, some exactly tiny, so every branch is met."""
    r, att = base
    g = torch.Generator().manual_seed(seed)
    new = {}
    for name, grid in r.effects.items():
        x = torch.randn(grid.shape, generator=g) ** 3
        x[torch.rand(grid.shape, generator=g) < 0.5] *= 1e-3
        new[name] = x
    spear = {k: spearman(new["attribution"].flatten(), new[k.split("~")[1]].flatten()) for k in r.spearman}
    clean = dict(r.clean)
    if "corrupted" in clean:  # odd seeds: a small clean - corrupted gap
        clean["corrupted"] = clean["metric"] - (0.05 if seed % 2 else 2.0)
    return dataclasses.replace(r, effects=new, spearman=spear, clean=clean), att


def inputs():
    return [("smollm2", None), ("minilm", None), ("smollm2-patching", None), ("smollm2", 1), ("smollm2", 2),
            ("minilm", 3), ("smollm2-patching", 5), ("smollm2-patching", 6)]


def load(case):
    name, seed = case
    return real(name) if seed is None else variation(real(name), seed)


def avg_ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks, independently: each distinct value gets the mean of the positions it occupies."""
    order = np.sort(x)
    first = {v: i for i, v in reversed(list(enumerate(order)))}
    last = {v: i for i, v in enumerate(order)}
    return np.array([(first[v] + last[v]) / 2 + 1 for v in x])


def rho(a, b) -> float:
    return float(np.corrcoef(avg_ranks(np.asarray(a, dtype=np.float64).ravel()),
                             avg_ranks(np.asarray(b, dtype=np.float64).ravel()))[0, 1])


def top(grid, k=5):
    flat = grid.double().flatten().numpy()
    idx = sorted(range(len(flat)), key=lambda i: (-abs(flat[i]), i))[:k]
    return [(i // grid.shape[1], i % grid.shape[1], flat[i]) for i in idx]


@pytest.mark.parametrize("case", inputs(), ids=lambda c: f"{c[0]}-{c[1]}")
def test_every_sentence_is_recomputed_from_the_effects(case):
    r, att = load(case)
    found = {x.key: x for x in readings(r, att) if x.key not in ("quiet_role", "loud_role")}
    main = next(m for m in ("patching", "zero", "mean", "attribution", "dla") if m in r.effects)
    grid = r.effects[main]
    # top: the five largest |effect| and their share of the total
    t5 = top(grid)
    assert found["top"].fields["method"] == main and found["top"].fields["n"] == grid.numel()
    assert [(a, b) for a, b, _ in found["top"].fields["heads"]] == [(a, b) for a, b, _ in t5]
    share = sum(abs(v) for *_, v in t5) / float(grid.abs().double().sum())
    assert found["top"].fields["share"] == pytest.approx(share, rel=1e-9)
    text = sentence(found["top"], "en")
    assert all(f"L{a}H{b} {v:+.3f}" in text for a, b, v in t5) and f"{100 * share:.0f}%" in text
    # attention vs effect
    assert found["rank_attention"].fields["rho"] == pytest.approx(rho(att["first_token"], grid.abs()), abs=1e-9)
    # caveats
    assert found["one_text"].fields["n"] == len(r.tokens) and f"({len(r.tokens)} tokens)" in sentence(
        found["one_text"], "en")
    gap = r.clean["metric"] - r.clean.get("corrupted", float("nan"))
    if "patching" in r.effects and r.kind == "decoder" and abs(gap) < 0.5:
        f = found["small_gap"].fields
        assert f["gap"] == pytest.approx(gap)
        assert f["largest"] == pytest.approx(float(r.effects["patching"].abs().max()))
        assert f"only {gap:.3f} nats" in sentence(found["small_gap"], "en")
    else:
        assert "small_gap" not in found
    if "zero" in r.effects and "mean" in r.effects:
        z, m = r.effects["zero"], r.effects["mean"]
        a, b = divmod(int((z - m).abs().flatten().argmax()), z.shape[1])
        f = found["zero_mean"].fields
        assert (f["layer"], f["head"]) == (a, b) and f["rho"] == pytest.approx(rho(z, m), abs=1e-9)
        assert f"L{a}H{b} (zero {float(z[a, b]):+.3f}, mean {float(m[a, b]):+.3f})" in sentence(found["zero_mean"],
                                                                                              "en")
    else:
        assert "zero_mean" not in found
    exact = "patching" if r.corrupt_ids is not None else "zero"
    if "attribution" in r.effects:
        f = found["attribution"].fields
        assert f["rho"] == pytest.approx(rho(r.effects["attribution"], r.effects[exact]), abs=1e-9)
        overlap = {(a, b) for a, b, _ in top(r.effects["attribution"])} & {(a, b) for a, b, _ in top(r.effects[exact])}
        assert f["overlap"] == len(overlap) and f"{len(overlap)} of its top 5" in sentence(found["attribution"], "en")
    if "dla" in r.effects:
        aligned = r.effects["patching"] if exact == "patching" else -r.effects["zero"]
        assert found["dla"].fields["rho"] == pytest.approx(rho(r.effects["dla"], aligned), abs=1e-9)


@pytest.mark.parametrize("case", inputs(), ids=lambda c: f"{c[0]}-{c[1]}")
def test_role_sentences_hold_and_absent_ones_would_not(case):
    r, att = load(case)
    main = next(m for m in ("patching", "zero", "mean", "attribution", "dla") if m in r.effects)
    grid = r.effects[main]
    limit = 0.05 * float(grid.abs().max())
    got = {(x.key, x.fields["role"]): x for x in readings(r, att) if x.key in ("quiet_role", "loud_role")}
    for role, (score, threshold) in THRESHOLDS.items():
        strong = [(a, b) for a in range(grid.shape[0]) for b in range(grid.shape[1]) if att[score][a, b] >= threshold]
        quiet = [h for h in strong if abs(float(grid[h])) < limit]
        loud = [h for h in strong if abs(float(grid[h])) >= limit]
        pattern = att[score]
        for key, heads, order in (("quiet_role", quiet, lambda h, p=pattern: (-float(p[h]), h)),
                                  ("loud_role", loud, lambda h: (-abs(float(grid[h])), h))):
            if not heads:
                assert (key, role) not in got  # a claim that does not hold is not made
                continue
            f = got[(key, role)].fields
            assert f["n"] == len(heads) and f["n_strong"] == len(strong) and f["limit"] == pytest.approx(limit)
            assert [(a, b) for a, b, _, _ in f["examples"]] == sorted(heads, key=order)[:3]
            text = sentence(got[(key, role)], "en")
            assert f"{len(heads)} of the {len(strong)}" in text
            for a, b, s, v in f["examples"]:
                assert s == pytest.approx(float(att[score][a, b])) and f"L{a}H{b} ({s:.2f}, {v:+.3f})" in text


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_printout_in_both_languages(lang):
    r, att = real("smollm2")
    out = effects_report(r, att, lang)
    heads = ", ".join(f"L{a}H{b} {v:+.3f}" for a, b, v in top(r.effects["zero"]))
    assert heads in out
    assert ("読み取れること" if lang == "ja" else "What this shows") in out
    title = "\n注意点\n" if lang == "ja" else "\nCaveats\n"
    assert out.count(title) == 1
    assert f"{r.clean['metric']:.3f}" in out and "' Mary'" in out
    caveats = "\n" + out.split(title)[1]
    assert caveats.count("\n- ") == len([x for x in readings(r, att) if x.key in CAVEATS])


def test_spearman_by_hand():
    a, b = torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([10.0, 20.0, 40.0, 30.0])
    assert spearman(a, b) == pytest.approx(0.8)  # 1 - 6 * 2 / (4 * 15)
    ties = torch.tensor([1.0, 1.0, 2.0, 3.0])
    assert spearman(ties, torch.tensor([1.0, 2.0, 3.0, 4.0])) == pytest.approx(rho(ties, [1, 2, 3, 4]))
    assert spearman(torch.ones(4), a) != spearman(torch.ones(4), a)  # constant: NaN, never shown
