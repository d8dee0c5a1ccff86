"""Error messages in both languages, the ones a learner meets most (merged into `i18n.STRINGS`).

Keys: `err_*` a message (no final period: advice may follow), `fix_*` advice, with `fix_*_cli`,
`fix_*_python` and `fix_*_app` where the surface changes what to do (a flag, a keyword, a control of
the web app). Made with `i18n.tr_error`; rendered by `i18n.error_text` (docs/architecture.md, "A
string"). Japanese in です・ます; the English text is what str(error) says.
"""

from __future__ import annotations

ERROR_STRINGS: dict[str, dict[str, str]] = {
    # how a message and its advice join -----------------------------------------------------------
    "err_with_fix": {"ja": "{said}。{fix}", "en": "{said}; {fix}"},
    "err_lang": {
        "ja": "言語 {lang!r} はありません: {choices} から選んでください",
        "en": "lang {lang!r} is not available: choose one of {choices}",
    },
    # the toy's settings (toy/checks.py, toy/options.py, toy/run.py) -------------------------------
    "err_toy_int": {
        "ja": "{name} は正の整数にしてください（受け取った値: {got}）",
        "en": "{name} must be a positive integer, got {got}",
    },
    "err_toy_seed_type": {
        "ja": "seed は整数か None にしてください（受け取った値: {got}）",
        "en": "seed must be an integer or None, got {got}",
    },
    "err_toy_temperature_type": {
        "ja": "temperature は 0 より大きい数にしてください（受け取った値: {got}）",
        "en": "temperature must be a number > 0, got {got}",
    },
    "err_toy_causal_type": {
        "ja": "causal は True か False にしてください（受け取った値: {got}）",
        "en": "causal must be True or False, got {got}",
    },
    "err_toy_tokens_string": {
        "ja": "tokens はトークンごとの文字列のリストにしてください（受け取ったのは 1 つの文字列 {text}）: "
              "{example} のようなリストか、{short}.split() を渡してください",
        "en": "tokens must be a list of strings, one per token, got the single string {text}: pass a list such "
              "as {example}, or {short}.split()",
    },
    "err_toy_tokens_type": {
        "ja": "tokens はトークンごとの文字列のリストにしてください（受け取った値: {got}）",
        "en": "tokens must be a list of strings, one per token, got {got}",
    },
    "err_toy_token_type": {
        "ja": "tokens[{i}] が {got} です: トークンはどれも文字列にしてください",
        "en": "tokens[{i}] is {got}: every token must be a string",
    },
    "err_toy_x_type": {
        "ja": "x はトークンごとの数の行にしてください（リストのリスト、または 2 次元のテンソル [q_pos, d_model]）。"
              "受け取った値: {got}",
        "en": "x must be rows of numbers, one per token (a list of lists, or a 2-d tensor [q_pos, d_model]), "
              "got {got}",
    },
    "err_toy_x_row_type": {
        "ja": "x はトークンごとの数の行にしてください: 行 {i} が {got} です",
        "en": "x must be rows of numbers, one per token (a list of lists, or a 2-d tensor [q_pos, d_model]): "
              "row {i} is {got}",
    },
    "err_toy_x_cell_type": {"ja": "x[{i}][{j}] が {got} です: x には数を入れてください",
                            "en": "x[{i}][{j}] is {got}: x must hold numbers"},
    "err_toy_no_tokens": {"ja": "トークンがありません: 少なくとも 1 つ指定してください",
                          "en": "no tokens: give at least one token"},
    "err_toy_empty_token": {"ja": "空のトークンがあります: どのトークンにも文字が必要です",
                            "en": "empty token: every token needs some text"},
    "err_toy_divisible": {
        "ja": "d_model {d_model} は heads {heads} で割り切れません: 各ヘッドが d_model / heads 列を受け持ちます",
        "en": "d_model {d_model} is not divisible by heads {heads}: each head takes d_model / heads columns",
    },
    "err_toy_seed_range": {
        "ja": "seed {seed} は 0〜{top} の範囲外です: torch の乱数生成器は seed の下位 32 ビットしか使わないので、"
              "範囲外の seed は別の seed と同じ重みを引いてしまいます",
        "en": "seed {seed} is outside 0..{top}: torch's generator keeps only the low 32 bits of a seed, so a "
              "seed outside this range would draw the same weights as another one",
    },
    "err_toy_temperature": {"ja": "temperature は 0 より大きい有限の数にしてください（受け取った値: {got}）",
                            "en": "temperature must be a finite number > 0, got {got}"},
    "err_toy_temperature_big": {
        "ja": "temperature {got} は float32（トイの計算の型）に入りません（最大 {top}）",
        "en": "temperature {got} does not fit in float32 (at most {top}), the type the toy computes in",
    },
    "err_toy_temperature_zero": {
        "ja": "temperature {got} は float32 では 0 です（正の最小値は {tiny}）: "
              "スコア ÷ 温度 が 0 での割り算になります",
        "en": "temperature {got} is 0 in float32 (its smallest positive value is {tiny}): scores / temperature "
              "would divide by zero",
    },
    "err_toy_x_rows": {"ja": "x は {rows} 行ですが、トークンは {n} 個です",
                       "en": "x has {rows} rows but there are {n} tokens"},
    "err_toy_x_cols": {"ja": "x の行 {i} は {cols} 列ですが、d_model は {d_model} です",
                       "en": "x row {i} has {cols} columns but d_model is {d_model}"},
    "err_toy_x_finite": {"ja": "x[{i}][{j}] が {v} です: x には有限の数を入れてください",
                         "en": "x[{i}][{j}] is {v}: x must hold finite numbers"},
    "err_toy_x_big": {
        "ja": "x[{i}][{j}] は {v} で、float32（トイの計算の型。大きさ {top} まで）に入りません",
        "en": "x[{i}][{j}] is {v}, which does not fit in float32 (magnitudes up to {top}), the type the toy "
              "computes in",
    },
    "err_toy_non_finite": {"ja": "{stage}{where} が {value} になりました: {cause}",
                           "en": "{stage}{where} is {value}: {cause}"},
    "cause_toy_projection": {
        "ja": "x @ W_{name} が float32 の範囲（{top}）を超えます: x の値が最大 {big} あります。x を小さくしてください",
        "en": "x @ W_{name} goes beyond float32's range ({top}): x holds values up to {big}; scale x down",
    },
    "cause_toy_scores": {
        "ja": "Q と K の内積が float32 の範囲（{top}）を超えます: x の値が最大 {big} あります。x を小さくしてください",
        "en": "the dot products of Q and K go beyond float32's range ({top}): x holds values up to {big}; "
              "scale x down",
    },
    "cause_toy_output": {
        "ja": "重み @ バリュー V が float32 の範囲（{top}）を超えます: x の値が最大 {big} あります。"
              "x を小さくしてください",
        "en": "weights @ V goes beyond float32's range ({top}): x holds values up to {big}; scale x down",
    },
    "cause_toy_temperature": {
        "ja": "温度 {T} は、最大 {top_score} のスコアには小さすぎます: スコア ÷ 温度 が float32 の範囲（{top}）を"
              "超えます。温度を {need} 以上にしてください",
        "en": "temperature {T} is too small for scores up to {top_score}: scores / temperature goes beyond "
              "float32's range ({top}); use a temperature of at least {need}",
    },
    "err_toy_option": {"ja": "トイのオプション {name!r} はありません: {choices} から選んでください",
                       "en": "unknown toy option {name!r}: choose from {choices}"},
    "err_toy_tokens_option": {
        "ja": "tokens は文字列のリストか、単語を空白で区切った 1 つの文字列にしてください（受け取った型: {got}）",
        "en": "tokens must be a list of strings or one string of words, got {got}",
    },
    "err_toy_no_words": {"ja": "トークンがありません: tokens に少なくとも 1 つの単語が必要です",
                         "en": "no tokens: tokens needs at least one word"},
    "err_toy_x_option": {"ja": "x は数のリストを並べた行のリストにしてください",
                         "en": "x must be a list of rows, each a list of numbers"},
    "err_toy_argument": {
        "ja": "run_toy に知らない引数 {name!r} が渡されました: 設定は {choices} です",
        "en": "run_toy got an unknown argument {name!r}: the settings are {choices}",
    },
    # real text and models (models/api.py, models/registry.py) -----------------------------------
    "err_empty_text": {"ja": "テキストが空です: 空白以外の文字を少なくとも 1 つ含む文を指定してください",
                       "en": "the text is empty: give a sentence with at least one non-space character"},
    "err_too_long": {"ja": "テキストは {n} トークンですが、{model} が受け付けるのは最大 {limit} トークンです{room}",
                     "en": "the text is {n} tokens but {model} accepts at most {limit}{room}"},
    "err_room_generating": {"ja": "（{reserve} トークンを生成する分を除く）", "en": " while generating {reserve}"},
    "fix_truncate": {"ja": "--truncate（Python では truncate=True）で残りを切り捨てられます",
                     "en": "pass --truncate (truncate=True) to cut the rest"},
    "fix_truncate_cli": {"ja": "--truncate を付けると残りを切り捨てます", "en": "pass --truncate to cut the rest"},
    "fix_truncate_python": {"ja": "truncate=True を渡すと残りを切り捨てます",
                            "en": "pass truncate=True to cut the rest"},
    "fix_truncate_app": {"ja": "「長すぎる文は切る」にチェックを入れると残りを切り捨てます",
                         "en": "tick \"cut text that is too long\" to cut the rest"},
    "fix_truncate_or_fewer": {
        "ja": "--truncate（Python では truncate=True）で残りを切り捨てるか、生成するトークンを減らしてください",
        "en": "pass --truncate (truncate=True) to cut the rest, or generate fewer",
    },
    "fix_truncate_or_fewer_cli": {"ja": "--truncate を付けて残りを切り捨てるか、--generate を減らしてください",
                                  "en": "pass --truncate to cut the rest, or generate fewer (--generate)"},
    "fix_truncate_or_fewer_python": {"ja": "truncate=True を渡して残りを切り捨てるか、generate を減らしてください",
                                     "en": "pass truncate=True to cut the rest, or generate fewer (generate=)"},
    "fix_truncate_or_fewer_app": {
        "ja": "「長すぎる文は切る」にチェックを入れるか、続けて生成するトークン数を減らしてください",
        "en": "tick \"cut text that is too long\", or generate fewer tokens",
    },
    "err_no_room": {
        "ja": "テキストは {n} トークンで、さらに {reserve} トークンを生成しますが、{model} が受け付けるのは"
              "合わせて最大 {limit} トークンです: 生成するトークンを減らしてください"
              "（テキストの分が残らないので、切り捨てても足りません）",
        "en": "the text is {n} tokens and {reserve} are to be generated, but {model} accepts at most {limit} in "
              "all: generate fewer tokens (truncating cannot help: no room is left for the text)",
    },
    "err_generate_negative": {"ja": "生成するトークン数 {n} は 0 以上にしてください",
                              "en": "--generate {n}: the number of new tokens must be 0 or more"},
    "err_generate_encoder": {
        "ja": "生成にはデコーダのモデルが必要ですが、{model} はエンコーダです（{decoders} を使ってください）",
        "en": "--generate needs a decoder model; {model} is an encoder (try --model {decoders})",
    },
    "err_generate_too_many": {
        "ja": "生成するトークン数 {n} は {model} の上限を超えます: テキストと合わせて最大 {limit} トークンなので、"
              "新しいトークンは最大 {most} 個です",
        "en": "--generate {n} is more than {model} accepts: at most {limit} tokens in all, the text's included, so "
              "at most {most} new ones",
    },
    "err_model_empty": {"ja": "モデル名が空です: {choices} から選んでください",
                        "en": "the model name is empty: choose {choices}"},
    "err_model_unknown": {"ja": "モデル {name!r} はありません: {choices} から選んでください",
                          "en": "unknown model {name!r}: choose {choices}"},
    "err_model_no_folder": {"ja": "{name} にフォルダがありません: {choices} から選んでください",
                            "en": "no folder at {name}: choose {choices}"},
    "err_model_bad_hub_id": {
        "ja": "{name!r} はここにあるモデルでも、ハブの ID として正しい形（owner/name: 英数字と '-', '_', '.'。"
              "空白なし）でもありません: {choices} から選んでください",
        "en": "{name!r} is neither a model here nor a valid hub id (owner/name: letters, digits, '-', '_', '.'; "
              "no spaces): choose {choices}",
    },
    "model_choices": {"ja": "{names}、ローカルのモデルフォルダ、または owner/name 形式のハブ ID",
                      "en": "{names}, a local model folder, or a hub id like owner/name"},
    # layers, heads and positions of a trace (trace/base.py, lesson.py) ---------------------------
    "err_layer_range": {"ja": "層 {layer} は範囲外です: このトレースの層は 0〜{last} です",
                        "en": "layer {layer} is out of range: this trace has layers 0..{last}"},
    "fix_layer_cli": {"ja": "--layer に 0〜{last} を指定してください", "en": "give --layer 0..{last}"},
    "fix_layer_python": {"ja": "layer= に 0〜{last} を渡してください", "en": "pass layer=0..{last}"},
    "fix_layer_app": {"ja": "層の選択から選んでください", "en": "pick one in the layer selector"},
    "fix_layer": {"ja": "0〜{last} を指定してください", "en": "give 0..{last}"},
    "err_head_range": {"ja": "ヘッド {head} は範囲外です: このトレースのヘッドは 0〜{last} です",
                       "en": "head {head} is out of range: this trace has heads 0..{last}"},
    "fix_head_cli": {"ja": "--head に 0〜{last} を指定してください", "en": "give --head 0..{last}"},
    "fix_head_python": {"ja": "head= に 0〜{last}（全ヘッドの平均は None）を渡してください",
                        "en": "pass head=0..{last} (None: the mean of the heads)"},
    "fix_head_app": {"ja": "ヘッドの選択から選んでください", "en": "pick one in the head selector"},
    "fix_head": {"ja": "0〜{last} を指定してください", "en": "give 0..{last}"},
    "err_position_range": {"ja": "位置 {pos} は範囲外です: このトレースの位置は 0〜{last} です",
                           "en": "position {pos} is out of range: this trace has positions 0..{last}"},
    "err_token_nowhere": {"ja": "トークン {token!r} は {tokens} のどこにもありません: 位置の番号で指定してください",
                          "en": "token {token!r} occurs nowhere in {tokens}: give its position instead"},
    "err_token_repeated": {
        "ja": "トークン {token!r} は {tokens} の位置 {where} にあります: どれか 1 つの位置の番号で指定してください",
        "en": "token {token!r} occurs at positions {where} in {tokens}: give its position instead",
    },
    "err_values_per_trace": {"ja": "トレースごとに値を 1 つ指定してください: トレース {n} 個に値 {m} 個です",
                             "en": "give one value per trace: {n} traces, {m} values"},
    "err_too_few_tokens": {"ja": "{what}には少なくとも {needed} トークンが必要ですが、{n} トークンしかありません: "
                                 "もっと長いテキストにしてください",
                           "en": "{what} needs at least {needed} tokens, got {n}: give a longer text"},
    "what_census": {"ja": "ヘッド調査", "en": "the head census"},
    "what_key_mass": {"ja": "キーの取り分（key mass）", "en": "key mass"},
    "err_census_nothing": {"ja": "head_census にはトレース、モデル名、プローブのどれかが必要です",
                           "en": "head_census needs a trace, a model name or a probe"},
    "err_census_no_probe": {"ja": "テキストなしの head_census にはプローブが必要です: probe=True を渡してください",
                            "en": "head_census without a text needs the probe: pass probe=True"},
    "err_rollout_full": {
        "ja": "{n} トークンのロールアウト全体には {n} x {n} の行列が要ります（max_tokens={most}）: "
              "選んだクエリの位置だけなら rollout_rows(trace, rows) を使ってください",
        "en": "the full rollout of {n} tokens needs {n} x {n} maps (max_tokens={most}); use rollout_rows(trace, "
              "rows) for chosen query positions",
    },
    "err_rollout_rows": {"ja": "ロールアウトの行 {rows}: 0〜{last} の位置を指定してください",
                         "en": "rollout rows {rows}: give positions in 0..{last}"},
    "err_words_shape": {"ja": "重みの形が {shape} ですが、トークンは {n} 個です",
                        "en": "pattern has shape {shape} but there are {n} tokens"},
    "what_probe": {"ja": "R = {r} のプローブ", "en": "a probe with R = {r}"},
    "err_printout_part": {"ja": "表示する部分 {part!r} はありません: {choices} から選んでください",
                          "en": "no printout part {part!r}: choose from {choices}"},
    "err_toy_only": {"ja": "この表示には、すべての段階を保存したトイのトレースが必要です（{model!r} にはありません）",
                     "en": "the printout needs a toy trace (every stage kept); {model!r} has none"},
}
