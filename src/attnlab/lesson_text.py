"""The lesson's exercise messages in both languages (merged into `i18n.STRINGS`; used by `attnlab.lesson`).

`ex_*_why` says the computed numbers behind an answer; `ex_*_wrong` and the hints say what is wrong
with a given answer without giving the answer away. Japanese in です・ます.
"""

from __future__ import annotations

LESSON_STRINGS: dict[str, dict[str, str]] = {
    "ex_no_answer": {
        "ja": "まだ答えがありません。answer = のあとに答えを書いて、このセルをもう一度実行してください。",
        "en": "No answer yet: write it after answer = and run this cell again.",
    },
    "ex_right": {"ja": "正解です。{why}", "en": "Right. {why}"},
    "ex_wrong": {"ja": "違います（あなたの答え: {given}）。{hint}", "en": "Not quite (you answered {given}). {hint}"},
    "ex_solution": {"ja": "答え: {answer}。{why}", "en": "Answer: {answer}. {why}"},
    # what an answer could not be read as
    "ex_not_token": {
        "ja": "トークンの文字か位置の番号で答えてください（{tokens}）。",
        "en": "Answer with a token's text or its position ({tokens}).",
    },
    "ex_not_number": {"ja": "数で答えてください（例: 0.25）。", "en": "Answer with a number (for example 0.25)."},
    "ex_not_head": {"ja": "ヘッドの番号 0〜{last} で答えてください。", "en": "Answer with a head number, 0 to {last}."},
    "ex_not_choice": {"ja": "{choices} のどれかで答えてください。", "en": "Answer with one of {choices}."},
    "ex_not_among": {"ja": "{name} は {values} のどれかで答えてください。",
                     "en": "Answer with one of the values of {name}: {values}."},
    "ex_positions_hint": {
        "ja": "位置の番号をリストで答えてください（例: [1, 3]、または \"1, 3\"）。",
        "en": "Answer with a list of positions (for example [1, 3], or \"1, 3\").",
    },
    "ex_too_large": {"ja": "大きすぎます。", "en": "That is too large."},
    "ex_too_small": {"ja": "小さすぎます。", "en": "That is too small."},
    # reading numbers
    "ex_top_key_wrong": {
        "ja": "{g} の重みは {wg:.4f} で、この行にはもっと大きい重み（{w:.4f}）があります。",
        "en": "{g} gets {wg:.4f}; this row has a larger weight ({w:.4f}).",
    },
    "ex_top_key_why": {
        "ja": "{q} の行で一番大きい重みは {k} の {w:.4f}、2 番目は {k2} の {w2:.4f} です（一様なら {u:.4f}）。",
        "en": "In the row of {q} the largest weight is {w:.4f} on {k}, the next {w2:.4f} on {k2} "
              "(uniform would be {u:.4f}).",
    },
    "ex_sink_note": {
        "ja": "「{tok}」は先頭のトークンで、多くのヘッドが見る先のないときに重みを置く「アテンション・シンク」です。"
              "「{tok}」が意味の上で大事だということではありません。",
        "en": " \"{tok}\" is the first token: the attention sink, where many heads put their weight when nothing "
              "in particular matters to them. It does not mean that \"{tok}\" matters for the meaning.",
    },
    "ex_special_note": {
        "ja": "「{tok}」はモデルが付け加えた特別なトークンで、アテンション・シンクと同じく、見る先のない重みの"
              "置き場所になりやすいトークンです（Clark ら 2019）。",
        "en": " \"{tok}\" is a special token the model adds; like the attention sink it is where weight goes when "
              "nothing in particular matters (Clark et al. 2019).",
    },
    "ex_sharper_head_wrong": {
        "ja": "ヘッド {h} のこの行の最大の重みは {w:.2f} で、もっと大きいヘッドがあります。",
        "en": "Head {h}'s largest weight in this row is {w:.2f}; another head's is larger.",
    },
    "ex_sharper_head_why": {
        "ja": "{q} の行の最大の重みは {each} です。いちばん集中しているのはヘッド {h} です。",
        "en": "The top weight in the row of {q} is {each}; head {h} is the most focused.",
    },
    "ex_weight_hint": {
        "ja": "重みの行列では、行がクエリ、列がキーです。",
        "en": " In the weights, rows are queries and columns keys.",
    },
    "ex_weight_why": {"ja": "{q} → {k} の重みは {w:.4f} です。", "en": "The weight of {q} -> {k} is {w:.4f}."},
    "ex_sharper_of_wrong": {
        "ja": "{name} = {v} のときの最大の重みは {w:.2f} で、もっと鋭い値があります。",
        "en": "At {name} = {v} the largest weight is {w:.2f}; another value gives a sharper row.",
    },
    "ex_sharper_of_why": {
        "ja": "{q} の行の最大の重みは {each} です。最も鋭いのは {name} = {v} のときです。",
        "en": "The top weight in the row of {q} is {each}: sharpest at {name} = {v}.",
    },
    # computing and predicting
    "ex_output_hint": {
        "ja": "{q} の重みの行と、バリュー V の列 d{d} を、キーごとに掛けて足してください。",
        "en": " Multiply the weights of the row of {q} by column d{d} of V, key by key, and add them up.",
    },
    "ex_output_head": {
        "ja": "（この列はヘッド {h} の列 {c}: ヘッド {h} の重みとバリューだけを使います）",
        "en": " (this column is head {h}'s column {c}: only head {h}'s weights and values enter)",
    },
    "ex_output_why": {
        "ja": "出力[{q}, d{d}]{head} = {terms} = {x:.4f} です。出力は、重みで平均したバリューです。",
        "en": "output[{q}, d{d}]{head} = {terms} = {x:.4f}. The output is the value vectors averaged with the "
              "weights.",
    },
    "ex_row_sum_scores": {
        "ja": "それはスコアの和です。softmax の後の重みの行を足してください。",
        "en": "That is the sum of the scores; add up the weights (after the softmax).",
    },
    "ex_row_sum_wrong": {
        "ja": "重み（softmax の後）の 1 行を全部足してください。",
        "en": "Add up one whole row of the weights (after the softmax).",
    },
    "ex_row_sum_why": {
        "ja": "{q} の行の重みの和は {s:.6f} です。softmax は各 e^s を行の e^s の和で割るので、どの行も合計 1 に"
              "なります（重みは、行ごとの割合です）。",
        "en": "The weights of the row of {q} add up to {s:.6f}: softmax divides each e^s by the row's sum of e^s, "
              "so every row sums to 1 (weights are shares of a row).",
    },
    "ex_shift_wrong_a": {
        "ja": "softmax の後の行は、いつも合計 1 です。全部の重みが大きくなることはありません。",
        "en": "After the softmax a row always sums to 1: every weight cannot grow.",
    },
    "ex_shift_wrong_b": {
        "ja": "計算してみると、重みは変わります。スコアの差が変わっていないか確かめてください。",
        "en": "Computed, the weights do change: check whether the differences between the scores changed.",
    },
    "ex_shift_wrong_c": {
        "ja": "softmax で効くのはスコアの差だけです。同じ数を足しても、差は変わりません。",
        "en": "Only the differences between scores matter to the softmax, and adding the same number keeps them.",
    },
    "ex_shift_why": {
        "ja": "e^(s + {c:g}) = e^{c:g} × e^s なので、分子も分母も e^{c:g} 倍になり、重みは変わりません"
              "（計算した差は最大 {d:.1g}）。softmax で効くのはスコアの差だけです。",
        "en": "e^(s + {c:g}) = e^{c:g} × e^s: numerator and denominator both grow by e^{c:g}, so the weights stay "
              "(largest change computed: {d:.1g}). Only differences between scores matter to the softmax.",
    },
    "ex_temperature_wrong": {
        "ja": "T = {T:g} はスコアを T で割ります。差が大きくなるか小さくなるかを考えてください。",
        "en": "T = {T:g} divides the scores by T: do the differences between them grow or shrink?",
    },
    "ex_temperature_why": {
        "ja": "スコアを T = {T:g} で割ると、行の中の差は（T = {T0:g} のときの）{f:g} 倍になります。{q} の行の"
              "最大の重みは {a:.4f} → {b:.4f} です。",
        "en": "Dividing the scores by T = {T:g} multiplies every difference within a row by {f:g} (against "
              "T = {T0:g}); the largest weight of the row of {q} goes {a:.4f} -> {b:.4f}.",
    },
    "ex_chars_extra": {
        "ja": "{p} は文字の最初のトークンか、文字全体を持つトークンです。",
        "en": "{p} starts a character, or holds whole characters.",
    },
    "ex_chars_missing": {
        "ja": "まだ {n} 行足りません（ラベル n/m の n が 2 以上のトークンを探してください）。",
        "en": "{n} rows are still missing (look for labels n/m with n of 2 or more).",
    },
    "ex_chars_why": {
        "ja": "{rows} の {n} 行は、前のトークンが始めた文字の続きです（ラベル n/m の n が 2 以上）。"
              "こうした行が同じ文字の前のトークンを見るのは文字を組み立てているからで、直前トークン型の"
              "証拠にはなりません。",
        "en": "These {n} rows continue a character an earlier token began (labels n/m with n of 2 or more): "
              "{rows}. When such a row looks at its character's earlier token it assembles the character, "
              "which is no evidence of a previous-token head.",
    },
    "ex_matrices_hint": {
        "ja": "answer = (W_Q, W_K) の形で、{d}×{d} の有限の数の行列を 2 つ渡してください。",
        "en": "Give answer = (W_Q, W_K): two {d} x {d} matrices of finite numbers.",
    },
    "ex_winner_wrong": {
        "ja": "いま {q} の行で最大の重みを受けるのは {top}（{wt:.2f}）で、{k} は {wk:.2f} です。",
        "en": "Now the row of {q} puts its largest weight, {wt:.2f}, on {top}; {k} gets {wk:.2f}.",
    },
    "ex_winner_why": {
        "ja": "キー k のスコアは (x_q W_Q)·(x_k W_K) なので、x_q W_Q が x_k W_K と同じ向きを向き、他のキーとは"
              "向かないようにすれば {k} が勝ちます。一つの作り方は W_Q = I、W_K = 5 u x_qᵀ です（x u = e_k となる u を"
              "擬似逆行列で求めます）。このとき {q} → {k} の重みは {w:.2f} です。",
        "en": "A key's score is (x_q W_Q)·(x_k W_K): make x_q W_Q point along x_k W_K and away from the other "
              "keys, and {k} wins. One way: W_Q = I, W_K = 5 u x_qᵀ with x u = e_k (u from the pseudo-inverse); "
              "then {q} -> {k} gets {w:.2f}.",
    },
}
