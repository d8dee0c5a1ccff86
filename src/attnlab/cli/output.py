"""What commands write and print: figures (PNG and SVG, all or nothing), the page, JSON on stdout."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..i18n import t
from ..trace import AttentionTrace
from ..views import FigureJob
from ._files import Writer, check_out_folder, write_all
from .options import DEFAULT_OUT


def check_destinations(out: Path | None, html: Path | None, *, figures: bool = True) -> None:
    """Refuse a bad --out or --html before any work (nothing is created here), so a mistake in a
    path costs no minutes of computing and leaves no figures behind."""
    if figures:
        check_out_folder(out or DEFAULT_OUT)
    if html is not None:
        from ..fileio import check_destination

        check_destination(html, "the --html page")


def figure_writers(jobs: dict[str, FigureJob]) -> dict[str, Writer]:
    """{stem: job} -> writers of stem.png and stem.svg (each figure is made once, when first written)."""
    writers: dict[str, Writer] = {}
    for stem, job in jobs.items():
        made: dict[str, Any] = {}

        def figure(job: FigureJob = job, made: dict = made) -> Any:
            if "figure" not in made:
                made["figure"] = job.make()
            return made["figure"]

        writers[f"{stem}.png"] = lambda p, fig=figure, dpi=job.dpi: fig().savefig(p, dpi=dpi, format="png")
        writers[f"{stem}.svg"] = lambda p, fig=figure: fig().savefig(p, format="svg")
    return writers


def save_figures(jobs: dict[str, FigureJob], out: Path | None, lang: str, *, quiet: bool = False) -> list[Path]:
    """Write every figure into `out` (staged, then moved: all or nothing); say where unless quiet."""
    out = out or DEFAULT_OUT
    paths = write_all(out, figure_writers(jobs))
    if not quiet:
        print(f"\n{t('figures_written', lang)} ({out}/): " + ", ".join(p.name for p in paths))
    return paths


def save_page(trace: AttentionTrace, path: Path | None, lang: str, *, quiet: bool = False,
              focus: tuple[int, int] | None = None, layers: tuple[int, ...] | None = None) -> None:
    """Write the interactive page when --html was given (opening on `focus`, the (layer, head) chosen;
    holding `layers`, None: as many as fit); say where unless quiet (stdout holds JSON)."""
    if path is None:
        return
    from ..html import write_html

    written = write_html(trace, path, lang=lang, focus=focus, layers=layers)
    if not quiet:
        print(f"{t('page_written', lang)}: {written}")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
