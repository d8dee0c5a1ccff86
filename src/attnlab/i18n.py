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
        "ja": "{start} 番目以降（* 印）は貪欲生成したトークン",
        "en": "tokens from {start} on (marked *) were generated greedily",
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
