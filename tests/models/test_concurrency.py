"""Captures in parallel threads equal the same captures run one after another, bit for bit.

The recorder is context-local (`models.capture`), the process cache of loaded models and the
tokenizers are guarded (`models.api`): 8 threads on different texts, both bundled models mixed (one
of them generating first), give the same patterns and row statistics as serial runs (`torch.equal`:
the same kernels on the same inputs), and no thread falls back to eager. A capture that fails
midway leaves nothing behind: the next call captures normally.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from attnlab.models import api, capture
from attnlab.models.api import run_text
from attnlab.models.trace import ModelTrace

pytestmark = pytest.mark.model

JOBS = [  # (model, text, tokens to generate first)
    ("minilm", "The cat sat on the mat because it was tired.", 0),
    ("smollm2", "東京はとても美しい街です。猫が好き。", 0),
    ("minilm", "Attention is all you need: 注意こそがすべて (2017).", 0),
    ("smollm2", "The capital of Japan is", 4),
    ("minilm", "東京はとても美しい街です。", 0),
    ("smollm2", "Attention is all you need, x = softmax(QK^T / sqrt(d)) V, and then some more words.", 0),
    ("minilm", "A short one.", 0),
    ("smollm2", "A somewhat longer sentence, so that the lengths of the texts differ here.", 0),
]
STATS = ("max_weight", "argmax", "entropy", "first_weight", "mean_distance")


def capture_job(model: str, text: str, generate: int) -> dict:
    """run_text, then what the comparison reads: every layer's pattern of three heads, the row stats."""
    trace = run_text(text, model, generate=generate)
    heads = sorted({0, trace.n_heads // 2, trace.n_heads - 1})
    stats = trace.row_stats()
    return {
        "type": type(trace),
        "tokens": trace.tokens,
        "patterns": [trace.pattern(layer, h) for layer in range(trace.n_layers) for h in heads],
        "stats": {name: getattr(stats, name) for name in STATS},
        "n_layers_recorded": len(trace.layers) if isinstance(trace, ModelTrace) else 0,
        "n_layers": trace.n_layers,
    }


def assert_same(ours: dict, ref: dict, what: str) -> None:
    assert ours["type"] is ModelTrace and ours["n_layers_recorded"] == ours["n_layers"], f"{what}: not captured"
    assert ours["tokens"] == ref["tokens"], f"{what}: other tokens"
    for i, (a, b) in enumerate(zip(ours["patterns"], ref["patterns"], strict=True)):
        assert torch.equal(a, b), f"{what}: pattern {i} differs from the serial run"
    for name in STATS:
        assert torch.equal(ours["stats"][name], ref["stats"][name]), f"{what}: row stat {name} differs"


@pytest.fixture(scope="module")
def serial(minilm, smollm2):
    """The reference: each job alone, one after another."""
    return [capture_job(*job) for job in JOBS]


def test_eight_threads_equal_serial_runs_bit_for_bit(serial):
    start = threading.Barrier(len(JOBS))

    def job(i: int) -> dict:
        start.wait(timeout=60)  # all eight begin together
        return capture_job(*JOBS[i])

    with ThreadPoolExecutor(len(JOBS)) as pool:
        results = list(pool.map(job, range(len(JOBS))))
    for i, (ours, ref) in enumerate(zip(results, serial, strict=True)):
        assert_same(ours, ref, f"thread {i} ({JOBS[i][0]})")
    assert capture._recorder.get() is None  # nothing left active in this thread
    for i in (0, 1):  # a plain call afterwards still captures (no eager fallback), and equals serial
        assert_same(capture_job(*JOBS[i]), serial[i], f"after the threads, {JOBS[i][0]}")


def test_a_capture_that_fails_midway_does_not_poison_later_ones(serial, minilm):
    """A layer raising in one thread while others capture: only that call fails; every later call,
    in any thread, records all its layers (the recorder is reset whatever happens)."""

    def boom(module, args, output):
        if threading.current_thread().name == "boom":
            raise RuntimeError("a failure inside the forward pass")

    hook = minilm.model.base_model.encoder.layer[2].register_forward_hook(boom)
    errors, results = [], {}
    try:
        def run(i: int) -> None:
            try:
                results[i] = capture_job(*JOBS[i])
            except RuntimeError as e:
                errors.append((threading.current_thread().name, str(e)))

        threads = [threading.Thread(target=run, args=(i,), name="boom" if i == 0 else f"ok-{i}") for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        hook.remove()
    assert errors == [("boom", "a failure inside the forward pass")]
    for i in (1, 2, 3):
        assert_same(results[i], serial[i], f"thread {i} beside the failing one")
    with pytest.raises(RuntimeError):  # and failing in this thread too: the recorder goes back
        with capture.recording():
            raise RuntimeError("inside the block")
    assert capture._recorder.get() is None
    for i in (0, 1):
        assert_same(capture_job(*JOBS[i]), serial[i], f"after the failure, {JOBS[i][0]}")


def test_another_thread_reads_the_progress_of_a_running_pass(smollm2):
    """What the server's progress poller does: the worker runs inside `watching()`, another thread
    reads `layers_done` while the pass is held after its sixth layer."""
    held, read = threading.Event(), threading.Event()

    def pause(module, args, output):
        held.set()
        assert read.wait(timeout=60)

    layer = smollm2.model.base_model.layers[5]
    hook = layer.register_forward_hook(pause)
    seen, result = {}, {}
    try:
        def worker() -> None:
            with capture.watching() as watch:
                seen["watch"] = watch
                result["trace"] = run_text("The capital of Japan is Tokyo.", "smollm2")

        t = threading.Thread(target=worker)
        t.start()
        assert held.wait(timeout=60)
        seen["during"] = seen["watch"].layers_done  # read from this thread while the worker waits
        read.set()
        t.join(timeout=60)
    finally:
        hook.remove()
        read.set()
    assert seen["during"] == 6  # layers 0..5 recorded, the pass held after layer 5
    assert seen["watch"].layers_done == 0 and len(result["trace"].layers) == smollm2.model.config.num_hidden_layers


def test_a_model_is_loaded_once_however_many_threads_ask(monkeypatch):
    loads, gate = [], threading.Event()

    def slow_load(name):
        loads.append(name)
        assert gate.wait(timeout=30)
        return f"loaded {name}"

    monkeypatch.setattr(api, "_loaded", {})
    monkeypatch.setattr(api, "load_model", slow_load)
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(api.load, "minilm" if i % 2 else "smollm2") for i in range(6)]
        assert not api.is_loaded("minilm") and not api.is_loaded("smollm2")  # nothing half-loaded is shown
        gate.set()
        got = [f.result(timeout=60) for f in futures]
    assert sorted(loads) == ["minilm", "smollm2"]
    assert got == ["loaded smollm2", "loaded minilm"] * 3 and api.is_loaded("minilm")


def test_truncating_and_plain_tokenizer_calls_in_parallel_do_not_mix(minilm):
    """A fast tokenizer's truncation is state of the shared object: unguarded, a plain call made while
    another thread truncates comes back cut (measured: 2 of 100 calls, with no error)."""
    from attnlab.models.api import TooLongError, encode

    long = "word " * 1000  # 1002 tokens with [CLS] and [SEP]; MiniLM takes 512
    ref = encode(minilm, long, truncate=True)
    n = ref.cut + len(ref.ids)

    def job(i: int) -> list:
        out = []
        for _ in range(25):
            if i % 2:
                out.append(encode(minilm, long, truncate=True))
            else:
                with pytest.raises(TooLongError) as e:
                    encode(minilm, long)
                out.append(str(e.value))
        return out

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(job, range(4)))
    for i, out in enumerate(results):
        for got in out:
            if i % 2:
                assert got == ref
            else:
                assert got.startswith(f"the text is {n} tokens but minilm accepts at most 512")


def test_only_models_whose_forward_rewrites_them_run_alone(smollm2, minilm):
    """Dynamic RoPE recomputes inv_freq per input length, so its passes take the lock; others do not."""
    assert not api.changes_itself(smollm2.model) and not api.changes_itself(minilm.model)
    rope = torch.nn.Module()
    for kind, alone in [("dynamic", True), ("longrope", True), ("default", False), ("llama3", False)]:
        rope.rope_type = kind
        assert api.changes_itself(torch.nn.Sequential(rope)) is alone
    rope.rope_type = {"full_attention": "default", "sliding_attention": "dynamic"}  # per layer type
    assert api.changes_itself(torch.nn.Sequential(rope))
