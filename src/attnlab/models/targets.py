"""What a head effect is measured on: the target (docs/effects.md) and the readouts that measure it.

Decoders. Position p names the token at p: it is predicted from the logits at p - 1 (the prefix
0 .. p-1). The target is either the text's own continuation, log p(token_p | tokens before p)
averaged over the chosen positions (default: every position but the first, 1 .. N-1), or one
`--target` token T at one `--position` I (1 .. N; N: the token after the text, the default):
log p(T | tokens 0 .. I-1). The loss is the text's mean next-token cross-entropy over 1 .. N-1,
whatever the target (so a head that helps one prediction and hurts the text shows both).

Encoders (no LM head): the model's own sentence embedding, pooled as its sentence-transformers
folder says (`1_Pooling/config.json`: mean, cls or max; mean when the folder says nothing, which is
MiniLM's own); the metric is 1 - cos(embedding, clean embedding).

Both readouts take the body's final hidden states [batch, pos, d_model] of a batch whose item 0 is
the base run and measure every item. The log-softmax over the vocabulary runs in chunks of rows
(`LM_ROWS`), so 271 items x 127 positions x 49,152 logits are never one tensor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import AttnlabError
from ..i18n import t
from .loading import LoadedModel
from .registry import bundled_names

LM_ROWS = 1024  # rows of logits (positions x items) held at once: 1024 x 49,152 fp32 = 200 MB


@dataclass(frozen=True)
class Target:
    """What the metric reads (see the module docstring)."""

    kind: str  # "text": the text's next tokens; "token": one --target token; "embedding": an encoder's
    positions: tuple[int, ...]  # predicted positions p (read from the logits at p - 1); () for encoders
    token_ids: tuple[int, ...]  # the token whose log p is read at each position
    token: str | None  # the --target as given (kind "token")
    pooling: str | None  # encoders: "mean" | "cls" | "max"


def make_target(lm: LoadedModel, ids: list[int], *, target: str | None, position: int | None,
                positions: list[int] | None, lang: str) -> Target:
    """The Target of `ids` (the clean text), or an AttnlabError in `lang` naming the fix."""
    n = len(ids)
    if lm.kind != "decoder":
        if target is not None or position is not None or positions is not None:
            raise AttnlabError(t("effects_err_encoder_logits", lang, model=lm.name,
                                 decoder=" / ".join(bundled_names("decoder")) or "a decoder"))
        return Target("embedding", (), (), None, pooling_of(lm))
    if n < 2 and target is None:
        raise AttnlabError(t("effects_err_short", lang, n=n))
    if target is not None:
        pieces = lm.tokenizer(target, add_special_tokens=False)["input_ids"]
        if len(pieces) != 1:
            shown = ", ".join(repr(lm.tokenizer.decode([i])) for i in pieces[:6])
            raise AttnlabError(t("effects_err_target", lang, target=target, n=len(pieces), model=lm.name,
                                 tokens=shown or "-"))
        at = n if position is None else position
        if not 1 <= at <= n:
            raise AttnlabError(t("effects_err_position", lang, position=at, n=n))
        if positions is not None:
            raise AttnlabError(t("effects_err_both", lang))
        return Target("token", (at,), (pieces[0],), target, None)
    if position is not None:
        raise AttnlabError(t("effects_err_position_alone", lang))
    chosen = list(range(1, n)) if positions is None else positions
    bad = [p for p in chosen if not 1 <= p <= n - 1]
    if bad or not chosen:
        raise AttnlabError(t("effects_err_positions", lang, position=bad[0] if bad else "-", last=n - 1))
    chosen = sorted(set(chosen))
    return Target("text", tuple(chosen), tuple(ids[p] for p in chosen), None, None)


def pooling_of(lm: LoadedModel) -> str:
    """The encoder's own pooling: its sentence-transformers `1_Pooling/config.json`, else mean."""
    config = Path(lm.location) / "1_Pooling" / "config.json"
    try:
        modes = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "mean"
    if modes.get("pooling_mode_cls_token"):
        return "cls"
    if modes.get("pooling_mode_max_tokens"):
        return "max"
    return "mean"  # mean, or mean x sqrt(len): the same direction, the same cosine


class LogProbs:
    """Decoders: per item, the target's mean log p ("metric") and the text's loss ("loss")."""

    def __init__(self, lm: LoadedModel, target: Target, text_ids: list[int], *, loss: bool = True):
        n = len(text_ids)
        self.head = lm.model.get_output_embeddings()  # the unembedding (lm_head)
        reads = {p - 1 for p in target.positions} | (set(range(n - 1)) if loss else set())
        self.read = torch.tensor(sorted(reads))  # [Q] positions whose logits are read
        where = {q: i for i, q in enumerate(self.read.tolist())}
        self.target_tok = torch.full((len(where),), -1)  # [Q] the target token read there, or -1
        for p, tok in zip(target.positions, target.token_ids, strict=True):
            self.target_tok[where[p - 1]] = tok
        self.text_tok = torch.full((len(where),), -1)  # [Q] the text's next token there, or -1 (no loss)
        if loss:
            for q in range(n - 1):
                self.text_tok[where[q]] = text_ids[q + 1]

    def measure(self, hidden: torch.Tensor, *, grad: bool = False) -> dict[str, torch.Tensor]:
        """{metric, loss: [batch]} from hidden [batch, pos, d_model]; with grad (batch 1) also
        {grad: [1, pos, d_model]}, d metric / d hidden, chunk by chunk (no graph over the vocabulary)."""
        b, q = hidden.shape[0], len(self.read)
        rows = hidden[:, self.read.to(hidden.device)].reshape(b * q, -1)  # [batch * Q, d_model]
        tgt = self.target_tok.to(hidden.device).repeat(b)  # [batch * Q]
        txt = self.text_tok.to(hidden.device).repeat(b)
        n_targets = int((self.target_tok >= 0).sum())
        lp_tgt = torch.zeros(b * q, device=hidden.device)
        lp_txt = torch.zeros(b * q, device=hidden.device)
        g_rows = torch.zeros_like(rows) if grad else None
        for s in range(0, b * q, LM_ROWS):
            part = slice(s, s + LM_ROWS)
            h = rows[part].detach().requires_grad_(grad)
            with torch.set_grad_enabled(grad):
                logits = self.head(h).float()  # [rows, vocab]
                lse = torch.logsumexp(logits, dim=-1)  # [rows]: log p = logit - lse, no [rows, vocab] log_softmax
                got = logits.gather(1, tgt[part].clamp(min=0)[:, None])[:, 0] - lse
            lp_tgt[part] = got.detach()
            lp_txt[part] = logits.detach().gather(1, txt[part].clamp(min=0)[:, None])[:, 0] - lse.detach()
            if grad:
                (g,) = torch.autograd.grad((got * (tgt[part] >= 0)).sum() / n_targets, h)
                g_rows[part] = g
        has_tgt, has_txt = (tgt >= 0).view(b, q), (txt >= 0).view(b, q)
        out = {"metric": (lp_tgt.view(b, q) * has_tgt).sum(1) / n_targets}
        if bool(has_txt.any()):
            out["loss"] = -(lp_txt.view(b, q) * has_txt).sum(1) / has_txt.sum(1)
        if g_rows is not None:
            full = torch.zeros_like(hidden)
            full[:, self.read.to(hidden.device)] = g_rows.view(b, q, -1)
            out["grad"] = full
        return out


class Embedding:
    """Encoders: per item, 1 - cos(pooled embedding, reference); the reference is set from the clean run."""

    def __init__(self, pooling: str, reference: torch.Tensor | None = None):
        self.pooling = pooling  # "mean" | "cls" | "max"
        self.reference = reference  # [d_model] the clean run's pooled embedding (None: measure against item 0)

    def pool(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden [batch, pos, d_model] -> [batch, d_model] (no padding here: one text per batch)."""
        if self.pooling == "cls":
            return hidden[:, 0]
        if self.pooling == "max":
            return hidden.max(dim=1).values
        return hidden.mean(dim=1)

    def measure(self, hidden: torch.Tensor, *, grad: bool = False) -> dict[str, torch.Tensor]:
        """{metric: [batch] 1 - cos, pooled: [batch, d_model]}; with grad also {grad: d metric / d hidden}."""
        h = hidden.detach().requires_grad_(grad)
        with torch.set_grad_enabled(grad):
            pooled = self.pool(h)
            ref = pooled[:1].detach() if self.reference is None else self.reference.to(pooled)[None]
            metric = 1.0 - torch.nn.functional.cosine_similarity(pooled, ref, dim=-1)
        out = {"metric": metric.detach(), "pooled": pooled.detach()}
        if grad:
            (out["grad"],) = torch.autograd.grad(metric.sum(), h)
        return out
