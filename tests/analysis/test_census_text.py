"""The census printout (`attnlab heads`): roles decided on the scores as printed (issue 17 item 7), roles
said to come from this one text and the rollout's collapse said where the rollout is printed (item 9),
and the rows left out of prev_token counted (item 4); in です・ます."""

from __future__ import annotations

import re

import pytest
import torch

from attnlab.analysis.census import HeadCensus, head_census
from attnlab.analysis.census_text import census_report
from attnlab.analysis.roles import ROLE_RULES, assign_roles, rule_of

from .conftest import synthetic_trace


def test_a_score_printed_at_the_threshold_earns_the_role():
    scores = {"prev_token": torch.tensor([[0.3951, 0.3949]]), "first_token": torch.tensor([[0.4951, 0.4949]])}
    roles = {(r.head, r.role) for r in assign_roles(scores)}
    assert roles == {(0, "previous_token"), (0, "first_token_sink")}  # 0.40 and 0.50 as printed; 0.39, 0.49 not


def _census(scores: dict[str, torch.Tensor], tokens=("a", "b")) -> HeadCensus:
    return HeadCensus(model="m", n_layers=1, n_heads=scores["prev_token"].shape[1], tokens=tokens,
                      token_ids=(None,) * len(tokens), scores=scores, probe=None,
                      roles=assign_roles(scores, uniform_distance=30.0), uniform_distance=30.0)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("below", [0.05, 0.0051])  # around the thresholds; all under them (as printed, or not)
def test_every_printed_number_agrees_with_its_printed_rule(lang, below):
    g = torch.Generator().manual_seed(5)
    spread = 0.1 if below == 0.05 else 0.0001
    scores = {name: (torch.rand(1, 40, generator=g) * spread + rule.threshold - below) for name, rule in
              (("prev_token", rule_of("previous_token")), ("first_token", rule_of("first_token_sink")),
               ("self", rule_of("self")), ("entropy", rule_of("broad")))}
    scores["mean_distance"] = torch.rand(1, 40, generator=g) + 2.5
    text = census_report(_census(scores), lang)
    checked = 0
    for rule in ROLE_RULES:
        if rule.score not in scores:
            continue
        sign = ">=" if rule.at_least else "<="
        m = re.search(rf"{rule.score} {sign} {rule.threshold:g}[^\n]*?: (.*)", text)
        if m:  # heads past: each printed score passes the printed rule
            for value in re.findall(r"L\d+ H\d+ ([0-9.]+)", m.group(1)):
                assert (float(value) >= rule.threshold) if rule.at_least else (float(value) <= rule.threshold)
                checked += 1
        best = re.search(rf"[(（]{rule.score} {sign} {rule.threshold:g}[)）][^\n]*L\d+ H\d+ (?:の )?([0-9.]+)", text)
        if best:  # no head past: the best printed score does not pass it either
            v = float(best.group(1))
            assert (v < rule.threshold) if rule.at_least else (v > rule.threshold)
            checked += 1
    assert checked >= 4


def test_roles_say_they_come_from_this_text_and_rollout_says_it_collapses():
    census = head_census(synthetic_trace(n=20), probe=False, model="synthetic")
    for lang, one_text, caveat in (("en", "Roles are judged on this text", "the rollout collapses onto it"),
                                   ("ja", "入力が変われば役割が変わることがあります", "由来が先頭に集まります")):
        text = census_report(census, lang, sources=[(0, "a", 0.97), (3, "d", 0.01)])
        assert one_text in text and caveat in text
        assert ("here the first token has 0.97" in text) or ("ここでは先頭のトークンが 0.97" in text)


def test_japanese_census_printout_is_polite():
    census = head_census(synthetic_trace(n=20), probe=False, model="synthetic")
    text = census_report(census, "ja")
    for line in text.splitlines():
        line = line.strip()
        if line.endswith(("ない", "しない", "だ", "である", "置く。", "集まる。", "広げる。")):
            pytest.fail(f"plain form in the Japanese census: {line}")


@pytest.mark.model
@pytest.mark.parametrize("text", ["東京は美しい街です。", "私は図書館で本を読みます。"])
def test_smollm2_japanese_prev_token_leaves_out_continuing_pieces(text):
    """The prev_token score and the role on the bundled decoder, recomputed from the weights with the rows
    that continue a character left out, and the count said in the printout."""
    from attnlab.analysis.census import dense_scores
    from attnlab.models.api import run_text
    from attnlab.models.chars import continuation_pieces, token_chunks

    tr = run_text(text, "smollm2")
    skip = continuation_pieces(token_chunks(tr.tokens))
    census = head_census(tr, probe=False)
    ref = dense_scores([tr.head_weights(layer) for layer in range(tr.n_layers)], causal=True, skip_prev=skip)
    torch.testing.assert_close(census.scores["prev_token"], ref["prev_token"].float(), atol=1e-5, rtol=0)
    naive = dense_scores([tr.head_weights(layer) for layer in range(tr.n_layers)], causal=True)["prev_token"]
    assert float((naive - ref["prev_token"]).abs().max()) > 0.05  # the continuing rows did change it
    assert census.prev_skipped == len(skip) > 0
    assert f"leaves out the {len(skip)} rows that continue a character" in census_report(census, "en")
