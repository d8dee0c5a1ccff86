"""Every family of tests/models/families.py: attnlab's maps equal Hugging Face eager attention.

A tiny random model per family, saved as a folder and loaded as `--model FOLDER` loads it; every
layer and head (and, for encoder-decoders, every part: encoder, decoder, cross-attention) compared
with eager `output_attentions=True` on the same input. Tolerance 1e-5 (fp32; measured at most
5e-7 on this machine's CPU: `python -m tests.models.families` prints each). docs/models.md lists
the families as these runs observed them.
"""

from __future__ import annotations

import pytest

from attnlab.models.api import run_text

from .families import FAMILIES, FAMILY, TEXT, checked_variants, documented_table, family_table, observe, term_effects

pytestmark = pytest.mark.model

TOL = 1e-5


@pytest.mark.parametrize("name", [f.name for f in FAMILIES])
def test_every_layer_and_head_matches_eager(name, family_root):
    family, seen = FAMILY[name], observe(name, family_root)
    assert seen.path == family.path
    assert seen.max_diff <= TOL, f"{name}: largest difference to eager {seen.max_diff:.2e}"
    missing = checked_variants(family) - seen.variants
    assert not missing, f"{name}: the trace does not show {sorted(missing)}"


def test_docs_list_every_family_as_the_runs_observed_it(family_root):
    table = family_table({f.name: observe(f.name, family_root) for f in FAMILIES})
    assert documented_table() == table, "docs/models.md is out of date: run python -m tests.models.families"


@pytest.mark.parametrize("name", ["Gemma 2", "Falcon (ALiBi)"])
def test_the_score_terms_matter_to_the_weights_compared(name, family_folder):
    """The soft cap and ALiBi change these models' weights by far more than the tolerance: a trace that
    dropped them would fail the comparison above."""
    trace = run_text(TEXT, str(family_folder(name)))
    effects = term_effects(trace)
    assert set(effects) == checked_variants(FAMILY[name]) & {"soft cap", "ALiBi"}
    assert min(effects.values()) > 100 * TOL, effects


@pytest.mark.parametrize("name", ["RoBERTa", "XLM-RoBERTa", "Llama", "GPT-2"])
def test_a_left_padded_text_keeps_its_positions(name, family_folder):
    """In a left-padded batch the positions count real tokens only, from the model's first position
    (RoBERTa's padding_idx + 1, 0 elsewhere): the padded text's weights equal its weights alone."""
    from attnlab.models.api import load, trace_ids

    lm = load(str(family_folder(name)))
    short, long = (lm.tokenizer(t)["input_ids"] for t in ("A short one.", TEXT))
    side, lm.tokenizer.padding_side = lm.tokenizer.padding_side, "left"
    try:
        padded = trace_ids(lm, [short, long])[0]
    finally:
        lm.tokenizer.padding_side = side
    alone = trace_ids(lm, [short])[0]
    assert padded.span.start > 0  # it was padded
    for layer in range(alone.n_layers):
        assert (padded.head_weights(layer) - alone.head_weights(layer)).abs().max() <= TOL
