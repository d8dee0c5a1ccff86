"""ToySpec: everything that determines a toy trace, checked when it is made.

Defaults are the tutorial's listing 2: tokens Tokyo / is / beautiful, d_model 4, one head, seed 42.
The fields are checked and stored as plain Python values (`toy.checks.spec_fields`), so a spec made
from lists, numpy integers or a tensor x compares, hashes and prints like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .checks import spec_fields

TUTORIAL_TOKENS = ("Tokyo", "is", "beautiful")
TUTORIAL_X = (
    (1.0, 0.5, 0.3, 0.2),  # Tokyo
    (0.2, 0.1, 0.9, 0.7),  # is
    (0.8, 0.3, 0.2, 0.4),  # beautiful
)


@dataclass(frozen=True)
class ToySpec:
    """Everything that determines a toy trace."""

    tokens: tuple[str, ...] = TUTORIAL_TOKENS  # what each row of x stands for
    d_model: int = 4  # width of x and of Q, K, V
    heads: int = 1  # d_model must divide evenly into heads
    seed: int | None = 42  # seeds W_Q, W_K, W_V (and a generated x); None: fresh each time
    temperature: float = 1.0  # softmax(scores / temperature); > 0
    causal: bool = False  # True: token q sees only tokens 0..q
    x: tuple[tuple[float, ...], ...] | None = None  # [q_pos, d_model]; None: see toy.run.make_x

    def __post_init__(self) -> None:
        # types first (seed=1.5 or tokens="a b" get a message, not a torch error), then ranges; a frozen
        # dataclass stores its own normalised fields through object.__setattr__
        checked = spec_fields(**{f.name: getattr(self, f.name) for f in fields(self)})
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def d_head(self) -> int:
        return self.d_model // self.heads
