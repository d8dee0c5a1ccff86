"""Head census: what every head of a model does, as a few numbers per (layer, head).

Definitions (docs/census.md; used everywhere). For one head's weights w[q_pos, k_pos] on N tokens,
means over q = 1 .. N-1 (row 0 of a causal head has one key and says nothing):

    prev_token     mean of w[q, q-1], over the q that do not continue a character (below)
    self           mean of w[q, q]
    first_token    mean of w[q, 0]
    entropy        mean of H(w[q, :]) / log(keys q can see)    (causal: q + 1; encoder: N), in [0, 1]
    mean_distance  mean of sum_k w[q, k] |q - k|               in positions

A piece that begins inside a character split over pieces (SmolLM2 reads 東 as 東1/2 東2/2) puts its
weight on that character's earlier piece: it assembles the character, which says nothing about
what the head does with the text, so those rows are left out of prev_token
(`models.chars.continuation_pieces`); the readings report them apart.

and on the induction probe (`models.probe`: R random tokens repeated, second repeat N-R .. N-1),
means over q in the second repeat:

    induction      mean of w[q, q - R + 1]   (the token after the earlier copy of q's token)
    duplicate      mean of w[q, q - R]       (the earlier copy itself)

Computed without N x N through the trace contract: with each row's log-sum-exp
(`AttentionTrace.lse`, free from the attention kernel on CPU) a weight is exp(logit - lse[q]), so the
gathers along a diagonal or a column cost O(N x d_head) per head (`pair_scores`); entropy and mean
distance take one pass over the score tiles (`trace.rows`). A trace that keeps only weights answers
the same calls from its maps. `dense_scores` is the readable form of the definitions (tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import AttnlabError
from ..i18n import Msg, tr_error
from ..trace import AttentionTrace
from ..trace.rows import row_entropy_distance
from .roles import Role, assign_roles

TEXT_SCORES = ("prev_token", "self", "first_token", "entropy", "mean_distance")  # computed on the text
PROBE_SCORES = ("induction", "duplicate")  # computed on the induction probe
SCORE_NAMES = TEXT_SCORES + PROBE_SCORES


@dataclass(frozen=True)
class ProbeInfo:
    """Which probe the probe scores came from."""

    token_ids: tuple[int, ...]  # prefix + r + r
    length: int  # R, tokens per repeat
    seed: int  # the generator's seed


@dataclass(frozen=True)
class HeadCensus:
    """Scores and roles of every head of a model (see the module docstring for the definitions)."""

    model: str  # the model's name
    n_layers: int  # layers of the model
    n_heads: int  # query heads per layer
    tokens: tuple[str, ...]  # the text's tokens as shown (empty: probe only)
    token_ids: tuple[int | None, ...]  # their ids
    scores: dict[str, torch.Tensor]  # name -> [layer, head] fp32; text scores on the text, probe scores on the probe
    probe: ProbeInfo | None  # the probe the probe scores came from (None: not run)
    roles: tuple[Role, ...]  # every (layer, head, role) whose score passes its threshold (analysis.roles)
    uniform_distance: float | None  # mean_distance a uniform head would have on this text (None: no text)
    prev_skipped: int = 0  # text rows left out of prev_token: they continue a character (`prev_rows`)


def _check_tokens(trace: AttentionTrace, needed: int, what: Msg) -> None:
    if trace.n_tokens < needed:
        raise tr_error(AttnlabError, "err_too_few_tokens", what=what, needed=needed, n=trace.n_tokens)


def text_scores(trace: AttentionTrace) -> dict[str, torch.Tensor]:
    """{name: [layer, head]} for TEXT_SCORES on the trace's own tokens."""
    _check_tokens(trace, 2, Msg("what_census"))
    keep = prev_rows(trace)
    per_layer = [_layer_text_scores(trace, layer, keep) for layer in range(trace.n_layers)]
    return {name: torch.stack([d[name] for d in per_layer]) for name in TEXT_SCORES}


def prev_rows(trace: AttentionTrace) -> torch.Tensor:
    """[q_pos - 1] bool over q = 1 .. N-1: the rows prev_token averages (not continuing a character)."""
    from ..models.chars import continuation_pieces, token_chunks

    skip = continuation_pieces(token_chunks(trace.tokens))
    return torch.tensor([q not in skip for q in range(1, trace.n_tokens)], dtype=torch.bool)


def first_token_scores(trace: AttentionTrace) -> torch.Tensor:
    """[layer, head] first_token alone (the census's own numbers, without the rest of the census):
    the one definition of an attention sink, shared by `attnlab text`'s overview and `heads`."""
    _check_tokens(trace, 2, Msg("what_census"))
    return torch.stack([_first_token(trace, layer) for layer in range(trace.n_layers)])


def _first_token(trace: AttentionTrace, layer: int) -> torch.Tensor:
    """[head] mean of w[q, 0] over q = 1 .. N-1."""
    q = torch.arange(1, trace.n_tokens)
    return _weights_at(trace, layer, q, torch.zeros_like(q)).mean(-1)


def probe_scores(trace: AttentionTrace, length: int) -> dict[str, torch.Tensor]:
    """{induction, duplicate: [layer, head]} on a probe trace whose last 2 * length tokens are r + r."""
    _check_tokens(trace, 2 * length, Msg("what_probe", {"r": length}))
    n = trace.n_tokens
    q = torch.arange(n - length, n)  # the second repeat
    out: dict[str, list[torch.Tensor]] = {"induction": [], "duplicate": []}  # per layer [head]
    for layer in range(trace.n_layers):
        out["induction"].append(_weights_at(trace, layer, q, q - length + 1).mean(-1))
        out["duplicate"].append(_weights_at(trace, layer, q, q - length).mean(-1))
    return {name: torch.stack(v) for name, v in out.items()}


def _weights_at(trace: AttentionTrace, layer: int, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """[head, pairs] weights w[q_i, k_i] = exp(logit - lse): O(pairs) per head, no N x N map."""
    lse = trace.lse(layer)
    return torch.exp(trace.pair_scores(layer, q, k) - lse[:, q.to(lse.device)]).cpu()


def _layer_text_scores(trace: AttentionTrace, layer: int, keep: torch.Tensor) -> dict[str, torch.Tensor]:
    """keep: [q_pos - 1] bool, the rows prev_token averages (`prev_rows`)."""
    n = trace.n_tokens
    q = torch.arange(1, n)
    rows = {k: v.cpu() for k, v in row_entropy_distance(trace, layer).items()}
    visible = trace.visible_keys(layer).cpu()[1:].double()
    ent = torch.where(visible > 1, rows["entropy"][:, 1:].double() / visible.log(), 0.0)
    # two gathers in one call: w[q, q-1], w[q, q] for q = 1 .. N-1
    pairs = _weights_at(trace, layer, q.repeat(2), torch.cat([q - 1, q]))  # [head, 2 * (n - 1)]
    prev, self_ = pairs.view(trace.n_heads, 2, n - 1).unbind(1)  # [head, q] each
    return {
        "prev_token": prev[:, keep].mean(-1) if bool(keep.any()) else torch.full_like(prev[:, 0], math.nan),
        "self": self_.mean(-1),
        "first_token": _first_token(trace, layer),
        "entropy": ent.nanmean(-1).float(),
        "mean_distance": rows["mean_distance"][:, 1:].nanmean(-1),
    }


def _dense_rows(w: torch.Tensor) -> dict[str, torch.Tensor]:
    """{entropy, mean_distance}: [head, q_pos] from full weights [head, q_pos, k_pos] (rows sum to 1)."""
    n = w.shape[-1]
    pos = torch.arange(n, dtype=torch.float32)
    plogp = torch.where(w > 0, w * torch.log(w), torch.zeros_like(w))
    return {"entropy": -plogp.sum(-1), "mean_distance": (w * (pos[:, None] - pos).abs()).sum(-1)}


def dense_scores(weights: list[torch.Tensor], *, causal: bool, probe_length: int | None = None,
                 visible: list[torch.Tensor] | None = None, skip_prev: frozenset[int] = frozenset()) -> dict:
    """The definitions, read directly off full maps: weights = one [head, q_pos, k_pos] per layer.

    TEXT_SCORES, or PROBE_SCORES when probe_length is given. visible: per layer [q_pos], the keys each
    query sees (default: q + 1 when causal, else N; give it for other masks). skip_prev: rows left out
    of prev_token (pieces continuing a character). For tests and small traces.
    """
    out: dict[str, list[torch.Tensor]] = {}
    for i, w in enumerate(weights):
        n = w.shape[-1]
        if probe_length is not None:
            q = torch.arange(n - probe_length, n)
            out.setdefault("induction", []).append(w[:, q, q - probe_length + 1].mean(-1))
            out.setdefault("duplicate", []).append(w[:, q, q - probe_length].mean(-1))
            continue
        q = torch.arange(1, n)
        rows = _dense_rows(w)
        seen = (q + 1).double() if causal else torch.full((n - 1,), float(n), dtype=torch.float64)
        if visible is not None:
            seen = visible[i][1:].double()
        pq = torch.tensor([j for j in range(1, n) if j not in skip_prev], dtype=torch.long)
        out.setdefault("prev_token", []).append(w[:, pq, pq - 1].mean(-1))
        out.setdefault("self", []).append(w[:, q, q].mean(-1))
        out.setdefault("first_token", []).append(w[:, q, 0].mean(-1))
        out.setdefault("entropy", []).append((rows["entropy"][:, 1:] / seen.log()).mean(-1).float())
        out.setdefault("mean_distance", []).append(rows["mean_distance"][:, 1:].mean(-1))
    return {name: torch.stack(v) for name, v in out.items()}


def uniform_distance(n: int, causal: bool) -> float:
    """mean_distance of a head that spreads its weight evenly over the keys it can see (q = 1 .. n-1)."""
    if n < 2:
        return math.nan
    q = torch.arange(1, n, dtype=torch.float64)
    if causal:
        return float((q / 2).mean())  # mean of |q - k| over k = 0 .. q
    k = torch.arange(n, dtype=torch.float64)
    return float((q[:, None] - k).abs().mean(-1).mean())


def head_census(
    trace: AttentionTrace | None = None,
    *,
    model: str | None = None,
    probe: Any = True,
    probe_length: int = 50,
    seed: int = 0,
) -> HeadCensus:
    """The census of a model's heads: scores on the text's trace and on the induction probe, and roles.

    Args:
        trace: a text's trace (`run_text`), or None for the probe alone (then give `model`).
        model: the model to probe when no trace is given (default: the trace's model).
        probe: True: run the induction probe (`models.probe.induction_probe`); False: skip it (no
            induction / duplicate scores); or a `Probe` already run.
        probe_length, seed: R and the seed of the probe when it is run here.
    """
    if trace is None and model is None and (probe is True or probe is False):
        raise tr_error(AttnlabError, "err_census_nothing")
    name = model or (trace.model if trace is not None else probe.trace.model)
    if probe is True:
        from ..models.probe import induction_probe

        probe = induction_probe(name, probe_length, seed)
    if probe is False and trace is None:
        raise tr_error(AttnlabError, "err_census_no_probe")
    scores = text_scores(trace) if trace is not None else {}
    info = None
    if probe is not False:
        scores.update(probe_scores(probe.trace, probe.length))
        info = ProbeInfo(token_ids=tuple(probe.token_ids), length=probe.length, seed=probe.seed)
    source = trace if trace is not None else probe.trace
    distance = uniform_distance(trace.n_tokens, trace.causal) if trace is not None else None
    return HeadCensus(
        model=name,
        n_layers=source.n_layers,
        n_heads=source.n_heads,
        tokens=tuple(t.text for t in trace.tokens) if trace is not None else (),
        token_ids=tuple(t.id for t in trace.tokens) if trace is not None else (),
        scores=scores,
        probe=info,
        roles=assign_roles(scores, uniform_distance=distance),
        uniform_distance=distance,
        prev_skipped=int((~prev_rows(trace)).sum()) if trace is not None else 0,
    )


def census_to_dict(census: HeadCensus) -> dict[str, Any]:
    """The JSON schema of `attnlab heads --format json` (docs/census.md).

    {model, n_layers, n_heads, tokens, token_ids, probe: {token_ids, length, seed} | null,
     scores: {name: [layer][head]}, roles: [{layer, head, role, score}]}
    """
    probe = census.probe
    return {
        "model": census.model,
        "n_layers": census.n_layers,
        "n_heads": census.n_heads,
        "tokens": list(census.tokens),
        "token_ids": list(census.token_ids),
        "probe": None if probe is None else {"token_ids": list(probe.token_ids), "length": probe.length,
                                             "seed": probe.seed},
        "scores": {name: [[round(x, 6) for x in row] for row in s.tolist()] for name, s in census.scores.items()},
        "roles": [{"layer": r.layer, "head": r.head, "role": r.role, "score": round(r.score, 6)}
                  for r in census.roles],
    }
