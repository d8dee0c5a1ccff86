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
    "title_weights": {"ja": "Self-Attention 重み行列", "en": "Self-Attention Weight Matrix"},
    "title_x": {"ja": "入力埋め込み x", "en": "Input token embeddings (x)"},
    "title_scores": {"ja": "生スコア QKᵀ/√d", "en": "Raw Attention Scores (QK^T / sqrt(d))"},
    "title_norm": {"ja": "正規化された重み softmax", "en": "Normalized Attention Weights"},
    "title_out": {"ja": "出力表現 重み×V", "en": "Output representations"},
    "title_q": {"ja": "クエリ Q = x W_Q", "en": "Queries Q = x W_Q"},
    "title_k": {"ja": "キー K = x W_K", "en": "Keys K = x W_K"},
    "title_v": {"ja": "バリュー V = x W_V", "en": "Values V = x W_V"},
    "title_seed": {"ja": "seed {seed}", "en": "seed {seed}"},
    "title_seeds": {"ja": "同じ入力 x、異なる seed の重み", "en": "The same input x under different seeds"},
    "title_heads": {"ja": "ヘッドごとの重み ({heads} ヘッド)", "en": "Weights per head ({heads} heads)"},
    "title_head_map": {"ja": "{model}: {layer}、{which}", "en": "{model}: {layer}, {which}"},
    "title_grid": {"ja": "{model}: 全層・全ヘッド ({n} トークン)", "en": "{model}: every layer and head ({n} tokens)"},
    "title_layer_means": {"ja": "{model}: 層ごとの全ヘッド平均", "en": "{model}: mean over heads, per layer"},
    "key_pos_axis": {"ja": "Key (参照側) k_pos", "en": "Key (attended) k_pos"},
    "query_pos_axis": {"ja": "Query (注目側) q_pos", "en": "Query (attending) q_pos"},
    "masked_legend": {"ja": "灰色 = マスク (因果)", "en": "grey = masked (causal)"},
    # command line -------------------------------------------------------------------------------
    "figures_written": {"ja": "図を保存しました", "en": "figures written"},
    "page_written": {"ja": "ページを保存しました", "en": "page written"},
    "top_header": {
        "ja": "{model}: {layer}、{which}（{n_layers} 層 x {n_heads} ヘッド、kv ヘッド {n_kv}）。"
              "{unit} → 最も注目する先",
        "en": "{model}: {layer}, {which} ({n_layers} layers x {n_heads} heads, {n_kv} kv heads); "
              "{unit} -> most attended",
    },
    "generated_from": {
        "ja": "{start} 番目以降の{unit}（* 印）は貪欲生成したトークン",
        "en": "{unit}s from {start} on (marked *) were generated greedily",
    },
    "demo_step4": {
        "ja": "ステップ 4: 本物の文を本物のモデルへ (all-MiniLM-L6-v2、最終層、全ヘッド平均)",
        "en": "Step 4: a real sentence through a real model (all-MiniLM-L6-v2, last layer, mean of the heads)",
    },
    "demo_note": {
        "ja": "注: チュートリアルの「Tokyo は自分自身に強く注目」といった読み方は説明用の例で、"
              "このコードの出力ではありません。上の数値ではどの行もほぼ一様です。",
        "en": "Note: the tutorial's readings (\"Tokyo attends strongly to itself\", ...) are illustrative "
              "examples, not this code's output; in the numbers above every row is nearly uniform.",
    },
    # explanations (attnlab.analysis.explain) ----------------------------------------------------
    "explain_title": {"ja": "読み取れること:", "en": "What the numbers show:"},
    "row_only": {"ja": "自分しか見えない (因果マスク)", "en": "can only see itself (causal mask)"},
    "row_uniform": {"ja": "ほぼ一様", "en": "nearly uniform"},
    "row_focused": {"ja": "集中している", "en": "focused"},
    "row_spread": {"ja": "分散している", "en": "spread"},
    "row_line": {
        "ja": "- {q} → {k} に最大の重み {w:.2f}（一様なら {u:.2f}）。エントロピー比 {ratio:.2f}: {kind}",
        "en": "- {q} -> {k} gets the most weight, {w:.2f} (uniform would be {u:.2f}); "
              "entropy ratio {ratio:.2f}: {kind}",
    },
    "row_only_line": {"ja": "- {q}: {kind}", "en": "- {q}: {kind}"},
    "all_uniform": {
        "ja": "すべての行がほぼ一様です（どの行も最大の重みは {top:.2f}）。",
        "en": "Every row is nearly uniform (no weight above {top:.2f}).",
    },
    "all_uniform_why": {
        "ja": "すべての行がほぼ一様です（最大の重みでも {top:.2f}）。理由: 各行のスコアの差は最大 {r:.2f} "
              "しかなく、softmax はスコア差 r を重みの比 e^r に変えるので、"
              "重みの違いは最大 {ratio:.2f} 倍にとどまります。",
        "en": "Every row is nearly uniform (no weight above {top:.2f}). Why: within each row the scores differ "
              "by at most {r:.2f}, and softmax turns a score difference r into a weight ratio e^r, so no "
              "weight is more than {ratio:.2f}x another in its row.",
    },
    "random_small_d": {"ja": "、d_head = {d} と小さい", "en": ", and d_head = {d} is tiny"},
    "random_weights_why": {
        "ja": "W_Q・W_K・W_V は学習していない乱数で{small}ため、特定のトークンの組だけが強く一致する理由がありません。",
        "en": " W_Q, W_K and W_V are random draws, not trained{small}, "
              "so nothing makes one token's key match a query much better than another's.",
    },
    "row_counts": {
        "ja": "集中 {focused} 行、分散 {spread} 行、ほぼ一様 {uniform} 行。",
        "en": "{focused} focused, {spread} spread, {uniform} nearly uniform rows.",
    },
    "temperature_note": {
        "ja": "温度 {T:g}: スコアを {T:g} で割ってから softmax（小さいほど鋭く、大きいほど一様に）。",
        "en": "Temperature {T:g}: scores are divided by {T:g} before the softmax "
              "(lower is sharper, higher is flatter).",
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
    # pages (the page script reads these by key; see `page_labels`) ------------------------------
    "page_title": {"ja": "アテンションの可視化", "en": "Attention, visualised"},
    "heatmap": {"ja": "ヒートマップ", "en": "Heatmap"},
    "headview": {"ja": "ヘッドビュー", "en": "Head view"},
    "modelview": {"ja": "モデルビュー", "en": "Model view"},
    "pipeline": {"ja": "計算の流れ", "en": "Pipeline"},
    "scale": {"ja": "色の尺度", "en": "Colour scale"},
    "scale_linear": {"ja": "線形 0〜1", "en": "linear 0-1"},
    "scale_row": {"ja": "行ごとの最大", "en": "per-row max"},
    "scale_log": {"ja": "対数", "en": "log"},
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
    "selected_sum": {"ja": "選択したトークンの注目の合計", "en": "Summed attention of the selected tokens"},
    "clear": {"ja": "選択を解除", "en": "Clear selection"},
    "too_many_tokens": {
        "ja": "トークンが多すぎて線を描けません（上限 {n}）: ヒートマップを使ってください",
        "en": "Too many tokens to draw lines (limit {n}): use the heatmap",
    },
    "toy_only": {
        "ja": "計算の流れはトイ（attnlab toy）のトレースでだけ見られます",
        "en": "The pipeline is shown for toy traces (attnlab toy) only",
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
