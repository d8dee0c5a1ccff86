"""The data a page tab or app view of head effects needs, as one JSON-ready dict (no view code here).

The effects tab (views/effects: atlas coloured by effect, "attention to X vs effect" scatter, sortable
table; docs/effects.md, "The page tab") reads it as it is:

    {model, n_layers, n_heads, tokens, kind, target: {...}, methods, main,
     effects: {name: [layer][head]}, attention: {first_token, prev_token, self, entropy: [layer][head]},
     roles: [{layer, head, role, score}], spearman: {...},
     rows: [{layer, head, roles: [...], first_token, prev_token, <method>: value, ...}]}

`rows` is the sortable table, one row per head; every number is rounded to 6 decimals and finite
(`head_effects` refuses non-finite effects, the census's scores are finite on a finite trace).
"""

from __future__ import annotations

from typing import Any

import torch

from .census import HeadCensus
from .effects import HeadEffects, target_dict
from .effects_text import main_method

ATTENTION_SCORES = ("first_token", "prev_token", "self", "entropy")  # census text scores carried


def _grid(x: torch.Tensor) -> list[list[float]]:
    return [[round(float(v), 6) for v in row] for row in x.tolist()]


def effects_page_data(effects: HeadEffects, census: HeadCensus) -> dict[str, Any]:
    """Everything the effects tab draws, from the effects and the census of the same trace."""
    attention = {s: census.scores[s] for s in ATTENTION_SCORES if s in census.scores}
    roles: dict[tuple[int, int], list[str]] = {}
    for r in census.roles:
        roles.setdefault((r.layer, r.head), []).append(r.role)
    rows = []
    for layer in range(effects.n_layers):
        for head in range(effects.n_heads):
            row: dict[str, Any] = {"layer": layer, "head": head, "roles": roles.get((layer, head), [])}
            row.update({s: round(float(v[layer, head]), 6) for s, v in attention.items()})
            row.update({m: round(float(v[layer, head]), 6) for m, v in effects.effects.items()})
            rows.append(row)
    return {
        "model": effects.model,
        "n_layers": effects.n_layers,
        "n_heads": effects.n_heads,
        "tokens": list(effects.tokens),
        "kind": effects.kind,
        "target": target_dict(effects),
        "methods": list(effects.methods),
        "main": main_method(effects),
        "effects": {m: _grid(v) for m, v in effects.effects.items()},
        "attention": {s: _grid(v) for s, v in attention.items()},
        "roles": [{"layer": r.layer, "head": r.head, "role": r.role, "score": round(r.score, 6)} for r in census.roles],
        "spearman": {k: round(v, 6) for k, v in effects.spearman.items()},
        "rows": rows,
    }
