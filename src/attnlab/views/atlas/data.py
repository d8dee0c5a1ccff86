"""The census tab's page data: every text score per layer and head, the roles they earn and the rules.

`census_page_data(census, lang)` is the census as the tab reads it (fp32 grids, roles, rules in the
page's language); `page_meta` rounds it to JSON (6 decimals, as `attnlab heads --format json`) and
applies each rule's threshold to this text.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...analysis.census import SCORE_NAMES, TEXT_SCORES, HeadCensus, head_census
from ...analysis.census_text import s, score_label
from ...analysis.roles import LOCAL_FRACTION, ROLE_RULES
from ...i18n import t
from ...trace import AttentionTrace
from ..base import PageOptions

IN_TOKENS = ("mean_distance",)  # scores counted in tokens, not on 0..1: shown from 0 to their largest, 1 decimal


def census_page_data(census: HeadCensus, lang: str = "ja") -> dict[str, Any]:
    """{model, n_layers, n_heads, scores: {name: float32 [layer, head]}, roles: [{layer, head, role,
    score}], rules: [{role, name, means, score, threshold, at_least}], probe: {length, seed} | None}."""
    return {
        "model": census.model,
        "n_layers": census.n_layers,
        "n_heads": census.n_heads,
        "scores": {n: census.scores[n].numpy().astype(np.float32) for n in SCORE_NAMES if n in census.scores},
        "roles": [{"layer": r.layer, "head": r.head, "role": r.role, "score": r.score} for r in census.roles],
        "rules": [
            {"role": r.role, "name": s("role_" + r.role, lang), "means": s("means_" + r.role, lang),
             "score": r.score, "threshold": r.threshold, "at_least": r.at_least}
            for r in ROLE_RULES
        ],
        "probe": None if census.probe is None else {"length": census.probe.length, "seed": census.probe.seed},
    }


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any]:
    """{scores: {name: [layer][head]} (6 decimals, as `attnlab heads --format json`), score_labels:
    {name: words} (the text scores, in their order), in_tokens: [name], roles: [{layer, head, role,
    score}], rules: [{role, name, means, score, limit, at_least, on}], uniform_distance}.

    `limit` is the threshold as applied to this text ("local" also compares with a uniform head's mean
    distance); `on` says whether the rule reads the text or the probe (probe rules are not judged here).
    """
    if page.remote:  # a long trace in the app: the census runs when the tab opens (/view-meta), not before
        return {"deferred": "all"}
    census = head_census(trace, probe=False)
    data = census_page_data(census, page.lang)
    u = census.uniform_distance
    rules = []
    for rule in data["rules"]:
        limit = rule["threshold"]
        if rule["role"] == "local":
            limit = min(limit, LOCAL_FRACTION * u)
        if rule["role"] == "first_token_sink":  # the printout's sentence points at its own lines below
            rule = {**rule, "means": t("census_sink_means", page.lang)}
        on = "text" if rule["score"] in TEXT_SCORES else "probe"
        rules.append({**rule, "limit": round(float(limit), 6), "on": on})
    return {
        "scores": {n: [[round(float(x), 6) for x in row] for row in data["scores"][n].tolist()] for n in TEXT_SCORES},
        "score_labels": {n: score_label(n, page.lang) for n in TEXT_SCORES},
        "in_tokens": [n for n in TEXT_SCORES if n in IN_TOKENS],
        "roles": [{**r, "score": round(float(r["score"]), 6)} for r in data["roles"]],
        "rules": rules,
        "uniform_distance": round(float(u), 6),
    }
