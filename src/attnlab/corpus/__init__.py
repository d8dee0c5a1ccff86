"""Corpus census: the head census's scores over many documents, into Parquet, locally or on Ray.

    inputs.py      read .txt / .jsonl / Parquet, check every line first, cut into parts
    document.py    the per-document function (`document_scores`) and one part's work (`score_part`)
    parts.py       the Parquet layout, part files written atomically, their counts in the footer
    manifest.py    the output folder: manifest, lock, "same run?" check
    local.py       the local engine (and `compute_part`, which both engines run)
    ray_engine.py  the Ray Data engine (actor pool, one model per actor)
    run.py         `run_corpus`: checks first, then the pending parts (resume)
    summary.py     `summarize_corpus`: per-head distributions across documents, roles with their spread

docs/scaling.md describes the layout, the engines and what a million documents would cost.
"""

from __future__ import annotations

__all__ = ["run_corpus", "summarize_corpus"]


def __getattr__(name: str):
    if name == "run_corpus":
        from .run import run_corpus

        return run_corpus
    if name == "summarize_corpus":
        from .summary import summarize_corpus

        return summarize_corpus
    raise AttributeError(f"module 'attnlab.corpus' has no attribute {name!r}")
