"""The lesson's questions: each builds an `Exercise` whose answer is computed from a trace when asked,
never written down, so the lesson stays right for any tokens, seed or model the reader tries.

Reading numbers: `top_key`, `sharper_head`, `weight`, `sharper_of`. Computing and predicting:
`output_cell` (one output number by hand), `row_sum` (rows sum to 1), `shift_row` (adding a constant
to a row of scores), `temperature_effect` (a temperature, before running it), `char_rows` (the rows
that continue a character, on a real byte-level model). Choosing weights: `make_winner` (W_Q and W_K
that make a chosen key win).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ..errors import AttnlabError
from ..i18n import t, tr_error
from ..models.chars import continuation_pieces, token_chunks
from ..trace import AttentionTrace
from .check import Exercise, as_int, as_number, as_positions, choice_of, close, label, position, token_of


def _sep(lang: str) -> str:
    return t("list_sep", lang)


def _not_token(trace: AttentionTrace, lang: str) -> str:
    return t("ex_not_token", lang, tokens=_sep(lang).join(f"{tok.text} ({i})" for i, tok in enumerate(trace.tokens)))


def _high_low(value: float, want: float, lang: str) -> str:
    return t("ex_too_large" if value > want else "ex_too_small", lang)


def _key_note(trace: AttentionTrace, k: int, lang: str) -> str:
    """What a top key that is the first token or a special token is (a model's attention sink)."""
    if trace.stages is not None:
        return ""
    if k == 0:
        return t("ex_sink_note", lang, tok=trace.tokens[0].text)
    return t("ex_special_note", lang, tok=trace.tokens[k].text) if trace.tokens[k].special else ""


def top_key(trace: AttentionTrace, query: int | str, *, layer: int = 0, head: int | None = 0) -> Exercise:
    """Which key does `query` give the most weight (in `layer`, `head`; None: the mean over heads)?"""
    q = position(trace, query)
    row = trace.pattern(layer, head)[q]  # [k_pos]
    ranked = row.argsort(descending=True).tolist()
    k, second = ranked[0], ranked[1] if len(ranked) > 1 else ranked[0]

    def judge(given: Any, lang: str) -> str | None:
        g = token_of(trace, given)
        if g is None:
            return _not_token(trace, lang)
        return None if g == k else t("ex_top_key_wrong", lang, g=label(trace, g), wg=float(row[g]), w=float(row[k]))

    def why(lang: str) -> str:
        return t("ex_top_key_why", lang, q=label(trace, q), k=label(trace, k), w=float(row[k]),
                 k2=label(trace, second), w2=float(row[second]),
                 u=1 / (q + 1 if trace.causal else trace.n_tokens)) + _key_note(trace, k, lang)

    return Exercise(trace.tokens[k].text.replace("␣", ""), judge, why)


def sharper_head(trace: AttentionTrace, query: int | str, *, layer: int = 0) -> Exercise:
    """Which head gives its top key the largest weight in `query`'s row?"""
    q = position(trace, query)
    tops = trace.head_weights(layer)[:, q].max(dim=-1).values.tolist()  # [head]
    best = max(range(trace.n_heads), key=lambda h: tops[h])

    def judge(given: Any, lang: str) -> str | None:
        h = as_int(given)
        if h is None or not 0 <= h < trace.n_heads:
            return t("ex_not_head", lang, last=trace.n_heads - 1)
        return None if h == best else t("ex_sharper_head_wrong", lang, h=h, w=tops[h])

    def why(lang: str) -> str:
        each = _sep(lang).join(f"{t('head_n', lang, h=h)}: {w:.2f}" for h, w in enumerate(tops))
        return t("ex_sharper_head_why", lang, q=label(trace, q), each=each, h=best)

    return Exercise(best, judge, why)


def weight(trace: AttentionTrace, query: int | str, key: int | str, *, layer: int = 0,
           head: int | None = 0) -> Exercise:
    """How much weight does `query` give `key`, to two decimals (within 0.01)?"""
    q, k = position(trace, query), position(trace, key)
    w = float(trace.pattern(layer, head)[q, k])

    def judge(given: Any, lang: str) -> str | None:
        value = as_number(given)
        if value is None:
            return t("ex_not_number", lang)
        return None if close(value, w, 0.01) else _high_low(value, w, lang) + t("ex_weight_hint", lang)

    return Exercise(round(w, 2), judge, lambda lang: t("ex_weight_why", lang, q=label(trace, q),
                                                       k=label(trace, k), w=w))


def sharper_of(traces: Sequence[AttentionTrace], query: int | str, values: Sequence[Any], *, name: str,
               layer: int = 0, head: int | None = 0) -> Exercise:
    """Which of `traces` (made with `values` of `name`: temperatures, seeds, ...) gives `query`'s row
    the largest top weight? The answer is that trace's value."""
    if len(traces) != len(values) or not traces:
        raise tr_error(AttnlabError, "err_values_per_trace", n=len(traces), m=len(values))
    tops = [float(tr.pattern(layer, head)[position(tr, query)].max()) for tr in traces]
    best = max(range(len(traces)), key=lambda i: tops[i])

    def judge(given: Any, lang: str) -> str | None:
        value = as_number(given)
        found = [i for i, v in enumerate(values) if value is not None and close(value, float(v), 1e-9)]
        if not found:
            return t("ex_not_among", lang, name=name, values=_sep(lang).join(map(str, values)))
        return None if found[0] == best else t("ex_sharper_of_wrong", lang, name=name, v=values[found[0]],
                                                w=tops[found[0]])

    def why(lang: str) -> str:
        each = _sep(lang).join(f"{name} = {v}: {w:.2f}" for v, w in zip(values, tops))
        return t("ex_sharper_of_why", lang, q=query, each=each, name=name, v=values[best])

    return Exercise(values[best], judge, why)


def output_cell(trace: AttentionTrace, query: int | str, dim: int) -> Exercise:
    """A toy's output[query, dim] by hand: the weights of `query`'s row times column `dim` of V, summed
    (with heads: the head whose columns hold `dim`, and its own V columns)."""
    st = trace.stages
    if st is None:
        raise tr_error(AttnlabError, "err_toy_only", model=trace.model)
    q = position(trace, query)
    d_head = st.V.shape[-1]
    h, col = divmod(dim, d_head)
    w, v = st.weights[h, q].double(), st.V[h, :, col].double()  # [k_pos] each
    value = float(st.output[q, dim])

    def judge(given: Any, lang: str) -> str | None:
        x = as_number(given)
        if x is None:
            return t("ex_not_number", lang)
        return None if close(x, value, 0.01) else _high_low(x, value, lang) + t("ex_output_hint", lang,
                                                                               q=label(trace, q), d=dim + 1)

    def why(lang: str) -> str:
        terms = " + ".join(f"{a:.4f} × ({b:.4f})" for a, b in zip(w.tolist(), v.tolist()))
        head = t("ex_output_head", lang, h=h, c=col + 1) if trace.n_heads > 1 else ""
        return t("ex_output_why", lang, q=label(trace, q), d=dim + 1, terms=terms, x=value, head=head)

    return Exercise(round(value, 4), judge, why)


def row_sum(trace: AttentionTrace, query: int | str, *, layer: int = 0, head: int = 0) -> Exercise:
    """What do the weights of `query`'s row add up to?"""
    q = position(trace, query)
    total = float(trace.pattern(layer, head)[q].double().sum())
    scores = trace.scores(layer, head)
    seen = None if scores is None else scores[q][torch.isfinite(scores[q])].double().sum()

    def judge(given: Any, lang: str) -> str | None:
        x = as_number(given)
        if x is None:
            return t("ex_not_number", lang)
        if close(x, 1.0, 1e-3):
            return None
        if seen is not None and close(x, float(seen), 1e-3):
            return t("ex_row_sum_scores", lang)
        return t("ex_row_sum_wrong", lang)

    return Exercise(1, judge, lambda lang: t("ex_row_sum_why", lang, q=label(trace, q), s=total))


SHIFT_OPTIONS = {"a": ["grow", "larger", "大きくなる"], "b": ["same", "unchanged", "変わらない", "同じ"],
                 "c": ["sharper", "鋭くなる"]}


def shift_row(trace: AttentionTrace, query: int | str, c: float, *, layer: int = 0, head: int = 0) -> Exercise:
    """Adding `c` to every score of `query`'s row: (a) every weight grows, (b) nothing changes, (c) the
    largest weight grows. Answered by computing softmax(s + c) against softmax(s)."""
    q = position(trace, query)
    scores = trace.scores(layer, head)
    if scores is None:
        raise tr_error(AttnlabError, "err_toy_only", model=trace.model)
    s = scores[q].double() / trace.temperature  # [k_pos]
    before, after = torch.softmax(s, -1), torch.softmax(s + c / trace.temperature, -1)
    moved = float((after - before).abs().max())
    top_before, top_after = float(before.max()), float(after.max())
    answer = "b" if moved < 1e-9 else ("c" if top_after > top_before else "a")

    def judge(given: Any, lang: str) -> str | None:
        picked = choice_of(given, SHIFT_OPTIONS)
        if picked is None:
            return t("ex_not_choice", lang, choices="a, b, c")
        return None if picked == answer else t(f"ex_shift_wrong_{picked}", lang)

    return Exercise(answer, judge, lambda lang: t("ex_shift_why", lang, c=c, d=moved))


TEMPERATURE_OPTIONS = {"a": ["larger", "up", "大きくなる"], "b": ["smaller", "down", "小さくなる"],
                       "c": ["same", "unchanged", "変わらない", "同じ"]}


def temperature_effect(trace: AttentionTrace, query: int | str, temperature: float, *, head: int = 0) -> Exercise:
    """With `temperature` instead of the trace's, the largest weight of `query`'s row is (a) larger,
    (b) smaller, (c) the same. Answered from the kept scores (toy traces)."""
    q = position(trace, query)
    if trace.stages is None:
        raise tr_error(AttnlabError, "err_toy_only", model=trace.model)
    s = trace.stages.scores[head, q].double()  # [k_pos], before the temperature
    now = float(torch.softmax(s / trace.temperature, -1).max())
    then = float(torch.softmax(s / temperature, -1).max())
    answer = "c" if abs(then - now) < 1e-9 else ("a" if then > now else "b")

    def judge(given: Any, lang: str) -> str | None:
        picked = choice_of(given, TEMPERATURE_OPTIONS)
        if picked is None:
            return t("ex_not_choice", lang, choices="a, b, c")
        return None if picked == answer else t("ex_temperature_wrong", lang, T=temperature)

    def why(lang: str) -> str:
        return t("ex_temperature_why", lang, T=temperature, T0=trace.temperature, f=trace.temperature / temperature,
                 a=now, b=then, q=label(trace, q))

    return Exercise(answer, judge, why)


def char_rows(trace: AttentionTrace) -> Exercise:
    """Which rows (positions) continue a character that an earlier token began (東2/2, 京2/2, ...)?"""
    continuing = sorted(continuation_pieces(token_chunks(trace.tokens)))

    def judge(given: Any, lang: str) -> str | None:
        picked = as_positions(given)
        if picked is None:
            return t("ex_positions_hint", lang)
        extra, missing = sorted(picked - set(continuing)), sorted(set(continuing) - picked)
        if not extra and not missing:
            return None
        parts = [t("ex_chars_extra", lang, p=label(trace, p)) for p in extra[:1] if 0 <= p < trace.n_tokens]
        parts += [t("ex_chars_missing", lang, n=len(missing))] if missing else []
        return " ".join(parts) or t("ex_positions_hint", lang)

    def why(lang: str) -> str:
        rows = _sep(lang).join(label(trace, p) for p in continuing) or "—"
        return t("ex_chars_why", lang, rows=rows, n=len(continuing))

    return Exercise(continuing, judge, why)


def make_winner(x: torch.Tensor, tokens: Sequence[str], query: int | str, key: int | str) -> Exercise:
    """Choose W_Q and W_K (each [d_model, d_model]) so that `query`'s row puts its largest weight on
    `key`: scores = (x W_Q)(x W_K)^T / sqrt(d_model), as the tutorial computes them. The solution shown
    is one construction: W_Q = I and W_K = 5 u x_q^T with x u = e_key (u from the pseudo-inverse)."""
    texts = list(tokens)
    if key not in texts or query not in texts:
        raise tr_error(AttnlabError, "err_token_nowhere", token=key if key not in texts else query, tokens=texts)
    q, k = texts.index(str(query)), texts.index(str(key))
    x = x.double()  # [q_pos, d_model]
    d = x.shape[1]
    u = torch.linalg.pinv(x)[:, k]  # [d_model]: x @ u = e_k where the rows of x are independent
    solution = (torch.eye(d, dtype=torch.float64), 5.0 * torch.outer(u, x[q]))

    def weights(w_q: torch.Tensor, w_k: torch.Tensor) -> torch.Tensor:
        return torch.softmax((x @ w_q)[q] @ (x @ w_k).T / d**0.5, -1)  # [k_pos]

    def judge(given: Any, lang: str) -> str | None:
        try:
            w_q, w_k = (torch.as_tensor(m, dtype=torch.float64) for m in given)
        except (TypeError, ValueError, RuntimeError):
            return t("ex_matrices_hint", lang, d=d)
        finite = bool(torch.isfinite(w_q).all() & torch.isfinite(w_k).all())
        if w_q.shape != (d, d) or w_k.shape != (d, d) or not finite:
            return t("ex_matrices_hint", lang, d=d)
        w = weights(w_q, w_k)
        top = int(w.argmax())
        return None if top == k else t("ex_winner_wrong", lang, q=texts[q], top=texts[top], wt=float(w[top]),
                                       k=texts[k], wk=float(w[k]))

    def why(lang: str) -> str:
        w = weights(*solution)
        return t("ex_winner_why", lang, q=texts[q], k=texts[k], w=float(w[k]))

    return Exercise(solution, judge, why)
