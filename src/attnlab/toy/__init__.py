"""The toy lab: the tutorial's self-attention on a few tokens, every stage kept (docs/architecture.md).

    spec.py      ToySpec: tokens, d_model, heads, seed, temperature, causal, x (the tutorial's defaults)
    checks.py    the spec's fields checked, and a computed trace refused when not finite
    run.py       run_toy / run_seeds: x, W_Q, W_K, W_V, every stage, a ToyTrace
    input.py     x read from a JSON or CSV file, or inline rows
    options.py   toy_spec: a spec from options named like the CLI's (the web app's JSON too)
    tutorial.py  the tutorial's path: listing 2, step 3, its seeds, step 4 on a real model
"""

from . import tutorial
from .checks import ToyInputError
from .run import ToyStages, ToyTrace, draw_weights, make_x, run_seeds, run_toy
from .spec import TUTORIAL_TOKENS, TUTORIAL_X, ToySpec

__all__ = [
           "TUTORIAL_TOKENS",
           "TUTORIAL_X",
           "ToyInputError",
           "ToySpec",
           "ToyStages",
           "ToyTrace",
           "draw_weights",
           "make_x",
           "run_seeds",
           "run_toy",
           "tutorial",
]
