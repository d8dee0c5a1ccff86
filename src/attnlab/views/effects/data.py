"""The effects tab's data: `analysis.effects_page.effects_page_data` as it is (every number the effects'
and the census's own), plus what the tab says in the page's language.

`tab_data(effects, census, lang)` adds to it: `words` (each method's, census score's and role's name),
`header` (the printout's target lines: what was measured, its clean value, what ran), `readings` and
`caveats` (the printout's "What this shows" and "Caveats", `analysis.effects_text`), and `rho_attention`
(Spearman's rho between each census score shown on the scatter and each method's |effect|, over all
heads; a pair whose rho is undefined, a constant column, is left out). `page_meta` gives a page file
that was handed the effects (`PageOptions.given["effects"]`) this data, and the web app's page the
little its tab needs to ask the server for them (`server/routes_effects.py` answers with `tab_data`).
"""

from __future__ import annotations

import math
from typing import Any

from ...analysis.census import HeadCensus, head_census
from ...analysis.effects import HeadEffects
from ...analysis.effects_math import spearman
from ...analysis.effects_names import METHODS
from ...analysis.effects_page import effects_page_data
from ...analysis.effects_text import CAVEATS, header_lines, readings, sentence
from ...analysis.roles import ROLE_NAMES
from ...errors import AttnlabError
from ...i18n import t
from ...trace import AttentionTrace
from ..base import PageOptions

SCATTER_SCORES = ("first_token", "prev_token")  # the census scores the scatter offers on its x axis


def tab_data(effects: HeadEffects, census: HeadCensus, lang: str) -> dict[str, Any]:
    """effects_page_data(effects, census), and the tab's words, header, readings and correlations."""
    data = effects_page_data(effects, census)
    found = readings(effects, census.scores)
    header = header_lines(effects, lang, 0.0)[1:]  # after the title (the page's own); the last lines: skipped
    header = header[: len(header) - len(effects.skipped)]  # methods, which name CLI flags: left out here
    return {
        **data,
        "words": {
            "methods": {m: t(f"effects_method_{m}", lang) for m in data["effects"]},
            "scores": {s: t(f"census_{s}", lang) for s in data["attention"]},
            "roles": {r: t(f"role_{r}", lang) for r in ROLE_NAMES},
        },
        "scatter_scores": [s for s in SCATTER_SCORES if s in data["attention"]],
        "header": header,
        "readings": [sentence(r, lang) for r in found if r.key not in CAVEATS],
        "caveats": [sentence(r, lang) for r in found if r.key in CAVEATS],
        "rho_attention": attention_rho(effects, census),
    }


def attention_rho(effects: HeadEffects, census: HeadCensus) -> dict[str, dict[str, float]]:
    """{method: {score: Spearman's rho of the census score and |effect| over all heads}} (finite only)."""
    out: dict[str, dict[str, float]] = {}
    for m in effects.methods:
        grid = effects.effects[m].abs().flatten()
        got = {s: spearman(census.scores[s].flatten(), grid) for s in SCATTER_SCORES if s in census.scores}
        out[m] = {s: round(rho, 6) for s, rho in got.items() if math.isfinite(rho)}
    return out


def check_same_trace(effects: HeadEffects, trace: AttentionTrace, lang: str) -> None:
    """The effects must be of this trace's model and tokens (they are shown beside its attention)."""
    ids = tuple(tok.id for tok in trace.tokens)
    same = (effects.model == trace.model and effects.n_layers == trace.n_layers and effects.n_heads == trace.n_heads
            and effects.token_ids == ids)
    if not same:
        raise AttnlabError(t("effects_err_other_trace", lang, model=effects.model, n=len(effects.token_ids),
                             trace_model=trace.model, trace_n=trace.n_tokens))


def page_meta(trace: AttentionTrace, page: PageOptions) -> dict[str, Any]:
    """A page given the effects: {"data": tab_data}; the app's page (none given): {"live": {...}}, the
    methods its form offers (names and words) and the page's language for the server's answers."""
    effects = page.given.get("effects")
    if effects is None:
        return {"live": {"lang": page.lang, "decoder": bool(trace.causal),
                         "methods": {m: t(f"effects_method_{m}", page.lang) for m in METHODS}}}
    check_same_trace(effects, trace, page.lang)
    return {"data": tab_data(effects, head_census(trace, probe=False), page.lang)}
