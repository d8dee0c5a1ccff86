"""Japanese and English strings for printouts, explanations and figures.

`t(key, lang, **fields)` formats one string. Japanese is the default, as in the tutorial.
"""

from __future__ import annotations

from .errors import AttnlabError

LANGS = ("ja", "en")

STRINGS: dict[str, dict[str, str]] = {
    # the tutorial's printout (ja labels are the tutorial's own)
    "shape": {"ja": "入力ベクトル形状:", "en": "Input shape:"},
    "scores": {"ja": "Attentionスコア:", "en": "Attention scores:"},
    "weights": {"ja": "Attention重み:", "en": "Attention weights:"},
    "output": {"ja": "出力ベクトル:", "en": "Output vectors:"},
    "head": {"ja": "ヘッド {h}", "en": "head {h}"},
    "mean_of_heads": {"ja": "全ヘッドの平均", "en": "mean of the heads"},
    "truncated": {
        "ja": "(先頭 {shown}/{total} 列のみ表示。全体は --format json で)",
        "en": "(first {shown} of {total} columns shown; --format json prints all)",
    },
    # figure text
    "key_axis": {"ja": "Key (参照側)", "en": "Key (attended)"},
    "query_axis": {"ja": "Query (注目側)", "en": "Query (attending)"},
    "title_weights": {"ja": "Self-Attention 重み行列", "en": "Self-Attention Weight Matrix"},
    "title_x": {"ja": "入力埋め込み x", "en": "Input token embeddings (x)"},
    "title_scores": {"ja": "生スコア QKᵀ/√d", "en": "Raw Attention Scores (QK^T / sqrt(d))"},
    "title_norm": {"ja": "正規化された重み softmax", "en": "Normalized Attention Weights"},
    "title_out": {"ja": "出力表現 重み×V", "en": "Output representations"},
    "title_q": {"ja": "クエリ Q = x W_Q", "en": "Queries Q = x W_Q"},
    "title_k": {"ja": "キー K = x W_K", "en": "Keys K = x W_K"},
    "title_v": {"ja": "バリュー V = x W_V", "en": "Values V = x W_V"},
    "title_seed": {"ja": "seed {seed}", "en": "seed {seed}"},
    "title_seeds": {
        "ja": "同じ入力 x、異なる seed の重み",
        "en": "The same input x under different seeds",
    },
    "title_heads": {"ja": "ヘッドごとの重み ({heads} ヘッド)", "en": "Weights per head ({heads} heads)"},
    "masked": {"ja": "灰色 = マスク (因果)", "en": "grey = masked (causal)"},
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise AttnlabError(f"unknown language {lang!r}: choose one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str = "ja", **fields: object) -> str:
    """The string `key` in `lang`, formatted with `fields`."""
    return STRINGS[key][check_lang(lang)].format(**fields)
