"""The census as text, in Japanese and English: each role, what it means, its strongest heads.

Nothing is claimed beyond the numbers: a role no head reaches is reported as such, with the best
score seen; roles that need the text (or the probe) say so when it was not run. All strings live in
`STRINGS` (one ja/en table, to be folded into `attnlab.i18n`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import check_lang
from .census import HeadCensus
from .roles import ROLE_RULES, rule_of
from .value_weighted import KeyMass

STRINGS: dict[str, dict[str, str]] = {
    "header": {
        "ja": "{model}: ヘッド調査（{n_layers} 層 x {n_heads} ヘッド = {total} ヘッド）",
        "en": "{model}: head census ({n_layers} layers x {n_heads} heads = {total} heads)",
    },
    "on_text": {"ja": "テキスト {n} トークン", "en": "text of {n} tokens"},
    "no_text": {"ja": "テキストなし（プローブのみ）", "en": "no text (probe only)"},
    "on_probe": {
        "ja": "帰納プローブ R = {r}、seed {seed}（{n} トークン）",
        "en": "induction probe R = {r}, seed {seed} ({n} tokens)",
    },
    "no_probe": {"ja": "プローブなし", "en": "no probe"},
    "heads_past": {
        "ja": "{count} ヘッドが {rule}。強い順: {picks}",
        "en": "{count} {heads} {rule}; strongest: {picks}",
    },
    "none_past": {
        "ja": "しきい値（{rule}）に届くヘッドはない（最高 L{layer} H{head} {score}）",
        "en": "no head reaches the threshold ({rule}); best L{layer} H{head} {score}",
    },
    "needs_text": {"ja": "テキストがないので判定しない", "en": "not judged: needs a text"},
    "needs_probe": {"ja": "プローブを実行していないので判定しない", "en": "not judged: needs the probe"},
    "local_short": {
        "ja": "テキストが短いので判定しない（一様な重みでも平均距離 {u} で、局所との区別がつかない）",
        "en": "not judged: the text is too short (uniform weights already have mean distance {u})",
    },
    "mass_title": {
        "ja": "重み ≠ 重要度（重み × 値ベクトルのノルム、Kobayashi ら 2020）: 全層・全ヘッド平均",
        "en": "Weight is not importance (value-weighted, Kobayashi et al. 2020): mean over layers and heads",
    },
    "mass_line": {
        "ja": "  {what}: 重み {w} → ノルムを掛けた寄与 {vw}",
        "en": "  {what}: weight {w} -> value-weighted {vw}",
    },
    "first_key": {"ja": "先頭トークン {text}", "en": "first token {text}"},
    "last_key": {"ja": "末尾の特殊トークン {text}", "en": "last (special) token {text}"},
    "rollout": {
        "ja": "ロールアウト（Abnar & Zuidema 2020）: 最後のトークン {pos} {text} の由来",
        "en": "Rollout (Abnar & Zuidema 2020): where the last token {pos} {text} draws from",
    },
    # role names and one-sentence meanings
    "role_previous_token": {"ja": "直前トークン", "en": "previous-token"},
    "role_induction": {"ja": "帰納（induction）", "en": "induction"},
    "role_duplicate": {"ja": "重複トークン", "en": "duplicate-token"},
    "role_first_token_sink": {"ja": "先頭トークンへの集中（sink）", "en": "first-token sink"},
    "role_self": {"ja": "自分自身", "en": "self"},
    "role_local": {"ja": "局所", "en": "local"},
    "role_broad": {"ja": "広く均等", "en": "broad"},
    "means_previous_token": {
        "ja": "各 Query（注目側）がすぐ前の Key（参照側）に重みを置く。",
        "en": "each query puts its weight on the token just before it.",
    },
    "means_induction": {
        "ja": "繰り返された列で、今のトークンが前に出たときの次のトークンに重みを置く（続きを写す手がかり）。",
        "en": "on a repeated sequence, attends to the token that followed the earlier copy of the current one "
              "(the cue for copying a continuation).",
    },
    "means_duplicate": {
        "ja": "繰り返された列で、同じトークンの前の出現に重みを置く。",
        "en": "on a repeated sequence, attends to the earlier copy of the current token itself.",
    },
    "means_first_token_sink": {
        "ja": "重みの半分以上を先頭トークンに置く（attention sink。実際に運ぶ量は下の「ノルムを掛けた寄与」を見る）。",
        "en": "puts at least half of its weight on the first token (an attention sink; see the value-weighted "
              "share below for how much it carries).",
    },
    "means_self": {"ja": "各トークンが自分自身に重みを置く。", "en": "each token attends to itself."},
    "means_local": {
        "ja": "重みが数トークン以内の近くに集まる。",
        "en": "keeps its weight within a few tokens of the query.",
    },
    "means_broad": {
        "ja": "見えるトークン全体にほぼ均等に重みを広げる。",
        "en": "spreads its weight almost evenly over every token it can see.",
    },
}

TOP = 5  # heads listed per role


def s(key: str, lang: str, **fields: object) -> str:
    """One string of STRINGS in `lang`, formatted."""
    return STRINGS[key][check_lang(lang)].format(**fields)


def _rule_text(role: str) -> str:
    rule = rule_of(role)
    return f"{rule.score} {'>=' if rule.at_least else '<='} {rule.threshold:g}"


def _fmt(score: str, value: float) -> str:
    return f"{value:.1f}" if score == "mean_distance" else f"{value:.2f}"


def role_lines(census: HeadCensus, lang: str) -> list[str]:
    """Per role: its name and meaning, then its strongest heads, or why none is listed."""
    lines: list[str] = []
    for rule in ROLE_RULES:
        lines.append(f"{s('role_' + rule.role, lang)}: {s('means_' + rule.role, lang)}")
        scores = census.scores.get(rule.score)
        if scores is None:
            lines.append("  " + s("needs_probe" if rule.score in ("induction", "duplicate") else "needs_text", lang))
            continue
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
            lines.append("  " + s("local_short", lang, u=f"{u:.1f}"))
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
        lines.append(s("mass_line", lang, what=what, w=f"{float(m.weight.mean()):.2f}",
                       vw=f"{float(m.value_weighted.mean()):.2f}"))
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
    lines += role_lines(census, lang)
    if masses:
        lines += ["", *mass_lines(masses, lang)]
    if sources:
        last = len(census.tokens) - 1
        lines += ["", s("rollout", lang, pos=last, text=repr(census.tokens[last]))]
        lines.append("  " + ", ".join(f"{pos} {text!r} {share:.3g}" for pos, text, share in sources))
    return "\n".join(lines)
