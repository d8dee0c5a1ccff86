"""Attention while the model writes: a scrubber over a generation's steps (issue 21, part 3).

Page tab only (tab.js): at the step under the scrubber (a range input, previous / next buttons, the
arrow keys), the sampling settings (greedy, or temperature, top-k and seed: the run can be repeated),
the text so far with the new token outlined and every token coloured by the new token's weight on it in
the chosen layer and head (the page's weight map: layers the page holds), that row's largest weights
with a button opening it in the heatmap at that row, the top next-token candidates as bars with the
chosen token marked, a layers x heads grid of the new token's largest weight (the key it looks at most
in each head; a click chooses that layer and head) and, with the logit lens, each layer's top token.

The steps are not part of the trace: they come beside it, as a `models.steps.Generation`. A page shows
the tab only when it is given one (`given_only`): `render_page(gen.trace, generation=gen)`,
`attnlab.show(gen)`, `attnlab text PROMPT --generate N --html`, and the app's trace page of a text
generated there. Its data: `data.py` (every number from `analysis.steps` and the trace's rows).
"""

from __future__ import annotations

from ...trace import AttentionTrace
from ..base import View
from .data import page_arrays, page_meta


def applies(trace: AttentionTrace) -> bool:
    """Model traces of a decoder (the steps are its generation's; the page checks they are this trace's)."""
    return trace.stages is None and bool(trace.causal)


VIEW = View(name="steps", applies=applies, given_only=True, page_meta=page_meta, page_arrays=page_arrays,
            opens_first=lambda trace: True,
            needs="a decoder's generation (render_page(gen.trace, generation=gen), attnlab.show(gen), or "
                  "attnlab text PROMPT --generate N --html)",
            labels=("head", "layer", "steps_candidates", "steps_chosen", "steps_chosen_line", "steps_hint",
                    "steps_lens_title", "steps_lens_top", "steps_next", "steps_not_held", "steps_of",
                    "steps_open_heatmap", "steps_overview", "steps_overview_cell", "steps_prev", "steps_row",
                    "steps_sampling", "steps_scrubber", "steps_text_so_far", "weight"))
