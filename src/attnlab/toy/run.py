"""The tutorial's toy lab run: x and seeded weights, every stage of self-attention kept, as a trace.

Defaults reproduce the tutorial's listing 2 bit for bit: tokens Tokyo / is / beautiful, its 3 x 4
x, seed 42, and W_Q, W_K, W_V drawn in that order as `randn(d_model, d_model)` right after
`torch.manual_seed(42)`. We draw from a private `torch.Generator` seeded the same way, which gives
the same numbers without touching the global RNG of the user's notebook.

Where x comes from (in this order):
1. x given by the user (inline, JSON or CSV; see `toy.input`);
2. 3 tokens and d_model 4: the tutorial's x (both its listings use it);
3. otherwise generated from the seed: `torch.rand(n_tokens, d_model)` from a generator seeded with
   `seed` (0 when seed is None), rounded to one decimal so it reads like the tutorial's x.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from ..attention import attend, causal_mask, merge_heads, split_heads
from ..checks import describe
from ..i18n import tr_error
from ..trace import QKV, AttentionTrace, Token
from .checks import ToyInputError, refuse_non_finite
from .spec import TUTORIAL_X, ToySpec


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

    keeps_qkv = True
    keeps_values = True

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

    def qkv(self, layer: int) -> QKV:
        """The stages Q, K, V ([head, pos, d_head]) and the scale 1 / sqrt(d_head) (before the temperature)."""
        self.check_layer_head(layer, None)
        st = self.stages
        return QKV(st.Q, st.K, st.V, self.spec.d_head ** -0.5)

    def output_projection(self, layer: int) -> torch.Tensor:
        """The identity [d_model, d_model]: the toy's output is the heads' outputs concatenated, no W_O."""
        self.check_layer_head(layer, None)
        return torch.eye(self.spec.d_model)

    def __repr__(self) -> str:
        s = self.spec
        return (f"ToyTrace(tokens={list(s.tokens)}, d_model={s.d_model}, heads={s.heads}, seed={s.seed}, "
                f"temperature={s.temperature}, causal={s.causal})")


def run_toy(spec: ToySpec | None = None, **overrides) -> ToyTrace:
    """Compute every stage for `spec` (ToySpec(**overrides) when spec is None, else spec with overrides).

    Raises ToyInputError for a spec that cannot be computed, including one whose numbers overflow
    float32 on the way (the message names the stage and the cause): a trace never holds NaN or inf
    (except the -inf of masked scores).
    """
    spec = _spec_of(spec, overrides)
    x = make_x(spec)  # [q_pos, d_model]
    W_Q, W_K, W_V = draw_weights(spec)
    # 1. projections, exactly the tutorial's `x @ W`
    Q, K, V = x @ W_Q, x @ W_K, x @ W_V  # [q_pos, d_model] each
    # 2. split d_model into heads: [head, pos, d_head] (views; with one head, Q itself)
    Qh, Kh, Vh = (split_heads(t, spec.heads) for t in (Q, K, V))
    # 3-5. per head: scores, mask, softmax(temperature), weighted sum of V
    head_out, scores, weights = _attend_per_head(Qh, Kh, Vh, spec)
    output = merge_heads(head_out)  # [q_pos, d_model]
    stages = {"Q": Qh, "K": Kh, "V": Vh, "scores": scores, "weights": weights,
              "head_outputs": head_out, "output": output}
    refuse_non_finite(causal=spec.causal, temperature=spec.temperature, x=x, stages=stages)
    return ToyTrace(spec, ToyStages(x=x, W_Q=W_Q, W_K=W_K, W_V=W_V, **stages))


def run_seeds(spec: ToySpec, seeds: list[int]) -> list[ToyTrace]:
    """The same x (the spec's, fixed) under each seed's W_Q, W_K, W_V (the tutorial's "change the seed")."""
    x = tuple(tuple(row) for row in make_x(spec).tolist())
    return [run_toy(replace(spec, seed=s, x=x)) for s in seeds]


def _spec_of(spec: object, overrides: dict) -> ToySpec:
    """The spec to run: ToySpec(**overrides), or `spec` with the overrides replaced."""
    if spec is not None and not isinstance(spec, ToySpec):
        raise ToyInputError(
            f"run_toy takes a ToySpec or keyword arguments (run_toy(tokens=[...], d_model=8)), got {describe(spec)}"
        )
    fields = ToySpec.__dataclass_fields__
    unknown = [k for k in overrides if k not in fields]
    if unknown:
        raise tr_error(ToyInputError, "err_toy_argument", name=unknown[0], choices=", ".join(fields))
    if spec is None:
        return ToySpec(**overrides)
    return replace(spec, **overrides) if overrides else spec


def _attend_per_head(
    Qh: torch.Tensor, Kh: torch.Tensor, Vh: torch.Tensor, spec: ToySpec
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """attend() on each head's 2-d [pos, d_head] tensors, stacked to [head, ...].

    Why not one batched call: a batched matmul may round differently from the 2-d matmul the
    tutorial runs (Intel MKL does, in the last bit). Looping over 2-d heads makes the one-head toy
    run exactly the tutorial's operations on the tutorial's shapes, so it equals it on every CPU.
    """
    mask = causal_mask(len(spec.tokens)) if spec.causal else None  # [q_pos, k_pos]
    per_head = [attend(q, k, v, mask=mask, temperature=spec.temperature) for q, k, v in zip(Qh, Kh, Vh)]
    out, scores, weights = (torch.stack(parts) for parts in zip(*per_head))
    return out, scores, weights  # [head, q_pos, d_head], [head, q_pos, k_pos], [head, q_pos, k_pos]
