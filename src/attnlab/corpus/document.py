"""The work on one part: encode its documents, batch them by length, run the model, score every head.

`document_scores(trace)` is the per-document function every engine calls (through `score_part`):
the head census's text scores (`analysis.census.text_scores`, definitions in docs/census.md) and
the trace's row statistics averaged over its rows (`trace.row_stats()`), each [layer, head].

    prev_token, self, first_token, entropy, mean_distance    census scores (means over q = 1 .. N-1)
    rows_max_weight, rows_entropy, rows_first_weight,        row statistics, means over every row
    rows_mean_distance                                       q = 0 .. N-1 (entropy in nats)

(The row statistics' argmax is left out: a key position averaged over rows of different lengths
means nothing that first_weight and mean_distance do not say better.)

Batching: within a part, documents are sorted by token count and grouped while the padded batch
holds at most `batch_tokens` tokens and the longest is at most max(8 tokens, 1/8) longer than the
shortest, so padding stays small (a padded decoder row costs its hidden keys too). Every engine cuts the same
parts and batches them the same way, so the same documents meet the same kernels on the same shapes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..analysis.census import TEXT_SCORES, text_scores
from ..trace import AttentionTrace

ROW_SCORES = ("rows_max_weight", "rows_entropy", "rows_first_weight", "rows_mean_distance")
SCORES = TEXT_SCORES + ROW_SCORES  # every score column, in the order of the Parquet schema
PAD_SLACK = 1 / 8  # a batch's longest document is at most this much longer than its shortest ...
PAD_TOKENS = 8  # ... or this many tokens, whichever is more (short documents: a few pads cost little)


@dataclass(frozen=True)
class Options:
    """What decides the numbers a run writes (recorded in the manifest; a resumed run must match)."""

    max_tokens: int  # longest document scored (the model's limit unless --max-tokens is lower)
    truncate: bool  # cut longer documents to max_tokens (else refuse them, counted)
    batch_tokens: int = 4096  # at most this many (padded) tokens in one forward pass


@dataclass(frozen=True)
class Doc:
    """One document ready to run."""

    position: int  # 0-based line / row in the input
    digest: str  # first 16 hex digits of the sha256 of its UTF-8 text
    ids: list[int]  # token ids (with the model's special tokens), cut to max_tokens when truncated
    cut: int  # tokens cut by --truncate (0: none)


@dataclass
class PartResult:
    """A part's scores and its counts (mutable while the part is computed)."""

    docs: list[Doc] = field(default_factory=list)  # scored documents, in position order at the end
    scores: list[dict[str, torch.Tensor]] = field(default_factory=list)  # per doc: {name: [layer, head]}
    skipped: list[tuple[int, str, int]] = field(default_factory=list)  # (position, reason, tokens)


def doc_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def document_scores(trace: AttentionTrace) -> dict[str, torch.Tensor]:
    """{name: [layer, head] fp32} for every name in SCORES, from one document's trace."""
    scores = {name: s.float().cpu() for name, s in text_scores(trace).items()}
    rows = trace.row_stats()  # [layer, head, q_pos] each
    for name in ROW_SCORES:  # max_weight comes with the entropy pass the census already made
        scores[name] = getattr(rows, name.removeprefix("rows_")).float().nanmean(-1).cpu()
    return scores


def encode_docs(lm: Any, texts: Sequence[str | None], start: int, options: Options, result: PartResult) -> list[Doc]:
    """Documents ready to run; empty, too short (< 2 tokens) and refused long ones go to result.skipped,
    and so do bad lines (None: left out by --on-bad-line skip, see `inputs.read_part`)."""
    from ..models.api import EmptyTextError, TooLongError, encode

    reserve = max(lm.max_tokens - options.max_tokens, 0)  # encode's limit is lm.max_tokens - reserve
    docs = []
    for i, text in enumerate(texts):
        position = start + i
        if text is None:
            result.skipped.append((position, "bad_line", 0))
            continue
        try:
            enc = encode(lm, text, truncate=options.truncate, reserve=reserve)
        except EmptyTextError:
            result.skipped.append((position, "empty", 0))
            continue
        except TooLongError:
            n = len(lm.tokenizer(text, verbose=False)["input_ids"])
            result.skipped.append((position, "too_long", n))
            continue
        if len(enc.ids) < 2:
            result.skipped.append((position, "too_short", len(enc.ids)))
            continue
        docs.append(Doc(position, doc_digest(text), list(enc.ids), enc.cut))
    return docs


def plan_batches(docs: Sequence[Doc], batch_tokens: int) -> list[list[Doc]]:
    """Documents sorted by length (then position), grouped so that padding stays small."""
    batches: list[list[Doc]] = []
    for doc in sorted(docs, key=lambda d: (len(d.ids), d.position)):
        n = len(doc.ids)
        if batches:
            batch = batches[-1]
            shortest = len(batch[0].ids)
            slack = max(PAD_TOKENS, math.floor(shortest * PAD_SLACK))
            if (len(batch) + 1) * n <= batch_tokens and n <= shortest + slack:
                batch.append(doc)
                continue
        batches.append([doc])
    return batches


def score_part(
    lm: Any, texts: Sequence[str | None], start: int, options: Options,
    on_batch: Callable[[int, int], None] | None = None,
) -> PartResult:
    """Score the documents of one part (texts[i] is the document at position start + i).

    on_batch(documents, tokens) is called after each forward pass (progress bars).
    """
    from ..models.api import trace_ids

    result = PartResult()
    docs = encode_docs(lm, texts, start, options, result)
    skipped_before = len(result.skipped)
    if on_batch is not None and skipped_before:
        on_batch(skipped_before, 0)
    scored: dict[int, tuple[Doc, dict[str, torch.Tensor]]] = {}
    for batch in plan_batches(docs, options.batch_tokens):
        traces = trace_ids(lm, [d.ids for d in batch])
        for doc, trace in zip(batch, traces, strict=True):
            scored[doc.position] = (doc, document_scores(trace))
        del traces  # the batch's captured q, k, v go now, before the next forward
        if on_batch is not None:
            on_batch(len(batch), sum(len(d.ids) for d in batch))
    for position in sorted(scored):
        doc, scores = scored[position]
        result.docs.append(doc)
        result.scores.append(scores)
    return result
