"""The corpus summary page: one self-contained HTML file, no script at all.

It holds the counts, the layers x heads figure of the means (`plot.corpus.plot_corpus_means`, a
PNG inlined as a data: URI), the strongest heads per role with their spread and each score's
strongest heads with their quantiles. Same rules as `render.py`: no network (a CSP with
`default-src 'none'` and no script source at all: nothing on the page can run), every text that
came from outside (model name, input path) escaped. Pure: returns a string.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from ..analysis.census_text import score_label
from ..corpus.document import SCORES
from ..corpus.summary import CorpusSummary
from ..i18n import check_lang, t

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
TOP_PER_SCORE = 3  # heads listed per score
STYLE = """body{font-family:system-ui,"Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em;
text-align:right}th{background:#f2f5f9}td.l,th.l{text-align:left}img{max-width:100%}
.note{color:#a04000}"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _f(x: float) -> str:
    return "–" if x is None or np.isnan(x) else f"{x:.3f}"


def _figure_png(summary: CorpusSummary, lang: str) -> str:
    from ..plot.corpus import plot_corpus_means

    buf = io.BytesIO()
    plot_corpus_means(summary, lang).savefig(buf, format="png", dpi=90)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _counts(summary: CorpusSummary, lang: str) -> str:
    tot = summary.totals
    rows = [("corpus_documents", summary.documents), ("corpus_scored", tot["scored"]), ("tokens", tot["tokens"]),
            ("corpus_empty", tot["empty"]), ("corpus_too_short", tot["too_short"]),
            ("corpus_too_long", tot["too_long"]), ("corpus_truncated_docs", tot["truncated"]),
            ("corpus_cut_tokens", tot["cut_tokens"])]
    body = "".join(f'<tr><th class="l">{_e(t(k, lang))}</th><td>{v:,}</td></tr>' for k, v in rows)
    return f"<table>{body}</table>"


def _roles(summary: CorpusSummary, lang: str) -> str:
    head = (f'<tr><th class="l">{_e(t("corpus_role", lang))}</th><th>{_e(t("layer", lang))}</th>'
            f'<th>{_e(t("head", lang))}</th><th>{_e(t("mean", lang))}</th><th>{_e(t("corpus_std", lang))}</th>'
            f'<th>{_e(t("corpus_quartiles", lang))}</th><th>{_e(t("corpus_share", lang))}</th></tr>')
    body = "".join(
        f'<tr><td class="l">{_e(t("role_" + r.role, lang))}</td><td>{r.layer}</td><td>{r.head}</td>'
        f"<td>{_f(r.mean)}</td><td>{_f(r.std)}</td><td>{_f(r.q25)} – {_f(r.q75)}</td><td>{r.share:.0%}</td></tr>"
        for r in summary.roles)
    return f"<table>{head}{body}</table>"


def _scores(summary: CorpusSummary, lang: str) -> str:
    cols = ("mean", "corpus_std", "q05", "q50", "q95")
    head = (f'<tr><th class="l">{_e(t("score", lang))}</th><th>{_e(t("layer", lang))}</th>'
            f'<th>{_e(t("head", lang))}</th>'
            + "".join(f"<th>{_e(t(c, lang)) if c in ('mean', 'corpus_std') else c[1:] + ' %'}</th>" for c in cols)
            + "</tr>")
    rows = []
    for name in SCORES:
        st = summary.stats[name]
        label = score_label(name, lang)
        order = np.argsort(-np.nan_to_num(st["mean"], nan=-np.inf), axis=None, kind="stable")[:TOP_PER_SCORE]
        for flat in order:
            layer, h = np.unravel_index(flat, st["mean"].shape)
            values = [st[k][layer, h] for k in ("mean", "std", "q05", "q50", "q95")]
            rows.append(f'<tr><td class="l">{_e(label)}</td><td>{layer}</td><td>{h}</td>'
                        + "".join(f"<td>{_f(v)}</td>" for v in values) + "</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def render_summary_page(summary: CorpusSummary, lang: str = "ja") -> str:
    """The summary page as an HTML string (see the module docstring)."""
    check_lang(lang)
    tot = summary.totals
    title = t("corpus_page_title", lang, model=summary.model)
    header = t("corpus_header", lang, model=summary.model, scored=f"{tot['scored']:,}", tokens=f"{tot['tokens']:,}",
               n_layers=summary.n_layers, n_heads=summary.n_heads)
    note = ""
    if summary.parts_done < summary.parts:
        note = f'<p class="note">{_e(t("corpus_incomplete", lang, done=summary.parts_done, parts=summary.parts))}</p>'
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n<p>{_e(header)}</p>\n<p><code>{_e(summary.input)}</code></p>\n{note}\n"
        f"{_counts(summary, lang)}\n"
        f'<img alt="{_e(t("corpus_means_title", lang, model=summary.model, n=tot["scored"]))}" '
        f'src="data:image/png;base64,{_figure_png(summary, lang)}">\n'
        f"<h2>{_e(t('corpus_roles_title', lang))}</h2>\n{_roles(summary, lang)}\n"
        f"<p>{_e(t('corpus_probe_note', lang, model=summary.model))}</p>\n"
        f"<h2>{_e(t('corpus_scores_title', lang))}</h2>\n{_scores(summary, lang)}\n"
        "</body>\n</html>\n"
    )
