"""The tutorial's path, as traces: its listing 2, its step 3 (two heads), its "change the seed",
and its step 4 (its sentence through a real model). `attnlab demo` and the notebook lesson use these,
so the demo's numbers are the library's, not the command line's.
"""

from __future__ import annotations

from ..trace import AttentionTrace
from .run import ToyTrace, run_seeds, run_toy
from .spec import ToySpec

DEMO_TEXT = "Tokyo is beautiful"  # the tutorial's sentence (its listing 2), for step 4
DEMO_SEEDS = [42, 0, 1, 2]  # the tutorial's seed first, then others to compare ("change the seed")


def listing2() -> ToyTrace:
    """The tutorial's listing 2, bit for bit (Tokyo / is / beautiful, its x, seed 42)."""
    return run_toy(ToySpec())


def step3() -> ToyTrace:
    """The same input split into 2 heads of d_head 2 (the tutorial's step 3: split, then average)."""
    return run_toy(ToySpec(heads=2))


def seeds() -> list[ToyTrace]:
    """Listing 2's x under DEMO_SEEDS."""
    return run_seeds(ToySpec(), DEMO_SEEDS)


def step4(model: str | None = None) -> AttentionTrace:
    """The tutorial's step 4: its sentence through a real model (default: the registry's choice for it,
    `models.registry.model_for`, as for any text)."""
    from ..models.api import run_text

    return run_text(DEMO_TEXT, model)
