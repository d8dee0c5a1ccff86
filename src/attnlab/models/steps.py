"""Attention while the model writes: decode token by token with the KV cache, keeping each step's row.

One prefill pass over the prompt, then one pass per new token (q_len = 1, keys from the cache), all
through the capture function (`models.capture`). A `StepRecorder` keeps, per layer, the prefill's q
and each step's single query q_t with its row's log-sum-exp, and the latest keys and values of the
cache (which only ever appends: the keys a step saw are the first t + 1 of the final ones). So

    row of step t, head h:  w[k] = exp(scale * q_t . k_k - lse_t)     k = 0 .. t

is exactly the row that step computed, and the whole sequence becomes one `ModelTrace` (prompt and
generated rows, causal) without re-running the model: memory grows by one query per layer and head
per step (O(steps x layers x heads x d_head)), never N x N. The last generated token is fed once more,
so it has a row too (its prediction is not used).

Per step: the token chosen from the last position's logits (greedy: the argmax; sampling: softmax of
logits / temperature over the top_k, drawn with a private generator seeded with `seed`, so the same
settings give the same tokens), the model's own probabilities (softmax at temperature 1) of the top
candidates and of the chosen token, and optionally the logit lens: each layer's output at that
position through the final norm and the unembedding.
"""

from __future__ import annotations

import inspect
import math
import numbers
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ..errors import AttnlabError
from ..trace import LayerMask
from .capture import LayerCapture, Recorder, recording
from .extras import Collector, collecting, install
from .loading import LoadedModel
from .trace import ModelTrace

FINAL_NORMS = ("norm", "final_layernorm", "ln_f")  # where decoders keep the norm before the unembedding
MAX_CANDIDATES = 100  # most next-token candidates a step lists
SEED_RANGE = 2**32  # seeds 0 .. 2^32 - 1, as `attnlab toy`'s


@dataclass(frozen=True)
class Sampling:
    """How each new token is chosen (shown with the steps, so a run can be repeated)."""

    temperature: float = 0.0  # 0: greedy (the most probable token); > 0: sample from softmax(logits / T)
    top_k: int | None = None  # sampling only: among the k most probable tokens (None: all)
    seed: int | None = None  # sampling only: the generator's seed (chosen and reported when not given)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


@dataclass(frozen=True)
class Candidate:
    """One possible next token and the model's probability of it (softmax of the logits, temperature 1)."""

    token: str  # its text as a person reads it
    token_id: int
    p: float


@dataclass(frozen=True)
class Step:
    """One generated token: what was chosen, and what the model thought of the alternatives."""

    position: int  # the token's position in the trace (its row is the next step's query)
    token: str  # the chosen token's text
    token_id: int
    p: float  # the model's probability of it
    rank: int  # 1 + tokens the model found more probable (1 under greedy decoding)
    top: tuple[Candidate, ...]  # the most probable tokens, most probable first
    lens: tuple[tuple[Candidate, ...], ...] | None  # per layer: the top tokens of its output (logit lens)


@dataclass(frozen=True)
class Generation:
    """A prompt continued token by token: the trace of the whole sequence and one Step per new token."""

    trace: ModelTrace  # prompt + generated tokens, every row captured while decoding
    steps: tuple[Step, ...]  # one per generated token
    sampling: Sampling  # the settings, seed included: the same settings give the same tokens
    prompt_len: int  # tokens of the prompt (steps[t].position == prompt_len + t)


@dataclass
class StepRecorder(Recorder):
    """A Recorder that keeps the prefill and then one query and row lse per layer for every decoding step."""

    queries: dict[int, list[torch.Tensor]] = field(default_factory=dict)  # layer -> [[1, head, q, d_head]]
    lses: dict[int, list[torch.Tensor | None]] = field(default_factory=dict)  # layer -> [[1, head, q]]
    latest: dict[int, LayerCapture] = field(default_factory=dict)  # layer -> the last call (its k, v: the cache)

    def record(self, module: torch.nn.Module, capture: LayerCapture) -> None:
        index = getattr(module, "layer_idx", None)
        if not isinstance(index, int):
            raise AttnlabError(f"{type(module).__name__} has no layer index: its decoding steps cannot be told apart")
        first = index not in self.layers
        if first:
            self.layers[index] = capture  # the prefill: its module, scale, W_O
        elif capture.q.shape[2] != 1:
            raise AttnlabError("a decoding step fed more than one token; steps are captured one token at a time")
        _check_mask(capture, first)
        self.queries.setdefault(index, []).append(capture.q)
        self.lses.setdefault(index, []).append(capture.lse if first else _step_lse(capture))
        self.latest[index] = capture

    def assembled(self) -> list[LayerCapture]:
        """One LayerCapture per layer covering every fed token: rows causal, keys from the final cache."""
        out = []
        for index in sorted(self.layers):
            first, last, lses = self.layers[index], self.latest[index], self.lses[index]
            lse = None if any(x is None for x in lses) else torch.cat(lses, dim=2)  # type: ignore[misc]
            out.append(LayerCapture(q=torch.cat(self.queries[index], dim=2), k=last.k, v=last.v, mask=None,
                                    causal=True, scale=first.scale, lse=lse, module=first.module,
                                    out_proj=first.out_proj))
        return out


def _check_mask(capture: LayerCapture, prefill: bool) -> None:
    """Only plain causal attention is assembled (a sliding window or padding would need its own mask)."""
    if capture.mask is None:
        return
    mask = capture.mask[0, 0]  # [q_pos, k_pos]
    kind = LayerMask(causal=capture.causal, allowed=mask if mask.dtype == torch.bool else None,
                     additive=None if mask.dtype == torch.bool else mask).kind
    if kind == ("causal" if prefill and mask.shape[0] > 1 else "none"):
        return
    raise AttnlabError("steps are captured for plain causal attention; this model hides more keys (a sliding "
                       "window or padding): run it without --generate, or generate with a model without a window")


def _step_lse(capture: LayerCapture) -> torch.Tensor:
    """[1, head, 1] fp32 log-sum-exp of one decoding step's scores (the kernel gives none for one query)."""
    k = capture.k[0].float()  # [kv_head, keys, d_head]
    q = capture.q[0, :, 0].float().view(k.shape[0], -1, k.shape[-1])  # [kv_head, group, d_head]
    s = torch.bmm(q, k.transpose(1, 2)).view(-1, k.shape[1]) * capture.scale  # [head, keys]
    if capture.mask is not None:
        m = capture.mask[0, 0, -1]  # [keys]
        s = s.masked_fill(~m, float("-inf")) if m.dtype == torch.bool else s + m.float()
    return torch.logsumexp(s, dim=-1).view(1, -1, 1)


def decode(lm: LoadedModel, ids: list[int], n_new: int, sampling: Sampling, name: Callable[[int], str], *,
           top: int = 5, lens: bool = False) -> tuple[list[int], list[Step], StepRecorder, Collector]:
    """Prompt ids + up to n_new chosen ids (stopping after the end token), the steps, and what was recorded.

    name: a token id's text; top: candidates kept per step; lens: also the logit lens of every layer."""
    model, body = lm.model, lm.model.base_model
    install(model)
    norm = _final_norm(lm) if lens else None
    gen = None if sampling.greedy else torch.Generator().manual_seed(int(sampling.seed or 0))
    eos = lm.tokenizer.eos_token_id
    rec, ids, steps = StepRecorder(root=body), list(ids), []
    kwarg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    with torch.no_grad(), recording(body, recorder=rec), collecting(streams=lens) as col:
        out = model(input_ids=torch.tensor([ids]), use_cache=True)
        for _ in range(n_new):
            logits = out.logits[0, -1].float()  # [vocab]
            chosen = _choose(logits, sampling, gen)
            seen = _lens(lm, norm, col, top, name) if norm is not None else None
            steps.append(_step(len(ids), logits, chosen, top, seen, name))
            ids.append(chosen)
            out = model(input_ids=torch.tensor([[chosen]]), use_cache=True, **{kwarg: _cache_of(out)})
            if chosen == eos:
                break
    return ids, steps, rec, col


def _cache_of(out: object) -> object:
    cache = getattr(out, "cache", None)
    return cache if cache is not None else getattr(out, "past_key_values", None)


def _choose(logits: torch.Tensor, sampling: Sampling, gen: torch.Generator | None) -> int:
    if sampling.greedy or gen is None:
        return int(logits.argmax())
    scaled = logits / sampling.temperature
    if sampling.top_k is not None and sampling.top_k < scaled.numel():
        cut = scaled.topk(sampling.top_k).values[-1]
        scaled = scaled.masked_fill(scaled < cut, float("-inf"))
    return int(torch.multinomial(scaled.softmax(-1), 1, generator=gen))


def _step(position: int, logits: torch.Tensor, chosen: int, top: int, lens: tuple | None,
          name: Callable[[int], str]) -> Step:
    probs = logits.softmax(-1)  # [vocab]: the model's own distribution (temperature 1)
    return Step(position=position, token=name(chosen), token_id=chosen, p=float(probs[chosen]),
                rank=1 + int((probs > probs[chosen]).sum()), top=_top(probs, top, name), lens=lens)


def _top(probs: torch.Tensor, top: int, name: Callable[[int], str]) -> tuple[Candidate, ...]:
    values, order = probs.topk(top)
    return tuple(Candidate(name(int(i)), int(i), float(v)) for v, i in zip(values, order, strict=True))


def _final_norm(lm: LoadedModel) -> torch.nn.Module:
    body = lm.model.base_model
    for name in FINAL_NORMS:
        norm = getattr(body, name, None)
        if isinstance(norm, torch.nn.Module):
            return norm
    raise AttnlabError(f"--lens: {lm.name} has no final norm attnlab knows ({', '.join(FINAL_NORMS)} on its body)")


def _lens(lm: LoadedModel, norm: torch.nn.Module, col: Collector, top: int,
          name: Callable[[int], str]) -> tuple[tuple[Candidate, ...], ...]:
    """Per layer, the top tokens of its output at the last position: unembed(final_norm(output))."""
    parts = col.parts
    if len(parts.get("ffn_out", {})) == 0 or "post_norm" in parts:
        raise AttnlabError(f"--lens: attnlab cannot read {lm.name}'s layer outputs (its layers are laid out "
                           "unlike Llama's)")
    unembed = lm.model.get_output_embeddings()
    out = []
    for layer in sorted(parts["ffn_out"]):
        h = parts["resid_in"][layer][0, -1] + parts["attn_out"][layer][0, -1]  # the pre-norm layer's sums
        h = h + parts["ffn_out"][layer][0, -1]  # [d_model]: the layer's output
        out.append(_top(unembed(norm(h)).float().softmax(-1), top, name))
    return tuple(out)


def check_sampling(temperature: object, top_k: object, seed: object) -> Sampling:
    """The settings, or AttnlabError naming the bad one and what it takes."""
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not (
            math.isfinite(temperature) and temperature >= 0):
        raise AttnlabError(f"temperature {temperature!r} must be 0 (greedy) or a finite number above 0 (sampling)")
    for name, value, low, high in (("top-k", top_k, 1, None), ("seed", seed, 0, SEED_RANGE - 1)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low or (
                high is not None and value > high):
            span = f"{low}..{high}" if high is not None else f"{low} or more"
            raise AttnlabError(f"{name} {value!r} must be a whole number in {span}")
        if temperature == 0:
            raise AttnlabError(f"--{name} only matters when sampling: add --temperature above 0 "
                               "(greedy decoding always takes the most probable token)")
    return Sampling(float(temperature), None if top_k is None else int(top_k),  # type: ignore[call-overload]
                    None if seed is None else int(seed))  # type: ignore[call-overload]


def resolve_seed(sampling: Sampling) -> Sampling:
    """The settings with a seed chosen (and so reportable) when sampling without one."""
    if sampling.greedy or sampling.seed is not None:
        return sampling
    return Sampling(sampling.temperature, sampling.top_k, secrets.randbelow(2**32))
