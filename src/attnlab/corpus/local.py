"""The local engine: one process, part after part, with a progress bar (documents/s, tokens/s, ETA).

`compute_part` is what both engines run for one part: read its documents from the input, score
them (`document.score_part`), and serialise the Parquet file (`parts.part_bytes`). The Ray engine
runs it inside its actors; here it runs in this process and each part is written as it finishes,
so an interrupt loses only the part being computed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .document import Options, score_part
from .inputs import InputPlan, Part, read_part
from .parts import part_bytes, part_info, part_table, write_part


def compute_part(lm: Any, plan: InputPlan, part: Part, options: Options,
                 on_batch: Callable[[int, int], None] | None = None) -> tuple[bytes, dict[str, Any]]:
    """(the part file's bytes, its counts) for one part."""
    texts = read_part(plan, part)
    result = score_part(lm, texts, part.start, options, on_batch)
    n_layers = lm.model.config.num_hidden_layers
    n_heads = lm.model.config.num_attention_heads
    info = part_info(part.index, part.start, part.stop, result)
    return part_bytes(part_table(result, n_layers, n_heads), info), info


class Progress:
    """A tqdm bar over documents (shown only on a terminal unless asked), with tokens/s beside it."""

    def __init__(self, total: int, show: bool | None, desc: str) -> None:
        from tqdm import tqdm

        show = sys.stderr.isatty() if show is None else show
        self.bar = tqdm(total=total, unit="doc", desc=desc, disable=not show, smoothing=0.1, dynamic_ncols=True)
        self.tokens = 0  # tokens scored so far

    def __call__(self, documents: int, tokens: int) -> None:
        self.tokens += tokens
        self.bar.update(documents)
        elapsed = self.bar.format_dict.get("elapsed") or 0.0
        if elapsed > 0 and not self.bar.disable:
            self.bar.set_postfix_str(f"{self.tokens / elapsed:,.0f} tokens/s", refresh=False)

    def close(self) -> None:
        self.bar.close()


def run_local(lm: Any, plan: InputPlan, pending: Sequence[Part], options: Options, out: Path,
              progress: bool | None = None, threads: int | None = None) -> None:
    """Compute and write every pending part in this process.

    threads: torch's CPU threads during the run (None: torch's default). Reductions split over a
    different number of threads round differently (seen: 2e-6 between 1 and 2 threads), so runs
    that must give identical bits use the same number (a Ray actor uses its CPUs).
    """
    import torch

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    bar = Progress(sum(p.stop - p.start for p in pending), progress, "attnlab corpus")
    try:
        for part in pending:
            data, _ = compute_part(lm, plan, part, options, bar)
            write_part(out, part.index, data)
    finally:
        bar.close()
        torch.set_num_threads(before)
