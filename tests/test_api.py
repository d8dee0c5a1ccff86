"""The public API: __all__ is complete and every name resolves; `import attnlab` stays light."""

import subprocess
import sys

import attnlab


def test_all_names_resolve():
    for name in attnlab.__all__:
        assert getattr(attnlab, name) is not None, name


def test_import_is_light():
    code = "import attnlab, sys; attnlab.run_toy(); print('matplotlib' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_notebook_one_call_flow():
    trace = attnlab.run_toy(tokens="I love transformers so much".split(), d_model=8, heads=2)
    assert "Attention重み:" in str(trace) and repr(trace).startswith("ToyTrace(tokens=['I', 'love'")
    fig = attnlab.plot_heads(trace)
    assert hasattr(fig, "savefig") and len(fig.axes) >= 3


def test_write_html_is_public_as_the_readme_shows(tmp_path):
    """README: attnlab.write_html(trace, "page.html"); the name resolves lazily to attnlab.html's."""
    from attnlab.html import write_html

    assert "write_html" in attnlab.__all__ and attnlab.write_html is write_html
    page = attnlab.write_html(attnlab.run_toy(), tmp_path / "page.html", lang="en")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
