"""The head census in the page: every layer x head coloured by one census score, roles outlined.

Page tab only (assets/views/atlas.js, grid drawn by assets/headgrid.js, shared with the web app's
live `rowatlas`). The scores are the census's text scores (`analysis.census.text_scores`: prev_token,
self, first_token, entropy, mean_distance; definitions in docs/census.md) computed on the page's
own text, and the roles those scores earn (`analysis.roles.assign_roles`, as `attnlab heads` and the
atlas figure assign them). The probe's roles (induction, duplicate) need another forward on the
induction probe, which a page of a given trace does not run: the tab says so and names the command.
Clicking a head opens it in the heatmap (when its layer is in the page).

Cost: one census of the trace per page, N x N-free on a captured trace (measured in
docs/benchmarks.md, "Interactive pages").
"""

from __future__ import annotations

from typing import Any

from ..i18n import t
from ..trace import AttentionTrace
from .base import PageOptions, View


def applies(trace: AttentionTrace) -> bool:
    """Model traces (the toy's one layer has no census) of at least 2 tokens (a score averages q >= 1)."""
    return trace.stages is None and trace.n_tokens >= 2


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any]:
    """{scores: {name: [layer][head]} (6 decimals, as `attnlab heads --format json`), roles: [{layer,
    head, role, score}], rules: [{role, name, means, score, limit, at_least, on}], uniform_distance}.

    `limit` is the threshold as applied to this text ("local" also compares with a uniform head's mean
    distance); `on` says whether the rule reads the text or the probe (probe rules are not judged here).
    """
    from ..analysis.census import TEXT_SCORES, head_census
    from ..analysis.census_page import census_page_data
    from ..analysis.roles import LOCAL_FRACTION

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
        "roles": [{**r, "score": round(float(r["score"]), 6)} for r in data["roles"]],
        "rules": rules,
        "uniform_distance": round(float(u), 6),
    }


VIEW = View(name="atlas", applies=applies, page_meta=page_meta, scripts=("headgrid.js",),
            opens_first=lambda trace: False, needs="a model trace of at least 2 tokens (the toy has one layer)")
