"""Roles of heads: a score past a documented threshold names what a head does (several roles possible).

| role             | score          | rule                                                        |
|------------------|----------------|-------------------------------------------------------------|
| previous_token   | prev_token     | >= 0.4                                                      |
| induction        | induction      | >= 0.3  (on the induction probe)                            |
| duplicate        | duplicate      | >= 0.3  (on the induction probe)                            |
| first_token_sink | first_token    | >= 0.5                                                      |
| self             | self           | >= 0.4                                                      |
| local            | mean_distance  | <= 3 positions, and <= 1/4 of a uniform head's on the text  |
| broad            | entropy        | >= 0.8  (normalised: 1 = even over every visible key)       |

Why these numbers: uniform attention over q + 1 keys puts 1/(q+1) on each, so a weight that stays
at 0.3-0.5 on one chosen key, averaged over a whole text, is far from chance (docs/census.md has the
measured distribution on the bundled models that these were checked against). "local" also asks
for 1/4 of a uniform head's mean distance, because on a short text every head is within 3 tokens.

A score is compared as printed (`SCORE_SPEC`: 2 decimals, mean_distance 1), so a head printed
"0.40" is a previous-token head and the best head printed under a threshold never reads as past it.
Roles are judged on one text (and the probe): a head's role can change with the input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..numtext import num


@dataclass(frozen=True)
class RoleRule:
    """One role: which score, which side of which threshold."""

    role: str  # the role's name
    score: str  # the census score it reads
    threshold: float  # the limit
    at_least: bool  # True: score >= threshold; False: score <= threshold


ROLE_RULES = (
    RoleRule("previous_token", "prev_token", 0.4, True),
    RoleRule("induction", "induction", 0.3, True),
    RoleRule("duplicate", "duplicate", 0.3, True),
    RoleRule("first_token_sink", "first_token", 0.5, True),
    RoleRule("self", "self", 0.4, True),
    RoleRule("local", "mean_distance", 3.0, False),
    RoleRule("broad", "entropy", 0.8, True),
)
ROLE_NAMES = tuple(r.role for r in ROLE_RULES)
LOCAL_FRACTION = 0.25  # "local" also needs mean_distance <= this x a uniform head's on the same text
SCORE_SPEC = {"mean_distance": ".1f"}  # how a score prints (default ".2f"); roles compare the printed value


def score_text(score: str, value: float) -> str:
    """A census score as every surface prints it."""
    return num(value, SCORE_SPEC.get(score, ".2f"), score)


def as_printed(score: str, values: torch.Tensor) -> torch.Tensor:
    """[...] the scores as they print (the same decimal rounding as the text; NaN stays NaN: no role)."""
    flat = [float(score_text(score, v)) if math.isfinite(v) else math.nan for v in values.double().flatten().tolist()]
    return torch.tensor(flat, dtype=torch.float64).view(values.shape)


@dataclass(frozen=True)
class Role:
    """One head with one role."""

    layer: int  # the head's layer
    head: int  # the head's index within the layer
    role: str  # one of ROLE_NAMES
    score: float  # the score that earned it


def assign_roles(scores: dict[str, torch.Tensor], *, uniform_distance: float | None = None) -> tuple[Role, ...]:
    """Every (layer, head, role) whose score passes its rule; strongest first within each role.

    Roles whose score is missing (no probe, no text) are not assigned. `local` needs the text's
    uniform_distance and is not assigned without it.
    """
    roles: list[Role] = []
    for rule in ROLE_RULES:
        s = scores.get(rule.score)
        if s is None:
            continue
        limit = rule.threshold
        if rule.role == "local":
            if uniform_distance is None or math.isnan(uniform_distance):
                continue
            limit = min(limit, LOCAL_FRACTION * uniform_distance)
        shown = as_printed(rule.score, s)
        hits = shown >= limit if rule.at_least else shown <= limit
        found = [Role(int(l_), int(h), rule.role, float(s[l_, h])) for l_, h in torch.nonzero(hits).tolist()]
        roles.extend(sorted(found, key=lambda r: -r.score if rule.at_least else r.score))
    return tuple(roles)


def rule_of(role: str) -> RoleRule:
    """The rule that defines `role`."""
    return next(r for r in ROLE_RULES if r.role == role)
