"""`attnlab why`, `attnlab flow` and `attnlab text --generate`: JSON against the library's own computation,
printed numbers against the JSON, and one-line errors with exit code 2 naming the fix."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
import torch

import attnlab
import attnlab.cli as cli
from attnlab.models.api import load


@pytest.fixture
def run(monkeypatch, capsys):
    """Call the CLI in-process; returns (exit code, stdout, stderr)."""
    present = tuple(m for m in cli.COMMAND_MODULES if importlib.util.find_spec(f"attnlab.cli.{m}"))
    monkeypatch.setattr(cli, "COMMAND_MODULES", present)

    def call(*argv: str) -> tuple[int, str, str]:
        try:
            code = cli.main(list(argv))
        except SystemExit as stop:  # argparse's own complaints (a missing option)
            code = int(stop.code)
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_why_and_flow_are_registered():
    assert {"why", "flow"} <= set(cli.COMMAND_MODULES)


@pytest.mark.parametrize("argv", [["--toy", "--query", "0", "--key", "2"],
                                  ["--toy", "--tokens", "a b c d", "--d-model", "8", "--heads", "2", "--head", "1",
                                   "--causal", "--temperature", "2", "--query", "3", "--key", "1"]])
def test_why_toy_json_is_the_trace(run, argv):
    code, out, err = run("why", *argv, "--format", "json")
    data = json.loads(out)
    assert code == 0 and err == ""
    options = {"tokens": "a b c d".split(), "d_model": 8, "heads": 2, "causal": True, "temperature": 2.0}
    st = attnlab.run_toy(**(options if "--tokens" in argv else {})).stages
    h, q, k = data["head"], data["query"], data["key"]
    assert abs(sum(data["terms"]) - data["score"]) < 1e-5 and abs(data["score"] - float(st.scores[h, q, k])) < 1e-5
    assert abs(data["weight"] - float(st.weights[h, q, k])) < 1e-6
    assert data["rank"] == 1 + int((st.scores[h, q] > st.scores[h, q, k]).sum())
    assert abs(sum(map(sum, data["toy"]["pairs"])) - data["score"]) < 1e-5
    assert data["content_score"] is None and data["position_score"] is None  # the toy has no RoPE


@pytest.mark.model
def test_why_smollm2_json_and_printout(run):
    text = "The capital of Japan is Tokyo, and the capital of France is"
    code, out, _ = run("why", text, "--model", "smollm2", "--layer", "5", "--head", "4", "--query", "10",
                       "--key", "3", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["model"] == "smollm2" and len(data["tokens"]) > 10
    assert abs(data["content_score"] + data["position_score"] - sum(data["terms"])) < 1e-5
    assert len(data["bands"]) == 8 and data["bands"][0]["wavelength"][0] == pytest.approx(2 * 3.141592653589793)
    code, out, _ = run("why", text, "--model", "smollm2", "--layer", "5", "--head", "4", "--query", "10",
                       "--key", "3", "--lang", "en")
    assert code == 0 and f"{data['content_score']:.4f}" in out and f"{data['position_score']:+.4f}" in out
    assert f"weight {data['weight']:.4f}: rank {data['rank']} of the 11 keys" in out


@pytest.mark.model
@pytest.mark.parametrize("model", ["smollm2", "minilm"])
def test_flow_json_and_printout(run, model):
    text = "Tokyo is the capital of Japan."
    code, out, _ = run("flow", text, "--model", model, "--token", "3", "--threshold", "0.05", "--format", "json")
    data = json.loads(out)
    graph = attnlab.flow(attnlab.run_text(text, model, streams=True), 3, 0.05)
    assert code == 0 and data == json.loads(json.dumps(attnlab.flow_to_dict(graph)))
    assert all(e["importance"] > 0.05 for e in data["edges"]) and data["edges"]
    code, out, _ = run("flow", text, "--model", model, "--token", "3", "--threshold", "0.05", "--lang", "en")
    assert code == 0 and f"{len(data['edges'])} edges kept" in out.splitlines()[0]
    top = max((e for e in data["edges"] if e["kind"] == "attention" and e["layer"] == max(
        x["layer"] for x in data["edges"] if x["kind"] == "attention")), key=lambda e: e["importance"])
    assert f"{top['importance']:.3f} (mostly head {top['head']})" in out


@pytest.mark.model
@pytest.mark.parametrize("prompt", ["The capital of Japan is", "Once upon a time"])
def test_text_generate_steps_json_and_printout(run, prompt):
    code, out, _ = run("text", prompt, "--model", "smollm2", "--generate", "3", "--candidates", "2",
                       "--format", "json")
    data = json.loads(out)
    assert code == 0 and len(data["steps"]) == 3 and data["sampling"] == {"method": "greedy", "temperature": 0.0,
                                                                         "top_k": None, "seed": None}
    lm = load("smollm2")
    ids = lm.tokenizer(prompt)["input_ids"] + [s["token_id"] for s in data["steps"]]
    with torch.no_grad():
        probs = lm.model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].softmax(-1)
    for t, step in enumerate(data["steps"]):
        assert step["position"] == data["prompt_len"] + t and step["token"] == data["tokens"][step["position"]]
        assert abs(step["p"] - float(probs[step["position"] - 1, step["token_id"]])) < 1e-5
        assert [c["token_id"] for c in step["top"]] == probs[step["position"] - 1].topk(2).indices.tolist()
    code, out, _ = run("text", prompt, "--model", "smollm2", "--generate", "3", "--candidates", "2", "--lang", "en",
                       "--out", "/dev/null/none")
    assert code == 2  # a bad --out is refused before the model runs


@pytest.mark.model
def test_text_generate_printout_states_the_steps(run, tmp_path):
    code, out, _ = run("text", "The capital of Japan is", "--model", "smollm2", "--generate", "2", "--temperature",
                       "0.7", "--seed", "3", "--lang", "en", "--out", str(tmp_path))
    gen = attnlab.generate("The capital of Japan is", "smollm2", 2, temperature=0.7, seed=3)
    assert code == 0 and "sampled: temperature 0.7, top-k -, seed 3" in out
    for i, step in enumerate(gen.steps):
        line = next(x for x in out.splitlines() if re.match(rf"\s+{i + 1}\. position", x))
        assert f"position {step.position} {step.token} (p {step.p:.3f}, rank {step.rank})" in line


ERRORS = [
    (["why", "--query", "0", "--key", "0"], "give the TEXT to explain, or --toy"),
    (["why", "hi", "--toy", "--query", "0", "--key", "0"], "give TEXT or --toy, not both"),
    (["why", "--toy", "--query", "5", "--key", "0"], "query 5 is out of range: the text has tokens 0..2"),
    (["why", "--toy", "--causal", "--query", "0", "--key", "1"], "key 1 comes after query 0"),
    (["why", "--toy", "--layer", "1", "--query", "0", "--key", "0"], "layer 1 is out of range"),
    (["why", "--toy", "--head", "3", "--query", "0", "--key", "0"], "head 3 is out of range"),
    (["why", "--toy", "--bands", "0", "--query", "0", "--key", "0"], "--bands 0 is outside 1.."),
    (["why", "hi", "--seed", "3", "--query", "0", "--key", "0"], "--seed is a toy option: add --toy"),
    (["why", "--toy", "--query", "0"], "the following arguments are required: --key"),
    (["flow", "hi", "--threshold", "0"], r"threshold 0.0 is outside (0, 1]"),
    (["flow", "hi", "--threshold", "1.5"], r"threshold 1.5 is outside (0, 1]"),
    (["text", "hi", "--temperature", "1"], "--temperature only applies to generation: add --generate N"),
    (["text", "hi", "--lens"], "--lens only applies to generation"),
    (["text", "hi", "--generate", "-1"], "--generate -1 is outside 0.."),
    (["text", "hi", "--generate", "2", "--temperature", "0.5"], "--temperature applies to a decoder's generation"),
    (["text", "hi", "--generate", "2", "--temperature", "-1"], "temperature -1.0 must be 0"),
    (["text", "hi", "--generate", "2", "--seed", "4"], "--seed only matters when sampling"),
    (["text", "hi", "--generate", "2", "--candidates", "0"], "--candidates 0: give 1 to 100"),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS)
def test_errors_are_one_line_exit_2(run, argv, message):
    code, out, err = run(*argv, "--lang", "en")  # (errors speak --lang: tests/cli/test_errors.py has both)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err


@pytest.mark.model
def test_model_errors_are_one_line_exit_2(run):
    for argv, message in ((["flow", "hi there", "--token", "9"], "token 9 is out of range: the text has tokens 0..3"),
                          (["why", "hi there", "--model", "smollm2", "--query", "0", "--key", "1"],
                           "key 1 comes after query 0"),
                          (["text", "hi", "--model", "smollm2", "--generate", "9000"], "more than smollm2 accepts")):
        code, out, err = run(*argv, "--lang", "en")
        assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err


def test_flow_help_states_the_default_threshold(capsys):
    """--help names the default without importing torch, so the number is written there: it must be the code's."""
    from attnlab.analysis.flow import DEFAULT_THRESHOLD
    from attnlab.cli import main

    with pytest.raises(SystemExit):
        main(["flow", "--help"])
    assert f"{DEFAULT_THRESHOLD:g})" in " ".join(capsys.readouterr().out.split())


@pytest.mark.model
def test_flow_html_writes_the_page_opening_on_the_flow_tab(run, tmp_path):
    from attnlab.views.flow.data import tab_data

    text = "Tokyo is the capital of Japan."
    page = tmp_path / "flow.html"
    code, out, _ = run("flow", text, "--model", "minilm", "--token", "3", "--format", "json", "--html", str(page))
    assert code == 0 and json.loads(out)["token"] == 3  # stdout stays the JSON alone
    html = page.read_text(encoding="utf-8")
    graph = attnlab.flow(attnlab.run_text(text, "minilm", streams=True), 3, 0.04)
    data = json.loads(re.search(r'id="attnlab-meta">(.*?)</script>', html).group(1))
    assert data["view"] == "flow" and data["view_meta"]["flow"]["data"]["title"] == tab_data(graph, "ja")["title"]
    assert [e["kind"] for e in data["view_meta"]["flow"]["data"]["edges"]] == [e.kind for e in graph.edges]
    code, _, err = run("flow", text, "--model", "minilm", "--html", str(tmp_path / "no" / "such" / "dir" / "p.html"))
    assert code == 2 and "--html" in err and len(err.strip().splitlines()) == 1
