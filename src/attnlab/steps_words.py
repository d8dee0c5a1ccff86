"""The words of `attnlab text --generate`'s printout, the steps tab and the app's generation controls, in
both languages (merged into `i18n.STRINGS`; kept apart so this vocabulary stays in one short file).
Japanese in です・ます.
"""

from __future__ import annotations

STEPS_STRINGS: dict[str, dict[str, str]] = {
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
    # the steps tab (views/steps) ------------------------------------------------------------------
    "steps": {"ja": "生成ステップ", "en": "Steps"},
    "steps_hint": {
        "ja": "スライダー、ボタン、← → キーでステップを動かします。各ステップで、モデルが選んだトークン、候補の確率、"
              "新しいトークンがどこに注目したかを示します。",
        "en": "Move through the steps with the slider, the buttons or the ← → keys. Each step shows the token the "
              "model chose, the candidates' probabilities and where the new token looks.",
    },
    "steps_scrubber": {"ja": "ステップ", "en": "step"},
    "steps_of": {"ja": "ステップ {i} / {n}（位置 {pos}）", "en": "step {i} of {n} (position {pos})"},
    "steps_prev": {"ja": "前のステップ", "en": "previous step"},
    "steps_next": {"ja": "次のステップ", "en": "next step"},
    "steps_sampling": {"ja": "選び方", "en": "how tokens were chosen"},
    "steps_text_so_far": {
        "ja": "ここまでの文（枠は新しいトークン、色は新しいトークンからの重み）",
        "en": "the text so far (outlined: the new token; colour: the new token's weight on each token)",
    },
    "steps_candidates": {
        "ja": "次のトークンの候補（モデルの確率、温度 1 の softmax）",
        "en": "next-token candidates (the model's probabilities: softmax at temperature 1)",
    },
    "steps_chosen": {"ja": "選ばれたトークン", "en": "chosen"},
    "steps_chosen_line": {
        "ja": "選ばれたトークン: {token}（確率 {p}、{rank} 位）",
        "en": "chosen: {token} (p {p}, rank {rank})",
    },
    "steps_row": {
        "ja": "新しいトークン {token}（位置 {pos}）の注目: 重みの大きいキー（参照側）",
        "en": "where the new token {token} (position {pos}) looks: the keys with the most weight",
    },
    "steps_open_heatmap": {"ja": "この行をヒートマップで開く", "en": "open this row in the heatmap"},
    "steps_overview": {
        "ja": "全層・全ヘッド: 新しいトークンがいちばん重みを置くキー（参照側）への重み"
              "（クリックでその層とヘッドを選びます）",
        "en": "every layer and head: the new token's largest weight on one key (click to choose that layer and head)",
    },
    "steps_overview_cell": {
        "ja": "{layer} · {head}: いちばん重いキー（参照側）は {key}、重み {w}",
        "en": "{layer} · {head}: the key with the most weight is {key}, weight {w}",
    },
    "steps_not_held": {
        "ja": "層 {layer} の重みはこのページにありません（--layers で含められます）。一覧の数値は全層ぶんあります。",
        "en": "layer {layer}'s weights are not in this page (--layers adds them); the overview covers every layer.",
    },
    "steps_lens_title": {
        "ja": "ロジットレンズ: 各層の出力から読んだ 1 位のトークン",
        "en": "logit lens: each layer's top token, read from its output",
    },
    "steps_lens_top": {"ja": "1 位のトークン", "en": "top token"},
    # the app's explorer: generation's settings -----------------------------------------------------
    "gen_temperature": {"ja": "温度（0 は貪欲法）", "en": "temperature (0: greedy)"},
    "gen_top_k": {"ja": "上位 k（空欄はすべて）", "en": "top-k (empty: all)"},
    "gen_seed": {"ja": "seed（空欄は自動）", "en": "seed (empty: chosen)"},
    # the server's refusals of a generation's settings (server/inputs.py) --------------------------------
    "srv_gen_encoder": {
        "ja": "{model} はエンコーダーなので、続けて生成できません。生成するトークン数を 0 にするか、"
              "デコーダー（smollm2 など）を選んでください",
        "en": "{model} is an encoder: it does not generate; set the tokens to generate to 0, or choose a decoder "
              "(smollm2)",
    },
    "srv_gen_temperature": {
        "ja": "温度 {given} は使えません。0（貪欲法）か 0 より大きい数にしてください",
        "en": "temperature {given} is not allowed: give 0 (greedy) or a number above 0",
    },
    "srv_gen_needs_generate": {
        "ja": "{name} は生成のときだけ使います。生成するトークン数（generate）を 1 以上にしてください",
        "en": "{name} only applies to generation: set generate to 1 or more",
    },
    "srv_gen_greedy": {
        "ja": "{name} はサンプリングのときだけ意味があります。温度を 0 より大きくしてください"
              "（貪欲法はいつも確率がいちばん高いトークンを選びます）",
        "en": "{name} only matters when sampling: set temperature above 0 (greedy decoding always takes the most "
              "probable token)",
    },
}
