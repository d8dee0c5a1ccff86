"""The edit hooks: no-ops without a plan (in every thread), expand == replicate, the batch bookkeeping."""

from __future__ import annotations

import dataclasses
import threading

import pytest
import torch

from attnlab.models.effects import sites, sweep
from attnlab.models.intervene import HeadEdit, Plan, editing
from attnlab.models.targets import Embedding, LogProbs, make_target

pytestmark = pytest.mark.model

TEXT = {"smollm2": "The cat sat on the mat because it was tired.", "minilm": "東京はとても美しい街です。"}


def body_out(lm, ids):
    with torch.no_grad():
        return lm.model.base_model(input_ids=torch.tensor([ids]), use_cache=False).last_hidden_state


def readout(lm, ids):
    if lm.kind == "encoder":
        return Embedding("mean")
    return LogProbs(lm, make_target(lm, ids, target=None, position=None, positions=None, lang="en"), ids)


@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_installed_hooks_change_nothing_without_a_plan(model, request):
    lm = request.getfixturevalue(model)
    ids = lm.tokenizer(TEXT[model])["input_ids"]
    before = body_out(lm, ids)
    where = sites(lm)
    assert where.n_layers == lm.model.config.num_hidden_layers and where.blocks is not None
    assert torch.equal(body_out(lm, ids), before)


@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_growing_the_batch_at_each_block_equals_full_copies(model, request):
    """expand (items share the layers below their edit) gives what replicate (whole copies) gives."""
    lm = request.getfixturevalue(model)
    ids = lm.tokenizer(TEXT[model])["input_ids"]
    where = sites(lm)
    last = where.n_layers - 1
    value = torch.randn(where.d_head, generator=torch.Generator().manual_seed(0))
    edits = [HeadEdit(0, 1), HeadEdit(2, 3, value), HeadEdit(2, 0), HeadEdit(last, where.n_heads - 1)]
    at = torch.zeros(len(ids), dtype=torch.bool)
    at[2:5] = True
    for where_at in (None, at):
        grown = sweep(lm, where, ids, edits, readout(lm, ids), at=where_at, expand=True)
        copied = sweep(lm, where, ids, edits, readout(lm, ids), at=where_at, expand=False)
        for name in grown:
            assert torch.allclose(grown[name], copied[name], atol=1e-5), name
        assert float((grown["metric"] - grown["metric_base"]).abs().min()) > 0  # every edit changed something


def test_a_model_without_blocks_is_edited_with_full_copies(smollm2):
    ids = smollm2.tokenizer(TEXT["smollm2"])["input_ids"]
    where = sites(smollm2)
    flat = dataclasses.replace(where, blocks=None, block_of={})
    edits = [HeadEdit(1, 2), HeadEdit(5, 0)]
    a = sweep(smollm2, flat, ids, edits, readout(smollm2, ids))
    b = sweep(smollm2, where, ids, edits, readout(smollm2, ids))
    assert torch.allclose(a["metric"], b["metric"], atol=1e-5)


def test_a_plan_in_one_thread_leaves_another_threads_forward_alone(smollm2):
    ids = smollm2.tokenizer(TEXT["smollm2"])["input_ids"]
    where = sites(smollm2)
    plain = body_out(smollm2, ids)
    seen: dict[str, torch.Tensor] = {}
    go = threading.Barrier(2)

    def edited():
        plan = Plan(where, [HeadEdit(layer, 0) for layer in range(where.n_layers)], expand=False)
        go.wait()
        with editing(plan), torch.no_grad():
            x = torch.tensor([ids]).expand(1 + where.n_layers, -1)
            seen["edited"] = smollm2.model.base_model(input_ids=x, use_cache=False).last_hidden_state

    def other():
        go.wait()
        for _ in range(3):
            seen["other"] = body_out(smollm2, ids)

    threads = [threading.Thread(target=edited), threading.Thread(target=other)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert torch.equal(seen["other"], plain)
    assert not torch.allclose(seen["edited"][1], plain[0], atol=1e-3)  # the plan did edit its own forward


def test_plan_edits_must_come_in_layer_order(smollm2):
    where = sites(smollm2)
    with pytest.raises(ValueError, match="sorted by layer"):
        Plan(where, [HeadEdit(3, 0), HeadEdit(1, 0)])
