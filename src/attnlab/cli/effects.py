"""`attnlab effects "TEXT" --model M`: what each head does to the prediction, beside where it looks.

Prints the target, the top heads per method, what this shows and the caveats (analysis.effects_text);
writes the atlas coloured by effect and the attention-vs-effect scatter into --out, and with --html the
interactive page of the same trace with the effects tab (views/effects), opening on it. `--format json`
prints `analysis.effects.effects_to_dict` (docs/effects.md). Exact methods print their estimated
time first and run with a progress bar where a person is watching (attnlab.progress.interactive).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .options import add_format, add_html, add_int, add_lang, add_out

if TYPE_CHECKING:  # annotations only: torch is imported when the command runs
    from ..analysis.census import HeadCensus
    from ..analysis.effects import HeadEffects

DEFINITIONS = """\
Definitions (docs/effects.md). A head's output is its slice of the attention output before the output
projection W_O (head h: columns h*d_head .. (h+1)*d_head of W_O's input); every edit replaces it, in
one forward, at every position (--edit all) or only at the positions p-1 whose logits are read (--edit read).

Target (decoders): position p names the token at p, predicted from the logits at p-1. Default: log p of
the text's own token at each of --positions (default 1..N-1), averaged; or log p of one --target token
at one --position I (1..N, default N: the token after the text). Effects are Δ log p = edited - clean
(negative: the head helped). Δ loss: the change in the text's mean next-token cross-entropy over 1..N-1
(computed when the target is the text, or with --loss).
Target (encoders): the model's pooled sentence embedding (MiniLM: mean pooling); effect = 1 - cos(edited,
clean).

  zero         the head's output set to 0
  mean         the head's output set to its mean over the text's positions
  attribution  sum over edited positions and d_head of grad . (0 - z), one forward + one backward
               (with --corrupt: grad at the corrupted run . (z_clean - z_corrupted) / (clean - corrupted));
               Spearman's rho with the exact method is reported when both run
  dla          direct logit attribution: the head's output at p-1 through its slice of W_O and the final
               norm with its scale frozen from the clean run, dotted with the target token's unembedding
               (per position; averaged over the positions)
  patching     with --corrupt (same token length): the head's output taken from the clean run into the
               corrupted one; (m_patched - m_corrupted) / (m_clean - m_corrupted), the share recovered

By default every method whose estimated time fits --budget runs (attribution and dla always, decoders)."""


def register(subparsers: Any) -> None:
    from ..analysis.effects_names import BUDGET_S, EDITS, METHODS
    from ..models.registry import bundled_names

    default = bundled_names("decoder")[0]
    p = subparsers.add_parser(
        "effects",
        help="head effects: what removing or patching each head does to the prediction",
        description="Measure every head's effect on the model's output (ablation, attribution patching, "
                    "direct logit attribution, activation patching), beside its attention pattern.",
        epilog=DEFINITIONS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", help="the text (the clean run)")
    p.add_argument("--model", default=default, help=f"{default} (default), any bundled model, a folder or a hub id")
    p.add_argument("--target", default=None, metavar="T", help="decoders: one token whose log p is measured "
                   "(e.g. \" Mary\", leading space included)")
    add_int(p, "--position", default=None, lo=0, metavar="I",
            help="where --target is predicted: 1..N (default N, the token after the text)")
    p.add_argument("--positions", default=None, metavar="LIST",
                   help="decoders: the predicted positions averaged, e.g. 3,5-9 (default 1..N-1)")
    p.add_argument("--corrupt", default=None, metavar="TEXT", help="a corrupted text of the same token length: "
                   "activation patching (and attribution of it)")
    p.add_argument("--method", nargs="+", choices=METHODS, default=None,
                   help="methods to run (default: every method cheap enough for the input)")
    p.add_argument("--edit", choices=EDITS, default="all",
                   help="where a head is edited: all positions (default) or read (only where logits are read)")
    p.add_argument("--loss", action="store_true", help="also Δ loss with --target or --positions (costs the "
                   "unembedding at every position)")
    p.add_argument("--budget", type=float, default=BUDGET_S, metavar="S",
                   help=f"seconds the exact methods may take by default (estimated; default {BUDGET_S:g})")
    p.add_argument("--truncate", action="store_true", help="cut text longer than the model accepts")
    p.add_argument("--device", default="cpu", metavar="D",
                   help="where the model runs: cpu (default) or a torch device such as cuda (not measured yet)")
    add_format(p, "json: {model, tokens, token_ids, target, method, positions, effects, runtime_s} on stdout")
    add_lang(p)
    add_out(p)
    add_html(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from ..analysis.census import head_census
    from ..analysis.effects import effects_to_dict, head_effects
    from ..analysis.effects_text import effects_report
    from ..errors import AttnlabError
    from ..i18n import t
    from .output import check_destinations, existing, print_json

    quiet = args.format == "json"  # stdout stays pure JSON
    dest = check_destinations(args.out, args.html, figures=not quiet or args.out is not None, lang=args.lang,
                              quiet=quiet, inputs=existing("--model", args.model))
    positions = parse_positions(args.positions, args.lang) if args.positions is not None else None
    if args.html is not None:  # a page that cannot hold one layer of this text: refused before the minutes of work
        check_page(args.text, args.model, args.truncate)
    if args.device != "cpu":
        move_model(args.model, args.device, args.lang)
    result = head_effects(args.text, args.model, target=args.target, position=args.position, positions=positions,
                          corrupt=args.corrupt, methods=args.method, edit=args.edit, loss=True if args.loss else None,
                          truncate=args.truncate, lang=args.lang, budget_s=args.budget, progress=bar(args.lang))
    if not result.methods:
        raise AttnlabError(t("effects_none_run", args.lang))
    census = head_census(result.trace, probe=False)  # where each head looks, on the same trace
    page = dest.page(result.trace, effects=result, view="effects")  # rendered before any file
    jobs = effects_figures(result, census, args.lang) if dest.out is not None else {}
    dest.check(jobs)  # before anything is printed
    if quiet:
        print_json(effects_to_dict(result))
    else:
        print(effects_report(result, census.scores, args.lang, budget_s=args.budget))
    dest.save(jobs, page)
    return 0


def check_page(text: str, model: str, truncate: bool) -> None:
    """--html: the page of this text's trace must hold at least one layer (`attnlab text`'s own check,
    after a tokenizer pass); the effects tab itself shows every head, whichever layers the page holds."""
    from .text import _check_page

    _check_page(argparse.Namespace(text=text, model=model, truncate=truncate, generate=0, layers=None, layer=0))


def move_model(model: str, device: str, lang: str) -> None:
    """Load the model and move it to `device` (this process only): the sweeps then batch there."""
    import torch

    from ..errors import AttnlabError
    from ..i18n import t
    from ..models.api import load

    try:
        where = torch.device(device)
        usable = where.type != "cuda" or torch.cuda.is_available()
    except RuntimeError:
        usable = False
    if not usable:
        raise AttnlabError(t("effects_err_device", lang, device=device))
    load(model).model.to(where)


def parse_positions(text: str, lang: str) -> list[int]:
    """"3,5-9" -> [3, 5, 6, 7, 8, 9]; an AttnlabError in `lang` naming the form expected."""
    from ..errors import AttnlabError
    from ..i18n import t

    out: list[int] = []
    for part in text.split(","):
        lo, dash, hi = part.strip().partition("-")
        try:
            a, b = int(lo), int(hi) if dash else int(lo)
        except ValueError:
            raise AttnlabError(t("effects_err_positions_format", lang, text=text)) from None
        if b < a:
            raise AttnlabError(t("effects_err_positions_format", lang, text=text))
        out.extend(range(a, b + 1))
    return out


def bar(lang: str) -> Callable[[str, int, int, float], Callable[[int], None]] | None:
    """Where a person is watching: each exact method's estimate on one line, then a progress bar."""
    from ..progress import interactive

    if not interactive():
        return None

    def start(method: str, heads: int, n_tokens: int, estimate_s: float) -> Callable[[int], None]:
        from tqdm import tqdm

        from ..i18n import t

        print("attnlab: " + t("effects_estimate", lang, method=t(f"effects_method_{method}", lang), heads=heads,
                              n=n_tokens, s=f"{estimate_s:.0f}"), file=sys.stderr, flush=True)
        progress = tqdm(total=heads, desc=method, unit="head", file=sys.stderr)

        def step(done: int) -> None:
            progress.update(done)
            if progress.n >= heads:
                progress.close()

        return step

    return start


def effects_figures(result: HeadEffects, census: HeadCensus, lang: str) -> dict:
    """The atlas coloured by effect and the attention-vs-effect scatter."""
    from ..plot.effects import plot_attention_vs_effect, plot_effect_atlas
    from ..views import FigureJob, file_stem

    stem = file_stem(result.model)
    return {
        f"{stem}-effects-atlas": FigureJob(lambda: plot_effect_atlas(result, census.scores, lang), dpi=100),
        f"{stem}-effects-scatter": FigureJob(lambda: plot_attention_vs_effect(result, census.scores, lang), dpi=100),
    }
