"""The census computed without N x N equals the definitions read off full maps; roles, schema, errors.

Reference: `pattern(layer, head)` (a full softmax map, computed by the trace's own dense path) fed to
the definitions written out below with plain indexing. Synthetic captured traces (tests/analysis/
conftest.py) cover plain causal GQA, an encoder, padded batches (boolean masks), an additive mask with
a position bias, and an lse handed over by the kernel. Tolerances: scores in [0, 1] 1e-5 absolute;
mean distances (in positions) 1e-5 relative.
"""

from __future__ import annotations

import math

import pytest
import torch

from attnlab.analysis.census import (
    PROBE_SCORES,
    TEXT_SCORES,
    census_to_dict,
    dense_scores,
    head_census,
    probe_scores,
    text_scores,
    uniform_distance,
)
from attnlab.analysis.roles import ROLE_NAMES, assign_roles
from attnlab.errors import AttnlabError
from attnlab.rowstats import full_row_stats
from attnlab.trace.rows import row_entropy_distance, row_max

from .conftest import synthetic_trace

ATOL = 1e-5


def maps(trace):
    """One [head, q_pos, k_pos] per layer, from the trace's dense path."""
    return [torch.stack([trace.pattern(layer, h) for h in range(trace.n_heads)]) for layer in range(trace.n_layers)]


def brute_force_text(trace):
    """The definitions with loops over rows: {name: [layer, head]}."""
    out = {name: torch.zeros(trace.n_layers, trace.n_heads) for name in TEXT_SCORES}
    n = trace.n_tokens
    for layer, w in enumerate(maps(trace)):
        for h in range(trace.n_heads):
            rows = []
            for q in range(1, n):
                row = w[h, q]
                seen = int(torch.isfinite(trace.scores(layer, h)[q]).sum())  # keys row q may see
                ent = -sum(float(x) * math.log(float(x)) for x in row if x > 0)
                rows.append((row[q - 1], row[q], row[0], ent / math.log(seen),
                             sum(float(row[k]) * abs(q - k) for k in range(n))))
            for i, name in enumerate(TEXT_SCORES):
                out[name][layer, h] = sum(float(r[i]) for r in rows) / len(rows)
    return out


def test_text_scores_equal_the_definitions(trace_case):
    ours, ref = text_scores(trace_case), brute_force_text(trace_case)
    for name in TEXT_SCORES:
        if name == "mean_distance":
            torch.testing.assert_close(ours[name], ref[name], rtol=1e-5, atol=1e-5)
        else:
            torch.testing.assert_close(ours[name], ref[name], rtol=0, atol=ATOL, msg=name)


def test_probe_scores_equal_the_definitions(trace_case):
    r = 8
    ours = probe_scores(trace_case, r)
    n = trace_case.n_tokens
    for layer, w in enumerate(maps(trace_case)):
        second = range(n - r, n)
        ind = torch.stack([sum(w[h, q, q - r + 1] for q in second) / r for h in range(trace_case.n_heads)])
        dup = torch.stack([sum(w[h, q, q - r] for q in second) / r for h in range(trace_case.n_heads)])
        torch.testing.assert_close(ours["induction"][layer], ind, rtol=0, atol=ATOL)
        torch.testing.assert_close(ours["duplicate"][layer], dup, rtol=0, atol=ATOL)


def test_dense_scores_agree_with_the_streamed_ones(trace_case):
    visible = [torch.isfinite(trace_case.scores(layer, 0)).sum(-1) for layer in range(trace_case.n_layers)]
    dense = dense_scores(maps(trace_case), causal=trace_case.causal, visible=visible)
    streamed = text_scores(trace_case)
    for name in TEXT_SCORES:
        torch.testing.assert_close(dense[name], streamed[name], rtol=1e-5, atol=ATOL)


def test_lse_and_row_sums_equal_full_maps(trace_case):
    for layer, w in enumerate(maps(trace_case)):
        scores = torch.stack([trace_case.scores(layer, h) for h in range(trace_case.n_heads)])
        torch.testing.assert_close(trace_case.lse(layer), scores.logsumexp(-1), rtol=0, atol=1e-5)
        ref = full_row_stats(w)
        rows = row_entropy_distance(trace_case, layer, rows=5, keys=7)  # several tiles per row
        torch.testing.assert_close(rows["entropy"], ref["entropy"], rtol=0, atol=ATOL)
        torch.testing.assert_close(rows["mean_distance"], ref["mean_distance"], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(rows["max_weight"], ref["max_weight"], rtol=0, atol=ATOL)  # the pass's own max
        mx = row_max(trace_case, layer, rows=5, keys=7)
        torch.testing.assert_close(mx["max_weight"], ref["max_weight"], rtol=0, atol=ATOL)
        assert torch.equal(mx["argmax"], ref["argmax"])


def test_definitions_on_maps_with_known_answers():
    n = 12
    prev = torch.zeros(1, n, n)
    prev[0, 0, 0] = 1.0
    prev[0, torch.arange(1, n), torch.arange(n - 1)] = 1.0  # every row on the token before it
    uniform = torch.ones(n, n).tril()
    uniform = (uniform / uniform.sum(-1, keepdim=True))[None]
    s = dense_scores([prev, uniform], causal=True)
    assert s["prev_token"][0, 0] == 1.0 and s["self"][0, 0] == 0.0 and s["entropy"][0, 0] == 0.0
    assert s["mean_distance"][0, 0] == 1.0
    torch.testing.assert_close(s["entropy"][1, 0], torch.tensor(1.0), rtol=0, atol=1e-6)
    torch.testing.assert_close(s["mean_distance"][1, 0].double(), torch.tensor(uniform_distance(n, True),
                               dtype=torch.float64), rtol=1e-6, atol=0)


def test_toy_traces_go_through_the_dense_path():
    from attnlab.toy import run_toy

    toy = run_toy(tokens="I love transformers so much today".split(), d_model=8, heads=2, causal=True)
    census = head_census(toy, probe=False)
    ref = dense_scores(maps(toy), causal=True)
    for name in TEXT_SCORES:
        torch.testing.assert_close(census.scores[name], ref[name], rtol=1e-6, atol=1e-6)
    assert census.probe is None and not any(r.role in ("induction", "duplicate") for r in census.roles)


def test_roles_follow_their_rules():
    scores = {
        "prev_token": torch.tensor([[0.9, 0.1]]),
        "first_token": torch.tensor([[0.2, 0.6]]),
        "mean_distance": torch.tensor([[1.0, 20.0]]),
        "induction": torch.tensor([[0.05, 0.31]]),
    }
    roles = {(r.layer, r.head, r.role) for r in assign_roles(scores, uniform_distance=30.0)}
    assert roles == {(0, 0, "previous_token"), (0, 1, "first_token_sink"), (0, 0, "local"), (0, 1, "induction")}
    short = assign_roles(scores, uniform_distance=2.0)  # uniform heads already within 2 tokens: no "local"
    assert not any(r.role == "local" for r in short)
    assert {r.role for r in assign_roles(scores)} <= set(ROLE_NAMES) - {"local"}


def test_census_dict_has_the_documented_schema():
    trace = synthetic_trace(n=30)

    class FakeProbe:
        pass

    probe = FakeProbe()
    probe.trace, probe.token_ids, probe.length, probe.seed = synthetic_trace(n=20, seed=1), tuple(range(20)), 10, 0
    d = census_to_dict(head_census(trace, probe=probe))
    assert list(d) == ["model", "n_layers", "n_heads", "tokens", "token_ids", "probe", "scores", "roles"]
    assert d["probe"] == {"token_ids": list(range(20)), "length": 10, "seed": 0}
    assert set(d["scores"]) == set(TEXT_SCORES + PROBE_SCORES)
    assert len(d["scores"]["induction"]) == 3 and len(d["scores"]["induction"][0]) == 6
    assert all(set(r) == {"layer", "head", "role", "score"} for r in d["roles"])


def test_bad_input_is_one_clear_error():
    with pytest.raises(AttnlabError, match="at least 2 tokens, got 1"):
        text_scores(synthetic_trace(n=1))
    with pytest.raises(AttnlabError, match="R = 20 needs at least 40 tokens"):
        probe_scores(synthetic_trace(n=23), 20)
    with pytest.raises(AttnlabError, match="needs a trace, a model name or a probe"):
        head_census(None, probe=False)


def test_lse_row_stats_equal_the_full_maps_and_defer_the_maxima(trace_case):
    from attnlab.trace.rows import lse_row_stats

    lazy, ref = lse_row_stats(trace_case), trace_case.dense_row_stats()
    assert lazy.shape == ref.shape and "row_max" not in trace_case.memo.names()  # argmax: not asked for yet
    for name in ("entropy", "first_weight", "max_weight"):
        torch.testing.assert_close(getattr(lazy, name), getattr(ref, name), rtol=0, atol=ATOL)
    torch.testing.assert_close(lazy.mean_distance, ref.mean_distance, rtol=1e-5, atol=1e-5)
    assert "row_max" not in trace_case.memo.names()  # the max weight came with the entropy pass
    assert torch.equal(lazy.argmax, ref.argmax)
    assert "row_max" in trace_case.memo.names()


def test_row_max_takes_the_first_key_on_ties():
    trace = synthetic_trace(n=40, causal=False, n_kv=6)
    trace.layers[0].q[:, 2].zero_()  # head 2 of layer 0: every score 0, every key tied
    mx = row_max(trace, 0, rows=8, keys=16)
    assert torch.equal(mx["argmax"][2], torch.zeros(40, dtype=torch.int64))
    torch.testing.assert_close(mx["max_weight"][2], torch.full((40,), 1 / 40), rtol=1e-6, atol=0)
