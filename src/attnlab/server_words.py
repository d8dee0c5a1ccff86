"""The web app's own words: its refusals and notes, in the language a request names (server/messages.py
says them; merged into `i18n.STRINGS`, kept apart so i18n.py stays about the mechanism and the shared
vocabulary). Japanese in です・ます.
"""

from __future__ import annotations

SERVER_STRINGS: dict[str, dict[str, str]] = {
    # the web app's own refusals (server/messages.py: in the language a request names) --------------
    "srv_host": {
        "ja": "ホスト {host} はこのサーバーではありません: アドレス（{url}）で開いてください（DNS "
              "リバインディング対策のため、ほかの名前は拒否します）",
        "en": "host {host} is not this server: open it by its address ({url}); other names are refused against DNS "
              "rebinding",
    },
    "srv_token": {
        "ja": "このサーバーにはアクセストークンが必要です: 起動時に表示されたアドレス（…/?token=...）を開くか、"
              "Authorization: Bearer <token> を送ってください",
        "en": "this server needs its access token: open the address printed when it started (…/?token=...), or send "
              "Authorization: Bearer <token>",
    },
    "srv_origin": {
        "ja": "{origin} からのリクエストは拒否します: このサーバー自身のページを使ってください",
        "en": "requests from {origin} are refused: use this server's own pages",
    },
    "srv_body_length": {
        "ja": "リクエスト本体が {length} バイトあります。このサーバーが受け付けるのは {limit} バイトまでです",
        "en": "the request body is {length} bytes; this server accepts at most {limit}",
    },
    "srv_body_over": {
        "ja": "リクエスト本体がこのサーバーの上限 {limit} バイトを超えています",
        "en": "the request body is over {limit} bytes, this server's limit",
    },
    "srv_json_type": {
        "ja": "本体は JSON で送ってください（Content-Type: application/json）。届いたのは {given} です",
        "en": "send the body as JSON (Content-Type: application/json), not {given}",
    },
    "srv_not_utf8": {
        "ja": "リクエスト本体が UTF-8 のテキストではありません",
        "en": "the request body is not UTF-8 text",
    },
    "srv_bad_json": {
        "ja": "リクエスト本体が正しい JSON ではありません: {line} 行 {col} 列で {msg}",
        "en": "the request body is not valid JSON: {msg} at line {line} column {col}",
    },
    "srv_not_object": {
        "ja": "リクエスト本体はオプションの JSON オブジェクトにしてください。届いたのは {kind} です",
        "en": "the request body must be a JSON object of options, got {kind}",
    },
    "srv_constant": {
        "ja": "{name} は JSON で使える数ではありません: 有限の数を指定してください",
        "en": "{name} is not a number JSON allows: give finite numbers",
    },
    "srv_too_deep": {
        "ja": "リクエスト本体の入れ子が {depth} 段あります。このサーバーが読むのは {limit} 段までです",
        "en": "the request body nests {depth} levels deep; this server reads at most {limit}",
    },
    "srv_long_int": {
        "ja": "リクエスト本体に {digits} 桁の整数（{shown}）があります。このサーバーが読むのは {limit} 桁までです",
        "en": "the request body holds an integer of {digits} digits ({shown}); this server reads at most {limit}",
    },
    "srv_float_range": {
        "ja": "リクエスト本体の数 {shown} は 64 ビット浮動小数点数の範囲を超えています: 有限の数を指定してください",
        "en": "the number {shown} in the request body is beyond what a 64-bit float holds: give finite numbers",
    },
    "srv_surrogate": {
        "ja": "{where} に対になっていないサロゲート（{at} 文字目の {code}）があり、Unicode のテキストではありません: "
              "正しい UTF-8 で送ってください",
        "en": "{where} holds a lone surrogate ({code} at character {at}), which is not Unicode text: send valid UTF-8",
    },
    "srv_unknown_option": {
        "ja": "{what} のオプション {name} はありません: {names} から選んでください",
        "en": "unknown {what} option {name}: choose from {names}",
    },
    "srv_int": {
        "ja": "{name} は整数にしてください。届いたのは {given} です",
        "en": "{name} must be an integer, got {given}",
    },
    "srv_int_min": {
        "ja": "{name} は {lo} 以上にしてください。届いたのは {given} です",
        "en": "{name} must be {lo} or more, got {given}",
    },
    "srv_int_range": {"ja": "{name} {given} は {lo}..{hi} の範囲外です", "en": "{name} {given} is outside {lo}..{hi}"},
    "srv_bool": {
        "ja": "{name} は true か false にしてください。届いたのは {given} です",
        "en": "{name} must be true or false, got {given}",
    },
    "srv_number": {
        "ja": "{name} は有限の数にしてください。届いたのは {given} です",
        "en": "{name} must be a finite number, got {given}",
    },
    "srv_text_missing": {
        "ja": "text がありません: 取り込む文を指定してください",
        "en": "text is missing: give the sentence to capture",
    },
    "srv_text_type": {
        "ja": "text は文字列にしてください。届いたのは {kind} です",
        "en": "text must be a string, got {kind}",
    },
    "srv_model": {
        "ja": "モデル {model} はここでは使えません: {models} "
              "から選んでください（サーバーが読み込むのは登録済みのモデルと起動時に --model で指定したものだけです）",
        "en": "model {model} is not served here: choose {models} (the server loads only the registry's models and "
              "those given with --model at start)",
    },
    "srv_trace_unknown": {
        "ja": "このサーバーにトレース {tid!r} はありません: ここで作られていないか、保存された記録がリンクの保存領域"
              "（--link-store）に収めるために消されました。もう一度実行してください",
        "en": "no trace {tid!r} on this server: it was not made here, or its saved record was removed to keep the "
              "link store within --link-store; run it again",
    },
    "srv_trace_gone": {
        "ja": "トレース {tid} は新しいトレースのためにサーバーのメモリ（--max-cache {cap}）から外されました: "
              "もう一度実行してください",
        "en": "trace {tid} was evicted from the server's memory (--max-cache {cap}) to make room for newer ones: run "
              "it again",
    },
    "srv_trace_large": {
        "ja": "このトレースには {need} のメモリが要り、サーバーがこの種類のトレースに使える {cap}（--max-cache "
              "の割り当て）を超えます: 入力を小さくするか、--max-cache を大きくしてサーバーを起動し直してください",
        "en": "this trace needs {need} of memory, more than the {cap} the server keeps such traces in (their share "
              "of --max-cache): use a smaller input, or restart the server with a larger --max-cache",
    },
    "srv_link_damaged": {
        "ja": "トレース {tid} の保存された記録が壊れていて、作り直せません: もう一度実行してください",
        "en": "the saved record of trace {tid} is damaged, so the trace cannot be made again: run it again",
    },
    "srv_link_large": {
        "ja": "トレース {tid} の保存された記録は {size} あり、1 件に読める上限 {cap}（--link-store の割り当て）を"
              "超えるため作り直せません: もう一度実行してください",
        "en": "the saved record of trace {tid} is {size}, more than the {cap} one record may take (its share of "
              "--link-store), so the trace cannot be made again: run it again",
    },
    "srv_link_model": {
        "ja": "トレース {tid} はモデル {model} で作られましたが、このサーバーは今そのモデルを提供していません"
              "（{models}）: 別のモデルでもう一度実行してください",
        "en": "trace {tid} was made with the model {model}, which this server does not offer now ({models}): run it "
              "again with one of those",
    },
    "srv_link_refused": {
        "ja": "トレース {tid} を同じ入力から作り直せません（{why}）: 入力を変えてもう一度実行してください",
        "en": "trace {tid} cannot be made again from its inputs ({why}): run it again with other settings",
    },
    "srv_client_gone": {"ja": "クライアントがリクエストを閉じました", "en": "the client closed the request"},
    "srv_queue_full": {
        "ja": "{model} の待ち行列がいっぱいです（実行中の取り込みの後ろに {waiting} 件）: "
              "少し待ってからもう一度試してください",
        "en": "the {model} queue is full ({waiting} waiting behind the running capture): try again in a moment",
    },
    "srv_maps_busy": {
        "ja": "マップの計算が {waiting} 件待っています: 少し待ってからもう一度試してください",
        "en": "{waiting} map computations are waiting: try again in a moment",
    },
    "srv_not_found": {
        "ja": "{path} には何もありません: API は /docs を見てください",
        "en": "nothing at {path}: see /docs for the API",
    },
    "srv_method": {"ja": "{path} では {method} は使えません", "en": "{method} is not allowed on {path}"},
    "srv_internal": {
        "ja": "内部エラー（{name}）: 詳しくはサーバーのログにあります",
        "en": "internal error ({name}); the server log has the details",
    },
    "srv_effects_toy": {
        "ja": "ヘッドの効果は実際のモデルのトレースで測ります。トイには編集するモデルがありません",
        "en": "head effects are measured on a real model's trace: a toy has no model to edit",
    },
    "srv_effects_generated": {
        "ja": "このトレースには生成した {n} トークンが含まれます。効果はテキストそのものを読むので、"
              "生成なしのトレースで測ってください",
        "en": "this trace holds {n} generated tokens, and the effects read the text as given: measure them on a "
              "trace without generate",
    },
    "srv_effects_model": {
        "ja": "このトレースのモデル {model} はこのサーバーでは動かせないので、ここではヘッドの効果を測れません",
        "en": "this trace's model {model} does not run on this server, so its head effects cannot be measured here",
    },
    "srv_effects_long": {
        "ja": "{n} トークンは、ここでヘッドの効果を測るには長すぎます（{most} トークンまで）。"
              "attnlab effects を使ってください",
        "en": "{n} tokens is too long to measure head effects here (at most {most}): use attnlab effects",
    },
    "srv_effects_long_exact": {
        "ja": "{methods} はヘッドごとにモデルを実行するので、ここでは {most} トークンまでです（このテキストは {n} "
              "トークン）。attribution か dla を選ぶか、attnlab effects を使ってください",
        "en": "{methods} run the model once per head: here up to {most} tokens (this text has {n}); choose "
              "attribution or dla, or use attnlab effects",
    },
    "srv_effects_none": {
        "ja": "このテキストでは、既定の時間内に終わる手法がありません。手法を選んでください",
        "en": "no method is cheap enough to run by default on this text: tick one",
    },
    "srv_effects_methods": {
        "ja": "methods は {methods} から選んだ名前のリスト（重複なし）にしてください。届いたのは {given} です",
        "en": "methods must be a list of distinct names out of {methods}, got {given}",
    },
    "srv_effects_string": {
        "ja": "{name} は空でない文字列にしてください。届いたのは {given} です",
        "en": "{name} must be a non-empty string, got {given}",
    },
    "srv_refused": {"ja": "リクエストは拒否されました", "en": "request refused"},
    "srv_invalid": {"ja": "パラメータ {name} が正しくありません: {msg}{got}", "en": "{name} {msg}{got}"},
    "srv_docs_off": {
        "ja": "API リファレンスはオフです（--no-docs）。/openapi.json は API を説明しています",
        "en": "the API reference is off (--no-docs); /openapi.json still describes the API",
    },
    "srv_explain_toy": {
        "ja": "言葉での説明は toy のトレースにだけあります。モデルのトレースでは、ヘッドの一覧（census）"
              "が各ヘッドの働きを示します",
        "en": "explanations in words are made for toy traces; a model trace's head census will say what its heads do",
    },
    "srv_level": {
        "ja": "レベル z={z} はこのトレースにはありません: {n} トークンでは z は 0 から {top} までです",
        "en": "level z={z} is beyond this trace's levels: at {n} tokens z goes from 0 to {top}",
    },
    "srv_tile_outside": {
        "ja": "レベル {z} のタイル ({ty}, {tx}) はこのトレースの外です: ty と tx は {last} までです",
        "en": "tile ({ty}, {tx}) at level {z} is outside this trace: ty and tx go up to {last}",
    },
}
