"""The one ja/en vocabulary: printouts, figures, pages, explanations, CLI messages and errors.

`t(key, lang, **fields)` formats one string; Japanese is the default, as in the tutorial. One word
per concept in each language (docs/architecture.md, "A string"; tested in tests/test_i18n.py):
クエリ（注目側） is the attending token, キー（参照側） the attended one, バリュー the vector a
weight mixes; スコア is the number before the softmax, 重み the one after; トークン (never ピース)
and ステップ (never 手順); Japanese sentences in です・ます. Both languages hold the same keys
(tested), and the page script reads its labels from here too (`page_labels`: the keys its JS uses).

Errors in the user's language: `tr_error(ErrorClass, "err_key", fix="fix_key", **fields)` makes an
AttnlabError whose message is a `Msg` (an i18n key and its fields) and, optionally, advice that
depends on where the user is: `fix_key_cli` (a flag), `fix_key_python` (a keyword), `fix_key_app` (a
control of the web app), else `fix_key` itself. `error_text(e, lang, surface)` renders it; str(e) is
the English text with the generic advice, or the language `set_error_lang` chose (a notebook), with
the Python advice. Errors made without a key print their English text everywhere. The error strings
are `errors_text.ERROR_STRINGS` and the lesson's `lesson_text.LESSON_STRINGS`, merged into STRINGS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import AttnlabError
from .errors_text import ERROR_STRINGS
from .lesson_text import LESSON_STRINGS
from .numtext import wrap_field
from .server_words import SERVER_STRINGS
from .steps_words import STEPS_STRINGS
from .why_words import WHY_STRINGS

LANGS = ("ja", "en")

STRINGS: dict[str, dict[str, str]] = {
    # concepts: one word each, everywhere ----------------------------------------------------------
    "query": {"ja": "クエリ（注目側）", "en": "Query (attending)"},
    "key": {"ja": "キー（参照側）", "en": "Key (attended)"},
    "score": {"ja": "スコア", "en": "score"},
    "weight": {"ja": "重み", "en": "weight"},
    "layer": {"ja": "層", "en": "Layer"},
    "head": {"ja": "ヘッド", "en": "Head"},
    "head_n": {"ja": "ヘッド {h}", "en": "head {h}"},
    "layer_n": {"ja": "層 {layer}", "en": "layer {layer}"},
    "mean": {"ja": "平均", "en": "mean"},
    "mean_of_heads": {"ja": "全ヘッドの平均", "en": "mean of the heads"},
    "token": {"ja": "トークン", "en": "token"},
    "tokens": {"ja": "トークン", "en": "tokens"},
    "word": {"ja": "単語", "en": "word"},
    "masked": {"ja": "マスク（見えない位置）", "en": "masked (not visible)"},
    "mask": {"ja": "マスク", "en": "mask"},
    "temperature": {"ja": "温度", "en": "temperature"},
    "output": {"ja": "出力", "en": "output"},
    # the tutorial's printout (the ja labels are the tutorial's own) ----------------------------
    "shape": {"ja": "入力ベクトル形状:", "en": "Input shape:"},
    "scores_title": {"ja": "Attentionスコア:", "en": "Attention scores:"},
    "weights_title": {"ja": "Attention重み:", "en": "Attention weights:"},
    "output_title": {"ja": "出力ベクトル:", "en": "Output vectors:"},
    "values_title": {"ja": "バリュー V:", "en": "Values V:"},
    "truncated": {
        "ja": "（先頭の {shown}/{total} 列だけを表示しています。全体は --format json で見られます）",
        "en": "(first {shown} of {total} columns shown; --format json prints all)",
    },
    # figures ------------------------------------------------------------------------------------
    "title_weights": {"ja": "Self-Attention の重み行列", "en": "Self-Attention Weight Matrix"},
    "title_x": {"ja": "入力埋め込み x", "en": "Input token embeddings (x)"},
    "title_scores": {"ja": "スコア QKᵀ/√d（softmax の前）", "en": "Raw Attention Scores (QK^T / sqrt(d))"},
    "title_scores_masked": {
        "ja": "スコア QKᵀ/√d（灰色: マスクで −∞）",
        "en": "Raw Attention Scores (QK^T / sqrt(d)); grey: masked, −inf",
    },
    "title_scaled": {"ja": "スコア ÷ 温度 {T:g}", "en": "Scores / temperature {T:g}"},
    "title_norm": {"ja": "重み = softmax(スコア)", "en": "Normalized Attention Weights"},
    "title_norm_t": {"ja": "重み = softmax(スコア ÷ {T:g})", "en": "Attention Weights = softmax(scores / {T:g})"},
    "title_out": {"ja": "出力 = 重み × バリュー V", "en": "Output representations"},
    "title_q": {"ja": "クエリ Q = x W_Q", "en": "Queries Q = x W_Q"},
    "title_k": {"ja": "キー K = x W_K", "en": "Keys K = x W_K"},
    "title_v": {"ja": "バリュー V = x W_V", "en": "Values V = x W_V"},
    "title_seed": {"ja": "seed {seed}", "en": "seed {seed}"},
    "title_seeds": {"ja": "同じ入力 x、異なる seed の重み", "en": "The same input x under different seeds"},
    "title_heads": {"ja": "ヘッドごとの重み（{heads} ヘッド）", "en": "Weights per head ({heads} heads)"},
    "title_head_map": {"ja": "{model}: {layer}、{which}", "en": "{model}: {layer}, {which}"},
    "title_grid": {"ja": "{model}: 全層・全ヘッド（{n} トークン）", "en": "{model}: every layer and head ({n} tokens)"},
    "title_layer_means": {"ja": "{model}: 層ごとの全ヘッド平均", "en": "{model}: mean over heads, per layer"},
    "key_pos_axis": {"ja": "キー（参照側） k_pos", "en": "Key (attended) k_pos"},
    "query_pos_axis": {"ja": "クエリ（注目側） q_pos", "en": "Query (attending) q_pos"},
    "masked_legend": {"ja": "灰色 = マスクで隠された位置", "en": "grey = hidden by the mask"},
    "temperature_legend": {
        "ja": "温度 {T:g}: 重み = softmax(スコア ÷ {T:g})",
        "en": "temperature {T:g}: weights = softmax(scores / {T:g})",
    },
    "scale_fixed": {"ja": "色: 0〜1 固定", "en": "colour: fixed 0-1"},
    "scale_auto": {"ja": "色: 自動 {lo:.2f}〜{hi:.2f}", "en": "colour: auto {lo:.2f}-{hi:.2f}"},
    "colorbar_weight": {"ja": "重み（{scale}）", "en": "weight ({scale})"},
    "scale_each": {"ja": "色: 図ごとに自動", "en": "colour: auto, each map its own"},
    # command line -------------------------------------------------------------------------------
    "figures_written": {"ja": "図を保存しました", "en": "figures written"},
    "pooled_cells": {
        "ja": "1 マス = {b}x{b} トークンの重みの最大値",
        "en": "one cell = the largest weight of {b} x {b} tokens",
    },
    "figures_left_out": {
        "ja": "{n} トークンなので、全層・全ヘッドの図（grid と layer-means）は省きました（{limit} トークンまで）: "
              "{maps} 個のヘッドの {n}x{n} の重みを全部計算すると数分かかります。ページのモデルビューか "
              "attnlab serve で見られます。",
        "en": "the layer x head grid and the layer means were left out at {n} tokens (drawn up to {limit}): "
              "they need all {maps} heads' {n}x{n} maps, minutes of work; see the page's model view or "
              "attnlab serve.",
    },
    "page_written": {"ja": "ページを保存しました", "en": "page written"},
    "text_cut": {
        "ja": "末尾の {n} トークンを切り捨てました: {model} が受け付けるのは最大 {limit} トークンです",
        "en": "cut the last {n} tokens: {model} accepts at most {limit}",
    },
    "top_header": {
        "ja": "{model}: {layer}、{which}（{n_layers} 層 x {n_heads} ヘッド、kv ヘッド {n_kv}） — "
              "{unit} → 最も注目する先",
        "en": "{model}: {layer}, {which} ({n_layers} layers x {n_heads} heads, {n_kv} kv heads); "
              "{unit} -> most attended",
    },
    "top_baseline_note": {
        "ja": "（［ ］内は、重みが一様なときの値です。行全体が一様なときとほぼ同じ（全変動距離 {at:.2f} 未満）なら"
              "「≈ 一様」と書きます）",
        "en": "([ ]: the weight a uniform row would give. \"≈ uniform\": the row is within total variation "
              "{at:.2f} of that uniform row)",
    },
    "top_uniform_row": {"ja": "［一様なら {u:.2f}］", "en": "[uniform: {u:.2f}]"},
    "top_uniform_key": {"ja": "［{u:.2f}］", "en": "[{u:.2f}]"},
    "top_near_uniform": {"ja": "≈ 一様（差 {d:.2f}）", "en": "≈ uniform (off by {d:.2f})"},
    "generated_from": {
        "ja": "{start} 番目以降の{unit}（* 印）は、モデルが生成したトークンです",
        "en": "{unit}s from {start} on (marked *) were generated by the model",
    },
    "demo_step4": {
        "ja": "ステップ 4: 本物の文を本物のモデルへ (all-MiniLM-L6-v2、最終層、全ヘッド平均)",
        "en": "Step 4: a real sentence through a real model (all-MiniLM-L6-v2, last layer, mean of the heads)",
    },
    "demo_note": {
        "ja": "注: チュートリアルの「Tokyo は自分自身に強く注目」といった読み方は説明用の例で、"
              "このコードの出力ではありません。実際の数値の読み方は上の「読み取れること」を見てください。",
        "en": "Note: the tutorial's readings (\"Tokyo attends strongly to itself\", ...) are illustrative "
              "examples, not this code's output; what the actual numbers show is under "
              "\"What the numbers show\" above.",
    },
    # explanations of the toy (attnlab.analysis.explain, attnlab.analysis.contrast) ---------------
    "explain_title": {"ja": "読み取れること:", "en": "What the numbers show:"},
    "measures": {
        "ja": "（最大の重み = その行でいちばん大きい重み。均等度 = 行のエントロピー ÷ log n、n は見えるキーの数: "
              "1 なら完全に一様、0 なら重みがすべて 1 つのキーに。均等度 {u:g} 以上を「ほぼ一様」、"
              "それ以外で最大の重みが {half:g} 以上を「半分以上が 1 つのキーに」と呼びます）",
        "en": "(max weight = the largest weight in the row. Evenness = the row's entropy / log n, n = the keys it "
              "may see: 1 is exactly uniform, 0 is one key only. Evenness {u:g} or more is called \"nearly "
              "uniform\"; otherwise a max weight of {half:g} or more is \"at least half on one key\")",
    },
    "row_only_line": {
        "ja": "- {q}: 因果マスクで自分しか見えないので、重みは自分に 1",
        "en": "- {q}: the causal mask lets it see only itself, so its one weight is 1",
    },
    "row_uniform": {"ja": "ほぼ一様", "en": "nearly uniform"},
    "row_half": {"ja": "半分以上が「{k}」に", "en": "at least half on \"{k}\""},
    "row_shared": {"ja": "いくつかのキーに分かれる", "en": "shared among several keys"},
    "row_line": {
        "ja": "- {q} → {k}: 最大の重み {w:.2f}（一様なら {u:.2f}）、均等度 {e:.2f} → {kind}。",
        "en": "- {q} -> {k}: max weight {w:.2f} (uniform: {u:.2f}), evenness {e:.2f} -> {kind}.",
    },
    "row_range": {
        "ja": "{which}の差は最大 {r} なので、重みの比は最大 e^{r} = {ratio} 倍です。",
        "en": " Its {which} differ by at most {r}, so no weight is more than e^{r} = {ratio}x another.",
    },
    "row_counts": {
        "ja": "{n} 行の内訳: ほぼ一様 {uniform} 行、半分以上が 1 つのキーに {half} 行、"
              "いくつかのキーに分かれる {shared} 行。",
        "en": "Of {n} rows: {uniform} nearly uniform, {half} at least half on one key, {shared} shared.",
    },
    "row_counts_seen": {
        "ja": "自分しか見えない行を除く {n} 行の内訳: ほぼ一様 {uniform} 行、半分以上が 1 つのキーに {half} 行、"
              "いくつかのキーに分かれる {shared} 行。",
        "en": "Of the {n} rows that see more than one key: {uniform} nearly uniform, {half} at least half on one "
              "key, {shared} shared.",
    },
    "range_of_scores": {"ja": "スコア", "en": "scores"},
    "range_of_scaled": {"ja": "スコア ÷ 温度 {T:g} ", "en": "scores divided by T = {T:g}"},
    "why_flat": {
        "ja": "どの行も平らなのは、行の中の{which}の差が {lo:.2f}〜{hi} と小さいからです: "
              "softmax は差 r を重みの比 e^r に変えるので、どの重みも同じ行の他の重みの "
              "e^{hi} = {ratio} 倍を超えません。",
        "en": " Every row is flat because within each row the {which} differ by only {lo:.2f} to {hi}: "
              "softmax turns a difference r into a weight ratio e^r, so no weight is more than "
              "e^{hi} = {ratio}x another in its row.",
    },
    "why_rows": {
        "ja": "行が鋭いか平らかを決めるのは、その行の{which}の差 r です（重みの比は最大 e^r 倍）。"
              "ここでは r = {lo:.2f}〜{hi} です。",
        "en": " What makes a row sharp or flat is the range r of its {which} (weights differ by at most e^r "
              "times); here r runs from {lo:.2f} to {hi}.",
    },
    "seed_n": {"ja": "seed {seed} で生成", "en": "drawn with seed {seed}"},
    "seed_none": {"ja": "seed なしで毎回違う乱数", "en": "fresh draws, no seed"},
    "random_caveat": {
        "ja": "注意: W_Q・W_K・W_V は学習していない乱数です（{which}）。どの行がどのキーに重みを置くかは乱数の"
              "引き方で決まり、トークンの意味とは関係ありません。これは鋭い行にも平らな行にも当てはまります。",
        "en": "Note: W_Q, W_K and W_V are random draws, not trained ({which}). Which key a row favours is decided "
              "by the draw, not by what the tokens mean; that holds for sharp rows and flat rows alike.",
    },
    "list_sep": {"ja": "、", "en": ", "},
    "arrow": {"ja": "→", "en": "->"},
    "and_more": {"ja": " ほか {n} 行", "en": " and {n} more rows"},
    "and_more_rows": {"ja": "（ほか {n} 行）", "en": "({n} more rows)"},
    "from_to": {"ja": "{q} → {k} {a:.2f} → {b:.2f}", "en": "{q} -> {k} {a:.2f} -> {b:.2f}"},
    "temp_effect": {
        "ja": "温度 T = {T:g} の効果: 表のスコアは温度で割る前の値で、softmax には s/T（s はスコア）が入ります。"
              "そのため行の中のスコアの差はすべて 1/T = {f:.2f} 倍になります。"
              "T = 1 のときと比べた各行の最大の重みは、{rows} です。",
        "en": "Temperature T = {T:g}: the printed scores are before the temperature, and softmax takes s/T, "
              "so every score difference within a row is multiplied by 1/T = {f:.2f}. Each row's largest "
              "weight, at T = 1 -> at T = {T:g}: {rows}.",
    },
    "temp_kept": {
        "ja": "変わらないもの: どの行でもキーの重みの順位は同じです（e^(s/T) は s の大小を保つため）。",
        "en": " What did not change: every row ranks its keys in the same order (e^(s/T) keeps the order of s).",
    },
    "temp_not_kept": {
        "ja": "T = 1 のときとキーの順位が入れ替わった行があります（数値誤差を超える差）。",
        "en": " Some rows rank their keys the other way round from T = 1 (beyond rounding).",
    },
    "temp_tied": {
        "ja": "ただし T = 1 では差があった重みのうち {n} 組は、この温度では float32 で同じ値"
              "（0 か 1 に丸められた値）になっています。スコアの順位はそのままです。",
        "en": " But {n} pairs of weights that differ at T = 1 are equal at this temperature in float32 (rounded "
              "to 0 or to 1); the order of their scores stays.",
    },
    "mask_effect": {
        "ja": "因果マスクの効果: 各行は自分より後ろのトークン（キー）を見られず、{n} 個のセルが隠されます（表の —: "
              "スコア −∞、重み 0）。",
        "en": "The causal mask: each row cannot see the keys after it, so {n} cells are hidden (— in the "
              "tables: score −inf, weight 0).",
    },
    "mask_example": {
        "ja": "たとえば「{q}」の行は、マスクなし → ありで {pairs} です。「{k0}」と「{k1}」の重みの比は、どちらでも "
              "e^{gap} = {ratio} です（スコアの差 ÷ 温度 = {gap}）。",
        "en": " For example the row of \"{q}\", without -> with the mask: {pairs}. The weight of \"{k0}\" is "
              "e^{gap} = {ratio} times that of \"{k1}\" in both (their score difference / T = {gap}).",
    },
    "mask_kept": {
        "ja": "変わらないもの: 見えるキーどうしの重みの比です。"
              "隠されたキーの分が、見えるキーに同じ比率で配り直されるだけです。",
        "en": " What did not change: the ratios among the visible keys; the hidden keys' share is handed out to "
              "the visible ones in proportion.",
    },
    "mask_not_kept": {
        "ja": "見えるキーどうしの比が変わった行があります（数値誤差を超える差）。",
        "en": " Some rows changed the ratios among visible keys (beyond rounding).",
    },
    "heads_title": {
        "ja": "ヘッドの比較（各行で最大の重みを受けるキー）:",
        "en": "The heads compared (the key with each row's largest weight):",
    },
    "head_top": {"ja": "ヘッド {h} → {k} {w:.2f}", "en": "head {h} -> {k} {w:.2f}"},
    "mean_top": {"ja": "平均 → {k} {w:.2f}", "en": "mean -> {k} {w:.2f}"},
    "heads_summary": {
        "ja": "すべてのヘッドが同じキーを最大にする行は {n} 行中 {agree} 行です。"
              "各行の最大の重みを行について平均すると、ヘッドごとに {heads}、全ヘッドの平均の重みでは {mean:.2f} です。"
              "平均の重みのこの値は、ヘッドの値の平均 {avg:.2f} を超えません"
              "（どの行でも、平均した重みの最大はヘッドごとの最大の平均以下です）。",
        "en": "Every head picks the same top key in {agree} of {n} rows. The rows' largest weight averages {heads} "
              "per head and {mean:.2f} in the mean of the heads, which never exceeds the heads' average, {avg:.2f} "
              "(in every row, the largest weight of the mean is at most the mean of the heads' largest weights).",
    },
    "heads_mean_sharper": {
        "ja": "ただし、ヘッド {heads} よりは平均のほうが鋭く、平均すれば行が平らになるとは限りません。",
        "en": " Still, the mean is sharper than head(s) {heads}: averaging does not flatten every head.",
    },
    "seeds_title": {
        "ja": "seed の比較（同じ x で W_Q・W_K・W_V だけが違う。各行で最大の重みを受けるキー）:",
        "en": "The seeds compared (the same x, only W_Q, W_K, W_V differ; the key with each row's largest weight):",
    },
    "row_top": {"ja": "{q} → {k} {w:.2f}", "en": "{q} -> {k} {w:.2f}"},
    "seed_line": {
        "ja": "- seed {seed}: {rows}（最大の重みの平均 {m:.2f}）",
        "en": "- seed {seed}: {rows} (largest weights average {m:.2f})",
    },
    "seeds_summary": {
        "ja": "変わったもの: 最大の重みを受けるキーが seed によって違う行は {n} 行中 {changed} 行、最大の重みの平均は "
              "{lo:.2f}〜{hi:.2f} です。変わらないもの: x とトークンです。"
              "どの seed の重みも乱数で、学習したものではありません。",
        "en": "What changed: the top key differs between seeds in {changed} of {n} rows, and the largest "
              "weights average {lo:.2f} to {hi:.2f}. What did not: x and the tokens. Every seed's weights are "
              "random draws, none is trained.",
    },
    "masked_cells": {
        "ja": "— = マスクで隠された位置（スコア −∞、重み 0）",
        "en": "— = hidden by the mask (score −inf, weight 0)",
    },
    "scores_before_t": {
        "ja": "Attentionスコア（温度 {T:g} で割る前）:",
        "en": "Attention scores (before dividing by the temperature {T:g}):",
    },
    # readings of real models (attnlab.analysis.readings) ------------------------------------------
    "read_title": {"ja": "読み取れること（{layer}、{which}）:", "en": "What this head shows ({layer}, {which}):"},
    "read_first": {
        "ja": "先頭のトークン「{tok}」への重みは平均 {w:.2f} で（行 1〜N−1 の平均。{at:g} 以上なので"
              "「アテンション・シンク」です。attnlab heads と同じ定義です）、"
              "{n} 行中 {top} 行で最大の重みを受けています。"
              "アテンション・シンクは、ヘッドに特に見る先がないときの重みの置き場所で、"
              "「{tok}」が重要だという意味ではありません。",
        "en": "The first token \"{tok}\" gets a mean weight of {w:.2f} (rows 1 to N-1; {at:g} or more makes an "
              "attention sink, as attnlab heads defines it) and the largest weight in {top} of {n} rows. An "
              "attention sink is where a head puts its weight when nothing in particular matters to it; it does "
              "not mean that \"{tok}\" is important.",
    },
    "read_first_top": {
        "ja": "先頭のトークン「{tok}」が {n} 行中 {top} 行で最大の重みを受けていますが、重みの平均は {w:.2f} で "
              "{at:g} 未満なので、アテンション・シンクには数えません。",
        "en": "The first token \"{tok}\" takes the largest weight in {top} of {n} rows, but its mean weight, "
              "{w:.2f}, is under {at:g}: not counted as an attention sink.",
    },
    "read_first_valued": {
        "ja": "バリューの大きさ ‖v‖ で重みづけすると、先頭の取り分は平均 {w:.2f} → {v:.2f} になります"
              "（先頭の ‖v‖ は {n0:.2f}、ほかのトークンの ‖v‖ は平均 {n1:.2f}）。",
        "en": " Weighted by the size of the value vectors (‖v‖), the first token's share goes from {w:.2f} to "
              "{v:.2f} on average (‖v‖ of the first token {n0:.2f}, of the others {n1:.2f} on average).",
    },
    "read_first_still": {
        "ja": "重みがほとんど先頭に集まっているので取り分はほぼ動きませんが、出力は 重み × バリュー の和なので、"
              "このヘッドの出力の大きさを決めるのは先頭の ‖v‖ です。",
        "en": " With nearly all the weight on the first token the share hardly moves; the output is the sum of "
              "weight × value vector, so the first token's ‖v‖ sets how much this head adds.",
    },
    "read_previous": {
        "ja": "直前のトークンが {n} 行中 {top} 行で最大の重みを受けています（平均 {w:.2f}）: "
              "各トークンが 1 つ前を見る「前トークン型」です。",
        "en": "The previous token takes the largest weight in {top} of {n} rows (mean {w:.2f}): a previous-token "
              "pattern, each token looking one step back.",
    },
    "read_previous_skipped": {
        "ja": "（文字の続きのトークン {k} 行は数えていません。下の「文字の組み立て」を見てください）",
        "en": " ({k} rows that continue a character are not counted: see the characters below.)",
    },
    "read_self": {
        "ja": "トークン自身が {n} 行中 {top} 行で最大の重みを受けています（平均 {w:.2f}）: 自分を見る型です。",
        "en": "Each token itself takes the largest weight in {top} of {n} rows (mean {w:.2f}): a self pattern.",
    },
    "read_next": {
        "ja": "直後のトークンが {n} 行中 {top} 行で最大の重みを受けています（平均 {w:.2f}）: "
              "1 つ後ろを見る型です（エンコーダは前後の両方を見られます）。",
        "en": "The next token takes the largest weight in {top} of {n} rows (mean {w:.2f}): a next-token pattern "
              "(an encoder sees both sides).",
    },
    "read_none": {
        "ja": "先頭・直前・自分・直後のどれも、半分以上の行で最大にはなっていません"
              "（各行の最大の重みの平均 {m:.2f}）。",
        "en": "None of first, previous, self or next takes the largest weight in half the rows (the rows' "
              "largest weights average {m:.2f}).",
    },
    "read_char": {
        "ja": "文字の組み立て: 2 つ以上のトークンに分かれた文字が {n} 個あります。文字の続きのトークン {rows} 行のうち "
              "{top} 行で、最大の重みが同じ文字の前のトークンにあります（同じ文字の他のトークンへの重みの平均 {w:.2f}、"
              "一様なら {u:.2f}）。これは文字を組み立てる動きなので、直前トークンの型には数えていません。",
        "en": "Assembling characters: {n} characters are split over two tokens or more. In {top} of the {rows} "
              "rows that continue a character, the largest weight stays inside that character (mean weight on "
              "its other tokens {w:.2f}; uniform: {u:.2f}). This assembles the character, so it is not counted "
              "as a previous-token pattern.",
    },
    "read_word": {
        "ja": "複数のトークンに分かれた単語（{n} 語）: 各トークン（文字の続きを除く {rows} 行）が同じ単語の他の"
              "トークンに置く重みは平均 {w:.2f} です（一様なら {u:.2f}）。",
        "en": "Words split into several tokens ({n}): each token ({rows} rows, characters' continuations left out) "
              "puts {w:.2f} on the other tokens of its word on average (uniform: {u:.2f}).",
    },
    "read_not_influence": {
        "ja": "注意: 重みは「どこを見たか」であって、そのトークンが出力にどれだけ効いたかではありません。"
              "出力は 重み × バリュー の和なので、バリューが小さいトークンは重みが大きくても出力にあまり効きません。",
        "en": "Note: a weight says where a row looks, not how much that token changes the output. The output is "
              "the sum of weight × value vector, so a token with a small value vector does little even with a "
              "large weight.",
    },
    "read_tokens_note": {
        "ja": "（表は単語単位ですが、読み取りはモデルが実際に計算したトークン単位です）",
        "en": "(the table is per word; the reading is per token, as the model computed it)",
    },
    "read_overview": {
        "ja": "このテキストの全 {n} ヘッドのうち {k} ヘッドがアテンション・シンクです（先頭のトークン「{tok}」への"
              "重みが行 1〜N−1 の平均で {at:g} 以上。attnlab heads の数え方と同じです）。",
        "en": "{k} of all {n} heads are attention sinks (mean weight on the first token \"{tok}\" over rows 1 to "
              "N-1 of {at:g} or more, as attnlab heads counts them).",
    },
    # notes on what a model made of the text (attnlab.models.notes) ------------------------------
    "note_not_as_written": {
        "ja": "{model} はこの日本語を書かれたとおりには読みません（{what}）。日本語には {readers} を使ってください。",
        "en": "{model} does not read this Japanese as written ({what}); use {readers} for Japanese.",
    },
    "note_uncased_english": {"ja": "英語用・小文字化のモデル", "en": "an English, uncased model"},
    "note_dakuten": {"ja": "濁点・半濁点を落とす: {src} → {dst}", "en": "it drops dakuten: {src} → {dst}"},
    "note_unknown": {"ja": "語彙にない文字は [UNK] に: {n} 個", "en": "text outside its vocabulary becomes [UNK]: {n}"},
    "note_changed": {"ja": "文字が変わる", "en": "characters change"},
    "note_separator": {"ja": "、", "en": "; "},
    # the head census (attnlab.analysis.census_text, plot.census) --------------------------------
    "census_header": {
        "ja": "{model}: ヘッド調査（{n_layers} 層 x {n_heads} ヘッド = {total} ヘッド）",
        "en": "{model}: head census ({n_layers} layers x {n_heads} heads = {total} heads)",
    },
    "census_on_text": {"ja": "テキスト {n} トークン", "en": "text of {n} tokens"},
    "census_no_text": {"ja": "テキストなし（プローブのみ）", "en": "no text (probe only)"},
    "census_on_probe": {
        "ja": "帰納プローブ R = {r}、seed {seed}（{n} トークン）",
        "en": "induction probe R = {r}, seed {seed} ({n} tokens)",
    },
    "census_no_probe": {"ja": "プローブなし", "en": "no probe"},
    "census_heads_past": {
        "ja": "{count} ヘッドが {rule} を満たします。強い順: {picks}",
        "en": "{count} {heads} {rule}; strongest: {picks}",
    },
    "census_none_past": {
        "ja": "しきい値（{rule}）に届くヘッドはありません（最高は L{layer} H{head} の {score}）",
        "en": "no head reaches the threshold ({rule}); best L{layer} H{head} {score}",
    },
    "census_needs_text": {"ja": "テキストがないので判定しません", "en": "not judged: needs a text"},
    "census_needs_probe": {"ja": "プローブを実行していないので判定しません", "en": "not judged: needs the probe"},
    "census_local_short": {
        "ja": "テキストが短いので判定しません（一様な重みでも平均距離が {u} で、局所との区別がつきません）",
        "en": "not judged: the text is too short (uniform weights already have mean distance {u})",
    },
    "census_one_text": {
        "ja": "役割は、このテキスト（と帰納プローブ）での値から判定したものです。同じヘッドでも、入力が変われば"
              "役割が変わることがあります（多くの文書での役割は attnlab corpus で調べられます）。",
        "en": "Roles are judged on this text (and the induction probe): the same head can take another role on "
              "another input (attnlab corpus gives roles across many documents).",
    },
    "census_prev_skipped": {
        "ja": "（直前トークンのスコアからは、文字の続きのトークン {k} 行を除いています。"
              "文字を組み立てる動きだからです）",
        "en": "(prev_token leaves out the {k} rows that continue a character: they assemble the character)",
    },
    "census_mass_title": {
        "ja": "重み ≠ 重要度（重み × バリューの大きさ、Kobayashi ら 2020）: 全層・全ヘッドの平均",
        "en": "Weight is not importance (value-weighted, Kobayashi et al. 2020): mean over layers and heads",
    },
    "census_mass_line": {
        "ja": "  {what}: 重み {w} → バリューの大きさを掛けた寄与 {vw}",
        "en": "  {what}: weight {w} -> value-weighted {vw}",
    },
    "census_first_key": {"ja": "先頭トークン {text}", "en": "first token {text}"},
    "census_last_key": {"ja": "末尾の特殊トークン {text}", "en": "last (special) token {text}"},
    "census_rollout": {
        "ja": "ロールアウト（Abnar & Zuidema 2020）: 最後のトークン {pos} {text} の由来",
        "en": "Rollout (Abnar & Zuidema 2020): where the last token {pos} {text} draws from",
    },
    "census_rollout_caveat": {
        "ja": "注意: ロールアウトは各層の全ヘッド平均の重みを掛け合わせたもので、"
              "MLP とバリューの大きさは考えていません。"
              "アテンション・シンクの多いモデル（デコーダ）では、先頭のトークンへの重みが層ごとに掛け合わされて、"
              "由来が先頭に集まります（ここでは先頭のトークンが {first}）。由来の量ではなく、先頭以外の並び方を"
              "手がかりとして読んでください。",
        "en": "Caveat: rollout multiplies each layer's head-mean weights, ignoring MLPs and the size of the value "
              "vectors. In a model with many attention sinks (decoders) the weight on the first token compounds "
              "over the layers and the rollout collapses onto it (here the first token has {first}): read the order "
              "of the other sources as a hint, not their amounts.",
    },
    # role names and one-sentence meanings
    "role_previous_token": {"ja": "直前トークン", "en": "previous-token"},
    "role_induction": {"ja": "帰納（induction）", "en": "induction"},
    "role_duplicate": {"ja": "重複トークン", "en": "duplicate-token"},
    "role_first_token_sink": {"ja": "アテンション・シンク（先頭トークン）", "en": "attention sink (first token)"},
    "role_self": {"ja": "自分自身", "en": "self"},
    "role_local": {"ja": "局所", "en": "local"},
    "role_broad": {"ja": "広く均等", "en": "broad"},
    "means_previous_token": {
        "ja": "各クエリ（注目側）がすぐ前のキー（参照側）に重みを置きます。",
        "en": "each query puts its weight on the token just before it.",
    },
    "means_induction": {
        "ja": "繰り返された列で、今のトークンが前に出たときの次のトークンに重みを置きます（続きを写す手がかりです）。",
        "en": "on a repeated sequence, attends to the token that followed the earlier copy of the current one "
              "(the cue for copying a continuation).",
    },
    "means_duplicate": {
        "ja": "繰り返された列で、同じトークンの前の出現に重みを置きます。",
        "en": "on a repeated sequence, attends to the earlier copy of the current token itself.",
    },
    "means_first_token_sink": {
        "ja": "重みの半分以上を先頭トークンに置きます"
              "（実際に運ぶ量は下の「バリューの大きさを掛けた寄与」を見てください）。",
        "en": "puts at least half of its weight on the first token (see the value-weighted share below for how "
              "much it carries).",
    },
    "means_self": {"ja": "各トークンが自分自身に重みを置きます。", "en": "each token attends to itself."},
    "means_local": {
        "ja": "重みが数トークン以内の近くに集まります。",
        "en": "keeps its weight within a few tokens of the query.",
    },
    "means_broad": {
        "ja": "見えるトークン全体にほぼ均等に重みを広げます。",
        "en": "spreads its weight almost evenly over every token it can see.",
    },
    "census_prev_token": {"ja": "直前トークン", "en": "previous token"},
    "census_self": {"ja": "自分自身", "en": "self"},
    "census_first_token": {"ja": "先頭トークン", "en": "first token"},
    "census_entropy": {"ja": "エントロピー（正規化）", "en": "entropy (normalised)"},
    "census_mean_distance": {"ja": "平均距離（トークン）", "en": "mean distance (tokens)"},
    "census_induction": {"ja": "帰納（プローブ）", "en": "induction (probe)"},
    "census_duplicate": {"ja": "重複（プローブ）", "en": "duplicate (probe)"},
    "census_atlas_title": {
        "ja": "{model}: ヘッドの地図（枠 = 役割のしきい値を超えたヘッド）",
        "en": "{model}: head atlas (outlined: past the role's threshold)",
    },
    "rollout_title": {
        "ja": "ロールアウト（層を通した注意の流れ、対数目盛）",
        "en": "Rollout (attention flow through the layers, log scale)",
    },
    "rollout_key_axis": {"ja": "キー（参照側） 入力トークン", "en": "Key (attended): input token"},
    "rollout_query_axis": {
        "ja": "クエリ（注目側） 最終層のトークン", "en": "Query (attending): token at the last layer",
    },
    "rollout_top": {"ja": "最後のトークンの由来 上位 {n}", "en": "Last token draws from, top {n}"},
    "value_weighted": {"ja": "ノルムを掛けた寄与", "en": "value-weighted"},
    "key_mass_axis": {"ja": "割合（ヘッド平均）", "en": "share (mean over heads)"},
    "key_mass_title": {
        "ja": "重み ≠ 重要度: 重みと、バリューの大きさを掛けた寄与（Kobayashi ら 2020）",
        "en": "Weight is not importance: weights vs value-weighted contributions (Kobayashi et al. 2020)",
    },
    # head effects (attnlab.analysis.effects, effects_text, plot.effects, cli.effects) ---------------
    "effects_err_encoder_logits": {
        "ja": "{model} はエンコーダーで logits がありません。--target / --position / --positions / dla は"
              "デコーダー用です（--model {decoder} を指定）。エンコーダーの目標は文の埋め込み（プーリング）です",
        "en": "{model} is an encoder: it has no logits, so --target, --position, --positions and dla need a decoder "
              "(use --model {decoder}); an encoder's target is its pooled sentence embedding",
    },
    "effects_err_short": {
        "ja": "テキストが {n} トークンしかありません。"
              "次トークンを予測するには 2 トークン以上のテキストを指定してください",
        "en": "the text is {n} token long: give at least 2 tokens so that a next token is predicted",
    },
    "effects_err_target": {
        "ja": "--target {target!r} は {model} では {n} トークン（{tokens}）です。"
              "1 トークンになる文字列を指定してください（例: 先頭の空白込みで {tokens} の最初の 1 つ）",
        "en": "--target {target!r} is {n} tokens for {model} ({tokens}): give a string that is one token "
              "(e.g. the first of them, leading space included)",
    },
    "effects_err_position": {
        "ja": "--position {position} は範囲外です。テキストは {n} トークンなので 1〜{n} を指定してください"
              "（{n} はテキストの次のトークン）",
        "en": "--position {position} is out of range: the text has {n} tokens, so give 1 to {n} "
              "({n}: the token after the text)",
    },
    "effects_err_positions": {
        "ja": "--positions の {position} は範囲外です。予測される位置 1〜{last} から選んでください",
        "en": "--positions {position} is out of range: choose predicted positions from 1 to {last}",
    },
    "effects_err_positions_format": {
        "ja": "--positions {text!r} が読めません。3,5-9 のように位置と範囲をカンマで区切って指定してください",
        "en": "--positions {text!r} cannot be read: give positions and ranges separated by commas, like 3,5-9",
    },
    "effects_err_device": {
        "ja": "--device {device!r} はここでは使えません（GPU が見つからないか、デバイス名が違います）。"
              "--device cpu を指定してください",
        "en": "--device {device!r} is not available here (no such device, or no GPU found): use --device cpu",
    },
    "effects_err_both": {
        "ja": "--target は 1 つの --position で読みます。--positions と同時には使えません（どちらか一方を指定）",
        "en": "--target is read at one --position: drop --positions (or drop --target to average the text's tokens)",
    },
    "effects_err_position_alone": {
        "ja": "--position は --target と一緒に使います（例: --target \" Mary\" --position 14）",
        "en": "--position goes with --target (e.g. --target \" Mary\" --position 14); for the text's own tokens use "
              "--positions",
    },
    "effects_err_edit": {
        "ja": "--edit {edit!r} は使えません。all（全位置）か read（読む位置だけ、デコーダーのみ）を指定してください",
        "en": "--edit {edit!r} is not available: give all (every position) or read (the read positions, decoders only)",
    },
    "effects_err_method": {
        "ja": "手法 {method!r} はありません。{methods} から選んでください",
        "en": "there is no method {method!r}: choose from {methods}",
    },
    "effects_err_patching": {
        "ja": "patching には崩したテキストが必要です: --corrupt \"同じトークン数の別の文\" を指定してください",
        "en": "patching needs a corrupted text: give --corrupt \"another text of the same token length\"",
    },
    "effects_err_encoder_attribution": {
        "ja": "{model} の埋め込みの指標 1 − cos はクリーンな実行で最小なので勾配は全ヘッドで 0 です。"
              "attribution には --corrupt を指定するか、--method zero を使ってください",
        "en": "{model}'s embedding metric 1 - cos is at its minimum on the clean run, so its gradient is 0 for "
              "every head: give --corrupt for attribution, or use --method zero",
    },
    "effects_err_corrupt_length": {
        "ja": "--corrupt は {model} で {m} トークン、テキストは {n} トークンです。"
              "同じトークン数の文を指定してください（単語を入れ替え、数は変えない）",
        "en": "--corrupt is {m} tokens but the text is {n} for {model}: give a corrupted text of the same token "
              "length (swap words, keep their count)",
    },
    "effects_err_no_difference": {
        "ja": "崩したテキストでも目標の値がほぼ変わりません（差 {gap}）。予測が変わる崩し方を選んでください",
        "en": "the corrupted text leaves the target almost unchanged (difference {gap}): nothing to recover; "
              "choose a corruption that changes the prediction",
    },
    "effects_method_zero": {"ja": "ゼロ除去", "en": "zero ablation"},
    "effects_method_zero_loss": {"ja": "ゼロ除去（Δ 損失）", "en": "zero ablation (Δ loss)"},
    "effects_method_mean": {"ja": "平均除去", "en": "mean ablation"},
    "effects_method_mean_loss": {"ja": "平均除去（Δ 損失）", "en": "mean ablation (Δ loss)"},
    "effects_method_attribution": {
        "ja": "attribution patching（線形推定）", "en": "attribution patching (linear estimate)",
    },
    "effects_method_dla": {"ja": "直接ロジット寄与（DLA）", "en": "direct logit attribution (DLA)"},
    "effects_method_patching": {"ja": "活性パッチング（回復した割合）", "en": "activation patching (share recovered)"},
    "effects_header": {
        "ja": "{model}: ヘッドの効果（{n} トークン、{layers} 層 × {heads} ヘッド）",
        "en": "{model}: head effects on {n} tokens ({layers} layers x {heads} heads)",
    },
    "effects_target_text": {
        "ja": "目標は、テキスト自身の次トークンの log p を {k} 位置（{positions}）で平均した"
              "ものです。元のテキストでは {m} です。",
        "en": "target: log p of the text's own next tokens, mean over {k} positions ({positions}); "
              "{m} on the clean text",
    },
    "effects_target_token": {
        "ja": "目標は、位置 {position}（{after} の次）が {token} になる log p で"
              "す。元のテキストでは {m} です。",
        "en": "target: log p that position {position} (after {after}) is {token}; {m} on the clean text",
    },
    "effects_target_embedding": {
        "ja": "目標は文の埋め込み（{pooling} プーリング）です。指標は元の埋め込みとの 1 − cos で"
              "す。",
        "en": "target: the sentence embedding ({pooling} pooling); the metric is 1 - cos to the clean embedding",
    },
    "effects_loss_line": {
        "ja": "テキストの損失（次トークンの平均交差エントロピー）は {loss} です。Δ 損失はこの変化です。",
        "en": "the text's loss (mean next-token cross-entropy): {loss}; Δ loss is its change",
    },
    "effects_corrupt_line": {
        "ja": "崩したテキストでの目標の log p は {c} です（元は {m}）。パッチングはこの差のうち回復"
              "した割合です。",
        "en": "the target's log p on the corrupted text: {c} (clean {m}); "
              "patching = the share of this gap recovered",
    },
    "effects_corrupt_embedding": {
        "ja": "崩したテキストの埋め込みの 1 − cos は {c} です。パッチングはこの距離のうち縮めた割合で"
              "す。",
        "en": "1 - cos of the corrupted text's embedding: {c}; patching = the share of this distance closed",
    },
    "effects_methods_line": {"ja": "手法: {methods}（{s} 秒）", "en": "methods: {methods} ({s} s)"},
    "effects_skipped": {
        "ja": "{method} は既定では実行しません（推定 約 {s} 秒 > 予算 {budget} 秒）。-"
              "-method {name} で実行できます。",
        "en": "not run by default: {method} (about {s} s estimated, over the {budget} s budget); "
              "ask with --method {name}",
    },
    "effects_top_line": {
        "ja": "{method}: |値| の大きい {k} ヘッド: {heads}", "en": "{method}: top {k} by |value|: {heads}",
    },
    "effects_title_readings": {"ja": "読み取れること", "en": "What this shows"},
    "effects_title_caveats": {"ja": "注意点", "en": "Caveats"},
    "effects_read_top": {
        "ja": "この予測に最も効くヘッドは、{method} の |値| の順に {heads} です。"
              "全 {n} ヘッドの |値| の合計のうち {share} をこれらが占めます。",
        "en": "The heads that matter most for this prediction ({method}, by |value|): {heads}; together "
              "{share} of the sum of |value| over all {n} heads.",
    },
    "effects_read_quiet_role": {
        "ja": "{role}（{score} ≥ {threshold}）の {n_strong} ヘッドのうち {n} ヘッドは、強い注意のパターンがあるのに"
              "効果が小さいです（|値| < 最大 {largest} の {small} = {limit}）。例（注意, 効果）は {examples} です。",
        "en": "{n} of the {n_strong} {role} heads ({score} >= {threshold}) barely matter despite their strong "
              "pattern (|value| < {small} of the largest, {largest}: {limit}): {examples} (attention, effect).",
    },
    "effects_read_loud_role": {
        "ja": "{role} の {n_strong} ヘッドのうち {n} ヘッドは効果も大きいです（|値| ≥ {limit}）。"
              "例（注意, 効果）は {examples} です。",
        "en": "{n} of the {n_strong} {role} heads also matter (|value| >= {limit}): {examples} (attention, effect).",
    },
    "effects_read_rank_attention": {
        "ja": "先頭トークンへの注意と {method} の |値| の順位相関（Spearman、{n} ヘッド）は ρ = {rho}: "
              "どこを見るかと何をするかは別の量です。",
        "en": "Attention to the first token and |{method}| rank the {n} heads with Spearman rho = {rho}: where a "
              "head looks and what it does are different measurements.",
    },
    "effects_caveat_one_text": {
        "ja": "1 つのテキスト（{n} トークン）での測定です。別のテキストでは違うヘッドが効くことがあります。",
        "en": "Measured on one text ({n} tokens): other texts may make other heads matter.",
    },
    "effects_caveat_small_gap": {
        "ja": "崩したテキストとの差は {gap} nat しかありません。回復した割合は小さな差に対する比なので、"
              "1 を超えたり負になったりします（最大 |値| {largest}）。",
        "en": "The clean - corrupted gap is only {gap} nats: the shares are ratios to a small difference, so "
              "they can exceed 1 or go below 0 (largest |value| {largest}).",
    },
    "effects_caveat_zero_mean": {
        "ja": "ゼロ除去と平均除去は違う問いです（順位相関 ρ = {rho}）。差が最大のヘッドは {head_n"
              "ame} です（ゼロ {zero}、平均 {mean}）。",
        "en": "Zero and mean ablation ask different questions (Spearman rho = {rho}); they differ most on "
              "{head_name} (zero {zero}, mean {mean}).",
    },
    "effects_caveat_attribution": {
        "ja": "attribution patching は線形推定です。この実行では{exact}との順位相関は "
              "ρ = {rho}、上位 {k} の一致は {overlap}/{k} です。",
        "en": "Attribution patching is a linear estimate: on this run its ranking agrees with {exact} with "
              "Spearman rho = {rho}, and {overlap} of its top {k} are in the exact top {k}.",
    },
    "effects_caveat_attribution_unchecked": {
        "ja": "attribution patching は線形推定で、この実行では{exact}と比べていません"
              "（--method で両方を指定すると相関を表示）。",
        "en": "Attribution patching is a linear estimate, not checked against {exact} on this run (ask for both "
              "with --method to see their correlation).",
    },
    "effects_caveat_dla": {
        "ja": "DLA はヘッドから logits への直接の経路だけを数えます（後の層を通る効果は含みません）。{"
              "exact}との順位相関は ρ = {rho} です。",
        "en": "DLA counts only a head's direct path to the logits, not its effect through later layers; its "
              "Spearman rho with {exact} is {rho}.",
    },
    "effects_estimate": {
        "ja": "{method}: {heads} ヘッド、{n} トークン、推定 約 {s} 秒",
        "en": "{method}: {heads} heads on {n} tokens, about {s} s estimated",
    },
    "effects_none_run": {
        "ja": "既定で実行できる手法がありません（推定時間が予算を超えます）。--method で指定してください",
        "en": "no method is cheap enough to run by default here: ask for one with --method",
    },
    "effects_atlas_title": {
        "ja": "{model}: ヘッドの効果（赤 < 0 < 青）", "en": "{model}: head effects (red < 0 < blue)",
    },
    "effects_scatter_title": {
        "ja": "注意のパターン vs 効果（1 点 = 1 ヘッド）",
        "en": "Attention pattern vs effect (one dot per head)",
    },
    "effects_scatter_x": {"ja": "注意の重み: {score}（ヘッド調査）", "en": "attention weight: {score} (census)"},
    "effects_marked": {"ja": "□ = {role}", "en": "□ = {role}"},
    "effects_err_other_trace": {
        "ja": "この効果は別のトレース（{model}、{n} トークン）で測ったもので、このトレース（{trace_model}、"
              "{trace_n} トークン）のものではありません。効果を測ったときのトレース（effects.trace）を渡してください",
        "en": "these effects were measured on another trace ({model}, {n} tokens), not this one ({trace_model}, "
              "{trace_n} tokens): pass the trace they were measured on (effects.trace)",
    },
    # the head effects tab (views/effects) and its web app form (server/routes_effects.py) -----------
    "effects": {"ja": "ヘッドの効果", "en": "Head effects"},
    "effects_method": {"ja": "効果の手法", "en": "Effect"},
    "effects_scatter_pick": {"ja": "散布図の横軸", "en": "Scatter across"},
    "effects_outline": {"ja": "枠で示す役割", "en": "Outlined role"},
    "effects_outline_none": {"ja": "なし", "en": "none"},
    "effects_hint": {
        "ja": "各マスは 1 つのヘッドです。色はそのヘッドを編集したときの効果（青 < 0 < 赤）で、枠は注意の役割"
              "（ヘッド調査）です。クリックすると、そのヘッドの重みをヒートマップで開きます。",
        "en": "Each cell is one head: its colour is the effect of editing it (blue < 0 < red), its outline an "
              "attention role (the census). Click a head to open its weights in the heatmap.",
    },
    "effects_scatter_label": {"ja": "注意と効果の散布図", "en": "attention against effect"},
    "effects_scatter_hint": {
        "ja": "1 点が 1 ヘッドで、色は層（暗いほど浅い層）です。右にあって 0 の線に近い点は、強い注意のパターン"
              "があるのに効果が小さいヘッドです。",
        "en": "One dot per head, coloured by layer (darker: earlier). A dot far right on the zero line is a head "
              "with a strong pattern that barely matters.",
    },
    "effects_rho": {"ja": "Spearman の順位相関（全 {n} ヘッド）", "en": "Spearman's rank correlation (all {n} heads)"},
    "effects_rho_pair": {"ja": "{a} と {b}: ρ = {rho}", "en": "{a} vs {b}: ρ = {rho}"},
    "effects_rho_attention": {
        "ja": "{score} への注意と |{method}|: ρ = {rho}", "en": "attention on the {score} vs |{method}|: ρ = {rho}",
    },
    "effects_table": {"ja": "すべてのヘッド", "en": "Every head"},
    "effects_table_hint": {
        "ja": "列の見出しを押すと並べ替えます（もう一度押すと逆順）。ヘッドのボタンでヒートマップを開きます。",
        "en": "Press a column's heading to sort by it (again: the other way); a head's button opens it in "
              "the heatmap.",
    },
    "effects_sort_abs": {"ja": "効果は |値| で並べる", "en": "sort effects by |value|"},
    "effects_compute": {"ja": "効果を計算する", "en": "Compute the head effects"},
    "effects_compute_hint": {
        "ja": "このテキストでの各ヘッドの効果をサーバーで測ります。モデルをもう一度実行するので、手法によって"
              "数秒から数分かかります（定義: docs/effects.md）。",
        "en": "The server measures every head's effect on this text. It runs the model again: seconds to "
              "minutes, by method (definitions: docs/effects.md).",
    },
    "effects_methods_pick": {
        "ja": "手法（選ばなければ、時間内に終わるものをすべて）",
        "en": "Methods (none ticked: every method cheap enough)",
    },
    "effects_target_input": {
        "ja": "目標トークン（任意。例: \" Mary\"。空ならテキスト自身の続き）",
        "en": "Target token (optional, e.g. \" Mary\"; empty: the text's own continuation)",
    },
    "effects_corrupt_input": {
        "ja": "崩したテキスト（任意。同じトークン数。活性パッチング用）",
        "en": "Corrupted text (optional, same token count: activation patching)",
    },
    "effects_progress": {"ja": "{method}、{done}/{heads} ヘッド", "en": "{method}, {done}/{heads} heads"},
    # the corpus census (attnlab.cli.corpus, plot.corpus, html.corpus) -------------------------------
    "corpus_done": {
        "ja": "{scored} 文書を採点しました（{tokens} トークン）。出力 {out}: {parts} パート"
              "（前回までに書いた分 {resumed}）、{seconds} 秒",
        "en": "{scored} documents scored ({tokens} tokens) into {out}: {parts} parts ({resumed} written before), "
              "{seconds} s",
    },
    "corpus_skipped": {
        "ja": "飛ばした文書: 空 {empty}、2 トークン未満 {too_short}、{max_tokens} トークン超 {too_long}"
              "（長い文書は --truncate で切り詰めて採点できます）",
        "en": "skipped: {empty} empty, {too_short} under 2 tokens, {too_long} over {max_tokens} tokens "
              "(--truncate scores long ones cut to size)",
    },
    "corpus_truncated": {
        "ja": "{n} 文書を {max_tokens} トークンに切り詰めました（切った分は計 {cut} トークン）",
        "en": "{n} documents cut to {max_tokens} tokens ({cut} tokens cut in all)",
    },
    "corpus_header": {
        "ja": "{model}: コーパスのヘッド調査（{scored} 文書、{tokens} トークン、{n_layers} 層 x {n_heads} ヘッド）",
        "en": "{model}: corpus head census ({scored} documents, {tokens} tokens, {n_layers} layers x {n_heads} heads)",
    },
    "corpus_counts": {
        "ja": "入力 {documents} 文書: 空 {empty}、2 トークン未満 {too_short}、長すぎて除外 {too_long}、"
              "切り詰め {truncated}",
        "en": "input {documents} documents: {empty} empty, {too_short} under 2 tokens, {too_long} too long "
              "(refused), {truncated} truncated",
    },
    "corpus_incomplete": {
        "ja": "実行はまだ終わっていません: {parts} パート中 {done} パートを書き込み済みです"
              "（同じコマンドをもう一度実行すると続きから始めます）",
        "en": "the run is not finished: {done} of {parts} parts written (rerun the same command to resume)",
    },
    "corpus_roles_title": {
        "ja": "役割ごとの強いヘッド（文書ごとのスコアの平均 ± 標準偏差、中央の半分、規則を満たした文書の割合）",
        "en": "Strongest heads per role (mean ± std over documents, middle half, share of documents past the rule)",
    },
    "corpus_role_line": {
        "ja": "  L{layer} H{head}: {mean} ± {std}（{q25}〜{q75}）、{share} の文書で該当",
        "en": "  L{layer} H{head}: {mean} ± {std} ({q25}-{q75}), passes on {share} of documents",
    },
    "corpus_probe_note": {
        "ja": "帰納・重複の役割は、文書ではなく帰納プローブで測ります: attnlab heads --model {model}",
        "en": "induction and duplicate roles come from the induction probe, not from documents: "
              "attnlab heads --model {model}",
    },
    "corpus_means_title": {
        "ja": "{model}: {n} 文書の平均（層 x ヘッド。枠 = 半数以上の文書で役割の規則を満たすヘッド）",
        "en": "{model}: mean over {n} documents (layers x heads; outlined: past the role's rule on at least half "
              "of them)",
    },
    "corpus_rows_max_weight": {"ja": "行の最大の重み（全行）", "en": "row's largest weight (all rows)"},
    "corpus_rows_entropy": {"ja": "行のエントロピー（nats、全行）", "en": "row entropy (nats, all rows)"},
    "corpus_rows_first_weight": {"ja": "先頭トークンへの重み（全行）", "en": "weight on the first token (all rows)"},
    "corpus_rows_mean_distance": {"ja": "平均距離（全行）", "en": "mean distance (all rows)"},
    "corpus_page_title": {"ja": "{model}: コーパスのヘッド調査", "en": "{model}: corpus head census"},
    "corpus_documents": {"ja": "入力の文書", "en": "input documents"},
    "corpus_scored": {"ja": "採点した文書", "en": "documents scored"},
    "corpus_empty": {"ja": "空（飛ばした）", "en": "empty (skipped)"},
    "corpus_too_short": {"ja": "2 トークン未満（飛ばした）", "en": "under 2 tokens (skipped)"},
    "corpus_too_long": {"ja": "長すぎる（除外）", "en": "too long (refused)"},
    "corpus_truncated_docs": {"ja": "切り詰めた文書", "en": "documents truncated"},
    "corpus_cut_tokens": {"ja": "切ったトークン", "en": "tokens cut"},
    "corpus_role": {"ja": "役割", "en": "role"},
    "corpus_share": {"ja": "該当した文書の割合", "en": "share of documents"},
    "corpus_std": {"ja": "標準偏差", "en": "std"},
    "corpus_quartiles": {"ja": "中央の半分（25〜75%）", "en": "middle half (25-75 %)"},
    "corpus_scores_title": {
        "ja": "スコアごとの分布（平均が最も大きいヘッド、文書ごとの 5 / 50 / 95 % 点）",
        "en": "Per score: the heads with the highest mean (5 / 50 / 95 % over documents)",
    },
    # errors, in the user's language (i18n.tr_error; the CLI prints them under --lang) ------------------
    "cut_number": {"ja": "{head}…{tail}（{n} 文字）", "en": "{head}...{tail} ({n} characters)"},
    "err_whole": {
        "ja": "{what} {value} は整数ではありません: {lo} から {hi} までの整数を指定してください",
        "en": "{what} {value} is not a whole number: give one from {lo} to {hi}",
    },
    "err_range": {
        "ja": "{what} {value} は範囲外です: {lo} から {hi} までの整数を指定してください",
        "en": "{what} {value} is outside {lo}..{hi}: give a whole number in that range",
    },
    "err_text_byte": {
        "ja": "{what}に UTF-8 でないバイトがあります（0x{byte}、{at} 文字目）: コマンドライン・端末・ファイルが"
              "別の文字コードでは？ UTF-8 にしてください",
        "en": "{what} holds a byte that is not UTF-8 (0x{byte}, character {at}): was the command line, terminal "
              "or file in another encoding? use UTF-8",
    },
    "err_text_surrogate": {
        "ja": "{what}に単独のサロゲート（U+{code}、{at} 文字目）があり、文字として扱えません",
        "en": "{what} holds a lone surrogate (U+{code}, character {at}), which is not text",
    },
    "err_not_utf8": {
        "ja": "{what} は UTF-8 のテキストではありません（位置 {at} のバイト 0x{byte}）: UTF-8 で保存してください",
        "en": "{what} is not UTF-8 text (byte 0x{byte} at offset {at}): save it as UTF-8",
    },
    "err_read_missing": {"ja": "{what}: ファイルがありません", "en": "{what}: no such file"},
    "err_read": {"ja": "{what} を読めません: {problem}", "en": "cannot read {what}: {problem}"},
    "err_read_folder": {"ja": "{what} はフォルダで、ファイルではありません", "en": "{what} is a folder, not a file"},
    "err_read_big": {"ja": "{what} は {size} で、上限 {limit} を超えています{why}",
                     "en": "{what} is {size}, more than {limit}{why}"},
    "err_read_endless": {
        "ja": "{what} は {limit} を超えて続きます（通常のファイルではありません）{why}",
        "en": "{what} goes on beyond {limit} (it is not a regular file){why}",
    },
    "err_no_user": {
        "ja": "{path}: ユーザー {user} が見つからず、ホームフォルダに展開できません",
        "en": "{path}: there is no user {user}, so ~ cannot be expanded to a home folder",
    },
    "err_json_empty": {"ja": "{what} は空です: JSON が必要です", "en": "{what} is empty: expected JSON"},
    "err_json_syntax": {
        "ja": "{what} は正しい JSON ではありません: {problem}（{line} 行 {column} 列）",
        "en": "{what} is not valid JSON: {problem} (line {line}, column {column})",
    },
    "err_json_constant": {
        "ja": "{what} に {value} があります: JSON の数値は有限でなければなりません",
        "en": "{what} holds {value}, which JSON does not allow: numbers must be finite",
    },
    "err_json_huge": {
        "ja": "{what} の数値 {value} は大きすぎて数として扱えません",
        "en": "{what} holds the number {value}, too large to be any number attnlab reads",
    },
    "err_json_deep": {"ja": "{what} はリストやオブジェクトの入れ子が深すぎます",
                      "en": "{what} nests lists or objects too deeply"},
    "err_json_top": {"ja": "{what} の中身は {got} です: JSON オブジェクト（{{...}}）が必要です",
                     "en": "{what} holds {got}, expected a JSON object ({{...}})"},
    "err_json_missing": {"ja": "{what}: {where} がありません", "en": "{what}: {where} is missing"},
    "err_json_object": {"ja": "{what}: {where} が {got} です: オブジェクトが必要です",
                        "en": "{what}: {where} is {got}, expected an object"},
    "err_json_int": {"ja": "{what}: {where} が {got} です: {lo} から {hi} までの整数が必要です",
                     "en": "{what}: {where} is {got}, expected a whole number from {lo} to {hi}"},
    "err_json_str": {"ja": "{what}: {where} が {got} です: 文字列が必要です",
                     "en": "{what}: {where} is {got}, expected text"},
    "err_json_choice": {"ja": "{what}: {where} が {got} です: {choices} のどれかが必要です",
                        "en": "{what}: {where} is {got}, expected one of {choices}"},
    "err_json_bool": {"ja": "{what}: {where} が {got} です: true か false が必要です",
                      "en": "{what}: {where} is {got}, expected true or false"},
    "err_json_strs": {"ja": "{what}: {where} が {got} です: 文字列のリストが必要です",
                      "en": "{what}: {where} is {got}, expected a list of strings"},
    "err_json_list": {"ja": "{what}: {where} が {got} です: リストが必要です",
                      "en": "{what}: {where} is {got}, expected a list"},
    "err_json_row": {"ja": "{what}: {where} が {got} です: {n} 個の値のリストが必要です",
                     "en": "{what}: {where} is {got}, expected a list of {n} values"},
    "what_x_file": {"ja": "x ファイル {path}", "en": "x file {path}"},
    "why_x_limit": {"ja": "（x はこの大きさまで読みます。トイラボが描ける最大の x を書き出しても約 3.4 MB です）",
                    "en": ": x is read up to that size (the largest x the toy lab draws, written out in full, "
                          "is about 3.4 MB)"},
    "err_no_config": {"ja": "{folder} はモデルフォルダではありません: config.json がありません",
                      "en": "{folder} is not a model folder: it has no config.json"},
    "err_config_kv": {
        "ja": "{path}: num_attention_heads {heads} が num_key_value_heads {kv} の倍数ではありません",
        "en": "{path}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv}",
    },
    "err_config_width": {
        "ja": "{path}: hidden_size {width} が num_attention_heads {heads} の倍数ではありません",
        "en": "{path}: hidden_size {width} is not a multiple of num_attention_heads {heads}",
    },
    "err_size": {
        "ja": "{what} {value}: {lo} から {hi} までの大きさを 512MiB や 2GiB のように指定してください",
        "en": "{what} {value}: give a size from {lo} to {hi}, such as 512MiB or 2GiB",
    },
    "err_folder_file": {"ja": "{flag} {path} はすでにあり、フォルダではありません",
                        "en": "{flag} {path} exists and is not a folder"},
    "err_folder_link": {"ja": "{flag} のフォルダ {path} を作れません: {link} は切れたリンクです",
                        "en": "cannot create {flag} folder {path}: {link} is a broken link"},
    "err_folder_parent": {"ja": "{flag} のフォルダ {path} を作れません: {parent} がフォルダではありません",
                          "en": "cannot create {flag} folder {path}: Not a directory ({parent} is not a folder)"},
    "err_folder_make": {"ja": "{flag} のフォルダ {path} を作れません: {problem}",
                        "en": "cannot create {flag} folder {path}: {problem}"},
    "err_folder_access": {"ja": "{flag} のフォルダ {path} に書き込めません: {parent} に書き込む権限がありません",
                          "en": "cannot write into {flag} folder {path}: permission denied on {parent}"},
    "err_same_output": {
        "ja": "{first} と {second} が同じファイル（{path}）を指しています: 別々のパスを指定してください",
        "en": "{first} and {second} name one file ({path}): give them different paths",
    },
    "err_output_is_input": {
        "ja": "{flag} {path} に書くと入力（{source} {src}）を上書きします: 別のパスを指定してください",
        "en": "{flag} {path} would write over the input ({source} {src}): choose another path",
    },
    "cli_stopped": {"ja": "attnlab: {signal} で停止しました（書きかけのファイルは消しました）",
                    "en": "attnlab: stopped by {signal} (nothing half-written was left)"},
    "err_corpus_line": {"ja": "{path} の {line} 行目: {problem}", "en": "{path}, line {line}: {problem}"},
    "err_corpus_row": {"ja": "{path} の {line} 行目（Parquet の行、1 から）: {problem}",
                       "en": "{path}, row {line}: {problem}"},
    "err_bad_line_skip": {"ja": "{problem}（--on-bad-line skip なら不正な行を数えて飛ばします）",
                          "en": "{problem} (--on-bad-line skip leaves bad lines out, counted)"},
    "bad_line_long": {
        "ja": "{size} あり、--max-line-bytes（{limit}）を超えています: 読むには --max-line-bytes を大きくしてください",
        "en": "it is {size}, more than --max-line-bytes ({limit}); raise --max-line-bytes to read it",
    },
    "bad_line_utf8": {"ja": "UTF-8 のテキストではありません（その行の {at} バイト目が 0x{byte}）",
                      "en": "not UTF-8 text (byte {at} of the line is 0x{byte})"},
    "bad_line_not_object": {"ja": "JSON の {got} です: {field!r} フィールドを持つオブジェクトが必要です",
                            "en": "a JSON {got}, expected an object with a {field!r} field"},
    "bad_line_no_field": {
        "ja": "フィールド {field!r} がありません（あるのは: {keys}）: 本文のフィールドを --field で指定してください",
        "en": "no field {field!r} (fields: {keys}); name the text's field with --field",
    },
    "bad_line_not_text": {"ja": "フィールド {field!r} が {got} です: 文字列が必要です",
                          "en": "field {field!r} is a {got}, expected a string"},
    "what_line": {"ja": "この行", "en": "the line"},
    "bad_line_surrogate": {
        "ja": "フィールド {field!r} に単独のサロゲート（U+{code}、{at} 文字目）があり、文字として扱えません",
        "en": "field {field!r} holds a lone surrogate (U+{code}, character {at}), which is not text",
    },
    "err_parquet_rows": {"ja": "{path}: {first} 行目以降を読めません（{problem}）",
                         "en": "{path}: cannot read rows from {first} on ({problem})"},
    "corpus_bad_lines": {
        "ja": "不正な行 {n} 個を飛ばしました（--on-bad-line skip）。最初のもの: {first}",
        "en": "left out {n} bad lines or rows (--on-bad-line skip); the first: {first}",
    },
    "corpus_bad_count": {"ja": "不正な行 {n} 個を飛ばした（--on-bad-line skip）",
                         "en": "{n} bad lines or rows left out (--on-bad-line skip)"},
    "err_input_in_out": {
        "ja": "入力 {input} が --out {out} の中にあり、実行が書くファイル名と同じです: 別の --out を指定してください",
        "en": "the input {input} is inside --out {out} under a name a run writes there: choose another --out",
    },
    "what_manifest": {"ja": "コーパスのマニフェスト {path}", "en": "the corpus manifest {path}"},
    "err_manifest_damaged": {
        "ja": "{problem}: マニフェストが壊れているか、attnlab corpus の出力フォルダではありません。"
              "別の --out でやり直してください",
        "en": "{problem}: the manifest is damaged, or the folder is not an attnlab corpus folder; start again "
              "into another --out",
    },
    "err_part_damaged": {
        "ja": "パートファイル {path} は壊れているか attnlab のものではありません（{problem}）: 削除して同じ "
              "attnlab corpus コマンドを再実行すると、そのパートを計算し直します",
        "en": "part file {path} is damaged or not attnlab's ({problem}): remove it and rerun the same "
              "`attnlab corpus` command to compute that part again",
    },
    "part_not_file": {"ja": "通常のファイルではありません", "en": "it is not a regular file"},
    "part_no_counts": {"ja": "フッターに attnlab の集計がありません", "en": "its footer holds no attnlab counts"},
    "what_part_counts": {"ja": "フッターの集計", "en": "its footer's counts"},
    "part_wrong_index": {"ja": "集計ではパート {index} になっています", "en": "its counts say part {index}"},
    "part_beyond": {"ja": "この実行のパートは {parts} 個だけです", "en": "the run has only {parts} parts"},
    "part_rows_counts": {
        "ja": "{rows} 行あり、集計の文書数 x {per_doc} ヘッドと合いません",
        "en": "it holds {rows} rows, not its counted documents x {per_doc} heads",
    },
    "part_column_kind": {"ja": "列 {column} が数値ではなく {kind} です",
                         "en": "column {column} holds {kind}, not numbers"},
    "err_ray_address": {
        "ja": "RAY_ADDRESS={address} は Ray クラスタのアドレスではありません: host:port（または ray://host:port）を"
              "指定するか、RAY_ADDRESS を外してローカルのクラスタを起動してください",
        "en": "RAY_ADDRESS={address} is not the address of a Ray cluster: give host:port (or ray://host:port), or "
              "unset RAY_ADDRESS to start a local cluster",
    },
    "err_ray_unreachable": {
        "ja": "RAY_ADDRESS={address} で応答する Ray クラスタがありません（{problem}）: そこでクラスタを起動する"
              "（ray start --head）か、RAY_ADDRESS を外してローカルのクラスタを起動してください",
        "en": "no Ray cluster answers at RAY_ADDRESS={address} ({problem}): start one there (`ray start --head`), "
              "or unset RAY_ADDRESS to start a local one",
    },
    "err_ray_timeout": {
        "ja": "RAY_ADDRESS={address} の Ray クラスタが {seconds} 秒以内に応答しませんでした: クラスタが動いているか"
              "確かめるか、RAY_ADDRESS を外してローカルのクラスタを起動してください",
        "en": "no Ray cluster answered at RAY_ADDRESS={address} within {seconds} s: check that one runs there, or "
              "unset RAY_ADDRESS to start a local one",
    },
    # pages (the page script reads these by key; see `page_labels`) ------------------------------
    "page_title": {"ja": "アテンションの可視化", "en": "Attention, visualised"},
    "heatmap": {"ja": "ヒートマップ", "en": "Heatmap"},
    "headview": {"ja": "ヘッドビュー", "en": "Head view"},
    "modelview": {"ja": "モデルビュー", "en": "Model view"},
    "pipeline": {"ja": "計算の流れ", "en": "Pipeline"},
    "explain": {"ja": "読み取れること", "en": "What it shows"},
    "scale": {"ja": "色の尺度", "en": "Colour scale"},
    "scale_linear": {"ja": "線形 0〜1", "en": "linear 0-1"},
    "scale_row": {"ja": "行ごとの最大", "en": "per-row max"},
    "scale_log": {"ja": "対数", "en": "log"},
    "legend_max": {"ja": "最大", "en": "max"},
    "zoom_in": {"ja": "拡大", "en": "Zoom in"},
    "zoom_out": {"ja": "縮小", "en": "Zoom out"},
    "reset": {"ja": "全体", "en": "Fit"},
    "export_png": {"ja": "PNG で保存", "en": "Save PNG"},
    "export_svg": {"ja": "SVG で保存", "en": "Save SVG"},
    "precision": {
        "ja": "重みは行ごとに 8 ビットで保存: 表示値の誤差 ±0.002",
        "en": "Weights are stored with 8 bits per row: values shown are within ±0.002",
    },
    "no_scores": {"ja": "スコアはこのページに含まれていません", "en": "scores are not included in this page"},
    "hover_hint": {
        "ja": "セルに乗せると値が出ます。ホイールで拡大、ドラッグで移動",
        "en": "Hover a cell for its numbers. Wheel to zoom, drag to pan.",
    },
    "head_hint": {
        "ja": "トークンに乗せるとその線だけ、クリックで選択（複数選択で注目の合計）",
        "en": "Hover a token to see only its lines; click to select (several: summed attention).",
    },
    "model_hint": {
        "ja": "小さな図をクリックするとヒートマップで開きます。",
        "en": "Click a small map to open it in the heatmap.",
    },
    "pipe_hint": {
        "ja": "セルに乗せると数値と、それを作った計算が出ます。",
        "en": "Hover a cell to see its number and what produced it.",
    },
    "pipe_edit_hint": {
        "ja": "セルに乗せると数値と、それを作った計算が出ます。x のセルはクリックで編集、マスクのセルはクリックで"
              "切り替え、温度も変えられます（W_Q・W_K・W_V はそのまま。seed・d_model・ヘッド数は Python で）。",
        "en": "Hover a cell to see its number and what produced it. Click a cell of x to edit it, a cell of the mask "
              "to switch it; the temperature can change too (W_Q, W_K, W_V stay; seed, d_model and heads need "
              "Python).",
    },
    "pipe_precision": {
        "ja": "表示は float32 の値です（小数 4 桁）。編集するとページ内で倍精度で計算し直します"
              "（Python の結果との差は {tol} ×（1 + |値|）以内）。",
        "en": "Shown: the trace's float32 values (4 decimals). An edit recomputes every stage in the page in double "
              "precision (within {tol} x (1 + |value|) of Python's result).",
    },
    "pipe_edited": {
        "ja": "編集済み: ページ内で倍精度で再計算しました（Python の結果との差は {tol} ×（1 + |値|）以内）。"
              "他のタブと「読み取れること」は元のトレースのままです。",
        "en": "Edited: recomputed in the page in double precision (within {tol} x (1 + |value|) of Python's "
              "result). The other tabs and the explanation still show the original trace.",
    },
    "pipe_x_edited": {"ja": "x（編集済み）", "en": "x (edited)"},
    "pipe_app_hint": {
        "ja": "セルに乗せると数値と、それを作った計算が出ます。x のセルをクリックすると上の入力欄へ移ります。"
              "上の欄（トークン・d_model・ヘッド数・seed・温度・因果マスク・x）を変えると、サーバーがすべてのタブと"
              "説明を計算し直します。",
        "en": "Hover a cell to see its number and what produced it. Click a cell of x to go to its input above. "
              "Any change above (tokens, d_model, heads, seed, temperature, causal mask, x) is recomputed by the "
              "server for every tab and the explanation.",
    },
    "pipe_app_x": {"ja": "クリックで上の入力欄へ", "en": "click: its input above"},
    "pipe_reset": {"ja": "元に戻す", "en": "Reset"},
    "pipe_causal": {"ja": "因果マスク", "en": "causal mask"},
    "pipe_bad_t": {"ja": "温度は 0 より大きい数にしてください。", "en": "The temperature must be a number above 0."},
    "pipe_bad_x": {"ja": "x のセルには数を入れてください。", "en": "A cell of x must hold a number."},
    "pipe_keep_one": {
        "ja": "各行には見えるキーが少なくとも 1 つ必要です。",
        "en": "Every row needs at least one visible key.",
    },
    "mask_none": {"ja": "なし", "en": "none"},
    "mask_custom": {"ja": "選んだセル → −∞", "en": "chosen cells → −∞"},
    "edit_cell": {"ja": "クリックで編集", "en": "click to edit"},
    "toggle_cell": {"ja": "クリックで見える／隠すを切り替え", "en": "click to hide or show"},
    "masked_weight": {"ja": "マスクで隠された位置（重み 0）", "en": "hidden by the mask (weight 0)"},
    "captured_q": {"ja": "キャプチャしたクエリ Q", "en": "captured Q"},
    "captured_k": {"ja": "キャプチャしたキー K", "en": "captured K"},
    "captured_v": {"ja": "キャプチャしたバリュー V", "en": "captured V"},
    "captured": {
        "ja": "モデルがこの層の入力 x から計算し、アテンションに渡した値（キャプチャしたもの）",
        "en": "computed by the model from this layer's input x and passed to its attention (captured)",
    },
    "bridge_intro": {
        "ja": "{model} の層 {layer}・ヘッド {head}（kv ヘッド {kv}、d_head {d}）: "
              "チュートリアルと同じ計算です。"
              "この層の入力 x はキャプチャに保存されていないので、モデルがアテンションに渡したクエリ Q・キー K・"
              "バリュー V（射影の後。RoPE を使うモデルでは回転の後）から始めます。スコアは Q Kᵀ × {scale}、"
              "出力はこのヘッドの出力（モデルの出力射影の前）です。",
        "en": "{model}, layer {layer}, head {head} (kv head {kv}, d_head {d}): the tutorial's steps inside a real "
              "model. This layer's input x is not kept by the capture, so the pipeline starts at the Q, K, V the "
              "model passed to its attention (after its projections and, in models that use it, after RoPE). "
              "Scores are Q Kᵀ × {scale}; the output is this head's output (before the model's output "
              "projection).",
    },
    "bridge_precision": {
        "ja": "クエリ・キー・バリューはキャプチャした float32 の値です。"
              "スコアから先はページ内で倍精度で計算し、"
              "トレースの重みとの差は最大 {err} です。",
        "en": "Q, K, V are the captured float32 values; from the scores on, the page computes in double "
              "precision, within {err} of the trace's weights.",
    },
    "bridge_unavailable": {
        "ja": "層 {layer}・ヘッド {head} は、q, k, v からの計算がトレースの重みと合いません（差 {err}）: "
              "位置バイアスなど、このページにない計算が入っています。",
        "en": "Layer {layer}, head {head}: computing from q, k, v does not give the trace's weights (off by "
              "{err}): the model adds something (a position bias, another mask) this page does not show.",
    },
    "explain_stale": {
        "ja": "「計算の流れ」タブで編集した値は、この説明には反映されていません（元のトレースの説明です）。",
        "en": "Edits made in the pipeline tab are not reflected here: this explains the original trace.",
    },
    "selected_sum": {"ja": "選択したトークンの注目の合計", "en": "Summed attention of the selected tokens"},
    "clear": {"ja": "選択を解除", "en": "Clear selection"},
    "hv_grouped": {
        "ja": "{n} トークン: 1 行は連続する {g} トークンのまとまりです。線の重みは、まとまりの各クエリが"
              "相手のまとまりのキーに置く重みの合計を、クエリについて平均したものです（各行の合計は 1）。",
        "en": "{n} tokens: each row is a group of {g} consecutive tokens. A line's weight is the summed weight "
              "a group's queries put on the other group's keys, averaged over the queries (each row sums to 1).",
    },
    "map_role": {"ja": "マップ（矢印キーでセルを動かせます）", "en": "map (arrow keys move a cursor cell)"},
    "page_left_out": {
        "ja": "このページはレイヤー {held} を収めています（全 {n} 層）。入っていない層: {left}。"
              "層は --layers（attnlab.show(..., layers=...)）で選べます。attnlab serve ではすべての層を見られます。",
        "en": "This page holds layers {held} of the model's {n}; left out: {left}. Choose layers with --layers "
              "(attnlab.show(..., layers=...)); `attnlab serve` shows every layer.",
    },
    "toy_only": {
        "ja": "計算の流れはトイのトレースか、q, k, v をキャプチャしたモデルのトレースで見られます",
        "en": "The pipeline is shown for toy traces and for model traces with captured q, k, v",
    },
    "formula": {"ja": "式", "en": "formula"},
    "from": {"ja": "作られ方", "en": "made from"},
    "input": {"ja": "入力（与えられた値）", "en": "input (given)"},
    "pos": {"ja": "位置", "en": "pos"},
    "value": {"ja": "値", "en": "value"},
    "layers": {"ja": "層", "en": "layers"},
    "heads": {"ja": "ヘッド", "en": "heads"},
    "one_layer": {"ja": "層", "en": "layer"},
    "one_head": {"ja": "ヘッド", "en": "head"},
    "min_line": {"ja": "（重み {w} 以上の線を表示）", "en": "(lines with weight ≥ {w} are drawn)"},
    # the census tabs of the page: head census (atlas), rollout, the heatmap's value-weighted switch --
    "atlas": {"ja": "ヘッド調査", "en": "Head census"},
    "census_measure": {"ja": "色にする指標", "en": "Score"},
    "census_hint": {
        "ja": "各マスは 1 つのヘッドで、このページのテキストで計算した指標です（クエリ行 1〜N−1 の平均。定義は "
              "docs/census.md）。赤い枠は、その指標で役割のしきい値を超えたヘッドです。マスに乗せると数値と役割が出て、"
              "クリックするとそのヘッドをヒートマップで開きます。役割はこのテキストでの値で、入力が変われば変わることが"
              "あります。",
        "en": "Each cell is one head, scored on this page's text (a mean over query rows 1 .. N−1; definitions in "
              "docs/census.md). Red outline: the score passes a role's threshold. Hover a head for its numbers and "
              "roles; click it to open it in the heatmap. Roles hold for this text: another input can change them.",
    },
    "census_roles": {"ja": "役割", "en": "roles"},
    "census_no_role": {"ja": "なし", "en": "none"},
    "census_heads_n": {"ja": "{n} ヘッド", "en": "{n} heads"},
    "census_not_in_page": {
        "ja": "層 {layer} はこのページに含まれていないので開けません（render_page の layers に加えてください）",
        "en": "Layer {layer} is not in this page (add it to render_page's layers to open it)",
    },
    "census_probe_note": {
        "ja": "帰納・重複トークンの役割は、このテキストでは判定しません。繰り返しの列（帰納プローブ）が要るので、"
              "attnlab heads \"テキスト\" --model モデル で調べてください。",
        "en": "Induction and duplicate-token roles are not judged on this text: they need the induction probe (a "
              "repeated random sequence). Run attnlab heads \"TEXT\" --model MODEL.",
    },
    "rollout": {"ja": "ロールアウト", "en": "Rollout"},
    "rollout_row": {"ja": "由来を並べるクエリ（注目側）", "en": "Sources of query"},
    "rollout_top_row": {"ja": "{tok} の由来 上位 {n}", "en": "{tok} draws from (top {n})"},
    "rollout_hint": {
        "ja": "ロールアウト（Abnar & Zuidema 2020）: 各層のヘッド平均の重みに単位行列を半分ずつ混ぜ（残差接続の分）、"
              "行の和を 1 にして、第 1 層から順に掛け合わせたものです。"
              "行 q は、トークンを混ぜるのが注意だけだとしたとき、"
              "最終層のトークン q が各入力トークンからどれだけ来ているかを表します（MLP とバリューの大きさは考えて"
              "いません）。色は対数目盛です。アテンション・シンクの多いモデル（デコーダ）では、先頭のトークンへの重みが"
              "層ごとに掛け合わされて、由来が先頭に集まります。",
        "en": "Rollout (Abnar & Zuidema 2020): each layer's head-mean weights mixed half and half with the identity "
              "(the residual connection), rows renormalised, multiplied from the first layer up. Row q says how much "
              "of token q at the last layer comes from each input token if attention alone mixed tokens (MLPs and "
              "the values' norms are ignored). Log colour scale. In a model with many attention sinks (decoders) "
              "the weight on the first token compounds over the layers and the sources collapse onto it.",
    },
    "rollout_precision": {
        "ja": "ページには analysis.rollout.rollout の float32 の値をそのまま保存しています（表示は有効数字 4 桁）。",
        "en": "The page holds analysis.rollout.rollout's float32 values as they are (shown to 4 significant digits).",
    },
    "census_sink_means": {
        "ja": "重みの半分以上を先頭トークンに置きます（アテンション・シンク）。",
        "en": "puts at least half of its weight on the first token (an attention sink).",
    },
    "census_sink_vw": {
        "ja": "実際に運ぶ量は、ヒートマップの「表示する量」を「ノルムを掛けた寄与」にすると見られます。",
        "en": "How much it actually carries: the heatmap's value-weighted switch.",
    },
    "vw_show": {"ja": "表示する量", "en": "Show"},
    "vw_option": {"ja": "ノルムを掛けた寄与（‖w·vW_O‖ の割合）", "en": "value-weighted (‖w·vW_O‖ share)"},
    "vw_share": {"ja": "寄与の割合", "en": "value-weighted share"},
    "vw_norm": {"ja": "このキーの ‖v W_O‖", "en": "‖v W_O‖ of this key"},
    "vw_mean": {
        "ja": "ヘッド平均は、各ヘッドの寄与の割合の平均です。",
        "en": "Head mean = the mean of the heads' value-weighted shares.",
    },
    "vw_hint": {
        "ja": "寄与の割合は w·‖v_k W_O‖ / Σ_k' w·‖v_k' W_O‖ です（Kobayashi ら 2020: 重みに、そのキーのバリューが"
              "出力射影を通ったあとの大きさを掛けます）。分母は Python で正確に計算したものです。"
              "重みが 8 ビットなので、割合の誤差は (行の刻み / 2)·‖v_k W_O‖ / 分母 以内で、"
              "マスごとにホバーに出します（この図では最大 ±{b}）。",
        "en": "Value-weighted share = w·‖v_k W_O‖ / Σ_k' w·‖v_k' W_O‖ (Kobayashi et al. 2020: each weight times the "
              "size of its key's value vector after the output projection); the denominator is computed exactly in "
              "Python. With 8-bit weights each share is within (row step / 2)·‖v_k W_O‖ / denominator, shown per "
              "cell on hover (at most ±{b} on this map).",
    },
    # the web app (attnlab serve) and its live views: deep zoom, head atlas ------------------------
    "app_title": {"ja": "attnlab: アテンションをその場で", "en": "attnlab: attention, live"},
    "screen_toy": {"ja": "トイ（計算を試す）", "en": "Toy playground"},
    "screen_text": {"ja": "実際のモデルと文", "en": "Real text"},
    "screen_docs": {"ja": "API", "en": "API"},
    "presets": {"ja": "チュートリアルのステップ", "en": "The tutorial's steps"},
    "preset_tutorial": {"ja": "元の例 (Tokyo is beautiful)", "en": "The example (Tokyo is beautiful)"},
    "preset_step1": {"ja": "ステップ 1: トークンを増やす", "en": "Step 1: more tokens"},
    "preset_step2": {"ja": "ステップ 2: d_model を大きく", "en": "Step 2: a wider d_model"},
    "preset_step3": {"ja": "ステップ 3: マルチヘッド", "en": "Step 3: multi-head"},
    "preset_step4": {"ja": "ステップ 4: 本物の文を本物のモデルへ", "en": "Step 4: a real sentence, a real model"},
    "tokens_input": {"ja": "トークン（空白区切り）", "en": "Tokens (separated by spaces)"},
    "heads_input": {"ja": "ヘッド数", "en": "heads"},
    "causal_mask": {"ja": "因果マスク（未来を隠す）", "en": "causal mask (hide the future)"},
    "x_cells": {"ja": "入力 x（セルを書き換えられます）", "en": "Input x (edit any cell)"},
    "x_too_big": {
        "ja": "x が大きすぎてセルでは編集できません（計算の流れのタブで見られます）",
        "en": "x is too large to edit cell by cell (the pipeline tab shows it)",
    },
    "share_link": {"ja": "このトレースへのリンク", "en": "Link to this trace"},
    "download_page": {
        "ja": "ページをダウンロード（--html と同じファイル）",
        "en": "Download the page (the --html file)",
    },
    "no_download": {
        "ja": "長すぎて 1 ファイルのページにはできません（1 層も入りません）。ここではすべてのタブが使えます",
        "en": "too long for a one-file page (not even one layer fits); every tab works here",
    },
    "download_layers": {"ja": "ページに入れる層", "en": "layers in the page"},
    "download_fit": {
        "ja": "この長さでは 1 ページに {most} 層まで入ります（全 {n} 層）。入れなかった層はページに書かれます。",
        "en": "At this length one page holds up to {most} of the {n} layers; the page names those it leaves out.",
    },
    "download_bad": {
        "ja": "層は 0-11 や 0,5,29 のように書いてください（0 から {last} まで、{most} 層まで）",
        "en": "write layers as 0-11 or 0,5,29 (0 to {last}, at most {most} layers)",
    },
    "text_hint": {
        "ja": "文を入れて実行すると、サーバーでモデルの各層のクエリとキーを記録し、"
              "どのヘッドでも見られるようにします。",
        "en": "Run a sentence: the server records every layer's queries and keys, so that any head can be shown.",
    },
    "model": {"ja": "モデル", "en": "Model"},
    "model_auto": {"ja": "自動（文から選ぶ）", "en": "auto (chosen from the text)"},
    "model_chosen": {"ja": "モデルは文から自動で選びました: {model}", "en": "Model chosen from the text: {model}"},
    "generate": {"ja": "続けて生成するトークン数", "en": "tokens to generate"},
    "truncate": {"ja": "長すぎる文は切る", "en": "cut text that is too long"},
    "run": {"ja": "実行", "en": "Run"},
    "state_queued": {"ja": "順番待ち", "en": "waiting in line"},
    "state_loading": {"ja": "モデルを読み込み中", "en": "loading the model"},
    "state_generating": {"ja": "生成中", "en": "generating"},
    "state_running": {"ja": "記録中", "en": "capturing"},
    "layers_captured": {"ja": "記録済みの層", "en": "layers captured"},
    "computing": {"ja": "計算中", "en": "computing"},
    "loading": {"ja": "読み込み中…", "en": "loading…"},
    "truncated_note": {"ja": "末尾の {n} トークンを切りました", "en": "the last {n} tokens were cut"},
    "new_text": {"ja": "別の文で試す", "en": "Try another text"},
    "rerun": {"ja": "もう一度実行する", "en": "Run it again"},
    "top_title": {"ja": "各トークンが最も注目する先", "en": "Where each token attends most"},
    "words_toggle": {"ja": "単語ごとにまとめる", "en": "aggregate to words"},
    "docs_hint": {
        "ja": "このサーバーの JSON API（/openapi.json から描画。外部からは何も読み込みません）",
        "en": "This server's JSON API (drawn from /openapi.json; nothing loads from outside)",
    },
    "deepzoom": {"ja": "詳細ズーム", "en": "Deep zoom"},
    "rowatlas": {"ja": "ヘッド一覧", "en": "Head atlas"},
    "pool": {"ja": "まとめ方", "en": "Pooling"},
    "pool_max": {"ja": "最大値", "en": "max"},
    "pool_mean": {"ja": "平均", "en": "mean"},
    "zoom_overview": {"ja": "全体図: 1 マス =", "en": "overview: one cell ="},
    "zoom_hint": {
        "ja": "拡大すると、サーバーがその部分の重みを計算して細かく描き直します"
              "（最大値でまとめると細い対角線も消えません）。",
        "en": "Zoom in and the server computes that part's weights at full detail "
              "(max-pooling keeps thin diagonals visible).",
    },
    "zoom_precision": {"ja": "fp32、誤差 1e-5 以内", "en": "fp32, within 1e-5"},
    "statistic": {"ja": "色にする統計量", "en": "Statistic"},
    "stat_entropy_ratio": {"ja": "エントロピー / 一様 (1 = 一様)", "en": "entropy / uniform (1 = uniform)"},
    "stat_first_weight": {"ja": "先頭トークンへの重み", "en": "weight on the first token"},
    "stat_max_weight": {"ja": "行の最大の重み", "en": "max weight in the row"},
    "stat_mean_distance": {"ja": "平均距離（トークン数）", "en": "mean distance (tokens)"},
    "atlas_hint": {
        "ja": "各マスは 1 つのヘッドです（全クエリ行の平均）。クリックすると詳細ズームで開きます。",
        "en": "Each cell is one head (averaged over its query rows). Click one to open it in the deep zoom.",
    },
    # notebook outputs (attnlab.notebook) ------------------------------------------------------------
    "nb_preview_caption": {
        "ja": "静止画のプレビューです。操作できるページは、信頼したノートブックでセルを実行すると表示されます"
              "（File › Trust Notebook）。",
        "en": "A static preview. The interactive page shows when the cell runs in a trusted notebook "
              "(File › Trust Notebook).",
    },
    "nb_preview_text": {
        "ja": "attnlab: 静止画のプレビューです。操作できるページは、信頼したノートブックでセルを実行するか、"
              "attnlab.write_html(trace, \"page.html\") で保存してブラウザで開くと見られます。",
        "en": "attnlab: a static preview. To see the interactive page, run the cell in a trusted notebook, "
              "or save it with attnlab.write_html(trace, \"page.html\") and open that in a browser.",
    },
    # long tables in the CLI (reporting.row_summary) and progress lines (attnlab.progress) --------------
    "rows_strongest": {
        "ja": "最大の重みが大きい {k} 行（全 {n} 行のうち、大きい順）:",
        "en": "the {k} rows with the largest single weight (of {n} rows, largest first):",
    },
    "rows_where": {
        "ja": "各行の最大の重みの行き先: 先頭の{unit} {first} 行、自分自身 {itself} 行、直前の{unit} {previous} 行、"
              "それ以外 {other} 行",
        "en": "where each row's largest weight goes (rows): the first {unit} {first}, the {unit} itself {itself}, "
              "the previous {unit} {previous}, another {unit} {other}",
    },
    "rows_focused": {
        "ja": "{n} 行中 {focused} 行が 1 つの{unit}に重みの半分以上を置いています",
        "en": "{focused} of {n} rows put half or more of their weight on one {unit}",
    },
    "rows_left_out": {
        "ja": "残りの {left} 行は省略しました: 全行は --all、すべての重みは --format json で表示します",
        "en": "{left} rows left out: --all prints every row, --format json every weight",
    },
    "toy_figures_hint": {
        "ja": "図（PNG と SVG）は --out DIR を付けると DIR に書き出します"
              "（attnlab demo は ./attnlab-out/ に書き出します）",
        "en": "figures (PNG and SVG): add --out DIR to write them into DIR "
              "(attnlab demo writes them to ./attnlab-out/)",
    },
    "progress_stopped": {"ja": "中断", "en": "stopped"},
    "progress_loading": {"ja": "{model} を読み込み中", "en": "loading {model}"},
    "progress_running": {"ja": "{model} で {n} トークンを計算中", "en": "running {model} on {n} tokens"},
    "progress_running_batch": {
        "ja": "{model} で {texts} 件のテキスト（計 {n} トークン）を計算中",
        "en": "running {model} on {texts} texts, {n} tokens",
    },
    "progress_generating": {"ja": "{model} で {n} トークンを生成中", "en": "generating {n} tokens with {model}"},
    "progress_probe": {"ja": "{model} で誘導ヘッドのプローブを実行中", "en": "running the induction probe on {model}"},
    "progress_census": {"ja": "{n} ヘッドを採点中", "en": "scoring {n} heads"},
    "progress_reading": {"ja": "全ヘッドを読み取り中", "en": "reading every head"},
    "progress_page": {"ja": "ページを作成中", "en": "rendering the page"},
    "progress_figures": {"ja": "図を {out}/ に書き込み中", "en": "writing figures into {out}/"},
    "progress_verify": {"ja": "変換済みのコピーを検査中", "en": "checking the converted copies"},
    "progress_layers": {"ja": "{done}/{total} 層", "en": "{done}/{total} layers"},
    "progress_tokens": {"ja": "{done}/{total} トークン", "en": "{done}/{total} tokens"},
    "progress_files": {"ja": "{done}/{total} ファイル", "en": "{done}/{total} files"},
    # an encoder-decoder's three parts (html/parts.py, reporting.cross_report, plot/cross.py, cli/text.py) -----
    "pair_title": {"ja": "{model}: エンコーダ・デコーダのアテンション",
                   "en": "{model}: an encoder-decoder's attention"},
    "pair_title_short": {"ja": "エンコーダ・デコーダ", "en": "encoder-decoder"},
    "parts_label": {"ja": "アテンションの部分", "en": "Part of the attention"},
    "part_encoder": {"ja": "エンコーダの自己アテンション · ソース {n} トークン",
                     "en": "Encoder self-attention · source, {n} tokens"},
    "part_decoder": {"ja": "デコーダの自己アテンション · ターゲット {n} トークン",
                     "en": "Decoder self-attention · target, {n} tokens"},
    "part_cross": {"ja": "クロスアテンション · ターゲット {q} × ソース {k} トークン",
                   "en": "Cross-attention · target {q} × source {k} tokens"},
    "pair_note": {
        "ja": "{model} はエンコーダ・デコーダです。{what}を表示します（--part encoder|decoder|cross で選べます。"
              "--html のページには 3 つとも入ります）",
        "en": "{model} is an encoder-decoder: showing {what} (--part encoder|decoder|cross; an --html page holds "
              "all three)",
    },
    "pair_what_encoder": {"ja": "エンコーダの自己アテンション", "en": "its encoder's self-attention"},
    "pair_what_decoder": {"ja": "デコーダの自己アテンション", "en": "its decoder's self-attention"},
    "pair_what_cross": {"ja": "クロスアテンション（ターゲットのトークンからソースのトークンへの重み）",
                        "en": "its cross-attention (target tokens' weights over the source tokens)"},
    "cross_header": {
        "ja": "{model}: クロスアテンション、{layer}、{which}（デコーダ {n_layers} 層 x {n_heads} ヘッド） — "
              "ターゲットのトークン → 最も注目するソースのトークン",
        "en": "{model}: cross-attention, {layer}, {which} ({n_layers} decoder layers x {n_heads} heads); "
              "target token -> most attended source tokens",
    },
    "cross_baseline_note": {
        "ja": "（［ ］内は、重みが一様なときの値です。ターゲットのどのトークンもソースの {k} トークンをすべて見るので、"
              "一様なら 1/{k} ずつです。行全体が一様なときとほぼ同じ（全変動距離 {at:.2f} 未満）なら"
              "「≈ 一様」と書きます）",
        "en": "([ ]: the weight a uniform row would give: every target token sees all {k} source tokens, 1/{k} each. "
              "\"≈ uniform\": the row is within total variation {at:.2f} of that uniform row)",
    },
    "cross_summary": {
        "ja": "ターゲットの {n} トークンで、各行の最大の重みの平均は {peak:.2f} です（一様なら {u:.2f}）。"
              "平均して最も重みを受けるソースのトークンは {token} で、ターゲットのトークンあたり {mean:.2f} です。",
        "en": "Over the {n} target tokens, each row's largest weight averages {peak:.2f} (uniform: {u:.2f}); the "
              "source token with the most weight on average is {token}, {mean:.2f} per target token.",
    },
    "title_cross_map": {"ja": "{model}: クロスアテンション、{layer}、{which}",
                        "en": "{model}: cross-attention, {layer}, {which}"},
    "cross_target_axis": {"ja": "ターゲットのトークン — クエリ（注目側） q_pos",
                          "en": "target token — Query (attending) q_pos"},
    "cross_source_axis": {"ja": "ソースのトークン — キー（参照側） k_pos", "en": "source token — Key (attended) k_pos"},
}




def _merged(*tables: dict[str, dict[str, str]]) -> None:
    """The other word tables into STRINGS: a key defined twice is a mistake (one would hide the other)."""
    for table in tables:
        twice = sorted(set(table) & set(STRINGS))
        if twice:
            raise RuntimeError(f"i18n keys defined twice: {', '.join(twice)}")
        STRINGS.update(table)


_merged(ERROR_STRINGS, LESSON_STRINGS, STEPS_STRINGS, SERVER_STRINGS, WHY_STRINGS)
SURFACES = ("cli", "python", "app")  # where an error is read: its advice names what to change there


def check_lang(lang: str) -> str:
    """`lang` itself when it is one of LANGS; else an AttnlabError naming the choices."""
    if lang not in LANGS:
        raise tr_error(AttnlabError, "err_lang", lang=lang, choices=", ".join(LANGS))
    return lang


def t(key: str, lang: str = "ja", /, **fields: object) -> str:
    """The string `key` in `lang`, formatted with `fields`; every real number goes through
    `numtext.num` (safe at any size, never NaN or inf)."""
    text = STRINGS[key][check_lang(lang)]
    return text.format(**{k: wrap_field(k, v) for k, v in fields.items()}) if fields else text


def page_labels(keys: set[str] | frozenset[str], lang: str) -> dict[str, str]:
    """{key: text} of `keys` in `lang`, unformatted (the page script fills in {n}, {w} itself)."""
    check_lang(lang)
    missing = sorted(k for k in keys if k not in STRINGS)
    if missing:
        raise KeyError(f"the page script uses labels missing from i18n.STRINGS: {', '.join(missing)}")
    return {k: STRINGS[k][lang] for k in sorted(keys)}


# errors in the user's language -----------------------------------------------------------------------

E = TypeVar("E", bound=BaseException)
_error_lang: list[str | None] = [None]  # set_error_lang's choice; None: English with the generic advice


@dataclass(frozen=True)
class Msg:
    """A sentence not yet put into a language: STRINGS[key] and its fields (a field may be a Msg too,
    said in the same language), and optionally the key of advice that depends on the surface."""

    key: str  # a key of STRINGS
    fields: dict[str, Any] = field(default_factory=dict)  # its {fields}
    fix: str | None = None  # advice: STRINGS[f"{fix}_{surface}"] where the surface has its own, else STRINGS[fix]

    def text(self, lang: str, surface: str | None = None) -> str:
        """The sentence in `lang`, with the advice for `surface` ("cli", "python", "app"; None: generic)."""
        fields = {k: v.text(lang, surface) if isinstance(v, Msg) else v for k, v in self.fields.items()}
        said = t(self.key, lang, **fields)
        if self.fix is None:
            return said
        specific = f"{self.fix}_{surface}"
        advice = t(specific if specific in STRINGS else self.fix, lang, **fields)
        return t("err_with_fix", lang, said=said, fix=advice)

    def __str__(self) -> str:
        lang = _error_lang[0]
        return self.text("en") if lang is None else self.text(lang, "python")


def tr_error(cls: type[E], key: str, *, fix: str | None = None, **fields: Any) -> E:
    """An error of type `cls` (an AttnlabError) whose message is STRINGS[key] with `fields`, plus the
    advice `fix` (see the module docstring): `raise tr_error(TooLongError, "err_too_long",
    fix="fix_truncate", n=900, model="minilm", limit=512)`."""
    msg = Msg(key, fields, fix)
    error = cls(msg.text("en"))
    error.i18n = msg  # type: ignore[attr-defined]  (AttnlabError declares it; other types carry it too)
    return error


def error_text(error: BaseException, lang: str, surface: str | None = "cli") -> str:
    """The error's message in `lang` with the advice for `surface` when it carries a Msg (tr_error),
    else its own (English) text."""
    msg = getattr(error, "i18n", None)
    if isinstance(msg, Msg) and lang in LANGS:
        return msg.text(lang, surface)
    return str(error)


def set_error_lang(lang: str | None) -> None:
    """The language of str(error) from now on in this process ("ja", "en"; None: English with the
    generic advice), with the Python advice (keywords, not flags): for notebooks, where the error a
    user reads is str(error). The CLI and the web app pass their language to `error_text` instead."""
    _error_lang[0] = None if lang is None else check_lang(lang)
