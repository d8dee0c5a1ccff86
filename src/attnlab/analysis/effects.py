"""Head effects: what removing or patching each head does to the model's output (docs/effects.md).

For every layer and head of a model, on one text, beside where the head looks (the same forward
gives the attention trace the census reads):

    zero         Δ metric when the head's output (its slice of W_O's input) is 0 where edited
    mean         Δ metric when it is the head's mean output over the text's positions
    attribution  the linear estimate grad · (edited - clean) from one forward and one backward
                 (Nanda 2023; Syed et al. 2023) of zero ablation, or of patching with a corrupt text
    dla          direct logit attribution: the head's output through W_O and the final norm (scale
                 frozen from the clean run) dotted with the target's unembedding, per position
    patching     with a corrupted text of the same token length: each head's output taken from the
                 clean run into the corrupted one; the share of (clean - corrupted) recovered

The metric (`models.targets`): decoders, the mean log p of the target tokens (Δ log p; and the
text's loss, Δ loss); encoders, 1 - cos to the clean sentence embedding. Exact methods are run
batched (`models.intervene`); by default every method whose estimated time fits BUDGET_S is run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import AttnlabError
from ..i18n import check_lang, t
from ..models.api import Encoded, encode, load
from ..models.effects import (
    Pass,
    direct_logit_attribution,
    forward_equivalents,
    run_pass,
    sites,
    sweep,
    time_forward,
)
from ..models.intervene import HeadEdit, Sites
from ..models.loading import LoadedModel
from ..models.registry import bundled_names
from ..models.targets import Embedding, LogProbs, Target, make_target
from ..models.trace import ModelTrace
from .effects_math import spearman
from .effects_names import BUDGET_S, EDITS, EXACT, METHODS, MIN_GAP

# progress(method, heads, tokens, estimated seconds) -> a callback told how many heads each forward finished
Progress = Callable[[str, int, int, float], Callable[[int], None] | None]


@dataclass(frozen=True)
class HeadEffects:
    """Every head's effect on one text (see the module docstring for each method)."""

    model: str  # the model's name
    kind: str  # "decoder" | "encoder"
    tokens: tuple[str, ...]  # the clean text's tokens as shown
    token_ids: tuple[int, ...]  # their ids
    target: Target  # what the metric reads (models.targets)
    methods: tuple[str, ...]  # the methods computed, in METHODS order
    edit: str  # "all": heads edited at every position; "read": only where the chosen predictions are read
    effects: dict[str, torch.Tensor]  # name -> [layer, head] fp32 (zero, zero_loss, mean, ..., dla, patching)
    dla_by_position: torch.Tensor | None  # [layer, head, target position] (decoders, dla computed)
    spearman: dict[str, float]  # "attribution~zero" or "attribution~patching" -> Spearman's rho over heads
    clean: dict[str, float]  # the metric (and loss) on the clean text; "corrupted": on the corrupt text
    corrupt_ids: tuple[int, ...] | None  # the corrupted text's ids (patching), None without one
    skipped: tuple[str, ...]  # exact methods not run by default (over the budget; estimates has their seconds)
    estimates: dict[str, float]  # exact method -> its estimated seconds (from the clean forward)
    runtime_s: float  # wall seconds of the whole computation
    trace: ModelTrace  # the clean text's attention, from the same forward

    @property
    def n_layers(self) -> int:
        return len(self.trace.layers)

    @property
    def n_heads(self) -> int:
        return self.trace.n_heads


def head_effects(
    text: str,
    model: str = "smollm2",
    *,
    target: str | None = None,
    position: int | None = None,
    positions: Sequence[int] | None = None,
    corrupt: str | None = None,
    methods: Sequence[str] | None = None,
    edit: str = "all",
    loss: bool | None = None,
    truncate: bool = False,
    lang: str = "en",
    budget_s: float = BUDGET_S,
    progress: Progress | None = None,
) -> HeadEffects:
    """Every head's effect on `text` (docs/effects.md has the definitions).

    Args:
        target, position: decoders: one token T at position I (1 .. N; default N, after the text).
        positions: decoders: the predicted positions averaged (default 1 .. N-1; position p is read
            from the logits at p - 1).
        corrupt: a text of the same token length, for patching (and attribution of patching).
        methods: any of METHODS; None: every method cheap enough (estimates within budget_s).
        edit: "all" (every position) or "read" (the positions p - 1 whose logits are read).
        loss: also the text's loss (Δ loss); None: when it costs nothing more (the target is the text).
        lang: the language of error messages.
        progress: told of each exact method's size and estimate, and of its forwards (see Progress).
    """
    start = time.perf_counter()
    check_lang(lang)
    lm = load(model)
    enc = encode(lm, text, truncate=truncate)
    tgt = make_target(lm, enc.ids, target=target, position=position,
                      positions=None if positions is None else list(positions), lang=lang)
    chosen = _check_methods(lm, methods, corrupt is not None, edit, lang)
    corrupt_enc = None if corrupt is None else _corrupt(lm, len(enc.ids), corrupt, truncate, lang)
    with_loss = lm.kind == "decoder" and (loss if loss is not None else tgt.kind == "text")
    ctx = _context(lm, enc, tgt, corrupt_enc, chosen, with_loss, edit, progress, lang)
    skipped: tuple[str, ...] = ()
    if chosen is None:
        chosen, skipped = _default_methods(lm.kind, ctx.corr is not None, ctx.estimates, budget_s)
    effects: dict[str, torch.Tensor] = {}
    dla_by_position = None
    for method in (m for m in METHODS if m in chosen):
        if method == "dla":
            dla_by_position = direct_logit_attribution(lm, ctx.where, ctx.clean, tgt)  # [layer, head, T]
            effects["dla"] = dla_by_position.mean(-1)
        elif method == "attribution":
            effects["attribution"] = _attribution(ctx)
        else:
            effects.update(_exact(ctx, method))
    _check_finite(effects)
    trace = ctx.clean.trace
    assert trace is not None  # run_pass(record=True) keeps it
    return HeadEffects(
        model=lm.name, kind=lm.kind, tokens=tuple(tok.text for tok in trace.tokens), token_ids=tuple(enc.ids),
        target=tgt, methods=tuple(m for m in METHODS if m in chosen), edit=edit, effects=effects,
        dla_by_position=dla_by_position, spearman=_correlations(effects, ctx.corr is not None),
        clean=_clean_values(ctx.clean, ctx.corr), corrupt_ids=None if ctx.corr_ids is None else tuple(ctx.corr_ids),
        skipped=skipped, estimates={m: ctx.estimates[m] for m in EXACT if m in chosen or m in skipped},
        runtime_s=time.perf_counter() - start, trace=trace,
    )


def _context(lm: LoadedModel, enc: Encoded, tgt: Target, corrupt_enc: Encoded | None,
             chosen: tuple[str, ...] | None, with_loss: bool, edit: str, progress: Progress | None,
             lang: str) -> _Context:
    """The passes every method reads: the clean text's (trace, z, gradient when attribution needs it),
    the corrupted text's (patching), and the exact methods' time estimates."""
    where = sites(lm)
    readout = LogProbs(lm, tgt, enc.ids, loss=with_loss) if lm.kind == "decoder" else Embedding(tgt.pooling or "mean")
    wants_attribution = chosen is None or "attribution" in chosen
    clean = run_pass(lm, where, enc, readout, record=True,
                     grad=wants_attribution and corrupt_enc is None and lm.kind == "decoder")
    # the corrupted run is measured on the clean text's targets, or against its embedding
    patch_readout = (LogProbs(lm, tgt, enc.ids, loss=False) if lm.kind == "decoder"
                     else Embedding(tgt.pooling or "mean", clean.measured["pooled"][0]))
    corr = None
    if corrupt_enc is not None:
        corr = run_pass(lm, where, corrupt_enc, patch_readout, grad=wants_attribution)
        _check_difference(clean, corr, lang)
    estimates: dict[str, float] = {}
    if chosen is None or any(m in EXACT for m in chosen):
        one = time_forward(lm, enc.ids)  # a plain forward: the clean pass's may carry a backward's graph
        estimates = {m: one * forward_equivalents(lm, where, _all_layers(where)) for m in EXACT}
    return _Context(lm, where, tgt, enc.ids, None if corrupt_enc is None else corrupt_enc.ids, clean, corr,
                    readout, patch_readout, _edit_mask(tgt, len(enc.ids), edit), progress, estimates)


@dataclass(frozen=True)
class _Context:
    """What every method of one `head_effects` call reads."""

    lm: LoadedModel  # the model
    where: Sites  # its edit sites
    target: Target  # what the metric reads
    ids: list[int]  # the clean text's ids
    corr_ids: list[int] | None  # the corrupted text's ids (patching)
    clean: Pass  # the clean text's pass
    corr: Pass | None  # the corrupted text's pass (patching)
    readout: LogProbs | Embedding  # measures edits of the clean text (encoders: against the unedited item 0)
    patch_readout: LogProbs | Embedding  # measures the corrupted run (on the clean targets / embedding)
    at: torch.Tensor | None  # [pos] bool: where heads are edited (None: everywhere)
    progress: Progress | None  # see Progress
    estimates: dict[str, float]  # exact method -> estimated seconds


def _all_layers(where: Sites) -> list[int]:
    return [layer for layer in range(where.n_layers) for _ in range(where.n_heads)]


def _exact(ctx: _Context, method: str) -> dict[str, torch.Tensor]:
    """zero / mean: Δ metric (and Δ loss) per head on the clean text; patching: the share recovered."""
    where, clean = ctx.where, ctx.clean
    shape = (where.n_layers, where.n_heads)
    values: list[torch.Tensor | None]
    if method == "patching":
        assert ctx.corr_ids is not None  # _check_methods asks for --corrupt
        values = [clean.z[layer][:, h] for layer in range(where.n_layers) for h in range(where.n_heads)]
        ids = ctx.corr_ids
    else:
        values = [None if method == "zero" else clean.z[layer][:, h].mean(0)  # [d_head]: mean over positions
                  for layer in range(where.n_layers) for h in range(where.n_heads)]
        ids = ctx.ids
    edits = [HeadEdit(layer, h, v) for (layer, h), v in zip(_heads(where), values, strict=True)]
    tell = None if ctx.progress is None else ctx.progress(method, len(edits), len(ids), ctx.estimates[method])
    readout = ctx.patch_readout if method == "patching" else ctx.readout
    got = sweep(ctx.lm, where, ids, edits, readout, at=ctx.at, progress=tell)
    if method == "patching":
        return {"patching": _share(ctx, got["metric"], got["metric_base"]).view(shape)}
    if ctx.lm.kind == "encoder":
        return {method: got["metric"].view(shape)}  # 1 - cos to the unedited run (item 0)
    out = {method: (got["metric"] - got["metric_base"]).view(shape)}
    if "loss" in got:
        out[f"{method}_loss"] = (got["loss"] - got["loss_base"]).view(shape)
    return out


def _heads(where: Sites) -> list[tuple[int, int]]:
    return [(layer, h) for layer in range(where.n_layers) for h in range(where.n_heads)]


def _share(ctx: _Context, patched: torch.Tensor, corrupted: torch.Tensor) -> torch.Tensor:
    """The share of the clean - corrupted difference that patching recovers: (m_patched - m_corrupted) /
    (m_clean - m_corrupted) for log p; for an encoder's distance d to the clean embedding (d_clean = 0),
    (d_corrupted - d_patched) / d_corrupted, the same formula with m = -d."""
    if ctx.lm.kind == "encoder":
        return (corrupted - patched) / corrupted
    m_clean = float(ctx.clean.measured["metric"][0])
    return (patched - corrupted) / (m_clean - corrupted)


def _attribution(ctx: _Context) -> torch.Tensor:
    """[layer, head] grad . (edited - clean) summed over the edited positions and d_head: the linear
    estimate of zero ablation's Δ metric (gradient at the clean run, edit 0 - z), or with a corrupt
    text of patching's share (gradient at the corrupted run, edit z_clean - z_corrupted)."""
    base = ctx.clean if ctx.corr is None else ctx.corr
    assert base.grads is not None  # run_pass was asked for them
    at = slice(None) if ctx.at is None else ctx.at.to(base.grads[0].device)
    per_layer = []
    for layer, g in enumerate(base.grads):  # g: [pos, head, d_head]
        edited = torch.zeros_like(g) if ctx.corr is None else ctx.clean.z[layer]
        per_layer.append((g * (edited - base.z[layer]))[at].sum((0, 2)))  # [head]
    est = torch.stack(per_layer).float().cpu()  # [layer, head]
    if ctx.corr is None:
        return est
    m_corr = ctx.corr.measured["metric"][0].cpu()
    if ctx.lm.kind == "encoder":
        return -est / m_corr  # d falls by -est: the share of d_corrupted recovered
    return est / (ctx.clean.measured["metric"][0].cpu() - m_corr)


def _check_methods(lm: LoadedModel, methods: Sequence[str] | None, has_corrupt: bool, edit: str,
                   lang: str) -> tuple[str, ...] | None:
    """The methods asked for (None: choose by cost later), or an AttnlabError in `lang` naming the fix."""
    if edit not in EDITS or (edit == "read" and lm.kind != "decoder"):
        raise AttnlabError(t("effects_err_edit", lang, edit=edit))
    if methods is None:
        return None
    if isinstance(methods, str):
        methods = [methods]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise AttnlabError(t("effects_err_method", lang, method=unknown[0] if unknown else "-",
                             methods=", ".join(METHODS)))
    if "dla" in methods and lm.kind != "decoder":
        raise AttnlabError(t("effects_err_encoder_logits", lang, model=lm.name,
                             decoder=" / ".join(bundled_names("decoder")) or "a decoder"))
    if "patching" in methods and not has_corrupt:
        raise AttnlabError(t("effects_err_patching", lang))
    if "attribution" in methods and lm.kind != "decoder" and not has_corrupt:
        raise AttnlabError(t("effects_err_encoder_attribution", lang, model=lm.name))
    return tuple(dict.fromkeys(methods))


def _corrupt(lm: LoadedModel, n: int, corrupt: str, truncate: bool, lang: str) -> Encoded:
    enc = encode(lm, corrupt, truncate=truncate)
    if len(enc.ids) != n:
        raise AttnlabError(t("effects_err_corrupt_length", lang, m=len(enc.ids), n=n, model=lm.name))
    return enc


def _check_difference(clean: Pass, corr: Pass, lang: str) -> None:
    """Patching recovers a share of the clean - corrupted difference: refuse a corruption that makes none."""
    gap = float(clean.measured["metric"][0] - corr.measured["metric"][0])
    if abs(gap) < MIN_GAP:
        raise AttnlabError(t("effects_err_no_difference", lang, gap=f"{abs(gap):.2g}"))


def _default_methods(kind: str, has_corrupt: bool, estimates: dict[str, float],
                     budget_s: float) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(methods run, exact methods skipped): the cheap ones always; exact ones while their estimates fit."""
    cheap = ["attribution", "dla"] if kind == "decoder" else (["attribution"] if has_corrupt else [])
    exact = ["patching"] if has_corrupt else ["zero", "mean"]
    run, skipped, spent = list(cheap), [], 0.0
    for m in exact:
        if spent + estimates[m] <= budget_s:
            run.append(m)
            spent += estimates[m]
        else:
            skipped.append(m)
    return tuple(m for m in METHODS if m in run), tuple(skipped)


def _edit_mask(target: Target, n: int, edit: str) -> torch.Tensor | None:
    """[pos] bool, True where heads are edited: None (everywhere) for "all"; the read positions p - 1."""
    if edit == "all":
        return None
    mask = torch.zeros(n, dtype=torch.bool)
    mask[torch.tensor(target.positions) - 1] = True
    return mask


def _correlations(effects: dict[str, torch.Tensor], patched: bool) -> dict[str, float]:
    """Spearman's rho between attribution patching and the exact method it estimates, when both ran."""
    exact = "patching" if patched else "zero"
    if "attribution" not in effects or exact not in effects:
        return {}
    rho = spearman(effects["attribution"].flatten(), effects[exact].flatten())
    return {f"attribution~{exact}": rho} if math.isfinite(rho) else {}  # NaN: one of them constant


def _clean_values(clean: Pass, corr: Pass | None) -> dict[str, float]:
    out = {name: float(v[0]) for name, v in clean.measured.items() if name in ("metric", "loss")}
    if corr is not None:
        out["corrupted"] = float(corr.measured["metric"][0])
    return out


def _check_finite(effects: dict[str, torch.Tensor]) -> None:
    for name, values in effects.items():
        if not bool(torch.isfinite(values).all()):
            raise AttnlabError(f"the {name} effects are not all finite numbers (an overflow in the model?): "
                               "nothing is shown")


def target_dict(effects: HeadEffects) -> dict[str, Any]:
    """The JSON `target`: what was measured, where, and its value on the clean (and corrupted) text."""
    tg = effects.target
    out: dict[str, Any] = {"kind": tg.kind, "metric": "1 - cos" if tg.kind == "embedding" else "log p"}
    if tg.kind == "token":
        out.update(token=tg.token, token_id=tg.token_ids[0], position=tg.positions[0])
    elif tg.kind == "text":
        out["token_ids"] = list(tg.token_ids)
    else:
        out["pooling"] = tg.pooling
    out["edit"] = effects.edit
    out["clean"] = round(effects.clean["metric"], 6)
    if "loss" in effects.clean:
        out["loss"] = round(effects.clean["loss"], 6)
    if effects.corrupt_ids is not None:
        out["corrupt"] = {"token_ids": list(effects.corrupt_ids), "value": round(effects.clean["corrupted"], 6)}
    return out


def effects_to_dict(effects: HeadEffects) -> dict[str, Any]:
    """The JSON of `attnlab effects --format json` (docs/effects.md):

    {model, tokens, token_ids, target: {...}, method: [...], positions: [...],
     effects: {name: [layer][head]}, runtime_s} and spearman: {...} when attribution and its exact
    method both ran.
    """
    out: dict[str, Any] = {
        "model": effects.model,
        "tokens": list(effects.tokens),
        "token_ids": list(effects.token_ids),
        "target": target_dict(effects),
        "method": list(effects.methods),
        "positions": list(effects.target.positions),
        "effects": {name: [[round(float(v), 6) for v in row] for row in grid.tolist()]
                    for name, grid in effects.effects.items()},
        "runtime_s": round(effects.runtime_s, 3),
    }
    if effects.spearman:
        out["spearman"] = {k: round(v, 6) for k, v in effects.spearman.items()}
    return out
