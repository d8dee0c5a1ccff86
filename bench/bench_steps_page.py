"""What the steps tab (views/steps) adds to a page: `python bench/bench_steps_page.py N [lens]`.

Generates N tokens after "The capital of Japan is" with SmolLM2 (greedy; `lens`: with the logit lens) and
prints the page's length without and with `generation=`, the bytes per step, the steps' JSON, and the
time the overview grid's rows take (docs/steps.md, "The page and the app")."""

from __future__ import annotations

import json
import sys
import time

import attnlab
from attnlab.html.encode import page_data
from attnlab.html.render import render_page
from attnlab.views.steps.data import step_overview


def main(n: int, lens: bool) -> None:
    t0 = time.time()
    gen = attnlab.generate("The capital of Japan is", "smollm2", n, lens=lens)
    print(f"generated {len(gen.steps)} steps in {time.time() - t0:.1f} s", flush=True)
    plain = render_page(gen.trace, lang="en")
    with_steps = render_page(gen.trace, lang="en", generation=gen)
    _, data = page_data(gen.trace, lang="en", view=None, layers=None, focus=None, given={"steps": gen})
    steps_json = json.dumps(data.meta["view_meta"]["steps"], ensure_ascii=False, separators=(",", ":"))
    t1 = time.time()
    step_overview(gen)
    extra = len(with_steps) - len(plain)
    held = data.meta["layers"]
    print(f"steps={len(gen.steps)} lens={lens} tokens={gen.trace.n_tokens} layers held={held[0]}..{held[-1]} "
          f"page without={len(plain)} B with={len(with_steps)} B extra={extra} B "
          f"({extra / len(gen.steps):.0f} B/step); "
          f"steps JSON {len(steps_json)} B ({len(steps_json) / len(gen.steps):.0f} B/step); "
          f"overview {time.time() - t1:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]), len(sys.argv) > 2 and sys.argv[2] == "lens")
