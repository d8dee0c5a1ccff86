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


def _offset_patterns(w: torch.Tensor, top: torch.Tensor, rows: torch.Tensor, name: str,
                     offset: int | None) -> list[Pattern]:
    """Per map, the pattern of the key at q_pos + offset (None: the first token, k_pos 0) over `rows`.
    w: [map, q_pos, k_pos]; top: [map, q_pos] each row's argmax."""
    k = torch.zeros_like(rows) if offset is None else rows + offset
    ok = (k >= 0) & (k < w.shape[-1])
    q, k = rows[ok], k[ok]
    if q.numel() == 0:
        return [Pattern(name, 0, 0, 0.0) for _ in range(w.shape[0])]
    hits = (top[:, q] == k).sum(-1).tolist()  # [map]
    means = w[:, q, k].double().mean(-1).tolist()  # [map]
    return [Pattern(name, int(h), int(q.numel()), float(m)) for h, m in zip(hits, means)]


def _group_readings(w: torch.Tensor, groups: list[list[int]], causal: bool) -> list[Group | None]:
    """Per map, the mean weight of each piece on the other (visible) pieces of its group; None without
    groups. w: [map, q_pos, k_pos]."""
    groups = [g for g in groups if len(g) >= 2]
    shares, uniform = [], []
    for g in groups:
        for i in g:
            others = [j for j in g if j != i and (j <= i or not causal)]
            if others:
                shares.append(w[:, i, others].double().sum(-1))  # [map]
                uniform.append(len(others) / (i + 1 if causal else w.shape[-1]))
    if not shares:
        return [None] * w.shape[0]
    mean = torch.stack(shares).mean(0).tolist()
    return [Group(len(groups), float(m), sum(uniform) / len(uniform)) for m in mean]


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


def word_groups(trace: AttentionTrace) -> list[list[int]]:
    """Positions of each word of two pieces or more; none when the whole text is one word (no spaces)."""
    words: dict[int, list[int]] = {}
    for pos, tok in enumerate(trace.tokens):
        if tok.word is not None and not tok.special:
            words.setdefault(tok.word, []).append(pos)
    return list(words.values()) if len(words) >= 2 else []


def _valued_first(trace: AttentionTrace, layer: int, maps: torch.Tensor, start: int) -> torch.Tensor | None:
    """[head] the first token's share of each head's ||v||-weighted rows (rows start.. ), averaged over
    the rows; None when the trace keeps no v. maps: [head, q_pos, k_pos] every head's weights."""
    if not trace.keeps_qkv or start >= maps.shape[1]:
        return None
    v = trace.qkv(layer).v.float()  # [kv_head, k_pos, d_head]
    group = trace.n_heads // trace.n_kv_heads
    norms = v[torch.arange(trace.n_heads) // group].norm(dim=-1).to(maps.device)  # [head, k_pos]
    vw = maps[:, start:].float() * norms[:, None, :]  # [head, row, k_pos]
    return (vw[..., 0] / vw.sum(-1)).mean(-1)


def read_layer(trace: AttentionTrace, layer: int, maps: torch.Tensor | None = None) -> list[HeadReading]:
    """The readings of every head of `layer`, then (with several heads) of their mean: one pass over
    [map, q_pos, k_pos]. maps: [head, q_pos, k_pos] every head's weights, when the caller has them."""
    maps = (trace.head_weights(layer) if maps is None else maps).float()
    which: list[int | None] = list(range(trace.n_heads))
    w = maps
    if trace.n_heads > 1:
        w = torch.cat([maps, maps.mean(0, keepdim=True)])  # the mean, as pattern(layer, None)
        which.append(None)
    start = 1 if trace.causal else 0  # rows that may see two keys or more
    rows = torch.arange(start, w.shape[1])
    top = w.argmax(-1)  # [map, q_pos]
    names = [("first", None), ("previous", -1), ("self", 0)] + ([] if trace.causal else [("next", 1)])
    patterns = [_offset_patterns(w, top, rows, name, off) for name, off in names]  # [pattern][map]
    per_head = _valued_first(trace, layer, maps, start)
    words = _group_readings(w, word_groups(trace), trace.causal)
    chars = _group_readings(w, char_groups(trace.token_texts), trace.causal)
    mean_max = w[:, start:].max(-1).values.mean(-1).tolist() if rows.numel() else [1.0] * w.shape[0]
    out = []
    for m, head in enumerate(which):
        pats = [p[m] for p in patterns]
        valued = None
        if per_head is not None and pats[0].named:
            valued = float(per_head.mean() if head is None else per_head[head])
        out.append(HeadReading(layer, head, pats, valued, words[m], chars[m], float(mean_max[m])))
    return out


def read_head(trace: AttentionTrace, layer: int, head: int | None) -> HeadReading:
    """The readings of one head (head=None: the mean over heads) of `layer`."""
    readings = read_layer(trace, layer)
    return readings[-1] if head is None else readings[head]


def explain_head(trace: AttentionTrace, layer: int, head: int | None, lang: str = "ja") -> str:
    """The reading of one head (head=None: the mean) as lines of text (see the module docstring)."""
    return reading_text(trace, read_head(trace, layer, head), lang)


def reading_text(trace: AttentionTrace, r: HeadReading, lang: str = "ja") -> str:
    """A reading as lines of text."""
    layer, head = r.layer, r.head
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
