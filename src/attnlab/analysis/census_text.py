"""The census as text, in Japanese and English: each role, what it means, its strongest heads.

Nothing is claimed beyond the numbers: a role no head reaches is reported as such, with the best
score seen; roles that need the text (or the probe) say so when it was not run. The strings are
`attnlab.i18n`'s (census_*, role_*, means_*).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import t
from ..numtext import num
from .census import HeadCensus
from .roles import ROLE_RULES, rule_of, score_text
from .value_weighted import KeyMass

TOP = 5  # heads listed per role


def s(key: str, lang: str, **fields: object) -> str:
    """The census's string `key` (i18n key census_<key>, or role_* / means_* as they are), formatted."""
    return t(key if key.startswith(("role_", "means_")) else f"census_{key}", lang, **fields)


def score_label(name: str, lang: str) -> str:
    """A census or corpus score's label: census_<name>, or corpus_<name> for a corpus's rows_* scores
    (the one place a score's name becomes its i18n key: figures, pages and the corpus summary)."""
    return t(f"corpus_{name}" if name.startswith("rows_") else f"census_{name}", lang)


def _rule_text(role: str) -> str:
    rule = rule_of(role)
    return f"{rule.score} {'>=' if rule.at_least else '<='} {rule.threshold:g}"


def _fmt(score: str, value: float) -> str:
    return score_text(score, value)


def role_lines(census: HeadCensus, lang: str) -> list[str]:
    """Per role: its name and meaning, then its strongest heads, or why none is listed."""
    lines: list[str] = []
    for rule in ROLE_RULES:
        lines.append(f"{s('role_' + rule.role, lang)}: {s('means_' + rule.role, lang)}")
        scores = census.scores.get(rule.score)
        if scores is None:
            lines.append("  " + s("needs_probe" if rule.score in ("induction", "duplicate") else "needs_text", lang))
            continue
        if rule.score == "prev_token" and census.prev_skipped:
            lines.append("  " + s("prev_skipped", lang, k=census.prev_skipped))
        found = [r for r in census.roles if r.role == rule.role]
        if found:
            picks = ", ".join(f"L{r.layer} H{r.head} {_fmt(rule.score, r.score)}" for r in found[:TOP])
            lines.append("  " + s("heads_past", lang, count=len(found), heads="head" if len(found) == 1 else "heads",
                                  rule=_rule_text(rule.role), picks=picks))
            continue
        flat = scores.flatten()
        best = int(flat.argmax() if rule.at_least else flat.argmin())
        layer, head = divmod(best, census.n_heads)
        u = census.uniform_distance
        if rule.role == "local" and u is not None and 0.25 * u < 1.0:
            lines.append("  " + s("local_short", lang, u=num(u, ".1f")))
            continue
        lines.append("  " + s("none_past", lang, rule=_rule_text(rule.role), layer=layer, head=head,
                              score=_fmt(rule.score, float(flat[best]))))
    return lines


def mass_lines(masses: Sequence[KeyMass], lang: str) -> list[str]:
    """Weight vs value-weighted share of the first / special tokens, averaged over layers and heads."""
    lines = [s("mass_title", lang)]
    for m in masses:
        texts = " ".join(dict.fromkeys(m.texts))
        what = s("first_key" if m.name == "first" else "last_key", lang, text=texts)
        lines.append(s("mass_line", lang, what=what, w=num(float(m.weight.mean()), ".2f"),
                       vw=num(float(m.value_weighted.mean()), ".2f")))
    return lines


def census_report(
    census: HeadCensus,
    lang: str = "ja",
    *,
    masses: Sequence[KeyMass] = (),
    sources: Sequence[tuple[int, str, float]] = (),
) -> str:
    """The printout of `attnlab heads`: header, roles, then (with a text) value-weighted mass and rollout."""
    total = census.n_layers * census.n_heads
    what = [s("on_text", lang, n=len(census.tokens)) if census.tokens else s("no_text", lang)]
    p = census.probe
    what.append(s("on_probe", lang, r=p.length, seed=p.seed, n=len(p.token_ids)) if p else s("no_probe", lang))
    lines = [s("header", lang, model=census.model, n_layers=census.n_layers, n_heads=census.n_heads, total=total),
             "、".join(what) if lang == "ja" else "; ".join(what), ""]
    lines += [s("one_text", lang)] if census.tokens else []
    lines += role_lines(census, lang)
    if masses:
        lines += ["", *mass_lines(masses, lang)]
    if sources:
        last = len(census.tokens) - 1
        lines += ["", s("rollout", lang, pos=last, text=repr(census.tokens[last]))]
        lines.append("  " + ", ".join(f"{pos} {text!r} {num(share, '.3g')}" for pos, text, share in sources))
        first = next((share for pos, _, share in sources if pos == 0), None)
        lines.append("  " + s("rollout_caveat", lang, first=num(first, ".2f") if first is not None else "—"))
    return "\n".join(lines)
