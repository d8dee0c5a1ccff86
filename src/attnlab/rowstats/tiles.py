"""One head's weights from q, k and each row's log-sum-exp: tiles and pooled maps, never N x N.

With the scores s[q, k] = scale * q . k (hidden keys: -inf) and each row's log-sum-exp

    lse[q] = log sum_k exp(s[q, k])                  (over the keys row q may see)

any weight is one dot product away:  w[q, k] = exp(s[q, k] - lse[q]).  So a deep-zoom view needs
per layer only q, k (O(N x d)) and lse (O(N) per head): a 256 x 256 tile costs 256 x 256 dot
products, and a pooled overview one pass over the rows in blocks, whatever N is.

`row_lse` is the one place lse is made here: PyTorch's CPU flash kernel returns it with its output;
`streamed_lse` computes it with the online max/sum of Milakov & Gimelshein (2018) over key tiles
(running max m and l = sum e^(s - m); lse = m + log l), as `head_row_stats` does for its statistics.
When a capture records lse itself, callers pass that instead.

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


def row_lse(q: torch.Tensor, k: torch.Tensor, *, scale: float, causal: bool) -> torch.Tensor:
    """[head, q_pos] fp32 log-sum-exp of each row's scores (causal: query i sees keys 0..i).

    On CPU this asks PyTorch's flash kernel, which computes lse on the way to its output (measured
    on SmolLM2's shapes at 8,192 tokens: 0.26 s a head against 1.7 s for `streamed_lse` in torch ops,
    agreeing to 1e-6); elsewhere, or where the kernel is missing, `streamed_lse`.
    """
    flash = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)
    if flash is None or q.device.type != "cpu" or q.dtype not in (torch.float32, torch.bfloat16):
        return streamed_lse(q, k, scale=scale, causal=causal)
    group = _group(q, k)
    out = torch.empty(q.shape[0], q.shape[1], device=q.device)
    for h in range(q.shape[0]):  # one head at a time: no [head, q_pos, d_head] copy of k
        qh, kh = q[h][None, None], k[h // group][None, None].to(q.dtype)  # [1, 1, pos, d_head]
        out[h] = flash(qh, kh, kh, 0.0, causal, scale=scale)[1][0, 0].float()  # (output, lse): lse
    return out


def _group(q: torch.Tensor, k: torch.Tensor) -> int:
    if k.shape[0] == 0 or q.shape[0] % k.shape[0]:
        raise AttnlabError(f"q has {q.shape[0]} heads, not a multiple of k's {k.shape[0]} kv heads")
    return q.shape[0] // k.shape[0]


def streamed_lse(
    q: torch.Tensor, k: torch.Tensor, *, scale: float, causal: bool, tile: int = 4096, q_block: int = 1024
) -> torch.Tensor:
    """`row_lse` in plain torch ops: an online max/sum over key tiles, any device.

    Memory: head x q_block x tile fp32 at a time (9 x 1024 x 4096 x 4 bytes = 151 MB), whatever N is.
    """
    group, n_kv = _group(q, k), k.shape[0]
    n_heads, n_q, _ = q.shape
    dev = q.device
    kf = k.float()
    out = torch.empty(n_heads, n_q, device=dev)
    for lo in range(0, n_q, q_block):
        hi = min(lo + q_block, n_q)
        qb = (q[:, lo:hi].float() * scale).reshape(n_kv, group * (hi - lo), -1)  # [kv_head, group*rows, d_head]
        m = torch.full((n_kv, group * (hi - lo)), -math.inf, device=dev)
        den = torch.zeros_like(m)
        rows = torch.arange(lo, hi, device=dev).repeat(group)  # [group*rows] the q_pos of each row
        last = hi if causal else k.shape[1]  # keys beyond the block's last row are hidden from all of it
        for k0 in range(0, last, tile):
            k1 = min(k0 + tile, last)
            s = torch.bmm(qb, kf[:, k0:k1].transpose(1, 2))  # [kv_head, group*rows, keys]
            if causal and k1 - 1 > lo:
                s.masked_fill_(torch.arange(k0, k1, device=dev).unsqueeze(0) > rows.unsqueeze(1), -math.inf)
            m_new = torch.maximum(m, s.amax(-1))
            den = den * torch.exp(m - m_new).nan_to_num_(0.0) + torch.exp(s - m_new.unsqueeze(-1)).sum(-1)
            m = m_new
        out[:, lo:hi] = (m + torch.log(den)).view(n_heads, hi - lo)
    return out


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
