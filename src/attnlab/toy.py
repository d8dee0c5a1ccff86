"""The tutorial's toy lab: tokens, x and seeded weights, every stage of self-attention kept.

Defaults reproduce the tutorial's listing 2 bit for bit: tokens Tokyo / is / beautiful, its 3 x 4
x, seed 42, and W_Q, W_K, W_V drawn in that order as `randn(d_model, d_model)` right after
`torch.manual_seed(42)`. We draw from a private `torch.Generator` seeded the same way, which gives
the same numbers without touching the global RNG of the user's notebook.

Where x comes from (in this order):
1. x given by the user (inline, JSON or CSV; see `attnlab.toy_input`);
2. 3 tokens and d_model 4: the tutorial's x (both its listings use it);
3. otherwise generated from the seed: `torch.rand(n_tokens, d_model)` from a generator seeded with
   `seed` (0 when seed is None), rounded to one decimal so it reads like the tutorial's x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

from .attention import attend, causal_mask, merge_heads, split_heads
from .errors import AttnlabError
from .trace import AttentionTrace, Token

TUTORIAL_TOKENS = ("Tokyo", "is", "beautiful")
TUTORIAL_X = (
    (1.0, 0.5, 0.3, 0.2),  # Tokyo
    (0.2, 0.1, 0.9, 0.7),  # is
    (0.8, 0.3, 0.2, 0.4),  # beautiful
)

# What the CLI accepts (the library takes any size the machine holds). Beyond these a figure has no
# room for one readable label per token or per dimension, and the per-head grid stops being legible.
MAX_TOKENS = 256
MAX_D_MODEL = 512
MAX_HEADS = 16


class ToyInputError(AttnlabError):
    """A toy spec that cannot be computed; the message names the value and what was expected."""


@dataclass(frozen=True)
class ToySpec:
    """Everything that determines a toy trace."""

    tokens: tuple[str, ...] = TUTORIAL_TOKENS  # what each row of x stands for
    d_model: int = 4  # width of x and of Q, K, V
    heads: int = 1  # d_model must divide evenly into heads
    seed: int | None = 42  # seeds W_Q, W_K, W_V (and a generated x); None: fresh each time
    temperature: float = 1.0  # softmax(scores / temperature); > 0
    causal: bool = False  # True: token q sees only tokens 0..q
    x: tuple[tuple[float, ...], ...] | None = None  # [q_pos, d_model]; None: see module docstring

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", tuple(str(t) for t in self.tokens))
        if self.x is not None:
            object.__setattr__(self, "x", tuple(tuple(float(v) for v in row) for row in self.x))
        _validate(self)

    @property
    def d_head(self) -> int:
        return self.d_model // self.heads


def _validate(spec: ToySpec) -> None:
    if len(spec.tokens) == 0:
        raise ToyInputError("no tokens: give at least one token")
    if any(t == "" for t in spec.tokens):
        raise ToyInputError("empty token: every token needs some text")
    if not isinstance(spec.d_model, int) or spec.d_model < 1:
        raise ToyInputError(f"d_model must be a positive integer, got {spec.d_model!r}")
    if not isinstance(spec.heads, int) or spec.heads < 1:
        raise ToyInputError(f"heads must be a positive integer, got {spec.heads!r}")
    if spec.d_model % spec.heads:
        raise ToyInputError(
            f"d_model {spec.d_model} is not divisible by heads {spec.heads}: "
            f"each head takes d_model / heads columns"
        )
    t = spec.temperature
    if not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0:
        raise ToyInputError(f"temperature must be a finite number > 0, got {t!r}")
    if spec.x is not None:
        if len(spec.x) != len(spec.tokens):
            raise ToyInputError(f"x has {len(spec.x)} rows but there are {len(spec.tokens)} tokens")
        for i, row in enumerate(spec.x):
            if len(row) != spec.d_model:
                raise ToyInputError(f"x row {i} has {len(row)} columns but d_model is {spec.d_model}")
            for j, v in enumerate(row):
                if not math.isfinite(v):
                    raise ToyInputError(f"x[{i}][{j}] is {v}: x must hold finite numbers")


def check_cli_limits(spec: ToySpec) -> None:
    """The sizes the CLI draws legibly; raise ToyInputError naming the limit and why."""
    if len(spec.tokens) > MAX_TOKENS:
        raise ToyInputError(
            f"{len(spec.tokens)} tokens is more than the toy lab's limit of {MAX_TOKENS}: "
            "beyond that a heatmap has no room for one label per token "
            "(use `attnlab text` and its pages for long inputs)"
        )
    if spec.d_model > MAX_D_MODEL:
        raise ToyInputError(
            f"d_model {spec.d_model} is more than the toy lab's limit of {MAX_D_MODEL}: "
            "the x, Q, K, V and output panels draw one column per dimension"
        )
    if spec.heads > MAX_HEADS:
        raise ToyInputError(
            f"heads {spec.heads} is more than the toy lab's limit of {MAX_HEADS}: "
            "the per-head grid draws one panel per head"
        )


def make_x(spec: ToySpec) -> torch.Tensor:
    """[q_pos, d_model] fp32: the given x, the tutorial's, or one generated from the seed."""
    if spec.x is not None:
        return torch.tensor(spec.x, dtype=torch.float32)
    n = len(spec.tokens)
    if (n, spec.d_model) == (3, 4):
        return torch.tensor(TUTORIAL_X)
    g = torch.Generator().manual_seed(0 if spec.seed is None else spec.seed)
    return (torch.rand(n, spec.d_model, generator=g) * 10).round() / 10


def draw_weights(spec: ToySpec) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """W_Q, W_K, W_V, each [d_model, d_model], drawn as the tutorial draws them."""
    g = torch.Generator()
    if spec.seed is None:
        g.seed()
    else:
        g.manual_seed(spec.seed)
    d = spec.d_model
    return tuple(torch.randn(d, d, generator=g) for _ in range(3))  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class ToyStages:
    """Every stage of the toy computation; per-head tensors have a leading head axis."""

    x: torch.Tensor  # [q_pos, d_model]
    W_Q: torch.Tensor  # [d_model, d_model]
    W_K: torch.Tensor  # [d_model, d_model]
    W_V: torch.Tensor  # [d_model, d_model]
    Q: torch.Tensor  # [head, q_pos, d_head]
    K: torch.Tensor  # [head, k_pos, d_head]
    V: torch.Tensor  # [head, k_pos, d_head]
    scores: torch.Tensor  # [head, q_pos, k_pos], scaled, masked cells -inf, before the temperature
    weights: torch.Tensor  # [head, q_pos, k_pos], rows sum to 1
    head_outputs: torch.Tensor  # [head, q_pos, d_head]
    output: torch.Tensor  # [q_pos, d_model], the heads' outputs concatenated

    @property
    def weights_mean(self) -> torch.Tensor:
        """[q_pos, k_pos]: the heads' weights averaged (the tutorial's "split into heads and average")."""
        return self.weights.mean(dim=0)


class ToyTrace(AttentionTrace):
    """The toy lab's trace: one layer, its spec, and every stage (`trace.stages`)."""

    def __init__(self, spec: ToySpec, stages: ToyStages) -> None:
        self.spec = spec  # everything that determined this trace
        self.stages = stages  # x, W_Q, W_K, W_V, Q, K, V, scores, weights, head_outputs, output
        self.tokens = tuple(Token(text=t, word=i) for i, t in enumerate(spec.tokens))
        self.model = "toy"
        self.n_layers = 1
        self.n_heads = self.n_kv_heads = spec.heads
        self.causal = spec.causal
        self.temperature = spec.temperature

    def _weights(self, layer: int, heads: list[int]) -> torch.Tensor:
        return self.stages.weights[heads]

    def pattern(self, layer: int = 0, head: int | None = 0) -> torch.Tensor:
        """The stage tensor itself (no copy): weights[head], or weights_mean for head=None."""
        self.check_layer_head(layer, head)
        return self.stages.weights_mean if head is None else self.stages.weights[head]

    def scores(self, layer: int, head: int) -> torch.Tensor:
        self.check_layer_head(layer, head)
        return self.stages.scores[head]

    def __repr__(self) -> str:
        s = self.spec
        return (f"ToyTrace(tokens={list(s.tokens)}, d_model={s.d_model}, heads={s.heads}, seed={s.seed}, "
                f"temperature={s.temperature}, causal={s.causal})")


def run_toy(spec: ToySpec | None = None, **overrides) -> ToyTrace:
    """Compute every stage for `spec` (ToySpec(**overrides) when spec is None)."""
    spec = spec if spec is not None else ToySpec(**overrides)
    x = make_x(spec)  # [q_pos, d_model]
    W_Q, W_K, W_V = draw_weights(spec)
    # 1. projections, exactly the tutorial's `x @ W`
    Q, K, V = x @ W_Q, x @ W_K, x @ W_V  # [q_pos, d_model] each
    # 2. split d_model into heads: [head, pos, d_head]
    Qh, Kh, Vh = (split_heads(t, spec.heads) for t in (Q, K, V))
    # 3-5. scores, mask, softmax(temperature), weighted sum of V
    mask = causal_mask(len(spec.tokens)) if spec.causal else None
    head_out, scores, weights = attend(Qh, Kh, Vh, mask=mask, temperature=spec.temperature)
    stages = ToyStages(x=x, W_Q=W_Q, W_K=W_K, W_V=W_V, Q=Qh, K=Kh, V=Vh, scores=scores, weights=weights,
                       head_outputs=head_out, output=merge_heads(head_out))
    return ToyTrace(spec, stages)


def run_seeds(spec: ToySpec, seeds: list[int]) -> list[ToyTrace]:
    """The same x (the spec's, fixed) under each seed's W_Q, W_K, W_V (the tutorial's "change the seed")."""
    x = tuple(tuple(row) for row in make_x(spec).tolist())
    return [run_toy(replace(spec, seed=s, x=x)) for s in seeds]
