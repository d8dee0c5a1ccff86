"""`attnlab text` on long inputs: above SUMMARY_ROWS rows the table is summarized (the strongest rows,
where each row's largest weight goes, how many rows are focused, how many were left out and how to
see them); `--all` prints every row; the JSON is unchanged. Every sentence of the summary is
recomputed here from the trace's weights, on several inputs and in both languages."""

from __future__ import annotations

import json
import re

import pytest
import torch

from attnlab.analysis.words import word_pattern
from attnlab.cli import main
from attnlab.cli.options import SUMMARY_ROWS as CLI_SUMMARY_ROWS
from attnlab.i18n import t
from attnlab.reporting import STRONGEST_ROWS, SUMMARY_ROWS, rows_or_summary, top_table
from attnlab.toy import run_toy


def expected_summary(labels: list[str], w: torch.Tensor, unit: str, lang: str) -> dict:
    """What the summary must say, computed row by row in plain Python from the weights w [q, k]."""
    rows = w.tolist()
    n = len(rows)
    best = [row.index(max(row)) for row in rows]  # the first largest key, as torch.max picks it
    where = {"first": 0, "itself": 0, "previous": 0, "other": 0}
    for q, k in enumerate(best):
        where["first" if k == 0 else "itself" if k == q else "previous" if k == q - 1 else "other"] += 1
    strongest = sorted(range(n), key=lambda q: (-max(rows[q]), q))[:STRONGEST_ROWS]
    focused = sum(max(row) >= 0.5 for row in rows)
    return {
        "strongest": t("rows_strongest", lang, k=len(strongest), n=f"{n:,}"),
        "rows": [(labels[q], sorted(rows[q], reverse=True)) for q in strongest],
        "where": t("rows_where", lang, unit=unit, **{k: f"{v:,}" for k, v in where.items()}),
        "focused": t("rows_focused", lang, focused=f"{focused:,}", n=f"{n:,}", unit=unit),
        "left": t("rows_left_out", lang, left=f"{n - len(strongest):,}"),
    }


def check_summary(printed: str, labels: list[str], w: torch.Tensor, *, top: int, unit: str, lang: str) -> None:
    """The printed summary (after its header lines, before the reading) is what `expected_summary` computes."""
    want = expected_summary(labels, w, unit, lang)
    lines = printed.splitlines()
    at = lines.index(want["strongest"])
    shown = lines[at + 1 : at + 1 + len(want["rows"])]
    for line, (label, ranked) in zip(shown, want["rows"], strict=True):
        head, _, picks = line.partition(" -> ")
        assert head.strip() == label, line
        picks = re.sub(r" [\[［][^\]］]*[\]］]", "", picks.split("  ")[0])  # the weights, without [uniform] and ≈
        weights = re.findall(r"(\d+\.\d\d)(?=, |$)", picks)
        assert weights == [f"{v:.2f}" for v in ranked[:top] if v > 0], line
    end = at + 1 + len(shown)
    assert lines[end : end + 3] == [want["where"], want["focused"], want["left"]]
    assert lines[end + 3 :] == [] or lines[end + 3] == ""  # then the reading, after a blank line


TOYS = [  # (options, layer 0 head): long enough to be summarized, causal and not, one head and the mean
    ({"tokens": [f"t{i}" for i in range(60)], "heads": 2, "causal": True}, 1),
    ({"tokens": [f"w{i}" for i in range(45)], "d_model": 8, "seed": 3}, 0),
    ({"tokens": [f"x{i}" for i in range(41)], "heads": 2, "temperature": 0.3}, None),
]


@pytest.mark.parametrize(("options", "head"), TOYS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_sentence_is_recomputed_from_the_weights(options, head, lang):
    trace = run_toy(**options)
    printed = rows_or_summary(trace, 0, head, 3, lang=lang)
    table = top_table(trace, 0, head, lang=lang).splitlines()
    assert printed.splitlines()[:2] == table[:2]  # the same header and note on [ ]
    rows = {" ".join(line.split()) for line in table[2:]}
    assert all(" ".join(line.split()) in rows for line in printed.splitlines()[3:3 + STRONGEST_ROWS])  # as printed
    check_summary(printed, trace.position_labels(), trace.pattern(0, head), top=3, unit=t("token", lang), lang=lang)


def test_up_to_the_limit_every_row_and_all_rows_on_request():
    short = run_toy(tokens=[f"t{i}" for i in range(SUMMARY_ROWS)])
    assert rows_or_summary(short, 0, 0, lang="en") == top_table(short, 0, 0, lang="en")
    long = run_toy(tokens=[f"t{i}" for i in range(SUMMARY_ROWS + 1)])
    full = rows_or_summary(long, 0, 0, lang="en", all_rows=True)
    assert full == top_table(long, 0, 0, lang="en") and len(full.splitlines()) == 2 + SUMMARY_ROWS + 1
    assert len(rows_or_summary(long, 0, 0, lang="en").splitlines()) == 2 + 1 + STRONGEST_ROWS + 3


def test_the_cli_help_names_the_library_limit():
    """cli.options repeats the limit (its module must not import torch): the two agree."""
    assert CLI_SUMMARY_ROWS == SUMMARY_ROWS


@pytest.fixture
def no_figures(monkeypatch):
    """The printout is under test, not the figures (a SmolLM2 grid takes many seconds to draw)."""
    import attnlab.views

    monkeypatch.setattr(attnlab.views, "figures_for", lambda trace, opts=None: {})


LONG_EN = " ".join(["the attention of a model is a map over tokens where each query row sums to one"] * 6)


@pytest.mark.model
@pytest.mark.parametrize(("argv", "lang"), [
    (["--model", "minilm", "--layer", "2", "--head", "5", "--lang", "en"], "en"),
    (["--model", "smollm2", "--layer", "3", "--head", "2", "--top", "2"], "ja"),
])
def test_text_summarizes_a_long_input_and_all_prints_every_row(argv, lang, capsys, tmp_path, no_figures):
    out_dir = ["--out", str(tmp_path)]
    assert main(["text", LONG_EN, *argv, *out_dir]) == 0
    printed = capsys.readouterr().out
    code = main(["text", LONG_EN, *argv, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and len(data["tokens"]) > SUMMARY_ROWS
    from attnlab.models.api import run_text

    model, layer, head = argv[1], int(argv[3]), int(argv[5])
    top = int(argv[argv.index("--top") + 1]) if "--top" in argv else 3
    trace = run_text(LONG_EN, model)
    w = trace.pattern(layer, head)
    torch.testing.assert_close(torch.tensor(data["weights"]), w, rtol=0, atol=1e-7)  # the JSON: every weight
    check_summary(printed, trace.position_labels(), w, top=top, unit=t("token", lang), lang=lang)
    assert main(["text", LONG_EN, *argv, *out_dir, "--all"]) == 0
    every = capsys.readouterr().out
    assert sum(bool(re.match(r"  \d+ .* -> ", line)) for line in every.splitlines()) == trace.n_tokens


@pytest.mark.model
def test_words_are_summarized_per_word(capsys, tmp_path, no_figures):
    text = " ".join(["Tokenization is unbelievably interesting and remarkably well documented"] * 6)
    assert main(["text", text, "--words", "--layer", "1", "--head", "0", "--lang", "en", "--out", str(tmp_path)]) == 0
    from attnlab.models.api import run_text

    trace = run_text(text, "minilm")
    w, texts = word_pattern(trace, 1, 0)
    labels = [f"{i} {word}" for i, word in enumerate(texts)]
    check_summary(capsys.readouterr().out, labels, w, top=3, unit=t("word", "en"), lang="en")
