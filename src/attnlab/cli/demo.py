"""`attnlab demo`: the tutorial end to end (listing 2's numbers, explanation and figures)."""

from __future__ import annotations

import argparse

from .toy import add_common, save_figures, save_page, toy_figures

DEMO_SEEDS = [42, 0, 1, 2]  # the tutorial's seed first, then others to compare ("change the seed")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the tutorial end to end: numbers, explanation, figures",
                       description="Run the tutorial's example (Tokyo / is / beautiful, seed 42), then its "
                       "step 4: the same sentence through the bundled MiniLM encoder.")
    add_common(p)
    p.add_argument("--no-model", action="store_true", help="skip step 4 (the real model)")
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
    save_page(trace, args.html, lang)
    if not args.no_model:
        from .text import step4

        print("\n" + STEP4[lang])
        step4(args.out, lang=lang)
    return 0


STEP4 = {
    "ja": "ステップ 4: 本物の文を本物のモデルへ (all-MiniLM-L6-v2、最終層、全ヘッド平均)",
    "en": "Step 4: a real sentence through a real model (all-MiniLM-L6-v2, last layer, mean of the heads)",
}


NOTE = {
    "ja": ("注: チュートリアルの「Tokyo は自分自身に強く注目」といった読み方は説明用の例で、"
           "このコードの出力ではありません。上の数値ではどの行もほぼ一様です。"),
    "en": ("Note: the tutorial's readings (\"Tokyo attends strongly to itself\", ...) are illustrative "
           "examples, not this code's output; in the numbers above every row is nearly uniform."),
}
