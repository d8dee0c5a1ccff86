"""The trace: what every source makes and everything else reads (docs/architecture.md, "The trace").

    base.py   AttentionTrace, the contract, with dense defaults for the long-input access
    qk.py     QKTrace: the same access streamed from kept q, k, v (one tile routine)
    mask.py   LayerMask: none | causal | boolean | additive | bias | softcap, applied in one place
    rows.py   sums over rows without N x N (entropy, distance, max, weighted sums, rollout steps)
    fused.py  the census's row sums in one compiled pass per tile on the CPU (numba, when installed)
    extras.py Rotary and Streams: RoPE's cos / sin and the residual stream, kept by some sources
    memo.py   one cache per trace for derived values
    pool.py   pooling weights into cell x cell blocks
    token.py  Token
"""

from .base import QKV, AttentionTrace, ScoreTile, present
from .extras import Rotary, Streams
from .mask import LayerMask
from .memo import Memo
from .qk import LayerQKV, QKTrace
from .token import Token, unique_labels

__all__ = ["QKV", "AttentionTrace", "LayerMask", "LayerQKV", "Memo", "QKTrace", "Rotary", "ScoreTile", "Streams",
           "Token", "present", "unique_labels"]
