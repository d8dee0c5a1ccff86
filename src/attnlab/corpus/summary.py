"""Summarising a corpus folder: each head's scores as distributions across documents, and roles.

Every document counts once, whatever its length (a mean over documents, not over tokens). Per
score and head: mean, standard deviation (population, ddof = 0) and the 5 / 25 / 50 / 75 / 95 %
quantiles (numpy's linear interpolation). Reading one score column at a time, the rows of a folder
reshape to [document, layer, head] directly (each document's rows are complete and ordered by
layer, then head: checked per part), so memory is documents x layers x heads x 4 bytes per score.

Roles (analysis/roles.py's rules, on the text scores: previous_token, first_token_sink, self,
local, broad) are judged per document; a head's `share` is the fraction of documents on which it
passes the rule, and the strongest heads of a role are those with the highest mean (lowest for
"local"), shown with their spread. Induction and duplicate need the induction probe, which is one
fixed input per model, not a property of documents: `attnlab heads` gives them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis.census import uniform_distance
from ..analysis.roles import LOCAL_FRACTION, ROLE_RULES
from ..checks import first_line
from ..errors import AttnlabError
from ..fileio import user_path
from ..i18n import Msg
from .document import SCORES
from .manifest import MANIFEST, read_manifest
from .parts import damaged, done_parts, read_info

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
STATS = ("mean", "std", "q05", "q25", "q50", "q75", "q95")
TOP = 5  # heads listed per role


@dataclass(frozen=True)
class RoleHead:
    """One head's standing in one role across the corpus."""

    role: str  # a role of analysis.roles
    score: str  # the score the role reads
    layer: int  # the head's layer
    head: int  # the head's index within the layer
    mean: float  # mean score over documents
    std: float  # its standard deviation over documents
    q25: float  # lower quartile over documents
    q75: float  # upper quartile over documents
    share: float  # fraction of documents on which the head passes the role's rule


@dataclass(frozen=True)
class CorpusSummary:
    """A corpus folder summarised (see the module docstring)."""

    model: str  # the model's name
    kind: str  # "encoder" | "decoder"
    n_layers: int  # layers
    n_heads: int  # heads per layer
    input: str  # the input file's path
    documents: int  # documents in the input (lines / rows, empty ones included)
    parts: int  # parts of the input
    parts_done: int  # parts written (parts_done < parts: the run is not finished)
    totals: dict[str, int]  # scored, tokens, truncated, cut_tokens, empty, too_short, too_long
    stats: dict[str, dict[str, np.ndarray]]  # score -> stat (STATS) -> [layer, head] float64
    shares: dict[str, np.ndarray]  # role -> [layer, head] fraction of documents past the role's rule
    roles: tuple[RoleHead, ...]  # per role (ROLE_RULES order), the TOP strongest heads


def summarize_corpus(folder: str | os.PathLike) -> CorpusSummary:
    """Read a corpus folder written by `run_corpus` and summarise it."""
    from .run import folder_totals

    out = user_path(folder)
    if not out.is_dir():
        raise AttnlabError(f"{out} is not a folder: give the --out folder of an `attnlab corpus` run")
    manifest = read_manifest(out)
    if manifest is None:
        raise AttnlabError(f"{out} has no {MANIFEST}: it is not the output of `attnlab corpus`")
    model = manifest["model"]
    n_layers, n_heads = model["n_layers"], model["n_heads"]
    found = done_parts(out)
    if found and max(found) >= manifest["input"]["parts"]:
        raise damaged(found[max(found)], Msg("part_beyond", {"parts": manifest["input"]["parts"]}))
    paths = [p for _, p in sorted(found.items())]
    totals = folder_totals(out)
    if totals["scored"] == 0:
        raise AttnlabError(f"{out} holds no scored document yet: run `attnlab corpus` first")
    n_tokens = _column(paths, "n_tokens", n_layers, n_heads, check=True)[:, 0, 0]
    stats: dict[str, dict[str, np.ndarray]] = {}
    passes: dict[str, np.ndarray] = {}
    causal = model["kind"] == "decoder"
    for name in SCORES:
        values = _column(paths, name, n_layers, n_heads).astype(np.float64)  # [doc, layer, head]
        qs = np.nanquantile(values, QUANTILES, axis=0)
        stats[name] = {"mean": np.nanmean(values, 0), "std": np.nanstd(values, 0),
                       **{f"q{round(q * 100):02d}": v for q, v in zip(QUANTILES, qs)}}
        passes.update(_role_passes(name, values, n_tokens, causal))
    return CorpusSummary(
        model=model["name"], kind=model["kind"], n_layers=n_layers, n_heads=n_heads,
        input=manifest["input"]["path"], documents=manifest["input"]["documents"],
        parts=manifest["input"]["parts"], parts_done=len(paths), totals=totals, stats=stats,
        shares=passes, roles=_strongest(stats, passes),
    )


def _column(paths: list[Path], name: str, n_layers: int, n_heads: int, *, check: bool = False) -> np.ndarray:
    """[document, layer, head] of one column over every part (check: the rows are laid out as promised)."""

    per_doc = n_layers * n_heads
    chunks = []
    for path in paths:
        table = _read_columns(path, [name, "layer", "head"] if check else [name])
        if table.num_rows % per_doc:
            raise AttnlabError(f"{path}: {table.num_rows} rows is not a whole number of documents of {per_doc} heads")
        if check and table.num_rows != read_info(path)["documents"] * per_doc:
            raise damaged(path, Msg("part_rows_counts", {"rows": table.num_rows, "per_doc": per_doc}))
        if check and table.num_rows:
            layer = table.column("layer").to_numpy().reshape(-1, n_layers, n_heads)
            head = table.column("head").to_numpy().reshape(-1, n_layers, n_heads)
            if not ((layer == np.arange(n_layers)[:, None]).all() and (head == np.arange(n_heads)).all()):
                raise AttnlabError(f"{path}: rows are not ordered by layer and head within each document")
        chunks.append(table.column(name).to_numpy().reshape(-1, n_layers, n_heads))
    return np.concatenate(chunks) if chunks else np.zeros((0, n_layers, n_heads))


def _read_columns(path: Path, columns: list[str]) -> Any:
    """The part file's columns, numbers all (PartFileError when it is damaged or its columns are not attnlab's)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=columns)
    except (pa.ArrowException, OSError) as e:
        raise damaged(path, first_line(e)) from None
    for column, kind in zip(columns, table.schema.types, strict=True):
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            raise damaged(path, Msg("part_column_kind", {"column": column, "kind": str(kind)}))
    return table


def _role_passes(name: str, values: np.ndarray, n_tokens: np.ndarray, causal: bool) -> dict[str, np.ndarray]:
    """{role: [layer, head] share of documents passing the rule} for the roles that read `name`."""
    out = {}
    for rule in ROLE_RULES:
        if rule.score != name:
            continue
        if rule.role == "local":  # as analysis.roles: <= 3 and <= 1/4 of a uniform head's on the same text
            uniform = np.array([uniform_distance(int(n), causal) for n in n_tokens])
            limit = np.minimum(rule.threshold, LOCAL_FRACTION * uniform)[:, None, None]
            hits = values <= limit
        else:
            hits = values >= rule.threshold if rule.at_least else values <= rule.threshold
        out[rule.role] = hits.mean(0)
    return out


def _strongest(stats: dict[str, dict[str, np.ndarray]], passes: dict[str, np.ndarray]) -> tuple[RoleHead, ...]:
    found = []
    for rule in ROLE_RULES:
        if rule.role not in passes:
            continue
        s = stats[rule.score]
        mean = s["mean"]
        order = np.argsort(-mean if rule.at_least else mean, axis=None, kind="stable")[:TOP]
        for flat in order:
            layer, head = np.unravel_index(flat, mean.shape)
            found.append(RoleHead(rule.role, rule.score, int(layer), int(head), float(mean[layer, head]),
                                  float(s["std"][layer, head]), float(s["q25"][layer, head]),
                                  float(s["q75"][layer, head]), float(passes[rule.role][layer, head])))
    return tuple(found)


def summary_to_dict(summary: CorpusSummary, digits: int = 6) -> dict[str, Any]:
    """JSON of `attnlab corpus summarize --format json` (docs/scaling.md has the schema)."""
    def grid(a: np.ndarray) -> list:
        return [[None if np.isnan(x) else round(float(x), digits) for x in row] for row in a]

    return {
        "model": summary.model, "kind": summary.kind, "n_layers": summary.n_layers, "n_heads": summary.n_heads,
        "input": summary.input, "documents": summary.documents, "parts": summary.parts,
        "parts_done": summary.parts_done, "complete": summary.parts_done == summary.parts,
        **summary.totals,
        "scores": {name: {stat: grid(v) for stat, v in per.items()} for name, per in summary.stats.items()},
        "roles": [{"role": r.role, "score": r.score, "layer": r.layer, "head": r.head,
                   **{k: round(getattr(r, k), digits) for k in ("mean", "std", "q25", "q75", "share")}}
                  for r in summary.roles],
    }
