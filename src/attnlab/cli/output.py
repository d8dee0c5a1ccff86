"""What commands write and print: figures (PNG and SVG, all or nothing), the page, JSON on stdout.

Every destination is checked before any work (`check_destinations` -> `Outputs`): the --out folder
can be made, the --html file can be written, no two outputs are one file, and no output is one of
the command's inputs (`toy --x x.json --html x.json` would overwrite its own input). The page is
rendered before anything is printed or written (`Outputs.page`: a trace too large for a page is
refused while nothing exists yet), and once the figures' names are known they are checked against
the page and the inputs (`Outputs.check`), also before anything is printed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import Msg, t, tr_error
from ..models.parts import EncoderDecoderTraces
from ..trace import AttentionTrace
from ..views import FigureJob
from . import CliError
from ._files import Writer, check_out_folder, write_all
from .options import DEFAULT_OUT

Named = tuple[str, Path]  # (the flag or argument that named it, the path)


@dataclass(frozen=True)
class Outputs:
    """Where a command writes, checked before its work, and what it must not write over."""

    out: Path | None  # the --out folder of the figures (None: no figures)
    html: Path | None  # the --html page (None: no page)
    inputs: tuple[Named, ...]  # files and folders the command reads: never written over
    lang: str  # language of the page and of what is printed
    quiet: bool  # stdout holds JSON: say nothing about the files

    def page(self, trace: AttentionTrace | EncoderDecoderTraces, focus: tuple[int, int] | None = None,
             layers: tuple[int, ...] | None = None, **extra: Any) -> str | None:
        """The page's HTML when --html was given (holding `layers`; None: as many as fit), rendered now,
        before any file is written; `extra`: render_page's other options (effects=, view=, part=: an
        encoder-decoder's part it opens on)."""
        if self.html is None:
            return None
        from ..html import render_page
        from ..progress import notice

        with notice(Msg("progress_page", {})):
            return render_page(trace, lang=self.lang, focus=focus, layers=layers, **extra)

    def check(self, jobs: dict[str, FigureJob]) -> dict[str, Writer]:
        """The figures' writers, once their files are known not to be the page or an input: call it
        before printing, so that a refusal comes before any output."""
        writers = figure_writers(jobs) if self.out is not None else {}
        files = [("--out", self.out / name) for name in writers] if self.out is not None else []
        check_clashes(files + ([("--html", self.html)] if self.html is not None else []), [], self.inputs)
        return writers

    def save(self, jobs: dict[str, FigureJob], page: str | None = None) -> None:
        """The figures into --out (all or nothing), then the page; their paths checked first."""
        writers = self.check(jobs)
        sys.stdout.flush()  # what was printed is on the screen before the figures take their seconds
        if self.out is not None:
            paths = write_counted(self.out, writers)
            if not self.quiet:
                print(f"\n{t('figures_written', self.lang)} ({self.out}/): " + ", ".join(p.name for p in paths))
        if self.html is not None and page is not None:
            from ..fileio import write_text

            write_text(self.html, page, what="the --html page")
            if not self.quiet:
                print(f"{t('page_written', self.lang)}: {self.html}")


def check_destinations(out: Path | None, html: Path | None, *, figures: bool = True, lang: str = "en",
                       quiet: bool = False, inputs: Sequence[Named] = ()) -> Outputs:
    """Refuse a bad --out or --html before any work (nothing is created here), so a mistake in a
    path costs no minutes of computing and leaves no figures behind. figures: the command writes
    figures (into `out`, else DEFAULT_OUT); inputs: what it reads, (flag, path)."""
    folder = (out or DEFAULT_OUT) if figures else None
    if folder is not None:
        check_out_folder(folder)
    if html is not None:
        from ..fileio import check_destination

        check_destination(html, "the --html page")
        check_clashes([("--html", html)], [("--out", folder)] if folder is not None else [], tuple(inputs))
    return Outputs(folder, html, tuple(inputs), lang, quiet)


def check_clashes(files: Sequence[Named], folders: Sequence[Named], inputs: Sequence[Named]) -> None:
    """CliError when two output files are one file, an output file is an output folder, or an output
    would write over an input (the input file itself, or a file inside an input folder)."""
    for i, (flag, path) in enumerate(files):
        for other, there in [*files[:i], *folders]:
            if same_file(path, there):
                raise tr_error(CliError, "err_same_output", first=other, second=flag, path=str(path))
        for source, src in inputs:
            inside = src.is_dir() and path.exists() and _within(path, src)
            if inside or same_file(path, src):
                raise tr_error(CliError, "err_output_is_input", flag=flag, path=str(path), source=source,
                               src=str(src))


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: equal once links are followed, or one inode where both exist."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _within(path: Path, folder: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def existing(flag: str, path: str | os.PathLike | None) -> tuple[Named, ...]:
    """(flag, path) as an input when `path` names something that exists (an inline value does not)."""
    if path is None:
        return ()
    try:
        p = Path(path).expanduser()
        return ((flag, p),) if p.exists() else ()
    except (OSError, RuntimeError, ValueError):  # a name too long, ~nouser: no file of ours
        return ()


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


def write_counted(out: Path, writers: dict[str, Writer]) -> list[Path]:
    """`write_all`, under a progress line counting the files written (a model's grid of every head
    takes seconds to draw)."""
    from ..progress import notice

    done = [0]  # files written so far

    def counted(write: Writer) -> Writer:
        def run(path: Path) -> None:
            write(path)
            done[0] += 1

        return run

    with notice(Msg("progress_figures", {"out": out}),
                count=lambda: Msg("progress_files", {"done": done[0], "total": len(writers)})):
        return write_all(out, {name: counted(write) for name, write in writers.items()})


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
