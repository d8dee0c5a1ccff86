"""attnlab: self-attention made visible, from the tutorial's 3 x 4 toy to real language models.

Quick start (notebook):

    import attnlab
    trace = attnlab.run_toy()             # the tutorial's example, seed-exact
    print(trace)                          # its printout and an explanation of the numbers
    attnlab.plot_pipeline(trace)          # x | scores | weights | output, shown inline
    attnlab.run_toy(tokens="I love transformers so much".split(), d_model=8, heads=2, causal=True)

Names are loaded lazily so that `import attnlab` stays light (no torch, no matplotlib until asked
for). No exported name is also the name of a submodule (tested): importing the module would hide it.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__ as __version__

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "AttnlabError": "attnlab.errors",
    "LayerHeadError": "attnlab.errors",
    "AttentionTrace": "attnlab.trace",
    "Token": "attnlab.trace",
    "ToySpec": "attnlab.toy",
    "ToyStages": "attnlab.toy",
    "ToyTrace": "attnlab.toy",
    "ToyInputError": "attnlab.toy",
    "run_toy": "attnlab.toy",
    "run_seeds": "attnlab.toy",
    "toy_spec": "attnlab.toy.options",
    "tutorial": "attnlab.toy",  # the module: tutorial.listing2(), step3(), seeds(), step4()
    "attend": "attnlab.attention",
    "report": "attnlab.reporting",
    "printout": "attnlab.reporting",
    "explain": "attnlab.reporting",
    "compare_seeds": "attnlab.reporting",
    "model_report": "attnlab.reporting",
    "top_table": "attnlab.reporting",
    "trace_to_dict": "attnlab.export",
    "render_page": "attnlab.html",
    "write_html": "attnlab.html",
    "show": "attnlab.notebook",
    "plot_weights": "attnlab.views.heatmap.figures",
    "plot_pipeline": "attnlab.views.pipeline.figures",
    "plot_pipeline_qkv": "attnlab.views.pipeline.figures",
    "plot_heads": "attnlab.plot.toy",
    "plot_seeds": "attnlab.plot.toy",
    "run_text": "attnlab.models.api",
    "from_attentions": "attnlab.given",
    "GivenTrace": "attnlab.given",
    "EncoderDecoderTraces": "attnlab.models.parts",
    "CrossAttention": "attnlab.models.parts",
    "head_view": "attnlab.bertviz",
    "model_view": "attnlab.bertviz",
    "run_batch": "attnlab.models.api",
    "generate": "attnlab.models.api",
    "Generation": "attnlab.models.steps",
    "steps_to_dict": "attnlab.analysis.steps",
    "step_rows": "attnlab.analysis.steps",
    "step_rows_to_dict": "attnlab.analysis.steps",
    "why": "attnlab.analysis.why",
    "why_to_dict": "attnlab.analysis.why",
    "flow": "attnlab.analysis.flow",
    "flow_to_dict": "attnlab.analysis.flow",
    "ModelTrace": "attnlab.models.trace",
    "list_models": "attnlab.models.registry",
    "plot_head": "attnlab.views.heatmap.figures",
    "plot_grid": "attnlab.views.modelview.figures",
    "plot_layer_means": "attnlab.views.modelview.figures",
    "RowStats": "attnlab.rowstats",
    "head_census": "attnlab.analysis.census",
    "census_to_dict": "attnlab.analysis.census",
    "HeadCensus": "attnlab.analysis.census",
    "head_effects": "attnlab.analysis.effects",
    "induction_probe": "attnlab.models.probe",
    "rollout": "attnlab.analysis.rollout",
    "rollout_rows": "attnlab.analysis.rollout",
    "value_norms": "attnlab.analysis.value_weighted",
    "value_weighted_pattern": "attnlab.analysis.value_weighted",
    "key_mass": "attnlab.analysis.value_weighted",
    "plot_atlas": "attnlab.plot.census",
    "plot_rollout": "attnlab.plot.census",
    "plot_key_mass": "attnlab.plot.census",
    "run_corpus": "attnlab.corpus.run",
    "summarize_corpus": "attnlab.corpus.summary",
    "summary_to_dict": "attnlab.corpus.summary",
    "document_scores": "attnlab.corpus.document",
    "plot_corpus_means": "attnlab.plot.corpus",
    "lesson_path": "attnlab.lessons",  # the packaged lesson notebook (a file): lesson_path("en")
    "copy_lessons": "attnlab.lessons",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'attnlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
