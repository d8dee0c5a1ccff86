"""The words of why one cell scores as it does and of information-flow routes: the printouts
(analysis.why, analysis.flow), the heatmap's why panel, the flow tab and the app's refusals for both
(merged into `i18n.STRINGS`). Japanese in です・ます.
"""

from __future__ import annotations

WHY_STRINGS: dict[str, dict[str, str]] = {
    # attnlab why: one cell's score explained (analysis.why) ---------------------------------------
    "why_cell": {
        "ja": "層 {layer} ヘッド {head}: クエリ {q} 「{qt}」 → キー {k} 「{kt}」",
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
        "ja": "重み {weight:.4f}: この行で {rank} 番目に大きいスコア（見えるキー {visible} 個、行の lse {lse:.4f}）",
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
    # the heatmap's "why this score" panel (views/heatmap/whypanel.js, whychart.js) ------------------------
    "why_panel": {"ja": "このスコアの理由", "en": "Why this score"},
    "why_hint": {
        "ja": "セルをクリックするか、矢印キーで選んで Enter を押すと、そのスコアの内訳を表示します。",
        "en": "Click a cell, or move to it with the arrow keys and press Enter, to see why its score is what it is.",
    },
    "why_close": {"ja": "閉じる", "en": "Close"},
    "why_formula": {"ja": "スコア = Σ_d q_i[d]·k_j[d] × スケール", "en": "score = Σ_d q_i[d] k_j[d] × scale"},
    "why_dot": {"ja": "項の和", "en": "the terms' sum"},
    "why_scale": {"ja": "スケール", "en": "scale"},
    "why_added": {"ja": "内積のあとに加わるもの", "en": "applied after the dot product"},
    "why_rank": {"ja": "行の中での順位", "en": "rank in its row"},
    "why_lse": {"ja": "行の lse", "en": "the row's lse"},
    "why_terms": {"ja": "次元ごとの項 q_i[d]·k_j[d]·スケール", "en": "per-dimension terms q_i[d] k_j[d] scale"},
    "why_top_dims": {"ja": "寄与の大きい次元", "en": "largest terms"},
    "why_top_keys": {"ja": "この行で重みの大きいキー（参照側）", "en": "the row's largest weights"},
    "why_rope_content": {"ja": "内容（回転前の q, k）", "en": "content (un-rotated q, k)"},
    "why_rope_position": {"ja": "位置（回転）の寄与", "en": "position (the rotation)"},
    "why_bands": {
        "ja": "周波数帯ごとの内訳（速い帯はおもに位置、遅い帯はおもに内容を運びます）",
        "en": "per frequency band (fast bands carry mostly position, slow bands mostly content)",
    },
    "why_band_col": {"ja": "帯", "en": "band"},
    "why_band_name": {"ja": "ペア {lo}-{hi}（1 周 {w0}-{w1} トークン）",
                      "en": "pairs {lo}-{hi} (a turn every {w0}-{w1} tokens)"},
    "why_toy_terms": {
        "ja": "x_i[m]·(W_Q W_Kᵀ)[m, n]·x_j[n]·スケール（行 m はクエリの x_i、列 n はキーの x_j。和が項の和です）",
        "en": "x_i[m] (W_Q W_K^T)[m, n] x_j[n] scale (row m: the query's x_i; column n: the key's x_j; they sum "
              "to the terms' sum)",
    },
    "why_masked": {
        "ja": "このセルはマスクで隠れているので、スコアがありません（重みは 0 です）。",
        "en": "The mask hides this cell: it has no score (its weight is 0).",
    },
    "why_hv_hint": {
        "ja": "クエリのトークンを 1 つ選び、ヘッドを 1 つだけ表示しているときは、キーのトークンをクリックする"
              "（キーの列で Enter を押す）と、そのスコアの内訳を表示します。",
        "en": "With one query token selected and one head shown, click a key token (or press Enter in the key "
              "column) to see why its score is what it is.",
    },
    "why_hv_one_head": {
        "ja": "スコアの内訳は 1 つのヘッドについて示します。ヘッドを 1 つだけ表示してください（いま {n} 個）。"
              "ヘッドのボタンで表示を切り替えられます。",
        "en": "The why panel explains one head's score: keep exactly one head shown (now {n}). The head buttons "
              "turn heads on and off.",
    },
    "why_hv_one_query": {
        "ja": "スコアの内訳は 1 つのクエリについて示します。クエリのトークンを 1 つだけ選んでください（いま {n} 個）。",
        "en": "The why panel explains one query's score: select exactly one query token (now {n}).",
    },
    "why_hv_grouped": {
        "ja": "ここでは 1 行が {g} トークンのまとまりなので、1 つのセルのスコアはありません。"
              "ヒートマップでセルを選ぶと、スコアの内訳を見られます。",
        "en": "Each row here is a group of {g} tokens, which has no single score: choose a cell in the heatmap to "
              "see why its score is what it is.",
    },
    "why_mean": {
        "ja": "ヘッドの平均にはスコアがありません。ヘッドを 1 つ選んでから、セルを選んでください。",
        "en": "The head mean has no score: choose one head, then a cell.",
    },
    "why_absent": {
        "ja": "層 {layer} ヘッド {head} のクエリ {query}・キー {key} の内訳は、このページにはありません（ページには層 "
              "{focus_layer} ヘッド {focus_head} の各行で重みの大きいセル {n} 個だけを入れています）。次のコマンドで"
              "表示できます（TEXT はこのページのテキストです）。",
        "en": "This page does not carry layer {layer} head {head}, query {query}, key {key} (it carries the {n} cells "
              "with the largest weights per row of layer {focus_layer} head {focus_head}). This command explains it "
              "(TEXT: this page's text):",
    },
    "why_absent_py": {
        "ja": "層 {layer} ヘッド {head} のクエリ {query}・キー {key} の内訳は、この出力にはありません（入る大きさ"
              "までの {n} 個のセルを、層 {focus_layer} ヘッド {focus_head} から優先して入れています）。ノートブック"
              "で次を実行すると表示できます（trace はこの出力に渡したトレースです）。",
        "en": "This output does not carry layer {layer} head {head}, query {query}, key {key} (it carries the {n} "
              "cells that fit, layer {focus_layer} head {focus_head}'s first). Run this in the notebook to explain "
              "it (trace: the trace you showed):",
    },
    "why_absent_toy": {
        "ja": "層 {layer} ヘッド {head} のクエリ {query}・キー {key} の内訳は、このページにはありません（ページに入る"
              "大きさまでの {n} 個だけを入れています）。同じトイ（seed と x も同じ）で次のコマンドを実行してください。",
        "en": "This page does not carry layer {layer} head {head}, query {query}, key {key} (it carries the {n} cells "
              "that fit). Run this command with the same toy (the same seed and x):",
    },
    # the flow tab (views/flow) and the app's why / flow routes (server/routes_why.py, routes_flow.py) ------
    "flow": {"ja": "情報の経路", "en": "Flow"},
    "flow_figure": {"ja": "情報の経路の図（縦が層、横がトークン）:", "en": "Flow graph (layers up, tokens across):"},
    "flow_hint": {
        "ja": "線の太さと濃さが重要度です。実線はアテンション、破線は残差（そのまま渡る流れ）、点線は FFN です。"
              "アテンションの線かヘッドのボタンを押すと、そのヘッドをヒートマップで開きます。",
        "en": "Line width and opacity show importance: solid lines are attention, dashed the residual stream passed "
              "on, dotted the feed-forward block. Click an attention line or a head's button to open that head in "
              "the heatmap.",
    },
    "flow_edges": {"ja": "アテンションの辺（上の層から、ヘッドは運んだ重要度の大きい順）",
                   "en": "Attention edges (top layer first; heads by the importance they carry)"},
    "flow_none": {"ja": "しきい値を超えるアテンションの辺はありません。しきい値を下げてください。",
                  "en": "No attention edge is above the threshold: lower it."},
    "flow_kind_attention": {"ja": "アテンション", "en": "attention"},
    "flow_kind_attn_residual": {"ja": "残差（そのまま渡る流れ）", "en": "residual stream"},
    "flow_kind_ffn": {"ja": "FFN（フィードフォワード）", "en": "feed-forward block"},
    "flow_kind_ffn_residual": {"ja": "残差（そのまま渡る流れ）", "en": "residual stream"},
    "flow_token_input": {"ja": "トークン", "en": "token"},
    "flow_threshold_input": {"ja": "しきい値 τ", "en": "threshold τ"},
    "flow_compute": {"ja": "経路を計算", "en": "Compute the routes"},
    "flow_compute_hint": {
        "ja": "選んだトークンの表現ができるまでの経路を計算します。モデルでテキストをもう一度実行し、"
              "残差の流れを取ります。",
        "en": "Computes the routes that built the chosen token's representation: the model reads the text again, "
              "keeping its residual stream.",
    },
    "flow_err_other_trace": {
        "ja": "この経路は {model}（{n} トークン）のもので、このトレース（{trace_model}、{trace_n} トークン）のものでは"
              "ありません。同じテキストとモデルで attnlab.flow を計算してください",
        "en": "this flow graph is of {model} ({n} tokens), not of this trace ({trace_model}, {trace_n} tokens): "
              "compute attnlab.flow on the same text and model",
    },
    "srv_why_not_kept": {
        "ja": "このトレース（{model}）はクエリとキーを保持していないので、スコアを項に分けられません"
              "（eager での実行は重みだけを保持します）",
        "en": "this trace ({model}) keeps no queries and keys, so a score cannot be split into its terms (the eager "
              "fallback keeps only weights)",
    },
    "srv_why_position": {
        "ja": "{name} {pos} は範囲外です。このテキストのトークンは 0..{last} です",
        "en": "{name} {pos} is out of range: the text has tokens 0..{last}",
    },
    "srv_why_hidden": {
        "ja": "キー {k} はマスクでクエリ {q} から隠れているので、スコアがありません。"
              "クエリが見るキーを選んでください",
        "en": "the mask hides key {k} from query {q} (it has no score): choose a key the query sees",
    },
    "srv_flow_toy": {
        "ja": "情報の経路は実際のモデルのトレースで計算します。トイには残差の流れがありません",
        "en": "information flow is computed on a real model's trace: a toy has no residual stream",
    },
    "srv_flow_generated": {
        "ja": "このトレースには生成した {n} トークンが含まれます。経路はテキストそのものを読むので、"
              "生成なしのトレースで計算してください",
        "en": "this trace holds {n} generated tokens, and the flow reads the text as given: compute it on a trace "
              "without generation",
    },
    "srv_flow_model": {
        "ja": "このトレースのモデル {model} はこのサーバーでは動かせないので、ここでは経路を計算できません",
        "en": "this trace's model {model} does not run on this server, so its flow cannot be computed here",
    },
    "srv_flow_long": {
        "ja": "{n} トークンは、ここで経路を計算するには長すぎます（{most} トークンまで）。"
              "attnlab flow を使ってください",
        "en": "{n} tokens is too long to compute the flow here (at most {most}): use attnlab flow",
    },
    "srv_flow_keeps": {
        "ja": "このトレース（{model}）はバリューと出力の射影を保持していないので、経路を計算できません",
        "en": "this trace ({model}) keeps no values and output projection, so its flow cannot be computed",
    },
}
