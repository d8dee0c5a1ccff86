"""Head effects in words: which heads matter for this prediction, which strongly-patterned heads barely
do, and the caveats, each sentence with the numbers that decide it (i18n keys effects_*).

Every sentence is a `Reading` computed from the `HeadEffects` and the census scores of the same trace
(`analysis.census.text_scores`); a sentence whose condition does not hold is not produced (no sink
that barely matters: no sentence about it). The rules:

    top             the TOP heads by |effect| of the main method (patching, else zero, mean,
                    attribution, dla), and their share of the sum of |effect| over all heads
    quiet_role      heads with a strong pattern (first-token sink: first_token >= 0.5; previous
                    token: prev_token >= 0.4, analysis.roles) whose |effect| < SMALL x the largest
    loud_role       heads with that pattern whose |effect| >= SMALL x the largest
    rank_attention  Spearman's rho between attention to the first token and |effect| over all heads
    one_text        always: one text of N tokens
    small_gap       patching on a decoder whose clean - corrupted gap is under SMALL_GAP nats
    zero_mean       with both: rho of zero vs mean ablation, and the head where they differ most
    attribution     rho of attribution patching vs the exact method, and the overlap of their top TOP;
                    or, without the exact method, that the estimate was not checked on this run
    dla             with DLA and an exact method: rho of DLA vs the exact effect (sign-aligned)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..i18n import t
from .effects import HeadEffects
from .effects_math import spearman
from .roles import rule_of

TOP = 5  # heads named per list
SMALL = 0.05  # "barely matters": |effect| below this share of the method's largest |effect|
EXAMPLES = 3  # heads named as examples in a role sentence
SMALL_GAP = 0.5  # |log p clean - corrupted| below this (nats): patching's shares are of a small difference
MAIN_ORDER = ("patching", "zero", "mean", "attribution", "dla")
ROLES = (("first_token_sink", "first_token"), ("previous_token", "prev_token"))  # (role, census score)


@dataclass(frozen=True)
class Reading:
    """One sentence: its i18n key and the numbers it states (raw; formatted by `sentence`)."""

    key: str  # i18n key effects_read_<key> or effects_caveat_<key>
    fields: dict[str, Any]  # the values the sentence states (floats unrounded, heads as (layer, head))


def main_method(effects: HeadEffects) -> str:
    return next(m for m in MAIN_ORDER if m in effects.effects)


def ranked(grid: torch.Tensor, k: int = TOP) -> list[tuple[int, int, float]]:
    """The k heads with the largest |value|: (layer, head, value), largest first (ties: lower index)."""
    flat = grid.flatten().double()
    order = sorted(range(len(flat)), key=lambda i: (-abs(float(flat[i])), i))[:k]
    return [(i // grid.shape[1], i % grid.shape[1], float(flat[i])) for i in order]


def readings(effects: HeadEffects, attention: dict[str, torch.Tensor]) -> list[Reading]:
    """Every sentence that holds for these effects; attention: census text scores [layer, head]."""
    name = main_method(effects)
    grid = effects.effects[name]
    mag = grid.abs().double()
    top = ranked(grid)
    total = float(mag.sum())
    out = [Reading("top", {"method": name, "heads": top, "n": grid.numel(),
                           "share": sum(abs(v) for *_, v in top) / total if total > 0 else 0.0})]
    largest = float(mag.max())
    for role, score in ROLES:
        if score in attention and largest > 0:
            out += _role_readings(role, attention[score], grid, largest)
    if "first_token" in attention:
        rho = spearman(attention["first_token"].flatten(), mag.flatten())
        if rho == rho:  # not NaN
            out.append(Reading("rank_attention", {"method": name, "rho": rho, "n": grid.numel()}))
    return out + caveats(effects)


def _role_readings(role: str, scores: torch.Tensor, grid: torch.Tensor, largest: float) -> list[Reading]:
    rule = rule_of(role)
    strong = [(int(a), int(b)) for a, b in torch.nonzero(scores >= rule.threshold).tolist()]
    if not strong:
        return []
    limit = SMALL * largest
    quiet = [(a, b) for a, b in strong if abs(float(grid[a, b])) < limit]
    loud = [(a, b) for a, b in strong if abs(float(grid[a, b])) >= limit]
    out = []
    base = {"role": role, "score": rule.score, "threshold": rule.threshold, "n_strong": len(strong),
            "limit": limit, "largest": largest, "small": SMALL}
    def examples(heads: list[tuple[int, int]]) -> list[tuple[int, int, float, float]]:
        return [(a, b, float(scores[a, b]), float(grid[a, b])) for a, b in heads[:EXAMPLES]]

    if quiet:  # the strongest patterns first
        out.append(Reading("quiet_role", {**base, "n": len(quiet),
                                          "examples": examples(sorted(quiet, key=lambda x: (-float(scores[x]), x)))}))
    if loud:  # the largest effects first
        out.append(Reading("loud_role", {**base, "n": len(loud),
                                         "examples": examples(sorted(loud, key=lambda x: (-abs(float(grid[x])), x)))}))
    return out


def caveats(effects: HeadEffects) -> list[Reading]:
    """The caveats that apply to this run, with their numbers."""
    e = effects.effects
    out = [Reading("one_text", {"n": len(effects.tokens)})]
    if "patching" in e and effects.kind == "decoder":
        gap = effects.clean["metric"] - effects.clean["corrupted"]
        if abs(gap) < SMALL_GAP:
            out.append(Reading("small_gap", {"gap": gap, "largest": float(e["patching"].abs().max())}))
    if "zero" in e and "mean" in e:
        diff = (e["zero"] - e["mean"]).abs().flatten()
        i = int(torch.argmax(diff))
        a, b = divmod(i, e["zero"].shape[1])
        out.append(Reading("zero_mean", {"rho": spearman(e["zero"].flatten(), e["mean"].flatten()), "layer": a,
                                         "head": b, "zero": float(e["zero"][a, b]), "mean": float(e["mean"][a, b])}))
    if "attribution" in e:
        exact = "patching" if effects.corrupt_ids is not None else "zero"  # what the estimate estimates
        key = f"attribution~{exact}"
        if key in effects.spearman:
            mine = {(a, b) for a, b, _ in ranked(e["attribution"])}
            theirs = {(a, b) for a, b, _ in ranked(e[exact])}
            out.append(Reading("attribution", {"exact": exact, "rho": effects.spearman[key],
                                               "overlap": len(mine & theirs), "k": TOP}))
        else:
            out.append(Reading("attribution_unchecked", {"exact": exact}))
    if "dla" in e and ("zero" in e or "patching" in e):
        exact = "patching" if "patching" in e else "zero"
        aligned = e[exact] if exact == "patching" else -e[exact]  # zero: a helpful head's Δ log p is negative
        rho = spearman(e["dla"].flatten(), aligned.flatten())
        if rho == rho:
            out.append(Reading("dla", {"exact": exact, "rho": rho}))
    return out


def head_name(layer: int, head: int) -> str:
    return f"L{layer}H{head}"


def sentence(r: Reading, lang: str) -> str:
    """The reading in words, its numbers as stated (3 decimals; shares as %)."""
    f = dict(r.fields)
    if "method" in f:
        f["method"] = t(f"effects_method_{f['method']}", lang)
    if "exact" in f:
        f["exact"] = t(f"effects_method_{f['exact']}", lang)
    if "role" in f:
        f["role"] = t(f"role_{f['role']}", lang)
    if r.key == "top":
        f["heads"] = ", ".join(f"{head_name(a, b)} {v:+.3f}" for a, b, v in f["heads"])
        f["share"] = f"{100 * f['share']:.0f}%"
    if "small" in f:
        f["small"] = f"{100 * f['small']:.0f}%"
    if "examples" in f:
        f["examples"] = ", ".join(f"{head_name(a, b)} ({s:.2f}, {v:+.3f})" for a, b, s, v in f["examples"])
    if "gap" in f:
        f["gap"] = f"{f['gap']:.3f}"
    for k in ("rho", "limit", "largest", "zero", "mean"):
        if k in f:
            f[k] = f"{f[k]:+.3f}" if k in ("zero", "mean") else f"{f[k]:.3f}" if k != "rho" else f"{f[k]:.2f}"
    if "layer" in f:
        f["head_name"] = head_name(f["layer"], f["head"])
    prefix = "effects_caveat_" if r.key in CAVEATS else "effects_read_"
    return t(prefix + r.key, lang, **f)


CAVEATS = ("one_text", "small_gap", "zero_mean", "attribution", "attribution_unchecked", "dla")


def spans(positions: tuple[int, ...]) -> str:
    """1,2,3,7 -> "1-3, 7"."""
    out: list[str] = []
    start = prev = None
    for p in [*positions, None]:
        if p is not None and prev is not None and p == prev + 1:
            prev = p
            continue
        if start is not None:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
        start = prev = p
    return ", ".join(out)


def header_lines(effects: HeadEffects, lang: str, budget_s: float) -> list[str]:
    """Model and size, the target with its clean value, the corrupted run, what ran and what did not."""
    tg, c = effects.target, effects.clean
    lines = [t("effects_header", lang, model=effects.model, n=len(effects.tokens), layers=effects.n_layers,
               heads=effects.n_heads)]
    if tg.kind == "embedding":
        lines.append(t("effects_target_embedding", lang, pooling=tg.pooling))
    elif tg.kind == "token":
        (p,) = tg.positions
        lines.append(t("effects_target_token", lang, token=repr(tg.token), position=p,
                       after=repr(effects.tokens[p - 1]), m=f"{c['metric']:.3f}"))
    else:
        lines.append(t("effects_target_text", lang, k=len(tg.positions), positions=spans(tg.positions),
                       m=f"{c['metric']:.3f}"))
    if "loss" in c:
        lines.append(t("effects_loss_line", lang, loss=f"{c['loss']:.3f}"))
    if "corrupted" in c:
        key = "effects_corrupt_embedding" if tg.kind == "embedding" else "effects_corrupt_line"
        lines.append(t(key, lang, c=f"{c['corrupted']:.3f}", m=f"{c['metric']:.3f}"))
    names = ", ".join(t(f"effects_method_{m}", lang) for m in effects.methods)
    lines.append(t("effects_methods_line", lang, methods=names or "-", s=f"{effects.runtime_s:.1f}"))
    for m in effects.skipped:
        lines.append(t("effects_skipped", lang, method=t(f"effects_method_{m}", lang), name=m,
                       s=f"{effects.estimates[m]:.0f}", budget=f"{budget_s:.0f}"))
    return lines


def method_lines(effects: HeadEffects, lang: str) -> list[str]:
    """Per method: its top heads by |value|."""
    return [t("effects_top_line", lang, method=t(f"effects_method_{m}", lang), k=TOP,
              heads=", ".join(f"{head_name(a, b)} {v:+.3f}" for a, b, v in ranked(grid)))
            for m, grid in effects.effects.items()]


def effects_report(effects: HeadEffects, attention: dict[str, torch.Tensor], lang: str = "ja",
                   *, budget_s: float = 60.0) -> str:
    """The printout of `attnlab effects`: header, top heads per method, what this shows, caveats."""
    found = readings(effects, attention)
    lines = [*header_lines(effects, lang, budget_s), "", *method_lines(effects, lang), "",
             t("effects_title_readings", lang)]
    lines += [f"- {sentence(r, lang)}" for r in found if r.key not in CAVEATS]
    lines += ["", t("effects_title_caveats", lang)]
    lines += [f"- {sentence(r, lang)}" for r in found if r.key in CAVEATS]
    return "\n".join(lines)
