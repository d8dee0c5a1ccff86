"""What a real model's head shows (読み取れること), computed from its weights, in Japanese or English.

A head's map is read through the patterns that the attention literature names and that confuse
readers most when left unnamed. Each is measured over the rows q = 1 .. N-1, as the census measures
(row 0 of a causal head sees only itself), and named when it holds in at least half of them:

    first token   the key at position 0. A head is an attention sink (Clark et al. 2019, "What Does
                  BERT Look At?", sec. 3; Xiao et al. 2023, "Efficient Streaming Language Models with
                  Attention Sinks") when its mean weight there is >= 0.5 as printed: the census's
                  first_token score and its first_token_sink rule (analysis.roles), the one definition
                  that `attnlab text`'s overview, `attnlab heads` and the page's census tab all count.
                  A head puts weight there when nothing in particular matters to it; it does not say the
                  first token is important.
    previous      the key at q_pos - 1 takes the largest weight (a previous-token head), over the rows
                  that do not continue a character (below)
    self          the key at q_pos itself
    next          the key at q_pos + 1 (encoders, which see both sides)

and, whenever the text has them, tokens that belong together:

    same word     a token's weight on the other tokens of its word (Token.word), against what a
                  uniform row would give them; tokens that continue a character are left out as rows
    same char.    byte-level BPE splits a character over tokens (SmolLM2: 東1/2 東2/2). A token that
                  begins inside a character (`models.chars.continuation_pieces`, from the exact bytes)
                  mostly looks at that character's earlier token: it assembles the character. Those
                  rows are reported here, with how often their largest weight stays inside the
                  character, and never counted as previous-token evidence.

A weight says where a row looks, not how much a token changes the output: the output is
sum_k w[q, k] v[k], and value vectors differ in size. Kobayashi et al. 2020 ("Attention is Not Only
a Weight", EMNLP) weigh by ||v||; where the trace keeps v we give the first token's share weighted
so, w[q, 0] ||v_0|| / sum_k w[q, k] ||v_k|| (per head, before the output projection; the head mean
averages the heads' shares), and ||v_0|| against the other tokens' mean ||v||: when nearly all the
weight is on the first token the share cannot move, and the sizes are the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..i18n import t
from ..models.chars import continuation_pieces, split_characters, token_chunks
from ..numtext import printed
from ..trace import AttentionTrace
from .census import first_token_scores
from .roles import as_printed, rule_of

NAMED_AT = 0.5  # a pattern is named when it gives the row maximum in at least this share of the rows
SINK = rule_of("first_token_sink")  # the one definition of an attention sink (first_token >= 0.5)
STILL = 0.05  # a value-weighted share within this of the weight "does not move": the sizes are said


@dataclass(frozen=True)
class Pattern:
    """How often one key offset takes a row's largest weight, and its mean weight."""

    name: str  # "first", "previous", "self" or "next"
    top_rows: int  # rows where that key has the largest weight
    rows: int  # rows where that key exists (q = 1 .. N-1; previous: not continuing a character)
    mean_weight: float  # the mean weight on that key over those rows

    @property
    def named(self) -> bool:
        return self.rows > 0 and self.top_rows >= NAMED_AT * self.rows


@dataclass(frozen=True)
class Group:
    """Tokens that belong together (a word's, or a character's) attending to each other."""

    groups: int  # how many words (or characters) have two tokens or more
    rows: int  # query rows read: tokens that see another token of their group
    top_rows: int  # of those, rows whose largest weight is on another token of the group
    mean_weight: float  # mean over those rows of the weight on the group's other visible tokens
    uniform: float  # the same for a uniform row: (other visible tokens) / (visible keys), averaged


@dataclass(frozen=True)
class ValueSizes:
    """The first token's share once weighted by ||v||, and the sizes behind it."""

    share: float  # mean over rows of w[q, 0] ||v_0|| / sum_k w[q, k] ||v_k||
    first_norm: float  # ||v_0|| (the head mean: averaged over heads)
    others_norm: float  # mean ||v_k|| over k >= 1 (likewise)


@dataclass(frozen=True)
class HeadReading:
    """Everything said about one head (or the head mean) of one layer."""

    layer: int
    head: int | None  # None: the mean over heads
    patterns: list[Pattern]  # first, previous, self (and next for encoders)
    valued: ValueSizes | None  # ||v||-weighted share of the first token (None: no v kept, or not a sink)
    word: Group | None  # tokens of one word (None: every word is one token)
    char: Group | None  # tokens of one character (None: no character is split)
    mean_max: float  # the rows' largest weight, averaged
    skipped: int  # rows left out of the previous-token count: they continue a character

    @property
    def sink(self) -> bool:
        """An attention sink by the census's rule, on the mean weight as printed."""
        return printed(self.patterns[0].mean_weight) >= SINK.threshold


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


def _group_readings(w: torch.Tensor, pairs: list[tuple[int, list[int]]], n_groups: int,
                    causal: bool) -> list[Group | None]:
    """Per map, how rows read their group: pairs = (query row, the group's other tokens it may see).
    w: [map, q_pos, k_pos]; None without any pair."""
    if not pairs:
        return [None] * w.shape[0]
    shares, tops, uniform = [], [], []
    for i, others in pairs:
        shares.append(w[:, i, others].double().sum(-1))  # [map]
        tops.append(torch.isin(w[:, i].argmax(-1), torch.tensor(others, device=w.device)))  # [map]
        uniform.append(len(others) / (i + 1 if causal else w.shape[-1]))
    mean, top = torch.stack(shares).mean(0).tolist(), torch.stack(tops).sum(0).tolist()
    u = sum(uniform) / len(uniform)
    return [Group(n_groups, len(pairs), int(k), float(m), u) for m, k in zip(mean, top)]


def _visible(group: list[int] | tuple[int, ...], i: int, causal: bool) -> list[int]:
    return [j for j in group if j != i and (j <= i or not causal)]


def char_groups(trace: AttentionTrace) -> list[tuple[int, ...]]:
    """Positions of each character split over tokens (from the tokens' exact bytes)."""
    return split_characters(token_chunks(trace.tokens))


def word_groups(trace: AttentionTrace) -> list[list[int]]:
    """Positions of each word of two tokens or more; none when the whole text is one word (no spaces)."""
    words: dict[int, list[int]] = {}
    for pos, tok in enumerate(trace.tokens):
        if tok.word is not None and not tok.special:
            words.setdefault(tok.word, []).append(pos)
    return [g for g in words.values() if len(g) >= 2] if len(words) >= 2 else []


def _pairs(trace: AttentionTrace, skip: frozenset[int]) -> tuple[list, int, list, int]:
    """(word pairs, words, character pairs, characters): the query rows of each reading and what
    each may see of its group (see `_group_readings`)."""
    words, chars = word_groups(trace), char_groups(trace)
    word_pairs = [(i, o) for g in words for i in g if i not in skip and (o := _visible(g, i, trace.causal))]
    char_pairs = [(i, o) for g in chars for i in g[1:] if (o := _visible(g, i, trace.causal))]
    return word_pairs, len(words), char_pairs, len(chars)


def _value_sizes(trace: AttentionTrace, layer: int, maps: torch.Tensor) -> tuple[torch.Tensor, ...] | None:
    """([head] share, [head] ||v_0||, [head] mean ||v_k>=1||) over rows 1 .. N-1; None when the trace
    keeps no v. maps: [head, q_pos, k_pos] every head's weights."""
    if not trace.keeps_qkv or maps.shape[1] < 2:
        return None
    v = trace.qkv(layer).v.float()  # [kv_head, k_pos, d_head]
    group = trace.n_heads // trace.n_kv_heads
    norms = v[torch.arange(trace.n_heads) // group].norm(dim=-1).to(maps.device)  # [head, k_pos]
    vw = maps[:, 1:].float() * norms[:, None, :]  # [head, row, k_pos]
    return (vw[..., 0] / vw.sum(-1)).mean(-1), norms[:, 0], norms[:, 1:].mean(-1)


def read_layer(trace: AttentionTrace, layer: int, maps: torch.Tensor | None = None) -> list[HeadReading]:
    """The readings of every head of `layer`, then (with several heads) of their mean: one pass over
    [map, q_pos, k_pos]. maps: [head, q_pos, k_pos] every head's weights, when the caller has them."""
    maps = (trace.head_weights(layer) if maps is None else maps).float()
    which: list[int | None] = list(range(trace.n_heads))
    w = maps
    if trace.n_heads > 1:
        w = torch.cat([maps, maps.mean(0, keepdim=True)])  # the mean, as pattern(layer, None)
        which.append(None)
    skip = continuation_pieces(token_chunks(trace.tokens))
    rows = torch.arange(1, w.shape[1])  # as the census: q = 1 .. N-1
    kept = torch.tensor([q for q in rows.tolist() if q not in skip], dtype=torch.long)
    top = w.argmax(-1)  # [map, q_pos]
    names = [("first", None, rows), ("previous", -1, kept), ("self", 0, rows)]
    names += [] if trace.causal else [("next", 1, rows)]
    patterns = [_offset_patterns(w, top, r, name, off) for name, off, r in names]  # [pattern][map]
    sizes = _value_sizes(trace, layer, maps)
    word_pairs, n_words, char_pairs, n_chars = _pairs(trace, skip)
    words = _group_readings(w, word_pairs, n_words, trace.causal)
    chars = _group_readings(w, char_pairs, n_chars, trace.causal)
    mean_max = w[:, 1:].max(-1).values.mean(-1).tolist() if rows.numel() else [1.0] * w.shape[0]
    out = []
    for m, head in enumerate(which):
        pats = [p[m] for p in patterns]
        valued = None
        if sizes is not None and printed(pats[0].mean_weight) >= SINK.threshold:
            valued = ValueSizes(*(float(x.mean() if head is None else x[head]) for x in sizes))
        out.append(HeadReading(layer, head, pats, valued, words[m], chars[m], float(mean_max[m]),
                               int(rows.numel() - kept.numel())))
    return out


def read_head(trace: AttentionTrace, layer: int, head: int | None) -> HeadReading:
    """The readings of one head (head=None: the mean over heads) of `layer`."""
    readings = read_layer(trace, layer)
    return readings[-1] if head is None else readings[head]


def explain_head(trace: AttentionTrace, layer: int, head: int | None, lang: str = "ja") -> str:
    """The reading of one head (head=None: the mean) as lines of text (see the module docstring)."""
    return reading_text(trace, read_head(trace, layer, head), lang)


def _first_line(trace: AttentionTrace, r: HeadReading, lang: str) -> str | None:
    """The first token's line: an attention sink by the census's rule, or only the most-weighted key."""
    p, tok = r.patterns[0], trace.tokens[0].text
    if not r.sink and not p.named:
        return None
    key = "read_first" if r.sink else "read_first_top"
    line = t(key, lang, top=p.top_rows, n=p.rows, w=p.mean_weight, tok=tok, at=SINK.threshold)
    v = r.valued
    if v is not None:
        line += t("read_first_valued", lang, w=p.mean_weight, v=v.share, n0=v.first_norm, n1=v.others_norm)
        if abs(printed(v.share) - printed(p.mean_weight)) < STILL:
            line += t("read_first_still", lang)
    return line


def reading_text(trace: AttentionTrace, r: HeadReading, lang: str = "ja") -> str:
    """A reading as lines of text."""
    which = t("mean_of_heads", lang) if r.head is None else t("head_n", lang, h=r.head)
    lines = [t("read_title", lang, layer=t("layer_n", lang, layer=r.layer), which=which)]
    first = _first_line(trace, r, lang)
    if first is not None:
        lines.append("- " + first)
    for p in r.patterns[1:]:
        if p.named:
            line = t(f"read_{p.name}", lang, top=p.top_rows, n=p.rows, w=p.mean_weight)
            if p.name == "previous" and r.skipped:
                line += t("read_previous_skipped", lang, k=r.skipped)
            lines.append("- " + line)
    if len(lines) == 1:
        lines.append("- " + t("read_none", lang, m=r.mean_max))
    if r.char is not None:
        g = r.char
        lines.append("- " + t("read_char", lang, n=g.groups, rows=g.rows, top=g.top_rows, w=g.mean_weight,
                              u=g.uniform))
    if r.word is not None:
        g = r.word
        lines.append("- " + t("read_word", lang, n=g.groups, rows=g.rows, w=g.mean_weight, u=g.uniform))
    lines.append("- " + t("read_not_influence", lang))
    return "\n".join(lines)


def first_token_heads(trace: AttentionTrace) -> tuple[int, int]:
    """(attention-sink heads, all heads): the census's first_token score past its rule, as printed."""
    if trace.n_tokens < 2:
        return 0, trace.n_layers * trace.n_heads
    scores = as_printed(SINK.score, first_token_scores(trace))  # [layer, head]
    return int((scores >= SINK.threshold).sum()), trace.n_layers * trace.n_heads


def overview(trace: AttentionTrace, lang: str = "ja") -> str:
    """One line about every head of the trace: how many are attention sinks (the census's count)."""
    sinks, total = first_token_heads(trace)
    return t("read_overview", lang, k=sinks, n=total, tok=trace.tokens[0].text, at=SINK.threshold)
