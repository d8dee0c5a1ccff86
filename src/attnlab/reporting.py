"""Traces as text: the tutorial's printout of a toy, a real model's most-attended tokens, and the
explanation of their numbers, labelled in Japanese or English.

The default format (`.4f`) prints the same digits as the tutorial's `print(tensor)` (torch prints 4
decimals); `fmt` changes it (the tutorial suggests `.2f`). Matrices get token labels on rows and
columns; wide matrices are cut to `MAX_COLS` columns with a note saying so. Cells hidden by a mask
print as "—" (MASKED), not as -inf or 0.0000, which would read as computed results.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import torch

from .analysis.contrast import explain_heads, explain_mask, explain_seeds, explain_temperature
from .analysis.explain import explain_weights, measures_line, random_caveat
from .analysis.readings import explain_head as read_head_text
from .analysis.readings import overview
from .analysis.words import total_variation, uniform_pattern, uniform_words, word_groups, word_pattern
from .errors import AttnlabError
from .i18n import t, tr_error
from .models.parts import EncoderDecoderTraces
from .numtext import num, printed
from .toy import ToyTrace
from .trace import AttentionTrace

MAX_COLS = 12  # columns printed per matrix; JSON has all of them
SUMMARY_ROWS = 40  # a model's table longer than this is summarized (`row_summary`); --all prints it whole
STRONGEST_ROWS = 10  # rows a summary lists
MASKED = "—"  # a cell hidden by the mask
NEAR_UNIFORM = 0.10  # a row whose total variation from the uniform expectation prints below this: "≈ uniform"


def display_width(s: str) -> int:
    """Display width in a terminal: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int, right: bool = True) -> str:
    fill = " " * max(0, w - display_width(s))
    return fill + s if right else s + fill


def format_matrix(
    m: torch.Tensor, rows: list[str], cols: list[str], fmt: str = ".4f", lang: str = "ja",
    hidden: torch.Tensor | None = None,
) -> str:
    """m: [row, col] as a labelled table; hidden: [row, col] bool, True prints MASKED (so does -inf)."""
    shown = min(m.shape[1], MAX_COLS)
    hide = ~torch.isfinite(m) if hidden is None else hidden | ~torch.isfinite(m)
    cells = [[MASKED if h else num(float(v), fmt) for v, h in zip(row[:shown], hrow[:shown])]
             for row, hrow in zip(m, hide)]
    heads = [c for c in cols[:shown]]
    colw = [max(display_width(heads[j]), *(display_width(r[j]) for r in cells)) for j in range(shown)]
    roww = max(display_width(r) for r in rows)
    lines = [_pad("", roww, False) + "  " + "  ".join(_pad(h, w) for h, w in zip(heads, colw))]
    for label, r in zip(rows, cells):
        lines.append(_pad(label, roww, False) + "  " + "  ".join(_pad(c, w) for c, w in zip(r, colw)))
    if shown < m.shape[1]:
        lines.append(t("truncated", lang, shown=shown, total=m.shape[1]))
    return "\n".join(lines)


def _stages(trace: AttentionTrace):
    if trace.stages is None:
        raise tr_error(AttnlabError, "err_toy_only", model=trace.model)
    return trace.stages


PARTS = ("scores", "weights", "values", "output")  # what a printout can show, in this order


def printout(trace: AttentionTrace, lang: str = "ja", fmt: str = ".4f",
             parts: tuple[str, ...] = ("scores", "weights", "output")) -> str:
    """Input shape, scores, weights and output, as the tutorial prints them (per head when heads > 1);
    `parts` picks among PARTS (a lesson hides the output until the learner has computed it)."""
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise tr_error(AttnlabError, "err_printout_part", part=unknown[0], choices=", ".join(PARTS))
    st = _stages(trace)
    labels = trace.token_labels
    out = [f"{t('shape', lang)} {st.x.shape}"]
    hidden = ~torch.isfinite(st.scores[0])  # the mask is the same for every head
    legend = f"\n{t('masked_cells', lang)}" if bool(hidden.any()) else ""
    s_title = t("scores_title", lang) if trace.temperature == 1.0 else t("scores_before_t", lang, T=trace.temperature)
    d_head = st.V.shape[-1]
    for h in range(trace.n_heads):
        tag = "" if trace.n_heads == 1 else f" [{t('head_n', lang, h=h)}]"
        if "scores" in parts:
            out.append(f"{s_title}{tag}\n{format_matrix(st.scores[h], labels, labels, fmt, lang, hidden)}{legend}")
        if "weights" in parts:
            out.append(f"{t('weights_title', lang)}{tag}\n"
                       f"{format_matrix(st.weights[h], labels, labels, fmt, lang, hidden)}{legend}")
        if "values" in parts:
            dims = [f"d{h * d_head + i + 1}" for i in range(d_head)]
            out.append(f"{t('values_title', lang)}{tag}\n{format_matrix(st.V[h], labels, dims, fmt, lang)}")
    if trace.n_heads > 1 and "weights" in parts:
        mean = format_matrix(st.weights_mean, labels, labels, fmt, lang, hidden)
        out.append(f"{t('weights_title', lang)} [{t('mean_of_heads', lang)}]\n{mean}{legend}")
    if "output" in parts:
        dims = [f"d{i + 1}" for i in range(st.x.shape[1])]
        out.append(f"{t('output_title', lang)}\n{format_matrix(st.output, labels, dims, fmt, lang)}")
    return "\n\n".join(out)


def explain_head(trace: AttentionTrace, head: int, lang: str = "ja") -> str:
    """One head of a toy: its rows, then what the temperature and the mask changed (when set)."""
    st = _stages(trace)
    lines = [explain_weights(st.weights[head], trace.token_labels, lang=lang, scores=st.scores[head],
                             temperature=trace.temperature)]
    if trace.temperature != 1.0:
        lines.append(explain_temperature(trace, head, lang))
    if trace.causal:
        lines.append(explain_mask(trace, head, lang))
    return "\n".join(lines)


def explain(trace: AttentionTrace, lang: str = "ja") -> str:
    """What the weights show, computed from them: the measures, each head, the heads compared, and
    the random-weights caveat (true of every toy, flat or sharp)."""
    _stages(trace)
    blocks = [t("explain_title", lang) + "\n" + measures_line(lang)]
    for h in range(trace.n_heads):
        text = explain_head(trace, h, lang)
        blocks.append(text if trace.n_heads == 1 else f"[{t('head_n', lang, h=h)}]\n{text}")
    if trace.n_heads > 1:
        blocks.append(explain_heads(trace, lang))
    blocks.append(random_caveat(trace.spec.seed if isinstance(trace, ToyTrace) else None, lang))
    return "\n\n".join(blocks)


def compare_seeds(traces: list[AttentionTrace], lang: str = "ja") -> str:
    """The same x under several seeds (`toy.run_seeds`): what changed and what did not."""
    return explain_seeds(traces, lang)


def head_rows(trace: AttentionTrace, layer: int, head: int | None, words: bool) -> tuple[list[str], torch.Tensor]:
    """Row labels and the [q, k] weights of one head: per token ('3 is'), or aggregated to words;
    generated tokens (and the words they make) are marked '*'."""
    if not words:
        return trace.position_labels(), trace.pattern(layer, head)
    w, texts = word_pattern(trace, layer, head)
    start = trace.prompt_len
    generated = [start is not None and min(g) >= start for g in word_groups(trace.tokens)]
    return [f"{i} {text}{'*' if new else ''}" for i, (text, new) in enumerate(zip(texts, generated))], w


def _generated_from(trace: AttentionTrace, words: bool) -> int | None:
    """The first generated row: a token position, or with words the first word made of generated tokens."""
    if trace.prompt_len is None or not words:
        return trace.prompt_len
    groups = word_groups(trace.tokens)
    return next((i for i, g in enumerate(groups) if min(g) >= trace.prompt_len), len(groups))


def top_table(trace: AttentionTrace, layer: int, head: int | None, top: int = 3, *, words: bool = False,
              lang: str = "ja") -> str:
    """One line per token (or word): the tokens it attends to most, with their weights, beside what a
    uniform row would give (per row for tokens, per key for words, whose sizes differ), and "≈ uniform"
    when the row's total variation from that expectation prints below NEAR_UNIFORM."""
    labels, w = head_rows(trace, layer, head, words)
    lines = [_table_header(trace, layer, head, words, lang)]
    lines += _row_lines(trace, labels, w, range(len(labels)), top, words, lang)
    return "\n".join(lines)


def _table_header(trace: AttentionTrace, layer: int, head: int | None, words: bool, lang: str) -> str:
    """The model, layer and head of a top table, what [ ] means (and where generation began)."""
    which = t("mean_of_heads", lang) if head is None else t("head_n", lang, h=head)
    unit = t("word" if words else "token", lang)
    lines = [t("top_header", lang, model=trace.model, layer=t("layer_n", lang, layer=layer), which=which,
               n_layers=trace.n_layers, n_heads=trace.n_heads, n_kv=trace.n_kv_heads, unit=unit),
             t("top_baseline_note", lang, at=NEAR_UNIFORM)]
    if trace.prompt_len is not None:
        lines.append(t("generated_from", lang, start=_generated_from(trace, words), unit=unit))
    return "\n".join(lines)


def _row_lines(trace: AttentionTrace, labels: list[str], w: torch.Tensor, rows: Iterable[int], top: int,
               words: bool, lang: str) -> list[str]:
    """The table's lines of `rows` of w [q, k] (labels: every row's): each row's most-attended keys and
    their weights, beside the uniform expectation, and "≈ uniform" where the row is that close to it."""
    rows = list(rows)
    base = uniform_words(trace) if words else uniform_pattern(trace.n_tokens, trace.causal)  # [q, k]
    far = total_variation(w, base)  # [q]
    width = max(display_width(labels[q]) for q in rows)
    lines = []
    for q in rows:
        values, keys = w[q].topk(min(top, w.shape[1]))
        # a causal row has zeros after q: not listed
        picks = [(k, v) for v, k in zip(values.tolist(), keys.tolist(), strict=True) if v > 0]
        if words:
            text = ", ".join(f"{labels[k]} {num(v, '.2f')} {t('top_uniform_key', lang, u=float(base[q, k]))}"
                             for k, v in picks)
        else:
            text = ", ".join(f"{labels[k]} {num(v, '.2f')}" for k, v in picks)
            text += "  " + t("top_uniform_row", lang, u=float(base[q, q]))
        if printed(float(far[q])) < NEAR_UNIFORM and float(base[q].max()) < 1.0:  # one key alone: nothing to say
            text += "  " + t("top_near_uniform", lang, d=float(far[q]))
        lines.append(f"  {labels[q]}{' ' * (width - display_width(labels[q]))} -> {text}")
    return lines


def model_report(trace: AttentionTrace, layer: int, head: int | None, top: int = 3, *, words: bool = False,
                 lang: str = "ja", all_rows: bool = False) -> str:
    """A real model's head: its most-attended tokens (every row up to SUMMARY_ROWS rows or with
    `all_rows`, else `row_summary`), what the head shows (computed on tokens), and one line about every
    head of the trace (`attnlab.analysis.readings`)."""
    table = rows_or_summary(trace, layer, head, top, words=words, lang=lang, all_rows=all_rows)
    note = f"\n{t('read_tokens_note', lang)}" if words else ""
    return f"{table}\n\n{read_head_text(trace, layer, head, lang)}{note}\n{overview(trace, lang)}"


def cross_report(pair: EncoderDecoderTraces, layer: int, head: int | None, top: int = 3, *,
                 lang: str = "ja") -> str:
    """An encoder-decoder's cross-attention head: for each target token the source tokens it attends to
    most, beside the weight a uniform row gives (every target token sees all K source tokens: 1/K), "≈
    uniform" as `top_table` says it, and one line over the rows (the mean of each row's largest weight;
    the source token with the most weight on average)."""
    w = pair.cross.pattern(layer, head)  # [target, source]; checks layer and head
    rows, cols = pair.cross_labels()
    n_q, n_k = w.shape
    u = 1.0 / n_k
    far = total_variation(w, torch.full_like(w, u))  # [target]
    width = max(display_width(s) for s in rows)
    which = t("mean_of_heads", lang) if head is None else t("head_n", lang, h=head)
    lines = [t("cross_header", lang, model=pair.model, layer=t("layer_n", lang, layer=layer), which=which,
               n_layers=pair.cross.n_layers, n_heads=pair.cross.n_heads),
             t("cross_baseline_note", lang, k=n_k, at=NEAR_UNIFORM)]
    if pair.decoder.prompt_len is not None:
        lines.append(t("generated_from", lang, start=pair.decoder.prompt_len, unit=t("token", lang)))
    for q, label in enumerate(rows):
        values, keys = w[q].topk(min(top, n_k))
        text = ", ".join(f"{cols[k]} {num(v, '.2f')}" for v, k in zip(values.tolist(), keys.tolist(), strict=True))
        text += "  " + t("top_uniform_row", lang, u=u)
        if printed(float(far[q])) < NEAR_UNIFORM and n_k > 1:  # one source token alone: nothing to say
            text += "  " + t("top_near_uniform", lang, d=float(far[q]))
        lines.append(f"  {label}{' ' * (width - display_width(label))} -> {text}")
    mean = w.mean(0)  # [source]: each source token's weight averaged over the target tokens
    best = int(mean.argmax())
    lines += ["", t("cross_summary", lang, n=n_q, peak=float(w.max(-1).values.mean()), u=u, token=cols[best],
                    mean=float(mean[best]))]
    return "\n".join(lines)


def report(trace: AttentionTrace, lang: str = "ja", fmt: str = ".4f") -> str:
    """A toy: the printout followed by the explanation. A model: the last layer's head mean, read."""
    if trace.stages is not None:
        return printout(trace, lang, fmt) + "\n\n" + explain(trace, lang)
    return model_report(trace, trace.n_layers - 1, None, 3, lang=lang)


def rows_or_summary(trace: AttentionTrace, layer: int, head: int | None, top: int = 3, *, words: bool = False,
                    lang: str = "ja", all_rows: bool = False) -> str:
    """`top_table` when it has at most SUMMARY_ROWS rows (or `all_rows`); else `row_summary`: a
    3,560-token text is not read as 3,560 lines on a terminal."""
    n_rows = len(word_groups(trace.tokens)) if words else trace.n_tokens
    if all_rows or n_rows <= SUMMARY_ROWS:
        return top_table(trace, layer, head, top, words=words, lang=lang)
    return row_summary(trace, layer, head, top, words=words, lang=lang)


def where_counts(w: torch.Tensor) -> dict[str, int]:
    """w: [q, k] -> how many rows put their largest weight on the first key, on themselves, on the
    previous key, elsewhere (in that order of precedence: row 0's own key is the first key; ties go to
    the first largest key, as `torch.max` picks it)."""
    q = torch.arange(w.shape[0])  # [q]
    best = w.max(dim=-1).indices  # [q]
    first = best == 0
    itself = ~first & (best == q)
    previous = ~first & ~itself & (best == q - 1)
    counts = {"first": first, "itself": itself, "previous": previous}
    out = {name: int(mask.sum()) for name, mask in counts.items()}
    return {**out, "other": w.shape[0] - sum(out.values())}


def strongest_rows(w: torch.Tensor, k: int = STRONGEST_ROWS) -> list[int]:
    """w: [q, k] -> the k rows with the largest single weight, largest first (ties: the earlier row)."""
    order = torch.sort(w.max(dim=-1).values, descending=True, stable=True).indices  # [q]
    return order[:k].tolist()


def row_summary(trace: AttentionTrace, layer: int, head: int | None, top: int = 3, *, words: bool = False,
                lang: str = "ja") -> str:
    """A long top table in short: its header, the STRONGEST_ROWS rows with the largest single weight
    (as `top_table` prints them), where every row's largest weight goes, how many rows are focused
    (half their weight or more on one key), and how many rows were left out and how to see them."""
    labels, w = head_rows(trace, layer, head, words)
    header = _table_header(trace, layer, head, words, lang)
    unit = t("word" if words else "token", lang)
    shown = strongest_rows(w)
    n = len(labels)
    focused = int((w.max(dim=-1).values >= 0.5).sum())
    lines = [header, t("rows_strongest", lang, k=len(shown), n=f"{n:,}")]
    lines += _row_lines(trace, labels, w, shown, top, words, lang)
    lines.append(t("rows_where", lang, unit=unit, **{k: f"{v:,}" for k, v in where_counts(w).items()}))
    lines.append(t("rows_focused", lang, focused=f"{focused:,}", n=f"{n:,}", unit=unit))
    lines.append(t("rows_left_out", lang, left=f"{n - len(shown):,}"))
    return "\n".join(lines)
