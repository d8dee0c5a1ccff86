"""One head's weights from q, k and each row's log-sum-exp: tiles and pooled maps, never N x N.

With the scores s[q, k] = scale * q . k (hidden keys: -inf) and each row's log-sum-exp

    lse[q] = log sum_k exp(s[q, k])                  (over the keys row q may see)

any weight is one dot product away:  w[q, k] = exp(s[q, k] - lse[q]).  So a deep-zoom view needs
per layer only q, k (O(N x d)) and lse (O(N) per head): a 256 x 256 tile costs 256 x 256 dot
products, and a pooled overview one pass over the rows in blocks, whatever N is. The lse comes from
the trace (`ModelTrace.lse`: the attention kernel's, kept by the capture, or streamed once).

Pooling: a pooled cell covers `cell x cell` weights. Max-pooling is the default because a sparse
pattern (one key per row: a previous-token diagonal) keeps its full value under max and fades to
1/cell under a mean. Cells wholly hidden by the causal mask are 0 under both.

Axes: q [head, q_pos, d_head], k [kv_head, k_pos, d_head] (grouped-query: head h reads kv head
h // (head / kv_head)); a single head's functions take q [q_pos, d_head], k [k_pos, d_head].
"""

from __future__ import annotations

import math

import torch

from ..errors import AttnlabError

POOL_MODES = ("max", "mean")


def _check_span(name: str, lo: int, hi: int, n: int) -> None:
    if not (0 <= lo < hi <= n):
        raise AttnlabError(f"{name} range {lo}..{hi} is outside 0..{n} (or empty)")


def score_tile(
    q: torch.Tensor, k: torch.Tensor, *, scale: float, causal: bool, rows: tuple[int, int], cols: tuple[int, int]
) -> torch.Tensor:
    """[rows, cols] fp32 scores s = scale * q . k of one head (q [q_pos, d_head], k [k_pos, d_head]);
    hidden cells (k_pos > q_pos when causal) are -inf."""
    (r0, r1), (c0, c1) = rows, cols
    _check_span("q_pos", r0, r1, q.shape[0])
    _check_span("k_pos", c0, c1, k.shape[0])
    s = (q[r0:r1].float() @ k[c0:c1].float().T).mul_(scale)  # [rows, cols]
    if causal and c1 - 1 > r0:
        dev = q.device
        s.masked_fill_(torch.arange(c0, c1, device=dev).unsqueeze(0) > torch.arange(r0, r1, device=dev).unsqueeze(1),
                       -math.inf)
    return s


def weight_tile(
    q: torch.Tensor, k: torch.Tensor, lse: torch.Tensor, *, scale: float, causal: bool,
    rows: tuple[int, int], cols: tuple[int, int],
) -> torch.Tensor:
    """[rows, cols] fp32 weights w = exp(s - lse[q]) of one head; lse: [q_pos] from `row_lse`."""
    s = score_tile(q, k, scale=scale, causal=causal, rows=rows, cols=cols)
    return s.sub_(lse[rows[0] : rows[1]].unsqueeze(1)).exp_()


def pooled_weights(
    q: torch.Tensor, k: torch.Tensor, lse: torch.Tensor, *, scale: float, causal: bool, cell: int,
    rows: tuple[int, int] | None = None, cols: tuple[int, int] | None = None, mode: str = "max",
    q_block: int = 512,
) -> torch.Tensor:
    """[ceil(rows / cell), ceil(cols / cell)] fp32: the max (or mean) weight of each cell x cell block of
    one head over the given q_pos and k_pos ranges (default: all), computed a block of rows at a time.

    A mean over a block at the edge counts only the cells that exist; hidden cells count as 0 weight.
    """
    if mode not in POOL_MODES:
        raise AttnlabError(f"pooling {mode!r} is not available: choose one of {', '.join(POOL_MODES)}")
    if not isinstance(cell, int) or cell < 1:
        raise AttnlabError(f"cell must be a positive integer, got {cell!r}")
    r0, r1 = rows or (0, q.shape[0])
    c0, c1 = cols or (0, k.shape[0])
    _check_span("q_pos", r0, r1, q.shape[0])
    _check_span("k_pos", c0, c1, k.shape[0])
    cell = min(cell, max(r1 - r0, c1 - c0))  # a cell larger than the range pools it whole, the same
    out_r, out_c = -(-(r1 - r0) // cell), -(-(c1 - c0) // cell)
    out = torch.zeros(out_r, out_c, device=q.device)
    step = max(cell, (q_block // cell) * cell)  # whole cells per block of rows
    for lo in range(r0, r1, step):
        hi = min(lo + step, r1)
        last = min(c1, hi) if causal else c1  # keys after the block's last row: all hidden (0)
        if last <= c0:
            continue
        w = weight_tile(q, k, lse, scale=scale, causal=causal, rows=(lo, hi), cols=(c0, last))  # [rows, keys]
        n_r, n_c = -(-(hi - lo) // cell), -(-(last - c0) // cell)
        if (hi - lo) % cell or (last - c0) % cell:  # pad to whole cells with zeros (no weight): edges only
            w = torch.nn.functional.pad(w, (0, n_c * cell - (last - c0), 0, n_r * cell - (hi - lo)))
        blocks = w.view(n_r, cell, n_c, cell)
        i = (lo - r0) // cell
        out[i : i + n_r, :n_c] = blocks.amax(dim=(1, 3)) if mode == "max" else blocks.sum(dim=(1, 3))
    if mode == "mean":
        out /= _cell_counts(r0, r1, c0, c1, cell).to(out.device)
    return out


def _cell_counts(r0: int, r1: int, c0: int, c1: int, cell: int) -> torch.Tensor:
    """[out_rows, out_cols]: how many weights each pooled cell covers (fewer at the bottom and right edges)."""
    rs = torch.arange(r0, r1, cell)
    cs = torch.arange(c0, c1, cell)
    nr = (torch.clamp(rs + cell, max=r1) - rs).float()
    nc = (torch.clamp(cs + cell, max=c1) - cs).float()
    return nr.unsqueeze(1) * nc.unsqueeze(0)
