"""The trace contract's long-input access against an independent dense computation.

For captured traces (`QKTrace`) the reference is the eager math written out here from the captured
tensors themselves: scale * q k^T, the soft cap, the position bias, the mask as the model passed it,
softmax in float64. Every case of `analysis/conftest.CASES` (causal, encoder, padding, additive mask
with a position bias, kernel lse, sliding window, soft cap, a per-head ALiBi mask) goes through the
same checks, so any mask the one tile routine handles is checked in every access: weights, scores,
tiles, pooled maps, score tiles, pairs, visible keys and lse. Traces that keep only weights (a fake,
the toy) get the dense defaults, checked the same way.
"""

from __future__ import annotations

import math
import threading

import pytest
import torch

from attnlab.errors import AttnlabError, LayerHeadError, NotKeptError
from attnlab.toy import run_toy
from attnlab.trace import LayerMask

from ..analysis.conftest import CASES, synthetic_trace
from ..html.fakes import FakeTrace, words

TOL = 1e-5  # fp32 against float64: a weight rounds at ~1e-7 relative; scores of |s| ~ 10 at ~1e-6


def reference(trace, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(scores, weights) [head, q_pos, k_pos] float64, from the captured tensors as eager attention does."""
    cap, b, sp = trace.layers[layer], trace.batch_index, trace.span
    q, k = cap.q[b, :, sp].double(), cap.k[b, :, sp].double()
    s = q @ k.repeat_interleave(q.shape[0] // k.shape[0], 0).transpose(1, 2) * cap.scale
    if cap.softcap is not None:
        s = cap.softcap * torch.tanh(s / cap.softcap)
    if cap.position_bias is not None:
        s = s + cap.position_bias[b][:, sp, sp].double()
    if cap.mask is not None:
        m = cap.mask[b][:, sp, sp]  # [1 or head, q_pos, k_pos]
        if m.dtype == torch.bool:
            s = s.masked_fill(~m, -math.inf)
        else:
            s = (s + m.double()).masked_fill(m <= torch.finfo(torch.float32).min / 2, -math.inf)
    if cap.causal:
        s = s.masked_fill(~torch.ones_like(s, dtype=torch.bool).tril(), -math.inf)
    return s, s.softmax(-1)


def close(got: torch.Tensor, want: torch.Tensor, tol: float = TOL) -> None:
    got, want = got.double(), want.double()
    assert torch.equal(torch.isneginf(got), torch.isneginf(want))  # the same cells hidden
    finite = torch.isfinite(want)
    if finite.any():
        assert (got[finite] - want[finite]).abs().max() <= tol * (1 + want[finite].abs().max())


def pool(w: torch.Tensor, cell: int, mode: str) -> torch.Tensor:
    """The pooled map cell by cell, the slow obvious way."""
    out = torch.empty(-(-w.shape[0] // cell), -(-w.shape[1] // cell), dtype=w.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            block = w[i * cell : (i + 1) * cell, j * cell : (j + 1) * cell]
            out[i, j] = block.max() if mode == "max" else block.mean()
    return out


@pytest.fixture(params=list(CASES))
def case(request):
    return synthetic_trace(**CASES[request.param])


def test_weights_and_scores_equal_the_eager_math(case):
    for layer in range(case.n_layers):
        s, w = reference(case, layer)
        close(case.head_weights(layer), w)
        for head in (0, case.n_heads - 1):
            close(case.scores(layer, head), s[head])
            close(case.pattern(layer, head), w[head])


def test_tiles_and_pooled_maps_equal_the_eager_math(case):
    n = case.n_tokens
    s, w = reference(case, 1)
    for rows, cols in (((0, n), (0, n)), ((3, n - 2), (1, n // 2)), ((n - 4, n), (0, 5))):
        tw, ts = case.tile(1, 2, rows, cols)
        close(tw, w[2, rows[0] : rows[1], cols[0] : cols[1]])
        close(ts, s[2, rows[0] : rows[1], cols[0] : cols[1]])
    for mode in ("max", "mean"):
        for cell, rows, cols in ((4, None, None), (3, (2, n - 1), (5, n)), (n + 5, None, None)):
            r0, r1 = rows or (0, n)
            c0, c1 = cols or (0, n)
            got = case.pooled(1, 3, cell, rows, cols, mode=mode, q_block=6)
            close(got, pool(w[3, r0:r1, c0:c1], min(cell, max(r1 - r0, c1 - c0)), mode))


def test_score_tiles_pairs_lse_and_visible_keys(case):
    s, w = reference(case, 0)
    n = case.n_tokens
    lse = case.lse(0)
    close(lse, torch.logsumexp(s, -1))
    whole = torch.full((case.n_heads, n, n), -math.inf, dtype=torch.float64)
    for q0, k0, z, partial in case.score_tiles(0, rows=5, keys=7, minus=lse):
        whole[:, q0 : q0 + z.shape[1], k0 : k0 + z.shape[2]] = z.double()
        if not partial:
            assert torch.isfinite(z).all()
    close(whole.exp(), w)  # every visible cell came in some tile; skipped tiles held only hidden ones
    g = torch.Generator().manual_seed(1)
    q_pos, k_pos = torch.randint(0, n, (40,), generator=g), torch.randint(0, n, (40,), generator=g)
    close(case.pair_scores(0, q_pos, k_pos), s[:, q_pos, k_pos])
    close(case.row_scores(0, q_pos[:7]), s[:, q_pos[:7]])  # whole rows, scattered
    close(case.row_scores(0, q_pos[:7], keys=n // 2), s[:, q_pos[:7], : n // 2])
    assert torch.equal(case.visible_keys(0).cpu(), torch.isfinite(s[0]).sum(-1))


def test_dense_traces_answer_the_same_calls_from_their_weights():
    fake = FakeTrace(words(19), n_layers=2, n_heads=3, causal=True)  # weights only: logits are log w
    toy = run_toy(tokens=tuple("abcdefg"), d_model=4, heads=2, causal=True, temperature=0.5)
    for trace in (fake, toy):
        w = trace.head_weights(0).double()
        n = trace.n_tokens
        lse = trace.lse(0)
        whole = torch.zeros(trace.n_heads, n, n, dtype=torch.float64)
        for q0, k0, z, _ in trace.score_tiles(0, rows=4, keys=3, minus=lse):
            whole[:, q0 : q0 + z.shape[1], k0 : k0 + z.shape[2]] = z.double().exp()
        assert (whole - w).abs().max() <= TOL
        pairs = torch.tensor([1, 5, 6]), torch.tensor([0, 5, 2])
        got = torch.exp(trace.pair_scores(0, *pairs) - lse[:, pairs[0]])
        assert (got - w[:, pairs[0], pairs[1]]).abs().max() <= TOL
        rows = torch.exp(trace.row_scores(0, pairs[0]) - lse[:, pairs[0], None])
        assert (rows - w[:, pairs[0]]).abs().max() <= TOL
        assert torch.equal(trace.visible_keys(0), torch.arange(1, n + 1))
        close(trace.pooled(0, 1, 3, mode="max"), pool(w[1], 3, "max"))
        assert trace.nbytes > 0
    # the toy's logits are its scores after the temperature, so its lse is theirs
    close(toy.lse(0), torch.logsumexp(toy.stages.scores.double() / 0.5, -1))
    qkv = toy.qkv(0)
    assert qkv.q is toy.stages.Q and qkv.v is toy.stages.V and qkv.scale == 2 ** -0.5
    with pytest.raises(NotKeptError, match="keeps no queries"):
        fake.qkv(0)


def test_derived_values_are_computed_once_however_many_threads_ask():
    trace = synthetic_trace(n=300, **CASES["causal-gqa"])
    results: list[torch.Tensor] = []
    threads = [threading.Thread(target=lambda: results.append(trace.lse(1))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is results[0] for r in results)  # one tensor, from the memo
    assert trace.nbytes > synthetic_trace(n=300, **CASES["causal-gqa"]).nbytes  # the memo's lse is counted


@pytest.mark.parametrize(("mask", "kind"), [
    (LayerMask(), "none"),
    (LayerMask(causal=True), "causal"),
    (LayerMask(allowed=torch.ones(9, 9, dtype=torch.bool).tril()), "causal"),
    (LayerMask(allowed=torch.ones(9, 9, dtype=torch.bool)), "none"),
    (LayerMask(allowed=torch.ones(9, 9, dtype=torch.bool).tril() & ~torch.ones(9, 9, dtype=torch.bool).tril(-3)),
     "other"),
    (LayerMask(additive=torch.zeros(9, 9).masked_fill(torch.ones(9, 9, dtype=torch.bool).triu(1), -3e38)), "causal"),
    (LayerMask(additive=torch.randn(9, 9)), "other"),
    (LayerMask(causal=True, softcap=30.0), "other"),
])
def test_a_mask_is_reduced_to_the_causal_flag_only_when_that_is_all_it_is(mask, kind):
    assert mask.kind == kind
    assert (mask.effective().allowed is None) == (kind != "other" or mask.allowed is None)


def test_bad_ranges_are_clear_errors():
    trace = synthetic_trace(**CASES["encoder"])
    with pytest.raises(LayerHeadError, match=r"head 6 is out of range: this trace has heads 0\.\.5"):
        trace.tile(0, 6, (0, 2), (0, 2))
    with pytest.raises(AttnlabError, match=r"q_pos range 5\.\.40 is outside 0\.\.23"):
        trace.tile(0, 0, (5, 40), (0, 2))
    with pytest.raises(AttnlabError, match="pooling 'median' is not available: choose one of max, mean"):
        trace.pooled(0, 0, 2, mode="median")
    with pytest.raises(AttnlabError, match="cell must be a positive integer"):
        trace.pooled(0, 0, 0)


def test_max_pooling_keeps_a_sparse_diagonal_that_mean_pooling_washes_out():
    """A previous-token head: row i's query matches only key i - 1 (one-hot codes, large scale)."""
    from attnlab.models.capture import LayerCapture
    from attnlab.models.trace import ModelTrace
    from attnlab.trace import Token

    n = 64
    codes = torch.eye(n)  # key j's code: one-hot j
    cap = LayerCapture(q=(codes.roll(-1, dims=1) * 20)[None, None], k=codes[None, None], v=codes[None, None],
                       mask=None, causal=True, scale=1.0)
    trace = ModelTrace(layers=[cap], tokens=tuple(Token(str(i)) for i in range(n)), model="diag", kind="decoder",
                       n_layers=1, n_heads=1, n_kv_heads=1, span=(0, n), batch_index=0, prompt_len=None, truncated=0)
    assert trace.pooled(0, 0, 8, mode="max").diagonal().min() > 0.99  # the diagonal stays visible under max
    assert trace.pooled(0, 0, 8, mode="mean").diagonal().max() < 0.2  # and fades to about 1/cell under a mean
