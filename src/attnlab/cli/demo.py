"""`attnlab demo`: the tutorial end to end (listing 2's numbers, explanation and figures, then its
step 4 through a real model). The traces come from `attnlab.toy.tutorial`. Unlike `toy`, the demo
writes its figures by default (into ./attnlab-out/, as `make demo` and the README promise), after the
whole printout, with a progress line on a terminal."""

from __future__ import annotations

import argparse

from .options import add_fmt, add_html, add_lang, add_out, add_scale


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the tutorial end to end: numbers, explanation, figures",
                       description="Run the tutorial's example (Tokyo / is / beautiful, seed 42), then its "
                       "step 4: the same sentence through the bundled MiniLM encoder.")
    add_lang(p)
    add_fmt(p)
    add_out(p)
    add_scale(p)
    add_html(p)
    p.add_argument("--no-model", action="store_true", help="skip step 4 (the real model)")
    p.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from ..i18n import t
    from ..plot.toy import plot_heads, plot_seeds
    from ..reporting import compare_seeds, model_report, report
    from ..toy import tutorial
    from ..views import FigureJob, FigureOptions, figures_for, file_stem
    from .output import check_destinations

    dest = check_destinations(args.out, args.html, lang=args.lang)
    lang, fmt = args.lang, args.fmt or ".2f"
    trace = tutorial.listing2()
    page = dest.page(trace)
    jobs = figures_for(trace, FigureOptions(lang=lang, fmt=fmt, scale=args.scale))
    two, seeds = tutorial.step3(), tutorial.seeds()
    jobs["heads"] = FigureJob(lambda: plot_heads(two, lang=lang, fmt=fmt, scale=args.scale))  # step 3
    jobs["seeds"] = FigureJob(lambda: plot_seeds(seeds, lang=lang, fmt=fmt, scale=args.scale))
    real = None if args.no_model else tutorial.step4()  # first: a model that cannot load leaves no figures
    real_jobs: dict = {}
    if real is not None:
        opts = FigureOptions(lang=lang, layer=real.n_layers - 1, head=None, stem=file_stem(real.model),
                             scale=args.scale)  # the table's head mean
        real_jobs = figures_for(real, opts)
    dest.check({**jobs, **real_jobs})  # before the printout
    print(report(trace, lang=lang, fmt=args.fmt or ".4f"))
    print("\n" + t("demo_note", lang))
    print("\n" + compare_seeds(seeds, lang))
    if real is not None:
        print("\n" + t("demo_step4", lang))
        print(model_report(real, real.n_layers - 1, None, 3, lang=lang))
    dest.save({**jobs, **real_jobs}, page)  # last: the whole printout is on the screen while they are drawn
    return 0
