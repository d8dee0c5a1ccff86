"""What the surfaces (the CLI and the web app) accept of a toy; the library takes any size the machine holds.

Beyond these a figure has no room for one readable label per token or per dimension, and the
per-head grid stops being legible. Both surfaces call `check_cli_limits` on the spec they built, so
they refuse the same input with the same one-line message.
"""

from __future__ import annotations

from ..toy import ToyInputError, ToySpec

MAX_TOKENS = 256
MAX_D_MODEL = 512
MAX_HEADS = 16


def check_cli_limits(spec: ToySpec) -> ToySpec:
    """The spec when its sizes are ones the surfaces draw legibly; else ToyInputError naming the limit and why."""
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
    return spec
