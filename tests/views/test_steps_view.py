"""The steps tab's data (views/steps) on SmolLM2, greedy and sampled with a seed: its steps are
analysis.steps.steps_to_dict's, its overview arrays the trace's own rows (analysis.steps.step_rows, and
the dense weights), in a page file, in a notebook page and in `attnlab text --generate N --html`.
Tolerance on weights: 1e-5 absolute (fp32 rows computed two ways)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import attnlab
from attnlab import cli
from attnlab.analysis.steps import step_rows, steps_text, steps_to_dict
from attnlab.errors import AttnlabError
from attnlab.html.encode import PageData, decode_arrays, page_data
from attnlab.html.render import render_page
from attnlab.i18n import t
from attnlab.views import page_views, view_named

pytestmark = pytest.mark.model

RUNS = {  # (prompt, settings): greedy, and sampled with a seed, with the logit lens
    "greedy": ("The capital of Japan is", {}),
    "sampled": ("東京は日本の首都で、", {"temperature": 0.9, "top_k": 20, "seed": 7, "lens": True}),
}


@pytest.fixture(scope="module", params=list(RUNS))
def gen(request):
    prompt, settings = RUNS[request.param]
    return attnlab.generate(prompt, "smollm2", 4, top=3, **settings)


def file_data(page: str) -> PageData:
    """A page file's meta and blob, as its script reads them."""
    found = dict(re.findall(r'<script type="application/(?:json|octet-stream)" id="(attnlab-(?:meta|blob))">(.*?)'
                            r"</script>", page, re.S))
    return PageData(json.loads(found["attnlab-meta"]), found["attnlab-blob"])


def expected_steps(gen) -> dict:
    """steps_to_dict, with each step's logit lens cut to its first token per layer (what the tab shows)."""
    want = steps_to_dict(gen)
    for step in want["steps"]:
        if "lens" in step:
            step["lens"] = [layer[0] for layer in step["lens"]]
    return want


def check_page(data: PageData, gen, lang: str) -> None:
    shown = data.meta["view_meta"]["steps"]["data"]
    how = shown.pop("how")
    assert shown == json.loads(json.dumps(expected_steps(gen)))  # (the page's JSON: tuples become lists)
    title = steps_text(gen, lang).splitlines()[0]  # the printout says the same settings in the same words
    assert title == t("steps_title", lang, n=len(gen.steps), how=how)
    assert (str(gen.sampling.seed) in how) == (not gen.sampling.greedy)
    arrays = decode_arrays(data)
    argmax, top = arrays["steps_argmax"], arrays["steps_max"]  # [step, layer, head]
    trace = gen.trace
    assert argmax.shape == top.shape == (len(gen.steps), trace.n_layers, trace.n_heads)
    for layer in range(trace.n_layers):
        dense = trace.head_weights(layer).float()  # [head, q_pos, k_pos]
        for i, step in enumerate(gen.steps):
            rows = step_rows(trace, step.position, layer)  # [head, keys]
            np.testing.assert_allclose(top[i, layer], rows.max(-1).values.numpy(), atol=1e-5)
            np.testing.assert_allclose(top[i, layer], dense[:, step.position].max(-1).values.numpy(), atol=1e-5)
            picked = rows.gather(1, torch_long(argmax[i, layer]))[:, 0].numpy()  # the weight at the argmax key
            np.testing.assert_allclose(picked, top[i, layer], atol=1e-5)


def torch_long(a: np.ndarray):
    import torch

    return torch.from_numpy(a.astype(np.int64))[:, None]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_page_carries_the_steps_and_the_traces_rows(gen, lang):
    page = render_page(gen.trace, lang=lang, generation=gen)
    data = file_data(page)
    assert data.meta["view"] == "steps" and data.meta["views"][0] == "steps"
    check_page(data, gen, lang)


def test_a_page_without_the_generation_has_no_steps_tab(gen):
    assert "steps" not in [v.name for v in page_views(gen.trace)]
    assert "steps" not in [v.name for v in page_views(gen.trace, live=True)]
    with pytest.raises(AttnlabError, match="needs a decoder's generation"):
        render_page(gen.trace, view="steps")
    _, data = page_data(gen.trace, lang="en", view="heatmap", layers=[0], focus=None, given={"steps": gen})
    assert data.meta["view"] == "heatmap" and "steps" in data.meta["views"]  # given: there, and view= still chooses
    assert view_named("steps", gen.trace, given={"steps": gen}).name == "steps"


def test_steps_of_another_trace_or_not_a_generation_are_refused(gen):
    other = attnlab.run_text("Tokyo is beautiful", "smollm2")
    with pytest.raises(AttnlabError, match="not of another trace"):
        render_page(other, generation=gen)
    with pytest.raises(AttnlabError, match=r"takes attnlab\.generate"):
        render_page(gen.trace, generation=gen.steps)
    with pytest.raises(AttnlabError, match="not of another trace"):
        attnlab.show(other, generation=gen)


def test_show_of_a_generation_opens_on_its_steps(gen):
    page = attnlab.show(gen, lang="en")
    assert page.trace is gen.trace and page.generation is gen
    html = page._repr_html_()
    assert "<iframe" in html and "attnlab-meta" in html  # the page is inside the frame's srcdoc, escaped


def test_cli_generate_html_writes_the_steps_tab(tmp_path, capsys):
    page = tmp_path / "steps.html"
    code = cli.main(["text", "The capital of Japan is", "--model", "smollm2", "--generate", "3", "--temperature",
                     "0.8", "--seed", "11", "--candidates", "3", "--html", str(page), "--lang", "en"])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    again = attnlab.generate("The capital of Japan is", "smollm2", 3, temperature=0.8, seed=11, top=3)
    data = file_data(page.read_text(encoding="utf-8"))
    assert data.meta["view"] == "steps"
    check_page(data, again, "en")  # the same settings: the same tokens, probabilities and rows
