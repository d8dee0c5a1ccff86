"""The one ja/en vocabulary: printouts, figures, pages, explanations and CLI messages.

`t(key, lang, **fields)` formats one string; Japanese is the default, as in the tutorial. One word
per concept, the tutorial's: Query (注目側) is the attending token, Key (参照側) the attended one;
スコア is the number before the softmax, 重み the one after. Both languages hold the same keys
(tested), and the page script reads its labels from here too (`page_labels`: the keys its JS uses).
"""

from __future__ import annotations

from .errors import AttnlabError

LANGS = ("ja", "en")

STRINGS: dict[str, dict[str, str]] = {
    # concepts: one word each, everywhere ----------------------------------------------------------
    "query": {"ja": "Query (注目側)", "en": "Query (attending)"},
    "key": {"ja": "Key (参照側)", "en": "Key (attended)"},
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
    "truncated": {
        "ja": "(先頭 {shown}/{total} 列のみ表示。全体は --format json で)",
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
    "title_out": {"ja": "出力 = 重み × V", "en": "Output representations"},
    "title_q": {"ja": "クエリ Q = x W_Q", "en": "Queries Q = x W_Q"},
    "title_k": {"ja": "キー K = x W_K", "en": "Keys K = x W_K"},
    "title_v": {"ja": "バリュー V = x W_V", "en": "Values V = x W_V"},
    "title_seed": {"ja": "seed {seed}", "en": "seed {seed}"},
    "title_seeds": {"ja": "同じ入力 x、異なる seed の重み", "en": "The same input x under different seeds"},
    "title_heads": {"ja": "ヘッドごとの重み（{heads} ヘッド）", "en": "Weights per head ({heads} heads)"},
    "title_head_map": {"ja": "{model}: {layer}、{which}", "en": "{model}: {layer}, {which}"},
    "title_grid": {"ja": "{model}: 全層・全ヘッド（{n} トークン）", "en": "{model}: every layer and head ({n} tokens)"},
    "title_layer_means": {"ja": "{model}: 層ごとの全ヘッド平均", "en": "{model}: mean over heads, per layer"},
    "key_pos_axis": {"ja": "Key (参照側) k_pos", "en": "Key (attended) k_pos"},
    "query_pos_axis": {"ja": "Query (注目側) q_pos", "en": "Query (attending) q_pos"},
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
    "top_header": {
        "ja": "{model}: {layer}、{which}（{n_layers} 層 x {n_heads} ヘッド、kv ヘッド {n_kv}）。"
              "{unit} → 最も注目する先",
        "en": "{model}: {layer}, {which} ({n_layers} layers x {n_heads} heads, {n_kv} kv heads); "
              "{unit} -> most attended",
    },
    "generated_from": {
        "ja": "{start} 番目以降の{unit}（* 印）は生成したトークン",
        "en": "{unit}s from {start} on (marked *) were generated",
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
        "ja": "{which}の差は最大 {r:.2f} なので、重みの比は最大 e^{r:.2f} = {ratio:.2f} 倍。",
        "en": " Its {which} differ by at most {r:.2f}, so no weight is more than e^{r:.2f} = {ratio:.2f}x another.",
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
        "ja": "どの行も平らなのは、行の中の{which}の差が {lo:.2f}〜{hi:.2f} と小さいからです: "
              "softmax は差 r を重みの比 e^r に変えるので、どの重みも同じ行の他の重みの {ratio:.2f} 倍を超えません。",
        "en": " Every row is flat because within each row the {which} differ by only {lo:.2f} to {hi:.2f}: "
              "softmax turns a difference r into a weight ratio e^r, so no weight is more than {ratio:.2f}x another "
              "in its row.",
    },
    "why_rows": {
        "ja": "行が鋭いか平らかを決めるのは、その行の{which}の差 r です（重みの比は最大 e^r 倍）。"
              "ここでは r = {lo:.2f}〜{hi:.2f}。",
        "en": " What makes a row sharp or flat is the range r of its {which} (weights differ by at most e^r "
              "times); here r runs from {lo:.2f} to {hi:.2f}.",
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
              "T = 1 のときと比べた各行の最大の重み: {rows}。",
        "en": "Temperature T = {T:g}: the printed scores are before the temperature, and softmax takes s/T, "
              "so every score difference within a row is multiplied by 1/T = {f:.2f}. Each row's largest "
              "weight, at T = 1 -> at T = {T:g}: {rows}.",
    },
    "temp_kept": {
        "ja": "変わらないもの: どの行でもキーの重みの順位は同じです（e^(s/T) は s の大小を保つため）。",
        "en": " What did not change: every row ranks its keys in the same order (e^(s/T) keeps the order of s).",
    },
    "temp_not_kept": {
        "ja": "キーの重みの順位が T = 1 と違う行があります（同じ値のスコアがあるため）。",
        "en": " Some rows rank their keys differently from T = 1 (they have equal scores).",
    },
    "mask_effect": {
        "ja": "因果マスクの効果: 各行は自分より後ろのトークン（キー）を見られず、{n} 個のセルが隠されます（表の —: "
              "スコア −∞、重み 0）。",
        "en": "The causal mask: each row cannot see the keys after it, so {n} cells are hidden (— in the "
              "tables: score −inf, weight 0).",
    },
    "mask_example": {
        "ja": "たとえば「{q}」の行は、マスクなし → ありで {pairs}（「{k0}」と「{k1}」の比は {r:.4f} → {ra:.4f}）。",
        "en": " For example the row of \"{q}\", without -> with the mask: {pairs} (\"{k0}\" to \"{k1}\": "
              "{r:.4f} -> {ra:.4f}).",
    },
    "mask_kept": {
        "ja": "変わらないもの: 見えるキーどうしの重みの比。"
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
        "ja": "すべてのヘッドが同じキーを最大にする行は {n} 行中 {agree} 行。各行の最大の重みの平均は、ヘッドごとに "
              "{heads}、全ヘッドの平均では {mean:.2f}: 平均すると行は平らになります。",
        "en": "Every head picks the same top key in {agree} of {n} rows. The rows' largest weight averages {heads} "
              "per head and {mean:.2f} in the mean of the heads: averaging flattens the rows.",
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
              "{lo:.2f}〜{hi:.2f}。変わらないもの: x とトークン。"
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
        "ja": "先頭のトークン「{tok}」が {n} 行中 {top} 行で最大の重みを受けています（重みの平均 {w:.2f}）。これは"
              "「アテンション・シンク」と呼ばれるよくある型で、ヘッドに特に見る先がないときの重みの置き場所です。"
              "「{tok}」が重要だという意味ではありません。",
        "en": "The first token \"{tok}\" takes the largest weight in {top} of {n} rows (mean {w:.2f}). This common "
              "pattern is called an attention sink: where a head puts its weight when nothing in particular "
              "matters to it. It does not mean that \"{tok}\" is important.",
    },
    "read_first_valued": {
        "ja": "値ベクトルの大きさ ‖v‖ で重みづけすると、先頭の取り分は平均 {w:.2f} → {v:.2f} になります。",
        "en": " Weighted by the size of the value vectors (‖v‖), the first token's share goes from {w:.2f} to "
              "{v:.2f} on average.",
    },
    "read_previous": {
        "ja": "直前のトークンが {n} 行中 {top} 行で最大の重みを受けています（平均 {w:.2f}）: "
              "各トークンが 1 つ前を見る「前トークン」型です。",
        "en": "The previous token takes the largest weight in {top} of {n} rows (mean {w:.2f}): a previous-token "
              "pattern, each token looking one step back.",
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
    "read_word": {
        "ja": "複数のピースに分かれた単語（{n} 語）: 各ピースが同じ単語の他のピースに置く重みは平均 {w:.2f}"
              "（一様なら {u:.2f}）。",
        "en": "Words split into several pieces ({n}): each piece puts {w:.2f} on the other pieces of its word on "
              "average (uniform: {u:.2f}).",
    },
    "read_char": {
        "ja": "バイト片に分かれた文字（{n} 文字）: 各ピースが同じ文字の他のピースに置く重みは平均 {w:.2f}"
              "（一様なら {u:.2f}）。",
        "en": "Characters split into byte pieces ({n}): each piece puts {w:.2f} on the other pieces of its "
              "character on average (uniform: {u:.2f}).",
    },
    "read_not_influence": {
        "ja": "注意: 重みは「どこを見たか」であって、そのトークンが出力にどれだけ効いたかではありません。"
              "出力は 重み × v の和なので、v が小さいトークンは重みが大きくても出力にあまり効きません。",
        "en": "Note: a weight says where a row looks, not how much that token changes the output. The output is "
              "the sum of weight × v, so a token with a small v does little even with a large weight.",
    },
    "read_tokens_note": {
        "ja": "（表は単語単位ですが、読み取りはモデルが実際に計算したトークン単位です）",
        "en": "(the table is per word; the reading is per token, as the model computed it)",
    },
    "read_overview": {
        "ja": "このテキストの全 {n} ヘッドのうち {k} ヘッドで、半分以上の行が先頭のトークン「{tok}」に"
              "最大の重みを置いています。",
        "en": "In {k} of all {n} heads, at least half the rows put their largest weight on the first token "
              "\"{tok}\".",
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
        "ja": "{count} ヘッドが {rule}。強い順: {picks}",
        "en": "{count} {heads} {rule}; strongest: {picks}",
    },
    "census_none_past": {
        "ja": "しきい値（{rule}）に届くヘッドはない（最高 L{layer} H{head} {score}）",
        "en": "no head reaches the threshold ({rule}); best L{layer} H{head} {score}",
    },
    "census_needs_text": {"ja": "テキストがないので判定しない", "en": "not judged: needs a text"},
    "census_needs_probe": {"ja": "プローブを実行していないので判定しない", "en": "not judged: needs the probe"},
    "census_local_short": {
        "ja": "テキストが短いので判定しない（一様な重みでも平均距離 {u} で、局所との区別がつかない）",
        "en": "not judged: the text is too short (uniform weights already have mean distance {u})",
    },
    "census_mass_title": {
        "ja": "重み ≠ 重要度（重み × 値ベクトルのノルム、Kobayashi ら 2020）: 全層・全ヘッド平均",
        "en": "Weight is not importance (value-weighted, Kobayashi et al. 2020): mean over layers and heads",
    },
    "census_mass_line": {
        "ja": "  {what}: 重み {w} → ノルムを掛けた寄与 {vw}",
        "en": "  {what}: weight {w} -> value-weighted {vw}",
    },
    "census_first_key": {"ja": "先頭トークン {text}", "en": "first token {text}"},
    "census_last_key": {"ja": "末尾の特殊トークン {text}", "en": "last (special) token {text}"},
    "census_rollout": {
        "ja": "ロールアウト（Abnar & Zuidema 2020）: 最後のトークン {pos} {text} の由来",
        "en": "Rollout (Abnar & Zuidema 2020): where the last token {pos} {text} draws from",
    },
    # role names and one-sentence meanings
    "role_previous_token": {"ja": "直前トークン", "en": "previous-token"},
    "role_induction": {"ja": "帰納（induction）", "en": "induction"},
    "role_duplicate": {"ja": "重複トークン", "en": "duplicate-token"},
    "role_first_token_sink": {"ja": "先頭トークンへの集中（sink）", "en": "first-token sink"},
    "role_self": {"ja": "自分自身", "en": "self"},
    "role_local": {"ja": "局所", "en": "local"},
    "role_broad": {"ja": "広く均等", "en": "broad"},
    "means_previous_token": {
        "ja": "各 Query（注目側）がすぐ前の Key（参照側）に重みを置く。",
        "en": "each query puts its weight on the token just before it.",
    },
    "means_induction": {
        "ja": "繰り返された列で、今のトークンが前に出たときの次のトークンに重みを置く（続きを写す手がかり）。",
        "en": "on a repeated sequence, attends to the token that followed the earlier copy of the current one "
              "(the cue for copying a continuation).",
    },
    "means_duplicate": {
        "ja": "繰り返された列で、同じトークンの前の出現に重みを置く。",
        "en": "on a repeated sequence, attends to the earlier copy of the current token itself.",
    },
    "means_first_token_sink": {
        "ja": "重みの半分以上を先頭トークンに置く（attention sink。実際に運ぶ量は下の「ノルムを掛けた寄与」を見る）。",
        "en": "puts at least half of its weight on the first token (an attention sink; see the value-weighted "
              "share below for how much it carries).",
    },
    "means_self": {"ja": "各トークンが自分自身に重みを置く。", "en": "each token attends to itself."},
    "means_local": {
        "ja": "重みが数トークン以内の近くに集まる。",
        "en": "keeps its weight within a few tokens of the query.",
    },
    "means_broad": {
        "ja": "見えるトークン全体にほぼ均等に重みを広げる。",
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
    "rollout_key_axis": {"ja": "Key (参照側) 入力トークン", "en": "Key (attended): input token"},
    "rollout_query_axis": {"ja": "Query (注目側) 最終層のトークン", "en": "Query (attending): token at the last layer"},
    "rollout_top": {"ja": "最後のトークンの由来 上位 {n}", "en": "Last token draws from, top {n}"},
    "value_weighted": {"ja": "ノルムを掛けた寄与", "en": "value-weighted"},
    "key_mass_axis": {"ja": "割合（ヘッド平均）", "en": "share (mean over heads)"},
    "key_mass_title": {
        "ja": "重み ≠ 重要度: 重みと、値ベクトルの大きさを掛けた寄与（Kobayashi ら 2020）",
        "en": "Weight is not importance: weights vs value-weighted contributions (Kobayashi et al. 2020)",
    },
    # the corpus census (attnlab.cli.corpus, plot.corpus, html.corpus) -------------------------------
    "corpus_done": {
        "ja": "{scored} 文書を採点（{tokens} トークン）。出力 {out}: {parts} パート"
              "（前回までに書いた分 {resumed}）、{seconds} 秒",
        "en": "{scored} documents scored ({tokens} tokens) into {out}: {parts} parts ({resumed} written before), "
              "{seconds} s",
    },
    "corpus_skipped": {
        "ja": "飛ばした文書: 空 {empty}、2 トークン未満 {too_short}、{max_tokens} トークン超 {too_long}"
              "（長い文書は --truncate で切り詰めて採点できる）",
        "en": "skipped: {empty} empty, {too_short} under 2 tokens, {too_long} over {max_tokens} tokens "
              "(--truncate scores long ones cut to size)",
    },
    "corpus_truncated": {
        "ja": "{n} 文書を {max_tokens} トークンに切り詰めた（切った分 計 {cut} トークン）",
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
        "ja": "実行は未完了: {parts} パート中 {done} パートを書き込み済み（同じコマンドの再実行で続きから）",
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
        "ja": "帰納・重複の役割は文書ではなく帰納プローブで測る: attnlab heads --model {model}",
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
        "ja": "セルにマウスを乗せると値が出ます。ホイールで拡大、ドラッグで移動。",
        "en": "Hover a cell for its numbers. Wheel to zoom, drag to pan.",
    },
    "head_hint": {
        "ja": "トークンに乗せるとその線だけ、クリックで選択（複数選択で注目の合計）。",
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
        "ja": "表示はトレースの float32 の値（小数 4 桁）。編集するとページ内で倍精度で計算し直します"
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
    "captured_q": {"ja": "キャプチャした Q", "en": "captured Q"},
    "captured_k": {"ja": "キャプチャした K", "en": "captured K"},
    "captured_v": {"ja": "キャプチャした V", "en": "captured V"},
    "captured": {
        "ja": "モデルがこの層の入力 x から計算し、アテンションに渡した値（キャプチャしたもの）",
        "en": "computed by the model from this layer's input x and passed to its attention (captured)",
    },
    "bridge_intro": {
        "ja": "{model} の層 {layer}・ヘッド {head}（kv ヘッド {kv}、d_head {d}）: "
              "チュートリアルと同じ計算を本物のモデルで。"
              "この層の入力 x はキャプチャに保存されていないので、モデルがアテンションに渡した Q, K, V"
              "（射影の後。RoPE を使うモデルでは回転の後）から始めます。スコアは Q Kᵀ × {scale}、"
              "出力はこのヘッドの出力（モデルの出力射影の前）です。",
        "en": "{model}, layer {layer}, head {head} (kv head {kv}, d_head {d}): the tutorial's steps inside a real "
              "model. This layer's input x is not kept by the capture, so the pipeline starts at the Q, K, V the "
              "model passed to its attention (after its projections and, in models that use it, after RoPE). "
              "Scores are Q Kᵀ × {scale}; the output is this head's output (before the model's output "
              "projection).",
    },
    "bridge_precision": {
        "ja": "Q, K, V はキャプチャした float32 の値。スコアから先はページ内で倍精度で計算し、"
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
    "too_many_tokens": {
        "ja": "トークンが多すぎて線を描けません（上限 {n}）: ヒートマップを使ってください",
        "en": "Too many tokens to draw lines (limit {n}): use the heatmap",
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
        "ja": "各マスは 1 つのヘッドで、このページのテキストで計算した指標です（Query 行 1〜N−1 の平均。定義は "
              "docs/census.md）。赤い枠は、その指標で役割のしきい値を超えたヘッド。マスに乗せると数値と役割が出て、"
              "クリックするとそのヘッドをヒートマップで開きます。",
        "en": "Each cell is one head, scored on this page's text (a mean over query rows 1 .. N−1; definitions in "
              "docs/census.md). Red outline: the score passes a role's threshold. Hover a head for its numbers and "
              "roles; click it to open it in the heatmap.",
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
    "rollout_row": {"ja": "由来を並べる Query (注目側)", "en": "Sources of query"},
    "rollout_top_row": {"ja": "{tok} の由来 上位 {n}", "en": "{tok} draws from (top {n})"},
    "rollout_hint": {
        "ja": "ロールアウト（Abnar & Zuidema 2020）: 各層のヘッド平均の重みに単位行列を半分ずつ混ぜ（残差接続の分）、"
              "行の和を 1 にして、第 1 層から順に掛け合わせたもの。行 q は、トークンを混ぜるのが注意だけだとしたとき、"
              "最終層のトークン q が各入力トークンからどれだけ来ているかを表します（MLP と値ベクトルの大きさは考えて"
              "いません）。色は対数目盛。",
        "en": "Rollout (Abnar & Zuidema 2020): each layer's head-mean weights mixed half and half with the identity "
              "(the residual connection), rows renormalised, multiplied from the first layer up. Row q says how much "
              "of token q at the last layer comes from each input token if attention alone mixed tokens (MLPs and "
              "the values' norms are ignored). Log colour scale.",
    },
    "rollout_precision": {
        "ja": "ページには analysis.rollout.rollout の float32 の値をそのまま保存しています（表示は有効数字 4 桁）。",
        "en": "The page holds analysis.rollout.rollout's float32 values as they are (shown to 4 significant digits).",
    },
    "census_sink_means": {
        "ja": "重みの半分以上を先頭トークンに置く（attention sink）。",
        "en": "puts at least half of its weight on the first token (an attention sink).",
    },
    "census_sink_vw": {
        "ja": "実際に運ぶ量は、ヒートマップの「表示する量」を「ノルムを掛けた寄与」にすると見られます。",
        "en": "How much it actually carries: the heatmap's value-weighted switch.",
    },
    "vw_show": {"ja": "表示する量", "en": "Show"},
    "vw_option": {"ja": "ノルムを掛けた寄与（‖w·vW_O‖ の割合）", "en": "value-weighted (‖w·vW_O‖ share)"},
    "vw_share": {"ja": "寄与の割合", "en": "value-weighted share"},
    "vw_norm": {"ja": "この Key の ‖v W_O‖", "en": "‖v W_O‖ of this key"},
    "vw_mean": {
        "ja": "ヘッド平均 = 各ヘッドの寄与の割合の平均。",
        "en": "Head mean = the mean of the heads' value-weighted shares.",
    },
    "vw_hint": {
        "ja": "寄与の割合 = w·‖v_k W_O‖ / Σ_k' w·‖v_k' W_O‖（Kobayashi ら 2020: 重みに、その Key の値ベクトルが"
              "出力射影を通ったあとの大きさを掛ける）。分母は Python で正確に計算したもの。"
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
    "presets": {"ja": "チュートリアルの手順", "en": "The tutorial's steps"},
    "preset_tutorial": {"ja": "元の例 (Tokyo is beautiful)", "en": "The example (Tokyo is beautiful)"},
    "preset_step1": {"ja": "手順 1: トークンを増やす", "en": "Step 1: more tokens"},
    "preset_step2": {"ja": "手順 2: d_model を大きく", "en": "Step 2: a wider d_model"},
    "preset_step3": {"ja": "手順 3: マルチヘッド", "en": "Step 3: multi-head"},
    "preset_step4": {"ja": "手順 4: 本物の文を本物のモデルへ", "en": "Step 4: a real sentence, a real model"},
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
        "ja": "長すぎて 1 ファイルのページにはできません（ここで詳細ズームを使ってください）",
        "en": "too long for a one-file page (use the deep zoom here)",
    },
    "text_hint": {
        "ja": "文を入れて実行すると、サーバーでモデルの各層の Query と Key を記録し、"
              "どのヘッドでも見られるようにします。",
        "en": "Run a sentence: the server records every layer's queries and keys, so that any head can be shown.",
    },
    "model": {"ja": "モデル", "en": "Model"},
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
        "ja": "各マスは 1 つのヘッド（全 Query 行の平均）。クリックすると詳細ズームで開きます。",
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
        "ja": "attnlab: 静止画のプレビュー。操作できるページは、信頼したノートブックでセルを実行するか、"
              "attnlab.write_html(trace, \"page.html\") で保存してブラウザで開くと見られます。",
        "en": "attnlab: a static preview. To see the interactive page, run the cell in a trusted notebook, "
              "or save it with attnlab.write_html(trace, \"page.html\") and open that in a browser.",
    },
    # the lesson's exercises (attnlab.lesson) ------------------------------------------------------
    "ex_no_answer": {
        "ja": "まだ答えがありません。answer = のあとに答えを書いて、このセルをもう一度実行してください。",
        "en": "No answer yet: write it after answer = and run this cell again.",
    },
    "ex_right": {"ja": "正解です。{why}", "en": "Right. {why}"},
    "ex_wrong": {
        "ja": "違います（あなたの答え: {given}）。ヒント: {hint}",
        "en": "Not quite (you answered {given}). Hint: {hint}",
    },
    "ex_solution": {"ja": "答え: {answer}。{why}", "en": "Answer: {answer}. {why}"},
    "ex_top_key_why": {
        "ja": "{q} の行で一番大きい重みは {k} の {w:.4f}、2 番目は {k2} の {w2:.4f}（一様なら {u:.4f}）。",
        "en": "In the row of {q} the largest weight is {w:.4f} on {k}, the next {w2:.4f} on {k2} "
              "(uniform would be {u:.4f}).",
    },
    "ex_top_key_hint": {
        "ja": "重み（softmax の後）の、その Query の行を見比べてください。スコアではなく重みの行です。",
        "en": "compare the weights (after the softmax) along that query's row, not the scores.",
    },
    "ex_sharper_head_why": {
        "ja": "{q} の行の最大の重みは {each}。いちばん集中しているのはヘッド {h} です。",
        "en": "The top weight in the row of {q} is {each}; head {h} is the most focused.",
    },
    "ex_sharper_head_hint": {
        "ja": "ヘッドごとの重みの図で、その行のいちばん濃いセルを比べてください。",
        "en": "in the per-head weights, compare the darkest cell of that row.",
    },
    "ex_weight_why": {"ja": "{q} → {k} の重みは {w:.4f} です。", "en": "The weight of {q} -> {k} is {w:.4f}."},
    "ex_weight_hint": {
        "ja": "重みの行列で、行が Query、列が Key です。小数第 2 位まで答えてください。",
        "en": "in the weights, rows are queries and columns keys; answer to two decimals.",
    },
    "ex_sharper_of_why": {
        "ja": "{q} の行の最大の重みは {each}。最も鋭いのは {name} = {v} のときです。",
        "en": "The top weight in the row of {q} is {each}: sharpest at {name} = {v}.",
    },
    "ex_sharper_of_hint": {
        "ja": "それぞれの重みの行で最大の値を比べてください。",
        "en": "compare the largest weight of that row in each.",
    },
    # attnlab why: one cell's score explained (analysis.why) ---------------------------------------
    "why_cell": {
        "ja": "層 {layer} ヘッド {head}: Query {q} 「{qt}」 → Key {k} 「{kt}」",
        "en": "layer {layer} head {head}: query {q} \"{qt}\" -> key {k} \"{kt}\"",
    },
    "why_score": {
        "ja": "スコア {score:.4f} = q·k × {scale:.4f}（{d} 次元の項の和 {dot:.4f}）",
        "en": "score {score:.4f} = q.k x {scale:.4f} (the sum of {d} per-dimension terms, {dot:.4f})",
    },
    "why_additions": {
        "ja": "内積のあとに加わるもの: {what}（合計 {added:+.4f}）",
        "en": "applied after the dot product: {what} (adding {added:+.4f} in all)",
    },
    "why_row": {
        "ja": "重み {weight:.4f}: この行で {rank} 番目に大きいスコア（見える Key {visible} 個、行の lse {lse:.4f}）",
        "en": "weight {weight:.4f}: rank {rank} of the {visible} keys this row sees (the row's lse {lse:.4f})",
    },
    "why_temperature": {
        "ja": "重みは softmax(スコア ÷ 温度 {T:g}) から（lse もスコア ÷ 温度の値）",
        "en": "weights are softmax(score / temperature {T:g}) (the lse is of score / temperature too)",
    },
    "why_top_terms": {"ja": "寄与の大きい次元（項 = q[d]·k[d]·スケール）:", "en": "largest terms (q[d] k[d] scale):"},
    "why_rope": {
        "ja": "RoPE: 回転前の q, k の内容 {content:.4f} + 位置（回転）の寄与 {position:+.4f} = {dot:.4f}",
        "en": "RoPE: content (un-rotated q, k) {content:.4f} + position (the rotation) {position:+.4f} = {dot:.4f}",
    },
    "why_band": {
        "ja": "  ペア {lo}-{hi}（1 周 {w0:.1f}-{w1:.1f} トークン）: 内容 {content:+.4f}、位置 {position:+.4f}",
        "en": "  pairs {lo}-{hi} (a turn every {w0:.1f}-{w1:.1f} tokens): content {content:+.4f}, "
              "position {position:+.4f}",
    },
    # attnlab text --generate: the steps (analysis.steps) -------------------------------------------
    "steps_title": {"ja": "生成した {n} トークン（{how}）:", "en": "{n} generated tokens ({how}):"},
    "steps_greedy": {"ja": "貪欲法: 毎回いちばん確率の高いトークン", "en": "greedy: the most probable token each time"},
    "steps_sampled": {
        "ja": "サンプリング: 温度 {T:g}、上位 k = {k}、seed {seed}",
        "en": "sampled: temperature {T:g}, top-k {k}, seed {seed}",
    },
    "steps_line": {
        "ja": "{i:>4}. 位置 {pos} {token}（確率 {p:.3f}、{rank} 位）候補: {top}",
        "en": "{i:>4}. position {pos} {token} (p {p:.3f}, rank {rank}); candidates: {top}",
    },
    "steps_lens": {"ja": "各層の出力の 1 位（ロジットレンズ）:", "en": "each layer's top token (logit lens):"},
    # attnlab flow: information-flow routes (analysis.flow) ------------------------------------------
    "flow_title": {
        "ja": "トークン {i} 「{text}」の表現ができるまでの経路（しきい値 τ = {tau:g}、残った辺 {n} 本）",
        "en": "routes into token {i} \"{text}\" (threshold tau = {tau:g}; {n} edges kept)",
    },
    "flow_layer": {"ja": "層 {layer}:", "en": "layer {layer}:"},
    "flow_edge": {
        "ja": "{j}「{src}」→{i}「{dst}」 {v:.3f}（主にヘッド {h}）",
        "en": "{j} \"{src}\" -> {i} \"{dst}\" {v:.3f} (mostly head {h})",
    },
    "flow_more": {"ja": "、ほか {n} 本", "en": ", and {n} more"},
    "flow_reached": {
        "ja": "層 0 で経路に入るトークン {n} 個: {which}",
        "en": "{n} tokens enter the routes at layer 0: {which}",
    },
    "why_toy": {
        "ja": "x_i[m]·(W_Q W_Kᵀ)[m, n]·x_j[n]·スケール の {n}×{n} 項（行 m、列 n、和 {dot:.4f}）:",
        "en": "the {n} x {n} terms x_i[m] (W_Q W_K^T)[m, n] x_j[n] scale (row m, column n; they sum to {dot:.4f}):",
    },
}


def check_lang(lang: str) -> str:
    """`lang` itself when it is one of LANGS; else an AttnlabError naming the choices."""
    if lang not in LANGS:
        raise AttnlabError(f"lang {lang!r} is not available: choose one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str = "ja", **fields: object) -> str:
    """The string `key` in `lang`, formatted with `fields`."""
    text = STRINGS[key][check_lang(lang)]
    return text.format(**fields) if fields else text


def page_labels(keys: set[str] | frozenset[str], lang: str) -> dict[str, str]:
    """{key: text} of `keys` in `lang`, unformatted (the page script fills in {n}, {w} itself)."""
    check_lang(lang)
    missing = sorted(k for k in keys if k not in STRINGS)
    if missing:
        raise KeyError(f"the page script uses labels missing from i18n.STRINGS: {', '.join(missing)}")
    return {k: STRINGS[k][lang] for k in sorted(keys)}
