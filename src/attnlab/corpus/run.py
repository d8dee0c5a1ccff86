"""`run_corpus`: check everything, then compute the parts not yet written, on the chosen engine.

Order, so that every mistake costs seconds, not hours: the engine name (and Ray's presence, and its
cluster answering at RAY_ADDRESS), the input's path and type, the output folder (checked, not yet
made), the model (loaded: one clear line when it cannot be), the options against the model, the
whole input (`inputs.scan`: every line or row, with its number when malformed), then the folder's
manifest (a different earlier run is refused, naming the difference). Only then is anything
written: a refusal leaves no folder, lock or manifest behind.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AttnlabError
from ..fileio import make_folder
from ..i18n import Msg
from . import manifest as mf
from .document import Options
from .inputs import MAX_LINE_BYTES, CorpusInputError, InputPlan, check_input, scan
from .parts import damaged, done_parts, read_info, remove_stale_temporaries, schema_columns

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class RunReport:
    """What a run did, and the folder's totals after it."""

    out: Path  # the output folder
    documents: int  # documents (lines / rows) in the input, empty ones included
    parts: int  # parts of the input
    resumed: int  # parts already written before this run (skipped)
    written: int  # parts written by this run
    totals: dict[str, int]  # over every part in the folder: scored, tokens, empty, too_short, too_long, truncated,
    #                         bad_line
    max_tokens: int  # the longest document scored (longer: refused, or cut with truncate)
    seconds: float  # wall time of the whole call
    bad_lines: int = 0  # bad lines or rows the input holds (left out: on_bad_line="skip")
    first_bad: tuple[CorpusInputError, ...] = ()  # the first few of them, each naming its file and line


def run_corpus(
    input: str | os.PathLike,
    model: str,
    out: str | os.PathLike,
    *,
    engine: str = "local",
    field: str | None = None,
    max_tokens: int | None = None,
    truncate: bool = False,
    batch_tokens: int = 4096,
    part_docs: int = 256,
    part_bytes: int = 256 * 1024,
    max_line_bytes: int = MAX_LINE_BYTES,
    on_bad_line: str = "error",
    progress: bool | None = None,
    threads: int | None = None,
    ray_cpus: int | None = None,
    workers: int | None = None,
) -> RunReport:
    """Census scores of every document of `input` into Parquet part files under `out` (resumable).

    Args:
        input: .txt (one document per line), .jsonl (`field`, default "text") or .parquet (column `field`).
        model: a bundled model's name, a local folder or a hub id.
        engine: "local" (this process) or "ray" (RAY_ADDRESS's cluster, else a local one).
        max_tokens: longest document scored (default and upper bound: the model's limit).
        truncate: cut longer documents to max_tokens (recording how many tokens were cut) instead of
            skipping them (counted as too_long).
        batch_tokens: padded tokens per forward pass; part_docs, part_bytes: documents and text bytes per part.
        max_line_bytes: a longer line or row is a bad line, never parsed (so it cannot fill memory).
        on_bad_line: "error" refuses the first bad line (naming file and line) before any work; "skip"
            leaves bad lines out, counted in the report and the parts ("bad_line").
        progress: show the bar (None: on a terminal only).
        threads: torch threads per worker (local: this process, default torch's; ray: CPUs per actor, default 1).
        ray_cpus: CPUs of a local Ray cluster started here; workers: Ray actors (default: one per GPU, else per CPU).
    """
    started = time.perf_counter()
    if engine not in ENGINES:
        raise AttnlabError(f"unknown engine {engine!r}: choose local or ray")
    if engine == "ray":
        from .ray_engine import check_cluster, ray_module

        ray_module()
        check_cluster()  # an unreachable RAY_ADDRESS: seconds, not minutes of retries
    if batch_tokens < 2:
        raise AttnlabError(f"batch_tokens {batch_tokens}: give at least 2")
    source = check_input(input)  # a mistyped path costs no model load
    target = mf.check_folder(out, source)
    from ..models.api import load

    lm = load(model)
    options = _options(lm, max_tokens, truncate, batch_tokens)
    bad: list[CorpusInputError] = []  # the first few bad lines, for the report

    def keep(e: CorpusInputError) -> None:
        if len(bad) < 3:
            bad.append(e)

    plan = scan(input, field=field, part_docs=part_docs, part_bytes=part_bytes, max_line_bytes=max_line_bytes,
                on_bad_line=on_bad_line, on_bad=keep)
    manifest = _manifest(lm, plan, options, part_docs, part_bytes)
    if target.is_dir():  # before the folder is made or locked: a refusal writes nothing
        _check_resumable(target, manifest)
    folder = make_folder(target, "--out", error=mf.OutputFolderError)
    with mf.locked(folder):
        done = _check_resumable(folder, manifest)  # again: another run may have written meanwhile
        mf.write_manifest(folder, {**manifest, "complete": False})
        remove_stale_temporaries(folder)
        pending = [p for p in plan.parts if p.index not in done]
        if engine == "local":
            from .local import run_local

            run_local(lm, plan, pending, options, folder, progress, threads)
        else:
            from .ray_engine import run_ray

            run_ray(model, plan, pending, options, folder, progress, num_cpus=ray_cpus, workers=workers,
                    cpus_per_actor=threads or 1)
        totals = folder_totals(folder)
        complete = set(done_parts(folder)) == {p.index for p in plan.parts}
        mf.write_manifest(folder, {**manifest, "complete": complete, "totals": totals})
    return RunReport(folder, plan.documents, len(plan.parts), len(plan.parts) - len(pending), len(pending), totals,
                     options.max_tokens, time.perf_counter() - started, plan.bad_lines, tuple(bad))


def _check_resumable(folder: Path, manifest: dict[str, Any]) -> dict[int, Path]:
    """The parts already in `folder` when this run may resume there: the same run's manifest (or none,
    and no stray part files), and every part's footer readable (a damaged one is named, not reused)."""
    old = mf.read_manifest(folder)
    if old is not None:
        mf.check_same_run(old, manifest, folder)
    else:
        mf.check_folder_is_ours(folder)
    done = done_parts(folder)
    for index, path in done.items():
        if index >= manifest["input"]["parts"]:
            raise damaged(path, Msg("part_beyond", {"parts": manifest["input"]["parts"]}))
        read_info(path)
    return done


def _options(lm: Any, max_tokens: int | None, truncate: bool, batch_tokens: int) -> Options:
    if max_tokens is None:
        max_tokens = lm.max_tokens
    if max_tokens < 2 or max_tokens > lm.max_tokens:
        raise AttnlabError(f"--max-tokens {max_tokens}: {lm.name} accepts 2 to {lm.max_tokens} tokens")
    return Options(max_tokens=max_tokens, truncate=truncate, batch_tokens=batch_tokens)


def _manifest(lm: Any, plan: InputPlan, options: Options, part_docs: int, part_bytes: int) -> dict[str, Any]:
    config = lm.model.config
    return {
        "schema": schema_columns(),
        "input": {"path": plan.path, "format": plan.format, "field": plan.field, "size": plan.size,
                  "sha256": plan.sha256, "documents": plan.documents, "parts": len(plan.parts),
                  "max_line_bytes": plan.max_line_bytes, "bad_lines": plan.bad_lines},
        "model": {"name": lm.name, "kind": lm.kind, "n_layers": config.num_hidden_layers,
                  "n_heads": config.num_attention_heads, "max_tokens": lm.max_tokens},
        "options": {"max_tokens": options.max_tokens, "truncate": options.truncate,
                    "batch_tokens": options.batch_tokens, "part_docs": part_docs, "part_bytes": part_bytes},
        "versions": mf.versions(),
    }


def folder_totals(folder: Path) -> dict[str, int]:
    """Counts over every part file of the folder (from their metadata: footers only)."""
    totals = {"scored": 0, "tokens": 0, "truncated": 0, "cut_tokens": 0, "empty": 0, "too_short": 0, "too_long": 0,
              "bad_line": 0}
    for path in done_parts(folder).values():
        info = read_info(path)
        totals["scored"] += info["documents"]
        totals["tokens"] += info["tokens"]
        totals["truncated"] += info["truncated"]
        totals["cut_tokens"] += info["cut_tokens"]
        for _, reason, _ in info["skipped"]:
            totals[reason] += 1
    return totals
