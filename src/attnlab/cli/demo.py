"""`attnlab demo`: the tutorial end to end (listing 2's numbers, explanation and figures)."""

from __future__ import annotations

import argparse

from .toy import add_common, save_figures, toy_figures

DEMO_SEEDS = [42, 0, 1, 2]  # the tutorial's seed first, then others to compare ("change the seed")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the tutorial end to end: numbers, explanation, figures",
                       description="Run the tutorial's example (Tokyo / is / beautiful, seed 42).")
    add_common(p)
    p.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from ..report import report
    from ..toy import ToySpec, run_toy

    lang = args.lang
    trace = run_toy(ToySpec())
    print(report(trace, lang=lang, fmt=args.fmt or ".4f"))
    print("\n" + NOTE[lang])
    figs = toy_figures(trace, lang=lang, fmt=args.fmt or ".2f", seeds=DEMO_SEEDS)
    # the tutorial's step 3: the same input split into 2 heads of d_head 2, and their mean
    from ..plot.toy import plot_heads

    two = run_toy(ToySpec(heads=2))
    figs["heads"] = lambda: plot_heads(two, lang=lang, fmt=args.fmt or ".2f")
    save_figures(figs, args.out, lang)
    return 0


NOTE = {
    "ja": ("注: チュートリアルの「Tokyo は自分自身に強く注目」といった読み方は説明用の例で、"
           "このコードの出力ではありません。上の数値ではどの行もほぼ一様です。"),
    "en": ("Note: the tutorial's readings (\"Tokyo attends strongly to itself\", ...) are illustrative "
           "examples, not this code's output; in the numbers above every row is nearly uniform."),
}
