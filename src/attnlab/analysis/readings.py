"""What a real model's head shows (読み取れること), computed from its weights, in Japanese or English.

A head's map is read through the patterns that the attention literature names and that confuse
readers most when left unnamed. Each is measured over the rows that may see two keys or more (a
causal model's first row sees only itself) and named when it holds in at least half of them:

    first token   the key at position 0 takes the row's largest weight ("attention sink": Clark et al.
                  2019, "What Does BERT Look At?", sec. 3; Xiao et al. 2023, "Efficient Streaming
                  Language Models with Attention Sinks"). A head puts weight there when nothing in
                  particular matters to it; it does not say the first token is important.
    previous      the key at q_pos - 1 takes the largest weight (a previous-token head)
    self          the key at q_pos itself
    next          the key at q_pos + 1 (encoders, which see both sides)

and, whenever the text has them, pieces that belong together:

    same word     a piece's weight on the other pieces of its word (Token.word), against what a
                  uniform row would give them
    same char.    byte-level BPE splits a character over pieces ('‹e6 9d›' then '東'); the completing
                  piece's weight on the fragments before it

A weight says where a row looks, not how much a token changes the output: the output is
sum_k w[q, k] v[k], and value vectors differ in size. Kobayashi et al. 2020 ("Attention is Not Only
a Weight", EMNLP) weigh by ||v||; where the trace keeps v we give the first token's share weighted
so, w[q, 0] ||v_0|| / sum_k w[q, k] ||v_k|| (per head, before the output projection; the head mean
averages the heads' shares).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..i18n import t
from ..marks import BYTES_GROUP
from ..trace import AttentionTrace

NAMED_AT = 0.5  # a pattern is named when it gives the row maximum in at least this share of the rows


@dataclass(frozen=True)
class Pattern:
    """How often one key offset takes a row's largest weight, and its mean weight."""

    name: str  # "first", "previous", "self" or "next"
    top_rows: int  # rows where that key has the largest weight
    rows: int  # rows where that key exists and the row sees two keys or more
    mean_weight: float  # the mean weight on that key over those rows

    @property
    def named(self) -> bool:
        return self.rows > 0 and self.top_rows >= NAMED_AT * self.rows


@dataclass(frozen=True)
class Group:
    """Pieces that belong together (a word's pieces, or a character's byte pieces) attending to each other."""

    groups: int  # how many words (or characters) have two pieces or more
    mean_weight: float  # mean over their pieces (rows) of the weight on the group's other visible pieces
    uniform: float  # the same for a uniform row: (other visible pieces) / (visible keys), averaged


@dataclass(frozen=True)
class HeadReading:
    """Everything said about one head (or the head mean) of one layer."""

    layer: int
    head: int | None  # None: the mean over heads
    patterns: list[Pattern]  # first, previous, self (and next for encoders)
    first_valued: float | None  # first token's mean share weighted by ||v|| (None: no v kept)
    word: Group | None  # pieces of one word (None: every word is one piece)
    char: Group | None  # byte pieces of one character (None: no character is split)
    mean_max: float  # the rows' largest weight, averaged


def _offset_pattern(w: torch.Tensor, rows: list[int], name: str, offset: int | None) -> Pattern:
    """The pattern of the key at q_pos + offset (offset None: the first token, k_pos 0), over `rows`."""
    q = torch.tensor(rows, dtype=torch.long)
    k = torch.zeros_like(q) if offset is None else q + offset
    ok = (k >= 0) & (k < w.shape[1])
    q, k = q[ok], k[ok]
    if q.numel() == 0:
        return Pattern(name, 0, 0, 0.0)
    top = int((w[q].argmax(-1) == k).sum())
    return Pattern(name, top, int(q.numel()), float(w[q, k].double().mean()))


def _visible_rows(w: torch.Tensor, causal: bool) -> list[int]:
    """Rows that may see two keys or more."""
    return [q for q in range(w.shape[0]) if (q >= 1 if causal else w.shape[1] >= 2)]


def _group_reading(w: torch.Tensor, groups: list[list[int]], causal: bool) -> Group | None:
    """Mean weight of each piece on the other (visible) pieces of its group; None without groups."""
    groups = [g for g in groups if len(g) >= 2]
    shares, uniform = [], []
    for g in groups:
        for i in g:
            others = [j for j in g if j != i and (j <= i or not causal)]
            if not others:
                continue
            seen = i + 1 if causal else w.shape[1]
            shares.append(float(w[i, others].sum()))
            uniform.append(len(others) / seen)
    if not shares:
        return None
    return Group(len(groups), sum(shares) / len(shares), sum(uniform) / len(uniform))


def char_groups(texts: list[str]) -> list[list[int]]:
    """Positions of characters split over pieces: fragment pieces ('‹e6 9d›' alone) and the piece after them."""
    groups, run = [], []
    for i, text in enumerate(texts):
        if text and BYTES_GROUP.fullmatch(text):
            run.append(i)
            continue
        if run:
            groups.append([*run, i])
            run = []
    return groups


def _valued_first(trace: AttentionTrace, layer: int, heads: list[int], rows: list[int]) -> float | None:
    """First token's share of the ||v||-weighted row, averaged over rows and heads; None without v."""
    if not hasattr(trace, "v") or not rows:
        return None
    v = trace.v(layer).float()  # [kv_head, k_pos, d_head]
    group = trace.n_heads // trace.n_kv_heads
    shares = []
    for h in heads:
        norms = v[h // group].norm(dim=-1)  # [k_pos]
        vw = trace.pattern(layer, h)[rows].float() * norms  # [row, k_pos]
        shares.append(float((vw[:, 0] / vw.sum(-1)).mean()))
    return sum(shares) / len(shares)


def read_head(trace: AttentionTrace, layer: int, head: int | None) -> HeadReading:
    """The readings of one head (head=None: the mean over heads) of `layer`."""
    w = trace.pattern(layer, head).float()  # [q_pos, k_pos]
    rows = _visible_rows(w, trace.causal)
    patterns = [
        _offset_pattern(w, rows, "first", None),
        _offset_pattern(w, rows, "previous", -1),
        _offset_pattern(w, rows, "self", 0),
    ]
    if not trace.causal:
        patterns.append(_offset_pattern(w, rows, "next", 1))
    words: dict[int, list[int]] = {}
    for pos, tok in enumerate(trace.tokens):
        if tok.word is not None and not tok.special:
            words.setdefault(tok.word, []).append(pos)
    if len(words) < 2:  # one word is the whole text (no spaces): "the same word" would say nothing
        words = {}
    heads = list(range(trace.n_heads)) if head is None else [head]
    first = patterns[0]
    valued = _valued_first(trace, layer, heads, rows) if first.named else None
    return HeadReading(
        layer=layer, head=head, patterns=patterns, first_valued=valued,
        word=_group_reading(w, list(words.values()), trace.causal),
        char=_group_reading(w, char_groups(trace.token_texts), trace.causal),
        mean_max=float(w[rows].max(-1).values.mean()) if rows else 1.0,
    )


def explain_head(trace: AttentionTrace, layer: int, head: int | None, lang: str = "ja") -> str:
    """The reading of one head as lines of text (see the module docstring)."""
    r = read_head(trace, layer, head)
    which = t("mean_of_heads", lang) if head is None else t("head_n", lang, h=head)
    lines = [t("read_title", lang, layer=t("layer_n", lang, layer=layer), which=which)]
    first_text = trace.tokens[0].text
    for p in r.patterns:
        if not p.named:
            continue
        line = t(f"read_{p.name}", lang, top=p.top_rows, n=p.rows, w=p.mean_weight, tok=first_text)
        if p.name == "first" and r.first_valued is not None:
            line += t("read_first_valued", lang, w=p.mean_weight, v=r.first_valued)
        lines.append("- " + line)
    if len(lines) == 1:
        lines.append("- " + t("read_none", lang, m=r.mean_max))
    for key, g in (("read_word", r.word), ("read_char", r.char)):
        if g is not None:
            lines.append("- " + t(key, lang, n=g.groups, w=g.mean_weight, u=g.uniform))
    lines.append("- " + t("read_not_influence", lang))
    return "\n".join(lines)


def first_token_heads(trace: AttentionTrace) -> tuple[int, int]:
    """(heads whose rows mostly put their largest weight on the first token, all heads), from the
    streamed row statistics (`trace.row_stats()`), over rows that see two keys or more."""
    stats = trace.row_stats()
    argmax = stats.argmax  # [layer, head, q_pos]
    if trace.causal:
        argmax = argmax[..., 1:]
    if argmax.shape[-1] == 0:
        return 0, trace.n_layers * trace.n_heads
    share = (argmax == 0).float().mean(-1)  # [layer, head]
    return int((share >= NAMED_AT).sum()), trace.n_layers * trace.n_heads


def overview(trace: AttentionTrace, lang: str = "ja") -> str:
    """One line about every head of the trace: how many are first-token heads."""
    sinks, total = first_token_heads(trace)
    return t("read_overview", lang, k=sinks, n=total, tok=trace.tokens[0].text)
